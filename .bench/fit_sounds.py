"""Fit the sound detectors (pipeline/sounds/detect.py) and write their weights as JSON.

    .venv/bin/python .bench/fit_sounds.py                    # fit music, report on the held-out clips
    .venv/bin/python .bench/fit_sounds.py --write            # ... and write pipeline/sounds/model.json
    .venv/bin/python .bench/fit_sounds.py --kind ringing --write   # the ringing model: ringing.json

Fitted only on the fitting side of pipeline/sounds/clips.py (two thirds of the music excerpts,
the speech clips of testdata/more, the first half of the kitchen noise, short sound effects,
mixes of them; for ringing also four of the six phone and alarm recordings, rung alone, under
speech, before speech and over noise, against all the rest); the held-out side (the other music
excerpts and rings, testdata's own speech clips, the second half of the noise, Big Buck Bunny) is
what .bench/sounds.py measures. A small network (scikit-learn's MLPClassifier: 8 ReLU units, a
logistic output) over standardised window features. Music, held-out windows, precision/recall,
before the tuning feature and the sound effects: logistic regression 0.90/0.82, this 0.94/0.92,
16 units 0.93/0.92, gradient boosting 0.88/0.91; with them (harder negatives): 4, 8 and 16 units
0.94/0.86, 0.95/0.87, 0.94-0.95/0.85-0.87. Ringing: the music model's 11 features and two of its
own (detect.RING_FEATURES: how the sound repeats itself, how few its partials).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.sounds import clips as labelled  # noqa: E402
from pipeline.sounds import detect  # noqa: E402

TESTDATA = REPO.parent / "shared" / "testdata"
HIDDEN = 8
REGULARISATION = 1e-2  # scikit-learn's alpha (L2)
KINDS = {  # kind: (features, where its weights go, the window threshold)
    "music": (detect.FEATURES, detect.MODEL, detect.THRESHOLD),
    "ringing": (detect.RING_FEATURES, detect.RING_MODEL, detect.RING_THRESHOLD),
}


def dataset(held_out: bool, kind: str = "music") -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    clips = labelled.clips(TESTDATA, held_out)
    if kind == "ringing":
        clips += labelled.ring_clips(TESTDATA, held_out)
    for clip in clips:
        features = detect.window_features(clip.samples)[:, :len(KINDS[kind][0])]
        rows.append(features)
        labels.append(labelled.window_labels(clip, len(features), detect.WINDOW, detect.STEP, kind))
    return np.concatenate(rows), np.concatenate(labels)


def main() -> None:
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=sorted(KINDS), default="music")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    features, path, threshold = KINDS[args.kind]
    x, y = dataset(False, args.kind)
    scaler = StandardScaler().fit(x)
    model = MLPClassifier((HIDDEN,), alpha=REGULARISATION, max_iter=3000, random_state=0)
    model.fit(scaler.transform(x), y)
    tx, ty = dataset(True, args.kind)
    for name, xs, ys in (("fitting", x, y), ("held out", tx, ty)):
        p = model.predict_proba(scaler.transform(xs))[:, 1] >= threshold
        tp = (p & (ys == 1)).sum()
        print(f"{name}: {len(ys)} windows, {int(ys.sum())} {args.kind}; window precision {tp / max(p.sum(), 1):.3f}, "
              f"recall {tp / max(ys.sum(), 1):.3f}")
    if args.write:
        data = {"features": list(features), "mean": scaler.mean_.round(6).tolist(),
                "scale": scaler.scale_.round(6).tolist(), "hidden_weights": model.coefs_[0].round(6).tolist(),
                "hidden_bias": model.intercepts_[0].round(6).tolist(),
                "output_weights": model.coefs_[1][:, 0].round(6).tolist(),
                "output_bias": round(float(model.intercepts_[1][0]), 6),
                "fitted_on": f"pipeline/sounds/clips.py, fitting side; .bench/fit_sounds.py --kind {args.kind}"}
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
