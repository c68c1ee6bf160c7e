"""Fit the review list's risk model, and measure it on clips the fit did not see.

    .venv/bin/python .bench/fit_review.py            # decode (cached in ~/.cache), fit, report
    .venv/bin/python .bench/fit_review.py --write    # ... and write pipeline/review/model.json

Clips: ../shared/testdata, ../shared/testdata/more and the demo (media/cse-signs-demo.mp4 with its
narration text), each with a reference transcript. Each clip is decoded as a build decodes it
(base) and by the second opinion (tiny.en). A word's label comes from jiwer's alignment with the
reference (pipeline/review/measure.py). The model is a logistic regression (scikit-learn) over
pipeline/review/risk.py's features. Figures are cross-validated: each clip's words are scored by
a model fitted without that clip's data set group (GroupKFold over clips), never by one that saw
them. The threshold is the highest that keeps pooled cross-validated recall at or above TARGET.
Writes .bench/review.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.audio import extract_pcm  # noqa: E402
from pipeline.review import risk  # noqa: E402
from pipeline.review.measure import Recall, error_events, recall_of  # noqa: E402
from pipeline.transcribe.models import cache_root  # noqa: E402
from pipeline.transcript import Transcript  # noqa: E402

TESTDATA = Path(os.environ.get("PIPELINE_TESTDATA", REPO.parent / "shared" / "testdata"))
TARGET = 0.85
SECOND_MODEL = os.environ.get("SECOND_OPINION", "tiny.en")
CACHE = cache_root() / "fit-review"


def clips() -> list[tuple[str, str, Path, str]]:
    """(set, name, media, reference text) of every clip with a reference."""
    out = []
    for group, folder in (("testdata", TESTDATA), ("more", TESTDATA / "more")):
        with open(folder / "manifest.tsv", newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                out.append((group, row["media"], folder / row["media"],
                            (folder / row["reference"]).read_text(encoding="utf-8")))
    demo = REPO / "media" / "cse-signs-demo.mp4"
    out.append(("demo", demo.name, demo, demo.with_suffix(".txt").read_text(encoding="utf-8")))
    return out


SECOND = {"tiny.en": ("tiny.en", {}), "base-greedy": ("base", {"beam_size": 1, "vad": False})}


def decoded(media: Path, model: str, **options) -> Transcript:
    """The clip decoded as a build decodes it, cached by audio, model and options."""
    from pipeline.transcribe.engines import TRANSCRIBE_VERSION, DecodeOptions, load_engine
    from pipeline.transcribe.models import resolve_model

    CACHE.mkdir(parents=True, exist_ok=True)
    digest = extract_pcm(media, CACHE)
    tag = model + "".join(f".{k}={v}" for k, v in sorted(options.items()))
    path = CACHE / f"{digest}.{tag}.v{TRANSCRIBE_VERSION}.json"
    if path.is_file():
        return Transcript.from_json(path.read_text())
    engine = _engines.setdefault(tag, load_engine("faster-whisper", resolve_model(model), DecodeOptions(**options)))
    transcript = engine.transcribe_file(CACHE / f"{digest}.pcm")
    path.write_text(transcript.to_json())
    return transcript


_engines: dict = {}


def dataset(glossary: frozenset[str]):
    rows = []
    for group, name, media, reference in clips():
        model, options = SECOND[SECOND_MODEL]
        first, second = decoded(media, "base"), decoded(media, model, **options)
        words = [w for w in first.words if not w.sound]
        events = error_events(reference, [w.text for w in words])
        heard = risk.alternatives(words, [w for w in second.words if not w.sound])
        rows.append((group, name, first.duration / 60, words, events, risk.features(words, heard, glossary)))
        print(f"{name}: {len(words)} words, {len(events)} errors", file=sys.stderr, flush=True)
    return rows


def cross_validated(rows, folds: int = 5) -> list[list[float]]:
    """Each clip's risks from a model fitted without it."""
    from sklearn.linear_model import LogisticRegression

    order = sorted(range(len(rows)), key=lambda k: hashlib.sha256(rows[k][1].encode()).hexdigest())
    fold_of = {k: i % folds for i, k in enumerate(order)}
    out: list[list[float]] = [[] for _ in rows]
    for fold in range(folds):
        train = [k for k in range(len(rows)) if fold_of[k] != fold]
        x = [f for k in train for f in rows[k][5]]
        y = [l for k in train for l in labels(rows[k])]
        fitted = LogisticRegression(max_iter=2000).fit(x, y)
        for k in range(len(rows)):
            if fold_of[k] == fold and rows[k][5]:
                out[k] = list(fitted.predict_proba(rows[k][5])[:, 1])
    return out


def labels(row) -> list[bool]:
    """A word is worth flagging when it finds a mistake."""
    useful = set().union(*row[4]) if row[4] else set()
    return [i in useful for i in range(len(row[3]))]


def pooled(rows, risks, threshold: float) -> Recall:
    total = Recall(0, 0, 0, 0.0)
    for row, scores in zip(rows, risks):
        total = total + recall_of(row[4], [s >= threshold for s in scores], row[2])
    return total


def threshold_for(rows, risks, target: float) -> float:
    for t in sorted({s for r in risks for s in r}, reverse=True):
        if pooled(rows, risks, t).recall >= target:
            return t
    return 0.0


def report(rows, risks, threshold: float) -> list[str]:
    totals: dict[str, Recall] = {}
    lines = []
    for (group, name, minutes, words, events, _), scores in zip(rows, risks):
        got = recall_of(events, [s >= threshold for s in scores], minutes)
        totals[group] = totals.get(group, Recall(0, 0, 0, 0.0)) + got
        totals["all"] = totals.get("all", Recall(0, 0, 0, 0.0)) + got
        if group == "demo":
            lines.append(f"- demo ({name}): {got}")
    return [f"- {group}: {got}" for group, got in totals.items()] + lines


def baseline(rows, below: float = 0.5) -> list[str]:
    got = Recall(0, 0, 0, 0.0)
    for _, _, minutes, words, events, _ in rows:
        got = got + recall_of(events, [w.probability < below for w in words], minutes)
    return [f"- Whisper's word probability below {below} alone, all clips: {got}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write pipeline/review/model.json")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    rows = dataset(frozenset())
    risks = cross_validated(rows)
    threshold = threshold_for(rows, risks, TARGET)
    lines = ["# The review list, measured", "",
             f"Cross-validated (5 folds over {len(rows)} clips; no clip scored by a model that saw it), "
             f"threshold {threshold:.3f} (the highest with pooled recall >= {TARGET:.0%}):", "",
             *report(rows, risks, threshold), "", "The trade-off (cross-validated, all clips):", "",
             *[f"- at recall >= {target:.0%}: {pooled(rows, risks, threshold_for(rows, risks, target))}"
               for target in (0.5, 0.6, 0.7, 0.8, 0.9)],
             "", "For comparison:", "", *baseline(rows), ""]
    ablations = []
    for k, name in enumerate(risk.FEATURES):
        dropped = [(g, n, m, w, l, [f[:k] + [0.0] + f[k + 1:] for f in fs]) for g, n, m, w, l, fs in rows]
        r = cross_validated(dropped)
        got = pooled(dropped, r, threshold_for(dropped, r, TARGET))
        ablations.append(f"- without {name}: precision {got.precision:.0%} at recall {got.recall:.0%} "
                         f"({got.per_minute:.1f} flagged a minute)")
    lines += ["What each signal adds (the same cross-validation with that signal left out):", "", *ablations, ""]
    fitted = LogisticRegression(max_iter=2000).fit([f for r in rows for f in r[5]], [l for r in rows for l in labels(r)])
    model = {"features": list(risk.FEATURES), "weights": [round(float(w), 4) for w in fitted.coef_[0]],
             "bias": round(float(fitted.intercept_[0]), 4), "threshold": round(threshold, 4),
             "fitted_on": f"{len(rows)} clips, {sum(len(r[3]) for r in rows)} words, "
                          f"{sum(len(r[4]) for r in rows)} mistakes; .bench/fit_review.py"}
    lines += ["Model (fitted on all clips):", "", "```", json.dumps(model, indent=1), "```", ""]
    (REPO / ".bench" / "review.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if args.write:
        (REPO / "pipeline" / "review" / "model.json").write_text(json.dumps(model, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
