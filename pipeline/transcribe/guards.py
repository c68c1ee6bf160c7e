"""Keeping Whisper from inventing words: segments that are most likely noise turned into words,
and the loops a decoder falls into, are taken out. Nothing vanishes: what a guard takes out is
returned as `Removed` items, with times, for the review list.

A loop is cut only with evidence that it is not speech. A person may say "no, no, no, no";
each of those words has its own stretch of audio and is heard with confidence. A decoding loop
repeats a phrase with words squeezed into no time, or heard with little confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..transcript import Removed, Segment, Word, normalise_token

# Whisper's own rule skips a segment only when no_speech_prob > 0.6 and avg_logprob < -1.0;
# after VAD, what is left of a non-speech chunk is caught by a stricter pair, or because it is
# nothing but a hum or a filler (Whisper base hears "Mmmmmmmm" in Big Buck Bunny's sounds).
NO_SPEECH = 0.5
WEAK_LOGPROB = -0.7
FILLER = re.compile(r"^(?:m+|h+m+|m+-?h+m+|u+h+|u+m+|a+h+|o+h+|e+r+)[.,!?…]*$", re.IGNORECASE)
FILLER_CONFIDENCE = 0.6
LOOP_REPEATS = 4  # a phrase said this many times in a row may be a decoding loop
LOOP_MAX_WORDS = 8
LOOP_ALWAYS = 10  # ... and said this many times in a row, it is one whatever the evidence
SQUEEZED = 0.08  # seconds: a word shorter than this has no audio of its own
LOOP_CONFIDENCE = 0.5  # a repeated phrase heard with less confidence than this is not speech

NOISE = "probably not speech (heard in noise)"
LOOP = "a decoding loop (the same words over and over)"


@dataclass(frozen=True)
class Verdict:
    """What Whisper said of a segment: how likely there was no speech, and how sure it was."""

    no_speech_prob: float
    avg_logprob: float


def shifted(segment: Segment, offset: float) -> Segment:
    """The segment with every time moved by offset seconds (a block's clock to the media's)."""
    return Segment([replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in segment.words])


def shifted_removed(removed: Removed, offset: float) -> Removed:
    return replace(removed, start=round(removed.start + offset, 3), end=round(removed.end + offset, 3))


def plausible(segment: Segment, verdict: Verdict) -> bool:
    """False for a segment that is most likely noise Whisper turned into words."""
    if verdict.no_speech_prob > NO_SPEECH and verdict.avg_logprob < WEAK_LOGPROB:
        return False
    words = segment.words
    if words and all(FILLER.match(w.text) for w in words):
        return sum(w.probability for w in words) / len(words) >= FILLER_CONFIDENCE
    return True


def keep_plausible(decoded: list[tuple[Segment, Verdict]]) -> tuple[list[Segment], list[Removed]]:
    kept, removed = [], []
    for segment, verdict in decoded:
        if plausible(segment, verdict):
            kept.append(segment)
        elif segment.words:
            removed.append(_removed(segment.words, NOISE))
    return kept, removed


def drop_loops(segments: list[Segment]) -> tuple[list[Segment], list[Removed]]:
    """Cut runs where the same phrase repeats as a decoding loop, keeping it once."""
    words = [w for s in segments for w in s.words]
    keep, removed = _loop_free(words)
    kept_ids = {id(w) for w in keep}
    out = [Segment([w for w in s.words if id(w) in kept_ids]) for s in segments]
    return [s for s in out if s.words], removed


def _loop_free(words: list[Word]) -> tuple[list[Word], list[Removed]]:
    tokens = [normalise_token(w.text) for w in words]
    out: list[Word] = []
    removed: list[Removed] = []
    i = 0
    while i < len(words):
        repeat = loop_at(tokens, i)
        if repeat and is_decoding_loop(words[i:i + repeat[0] * repeat[1]], repeat[1]):
            size, count = repeat
            out.extend(words[i:i + size])
            removed.append(_removed(words[i + size:i + size * count], LOOP))
            i += size * count
        else:
            out.append(words[i])
            i += 1
    return out, removed


def is_decoding_loop(run: list[Word], count: int) -> bool:
    """A repeated run is a loop, not speech, when its words have no audio of their own, or were
    heard with little confidence, or it goes on far longer than people repeat themselves."""
    if count >= LOOP_ALWAYS:
        return True
    squeezed = sum(1 for w in run if w.end - w.start < SQUEEZED)
    confidence = sum(w.probability for w in run) / len(run)
    return squeezed > len(run) / 2 or confidence < LOOP_CONFIDENCE


def _removed(words: list[Word], reason: str) -> Removed:
    return Removed(" ".join(w.text for w in words), words[0].start, words[-1].end, reason)


def loop_at(tokens: list[str], i: int, repeats: int = LOOP_REPEATS) -> tuple[int, int] | None:
    """(phrase length, times said) when a phrase starting at i is said `repeats` times or more in a row."""
    for size in range(1, LOOP_MAX_WORDS + 1):
        phrase = tokens[i:i + size]
        if len(phrase) < size or not any(phrase):
            break
        count = 1
        while tokens[i + count * size:i + (count + 1) * size] == phrase:
            count += 1
        if count >= repeats:
            return size, count
    return None
