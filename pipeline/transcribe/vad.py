"""Voice activity detection: Silero's model as shipped inside faster-whisper, run here, before
either engine, so both engines hear the very same speech and stay comparable."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..audio import SAMPLE_RATE
from ..transcript import Segment


@dataclass(frozen=True)
class SpeechMap:
    """Where the kept speech sits in the original audio."""

    chunks: tuple[dict, ...]  # sample ranges of speech, as faster_whisper.vad gives them

    def chunk_of(self, speech_time: float) -> int:
        sample = speech_time * SAMPLE_RATE
        elapsed = 0
        for index, chunk in enumerate(self.chunks):
            elapsed += chunk["end"] - chunk["start"]
            if sample < elapsed:
                return index
        return max(0, len(self.chunks) - 1)

    def offsets(self) -> list[float]:
        """Seconds to add to a time inside each chunk of the speech to put it on the original clock."""
        out, elapsed = [], 0
        for chunk in self.chunks:
            out.append((chunk["start"] - elapsed) / SAMPLE_RATE)
            elapsed += chunk["end"] - chunk["start"]
        return out


def speech_only(audio: np.ndarray) -> tuple[np.ndarray, SpeechMap]:
    """The audio with silence, noise and music left out, and the map back to the original."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    chunks = get_speech_timestamps(audio, VadOptions())
    if not chunks:
        return np.zeros(0, dtype=np.float32), SpeechMap(())
    return np.concatenate([audio[c["start"]:c["end"]] for c in chunks]), SpeechMap(tuple(chunks))


def restore_times(segment: Segment, speech: SpeechMap) -> Segment:
    """The segment with its word times on the original audio's clock; a word never straddles a cut."""
    offsets = speech.offsets()
    words = []
    for word in segment.words:
        shift = offsets[speech.chunk_of((word.start + word.end) / 2)]
        words.append(replace(word, start=round(word.start + shift, 3), end=round(word.end + shift, 3)))
    return Segment(words)
