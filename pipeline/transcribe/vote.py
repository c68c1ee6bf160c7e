"""Two decodes of the same audio, combined word by word (a confidence vote, as ROVER does).

Where the build's model and the second opinion hear different words in one stretch, the stretch
whose least sure word is surer wins; where only one of them heard words, the build's model
stands. Measured on the clips with reference transcripts (`.bench/fit_review.py`'s decodes, base
and tiny.en, `.bench/vote.py`): see `.bench/vote.md`. Pure: transcripts in, transcript out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from ..transcript import Segment, Transcript, Word, normalise_token

VOTE_VERSION = 1  # part of the corrected words' cache key


@dataclass(frozen=True)
class Voted:
    transcript: Transcript
    # For each word of the result, the index of the first decode's word it stands for, and the
    # first decode's words it replaced when it came from the second opinion (else None).
    sources: tuple[tuple[int, str | None], ...]


def combine(first: Transcript, second: Transcript | None) -> Voted:
    words = first.words
    if second is None or second.audio_sha256 != first.audio_sha256:  # none, or of other audio
        return Voted(first, tuple((i, None) for i in range(len(words))))
    theirs = second.words
    segment_of = [k for k, segment in enumerate(first.segments) for _ in segment.words]
    out: list[list[Word]] = [[] for _ in first.segments]
    sources: list[tuple[int, str | None]] = []
    matcher = SequenceMatcher(None, [normalise_token(w.text) for w in words],
                              [normalise_token(w.text) for w in theirs], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        ours_won = op != "replace" or _least_sure(theirs[j1:j2]) <= _least_sure(words[i1:i2])
        if ours_won:
            for i in range(i1, i2):
                out[segment_of[i]].append(words[i])
                sources.append((i, None))
            continue
        # The second decode's words, with its own times (the same audio, the same clock).
        instead = " ".join(w.text for w in words[i1:i2])
        for j in range(j1, j2):
            out[segment_of[i1]].append(replace(theirs[j], speaker=words[i1].speaker))
            sources.append((i1, instead))
    return Voted(replace(first, segments=[Segment(ws) for ws in out]), tuple(sources))


def _least_sure(words: list[Word]) -> float:
    return min(w.probability for w in words)
