"""What the confidence vote of two decodes (pipeline/transcribe/vote.py) does to the WER, clip by
clip, on every clip with a reference: `.venv/bin/python .bench/vote.py` writes .bench/vote.md.

The decodes are the ones .bench/fit_review.py caches (base as the build decodes, tiny.en as the
second opinion); WER with Whisper's English normaliser and jiwer (pipeline/evaluate.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fit_review  # noqa: E402

from pipeline.evaluate import score_text  # noqa: E402
from pipeline.transcribe.vote import combine  # noqa: E402


def main() -> int:
    totals: dict[str, list[int]] = {}
    changed = []
    for group, name, media, reference in fit_review.clips():
        first, second = fit_review.decoded(media, "base"), fit_review.decoded(media, "tiny.en")
        alone, voted = score_text(name, reference, first.text), score_text(name, reference, combine(first, second).transcript.text)
        total = totals.setdefault(group, [0, 0, 0])
        total[0] += alone.reference_words
        total[1] += alone.errors
        total[2] += voted.errors
        if voted.errors != alone.errors:
            changed.append(f"| {name} | {alone.errors} | {voted.errors} |")
    lines = ["# The vote of two decodes, measured", "",
             "| set | words | WER, base alone | WER, base + tiny.en vote |", "|---|---|---|---|",
             *[f"| {g} | {n} | {e0 / n:.2%} | {e1 / n:.2%} |" for g, (n, e0, e1) in totals.items()], "",
             "Clips whose errors changed:", "", "| clip | errors, base alone | errors, vote |", "|---|---|---|",
             *changed, ""]
    (Path(__file__).resolve().parent / "vote.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
