"""Word error rate against reference transcripts: Whisper's English normaliser, then jiwer."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@cache
def _normaliser():
    from whisper.normalizers import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalise(text: str) -> str:
    return " ".join(_normaliser()(text).split())


@dataclass
class Score:
    name: str
    reference_words: int
    errors: int  # substitutions + deletions + insertions
    hypothesis_words: int

    @property
    def wer(self) -> float | None:
        return self.errors / self.reference_words if self.reference_words else None


def score_text(name: str, reference: str, hypothesis: str) -> Score:
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    hyp_words = len(hyp.split())
    if not ref:
        return Score(name, 0, hyp_words, hyp_words)
    if not hyp:
        return Score(name, len(ref.split()), len(ref.split()), 0)
    out = jiwer.process_words(ref, hyp)
    return Score(name, len(ref.split()), out.substitutions + out.deletions + out.insertions, hyp_words)


def pooled_wer(scores: list[Score]) -> float:
    words = sum(s.reference_words for s in scores)
    return sum(s.errors for s in scores if s.reference_words) / words if words else 0.0


def speakers_from_manifest(media_dir: Path) -> dict[str, int]:
    """The test set's manifest.tsv, when there is one: media name -> number of speakers."""
    manifest = media_dir / "manifest.tsv"
    if not manifest.is_file():
        return {}
    with open(manifest, newline="", encoding="utf-8") as f:
        return {row["media"]: int(row["speakers"]) for row in csv.DictReader(f, delimiter="\t")}


def score_folder(media_dir: Path, transcripts_dir: Path) -> tuple[list[Score], dict[str, int]]:
    """Score transcripts/NAME/NAME.txt against media/NAME.txt for every media file with one."""
    from .audio import is_media_file

    scores = []
    for media in sorted(p for p in media_dir.iterdir() if is_media_file(p)):
        reference = media.with_suffix(".txt")
        hypothesis = transcripts_dir / media.stem / f"{media.stem}.txt"
        if reference.is_file() and hypothesis.is_file():
            scores.append(score_text(media.name, reference.read_text(encoding="utf-8"),
                                     hypothesis.read_text(encoding="utf-8")))
    return scores, speakers_from_manifest(media_dir)
