"""Keeping Whisper from inventing words: speech found by voice activity detection is all it
hears, and the loops it falls into are cut.

VAD is Silero's model as shipped inside faster-whisper, run here, before either engine, so
both engines get the very same speech and stay comparable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE
from .transcript import Segment, Word, normalise_token

# Whisper's own rule skips a segment only when no_speech_prob > 0.6 and avg_logprob < -1.0;
# after VAD, what is left of a non-speech chunk is caught by a stricter pair, or because it is
# nothing but a hum or a filler (Whisper base hears "Mmmmmmmm" in Big Buck Bunny's sounds).
NO_SPEECH = 0.5
WEAK_LOGPROB = -0.7
FILLER = re.compile(r"^(?:m+|h+m+|m+-?h+m+|u+h+|u+m+|a+h+|o+h+|e+r+)[.,!?…]*$", re.IGNORECASE)
FILLER_CONFIDENCE = 0.6
LOOP_REPEATS = 4  # a phrase said this many times in a row is a decoding loop, not speech
LOOP_MAX_WORDS = 8


@dataclass
class SpeechMap:
    """Where the kept speech sits in the original audio."""

    chunks: list[dict]  # sample ranges of speech, as faster_whisper.vad gives them

    def original_time(self, speech_time: float) -> float:
        sample = speech_time * SAMPLE_RATE
        elapsed = 0
        for chunk in self.chunks:
            length = chunk["end"] - chunk["start"]
            if sample <= elapsed + length:
                return (chunk["start"] + sample - elapsed) / SAMPLE_RATE
            elapsed += length
        return self.chunks[-1]["end"] / SAMPLE_RATE if self.chunks else 0.0

    def chunk_of(self, speech_time: float) -> int:
        sample = speech_time * SAMPLE_RATE
        elapsed = 0
        for index, chunk in enumerate(self.chunks):
            elapsed += chunk["end"] - chunk["start"]
            if sample < elapsed:
                return index
        return max(0, len(self.chunks) - 1)


def speech_only(audio: np.ndarray) -> tuple[np.ndarray, SpeechMap]:
    """The audio with silence, noise and music left out, and the map back to the original."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    chunks = get_speech_timestamps(audio, VadOptions())
    if not chunks:
        return np.zeros(0, dtype=np.float32), SpeechMap([])
    return np.concatenate([audio[c["start"]:c["end"]] for c in chunks]), SpeechMap(chunks)


def restore_times(segments: list[Segment], speech: SpeechMap) -> None:
    """Put word times back on the original audio's clock; a word never straddles a cut."""
    offsets = []
    elapsed = 0
    for chunk in speech.chunks:
        offsets.append((chunk["start"] - elapsed) / SAMPLE_RATE)
        elapsed += chunk["end"] - chunk["start"]
    for segment in segments:
        for word in segment.words:
            index = speech.chunk_of((word.start + word.end) / 2)
            word.start = round(word.start + offsets[index], 3)
            word.end = round(word.end + offsets[index], 3)


def plausible(segment: Segment, no_speech_prob: float, avg_logprob: float) -> bool:
    """False for a segment that is most likely noise Whisper turned into words."""
    if no_speech_prob > NO_SPEECH and avg_logprob < WEAK_LOGPROB:
        return False
    words = segment.words
    if words and all(FILLER.match(w.text) for w in words):
        return sum(w.probability for w in words) / len(words) >= FILLER_CONFIDENCE
    return True


def drop_loops(segments: list[Segment]) -> list[Segment]:
    """Cut runs where the same phrase repeats LOOP_REPEATS times or more, keeping it once."""
    words = [w for s in segments for w in s.words]
    keep = _loop_free(words)
    kept_ids = {id(w) for w in keep}
    out = [Segment([w for w in s.words if id(w) in kept_ids]) for s in segments]
    return [s for s in out if s.words]


def _loop_free(words: list[Word]) -> list[Word]:
    tokens = [normalise_token(w.text) for w in words]
    out: list[Word] = []
    i = 0
    while i < len(words):
        repeat = loop_at(tokens, i)
        if repeat:
            size, count = repeat
            out.extend(words[i:i + size])
            i += size * count
        else:
            out.append(words[i])
            i += 1
    return out


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
