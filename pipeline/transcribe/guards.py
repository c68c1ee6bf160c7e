"""Keeping Whisper from inventing words: segments that are most likely noise turned into words,
and the loops a decoder falls into, are taken out. Nothing vanishes: what a guard takes out is
returned as `Removed` items, with times, for the review list.

A loop is cut only with evidence that it is not speech. A person may say "no, no, no, no" or
"word, word, word"; each of those words has its own stretch of audio, and that audio sounds like
speech. A decoding loop repeats a phrase with words squeezed into no time, stacked on the same
instant, heard with little confidence, or laid over audio that does not sound like speech.

Fillers ("um", "uh") are kept: they were said, and leaving them out of captions is a choice for
the caption layout, not something the machine transcript should decide (DecodeOptions.filler_filter
turns the old rule back on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from ..transcript import Removed, Segment, Word, normalise_token

# Whisper's own rule skips a segment only when no_speech_prob > 0.6 and avg_logprob < -1.0;
# after VAD, what is left of a non-speech chunk is caught by a stricter pair, or because it is
# nothing but a hum (Whisper base hears "Mmmmmmmm" in Big Buck Bunny's sounds).
NO_SPEECH = 0.5
WEAK_LOGPROB = -0.7
HUM = re.compile(r"^h*m+[.,!?…]*$", re.IGNORECASE)  # "Mmmmm", "Hmmm": a sound, not a word
FILLER = re.compile(r"^(?:m+|h+m+|m+-?h+m+|u+h+|u+m+|a+h+|o+h+|e+r+)[.,!?…]*$", re.IGNORECASE)
FILLER_CONFIDENCE = 0.6  # a hum or filler heard with less confidence than this is noise

LOOP_REPEATS = 4  # a phrase said this many times in a row may be a decoding loop
LOOP_MAX_WORDS = 8
LOOP_ALWAYS = 10  # ... and said this many times in a row, it is one whatever the evidence
SQUEEZED = 0.08  # seconds: a word shorter than this has no audio of its own
LOOP_CONFIDENCE = 0.5  # without VAD's evidence, a repeated phrase heard with less confidence is a loop
HEARD_SPEECH = 0.1  # Silero's speech probability over a word's audio: above it, something was said

# The second look: words in audio VAD rejected are kept only when Whisper is sure of them, by its
# own bars (it treats a segment as silence above no_speech_prob 0.6 with avg_logprob below -1.0,
# as a failed decoding below -1.0, and as a loop above a gzip compression ratio of 2.4), and most
# of its words heard with more confidence than not. Measured on what VAD at Silero's default
# threshold rejects: the whispered sentence of testdata/more/mfa_tests_whisper2 (base: no_speech
# 0.29, avg_logprob -0.98, mean word probability 0.62; tiny.en: 0.18, -0.62, 0.79) is kept; the
# words heard in kitchen noise ("oil pepper salt": 0.57, -0.97, 0.02; "Thank you for watching":
# 0.52, -1.29, 0.51) are not.
SURE_NO_SPEECH = 0.5
SURE_LOGPROB = -1.0
SURE_WORD = 0.5
SURE_COMPRESSION = 2.4

NOISE = "probably not speech (heard in noise)"
FILLERS = "fillers Whisper was unsure of"
LOOP = "a decoding loop (the same words over and over)"
UNSURE_OUTSIDE_SPEECH = "heard where voice activity detection found no speech, with little confidence"


@dataclass(frozen=True)
class Verdict:
    """What Whisper said of a segment: how likely there was no speech, and how sure it was."""

    no_speech_prob: float
    avg_logprob: float
    compression_ratio: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """How much the audio sounds like speech, moment by moment (Silero VAD's probabilities)."""

    probabilities: np.ndarray  # one per `step` seconds
    step: float

    def speech_in(self, start: float, end: float) -> float:
        """The highest speech probability between start and end (seconds on the block's clock)."""
        if len(self.probabilities) == 0:
            return 0.0
        first = min(max(0, int(start / self.step)), len(self.probabilities) - 1)
        last = min(max(first + 1, int(np.ceil(end / self.step))), len(self.probabilities))
        return float(self.probabilities[first:last].max())


def shifted(segment: Segment, offset: float) -> Segment:
    """The segment with every time moved by offset seconds (a block's clock to the media's)."""
    return Segment([replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in segment.words])


def shifted_removed(removed: Removed, offset: float) -> Removed:
    return replace(removed, start=round(removed.start + offset, 3), end=round(removed.end + offset, 3))


def _mean_probability(words: list[Word]) -> float:
    return sum(w.probability for w in words) / len(words) if words else 0.0


def plausible(segment: Segment, verdict: Verdict, noise: bool = True, fillers: bool = False) -> bool:
    """False for a segment that is most likely noise Whisper turned into words (and, with
    fillers=True, for one of nothing but fillers Whisper was unsure of)."""
    return _why_not(segment, verdict, noise, fillers) is None


def _why_not(segment: Segment, verdict: Verdict, noise: bool, fillers: bool) -> str | None:
    words = segment.words
    unsure = _mean_probability(words) < FILLER_CONFIDENCE
    if noise:
        if verdict.no_speech_prob > NO_SPEECH and verdict.avg_logprob < WEAK_LOGPROB:
            return NOISE
        if words and all(HUM.match(w.text) for w in words) and unsure:
            return NOISE
    if fillers and words and all(FILLER.match(w.text) for w in words) and unsure:
        return FILLERS
    return None


def keep_plausible(decoded: list[tuple[Segment, Verdict]], noise: bool = True,
                   fillers: bool = False) -> tuple[list[Segment], list[Removed]]:
    kept, removed = [], []
    for segment, verdict in decoded:
        reason = _why_not(segment, verdict, noise, fillers)
        if reason is None:
            kept.append(segment)
        elif any(_spoken(w) for w in segment.words):  # a lone "." taken out is nothing heard
            removed.append(_removed(segment.words, reason))
    return kept, removed


def sure(segment: Segment, verdict: Verdict) -> bool:
    """Whisper heard these words with confidence: enough to keep them where VAD heard no speech."""
    return (bool(segment.words) and verdict.no_speech_prob < SURE_NO_SPEECH and verdict.avg_logprob > SURE_LOGPROB
            and _mean_probability(segment.words) > SURE_WORD and verdict.compression_ratio <= SURE_COMPRESSION)


def second_look(decoded: list[tuple[Segment, Verdict]]) -> tuple[list[tuple[Segment, Verdict]], list[Removed]]:
    """Of what Whisper heard in audio VAD rejected: (the segments it is sure of, the rest as Removed)."""
    kept, removed = [], []
    for segment, verdict in decoded:
        if not any(_spoken(w) for w in segment.words):  # nothing but punctuation: nothing was heard
            continue
        if sure(segment, verdict):
            kept.append((segment, verdict))
        else:
            removed.append(_removed(segment.words, UNSURE_OUTSIDE_SPEECH))
    return kept, removed


def _spoken(word: Word) -> bool:
    return any(c.isalnum() for c in word.text)


def drop_loops(segments: list[Segment], evidence: Evidence | None = None) -> tuple[list[Segment], list[Removed]]:
    """Cut runs where the same phrase repeats as a decoding loop, keeping it once."""
    words = [w for s in segments for w in s.words]
    keep, removed = _loop_free(words, evidence)
    kept_ids = {id(w) for w in keep}
    out = [Segment([w for w in s.words if id(w) in kept_ids]) for s in segments]
    return [s for s in out if s.words], removed


def _loop_free(words: list[Word], evidence: Evidence | None) -> tuple[list[Word], list[Removed]]:
    tokens = [normalise_token(w.text) for w in words]
    out: list[Word] = []
    removed: list[Removed] = []
    i = 0
    while i < len(words):
        repeat = loop_at(tokens, i)
        if repeat:
            size, count = repeat
            run = words[i:i + size * count]
            if is_decoding_loop(run, count, evidence):
                out.extend(run[:size])
                removed.append(_removed(run[size:], LOOP))
            else:  # real repetition, judged whole: its tail is not judged again on its own
                out.extend(run)
            i += size * count
        else:
            out.append(words[i])
            i += 1
    return out, removed


def is_decoding_loop(run: list[Word], count: int, evidence: Evidence | None = None) -> bool:
    """A repeated run is a decoding loop unless most of its words have audio of their own: time
    of their own (not squeezed into nothing, not starting where the word before them starts or
    before it ends) over audio that sounds like speech (when VAD's evidence is at hand). Without
    that evidence, a run heard with little confidence is a loop too. One word of a real run may
    have no time of its own: Whisper tiny.en times one of five real "word"s in
    testdata/more/mfa_tests_mfa_words at 0 s, stacked on the next; so the run is judged as a whole."""
    if count >= LOOP_ALWAYS:
        return True
    own = [b for a, b in zip([None, *run], run) if _own_audio(b, a, evidence)]
    if len(own) <= len(run) / 2:
        return True
    return evidence is None and _mean_probability(run) < LOOP_CONFIDENCE


def _own_audio(word: Word, previous: Word | None, evidence: Evidence | None) -> bool:
    if word.end - word.start < SQUEEZED:
        return False
    if previous is not None and (word.start == previous.start or word.start < previous.end - SQUEEZED / 2):
        return False
    return evidence is None or evidence.speech_in(word.start, word.end) >= HEARD_SPEECH


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
