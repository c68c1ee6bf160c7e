"""Voice activity detection: Silero's model as shipped inside faster-whisper, run here, before
either engine, so both engines hear the very same speech and stay comparable.

The settings keep quiet, whispered and fast speech. Silero was trained mostly on voiced speech:
on a whispered clip (testdata/more/mfa_tests_whisper2) its speech probability stays between 0.16
and 0.48 for the whole sentence, and on a falsetto one (mfa_tests_falsetto) half the sentence is
below 0.5, so faster-whisper's default threshold of 0.5 left 19% and 37% of those clips to be
decoded and Whisper never heard the rest. At 0.25 (and 0.1 to end a stretch) both are kept whole,
while 95 s of kitchen noise still gives 1% of "speech" and Big Buck Bunny's sounds no more than
at 0.5. What VAD still rejects is not thrown away unheard: the engine takes a second look at it
(engines.py) and keeps only words Whisper hears there with confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..audio import SAMPLE_RATE
from ..transcript import Segment

THRESHOLD = 0.25  # a 32 ms frame with Silero's speech probability above this starts speech
NEG_THRESHOLD = 0.1  # ... and speech goes on until it falls below this
MIN_SILENCE_MS = 2000  # a pause shorter than this stays inside the speech around it
SPEECH_PAD_MS = 400  # kept either side of speech: the soft start and end of words
WINDOW = 512  # samples Silero judges at a time (32 ms at 16 kHz)


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

    def within(self, seconds: float) -> SpeechMap:
        """The speech in stretches of up to `seconds` each, on the original clock: neighbouring
        chunks are put in one stretch, the pause between them included, while it fits."""
        limit, out = int(seconds * SAMPLE_RATE), []
        for chunk in self.chunks:
            if out and chunk["end"] - out[-1]["start"] <= limit:
                out[-1] = {"start": out[-1]["start"], "end": chunk["end"]}
                continue
            start = chunk["start"]
            while chunk["end"] - start > limit:  # longer than a window (VAD splits at 30 s, padding adds): cut
                out.append({"start": start, "end": start + limit})
                start += limit
            out.append({"start": start, "end": chunk["end"]})
        return SpeechMap(tuple(out))

    def rejected(self, samples: int, shortest: float = 0.0) -> list[tuple[int, int]]:
        """(first, last) sample ranges VAD did not keep, each at least `shortest` seconds long."""
        gaps, previous = [], 0
        for chunk in self.chunks:
            gaps.append((previous, chunk["start"]))
            previous = chunk["end"]
        gaps.append((previous, samples))
        return [(a, b) for a, b in gaps if b - a > 0 and b - a >= shortest * SAMPLE_RATE]


def vad_options(**overrides):
    """faster-whisper's VadOptions with this project's settings (see the module's note)."""
    from faster_whisper.vad import VadOptions

    settings = dict(threshold=THRESHOLD, neg_threshold=NEG_THRESHOLD, min_silence_duration_ms=MIN_SILENCE_MS,
                    speech_pad_ms=SPEECH_PAD_MS)
    return VadOptions(**{**settings, **overrides})


def find_speech(audio: np.ndarray, **overrides) -> SpeechMap:
    """Where VAD hears speech in the audio. A pause shorter than MIN_SILENCE_MS stays inside the
    speech around it, and so does one before the first words or after the last."""
    from faster_whisper.vad import get_speech_timestamps

    if len(audio) == 0:
        return SpeechMap(())
    chunks = [dict(c) for c in get_speech_timestamps(audio, vad_options(**overrides))]
    if chunks and EDGES:
        shortest = MIN_SILENCE_MS * SAMPLE_RATE // 1000
        if chunks[0]["start"] < shortest:
            chunks[0]["start"] = 0
        if len(audio) - chunks[-1]["end"] < shortest:
            chunks[-1]["end"] = len(audio)
    return SpeechMap(tuple(chunks))


# Keep the silence before the first words and after the last when it is shorter than a pause VAD
# would cut: Whisper decodes a clip differently once its first second of silence is cut away,
# with no word lost but others changed (base, testdata/more: mfa_tests_mfa_crossword 2 -> 4
# errors, mfa_tests_acoustic_corpus 3 -> 7, mfa_tests_mfa_words 3 -> 5; others gained by as much
# by chance). With the edges kept, speech in one piece is decoded exactly as by Whisper alone.
EDGES = True


def speech_only(audio: np.ndarray) -> tuple[np.ndarray, SpeechMap]:
    """The audio with silence, noise and music left out, and the map back to the original."""
    speech = find_speech(audio)
    if not speech.chunks:
        return np.zeros(0, dtype=np.float32), speech
    return np.concatenate([audio[c["start"]:c["end"]] for c in speech.chunks]), speech


def masked(audio: np.ndarray, speech: SpeechMap) -> np.ndarray:
    """The audio on its own clock with everything but the speech silenced."""
    out = np.zeros_like(audio)
    for chunk in speech.chunks:
        out[chunk["start"]:chunk["end"]] = audio[chunk["start"]:chunk["end"]]
    return out


def restore_times(segment: Segment, speech: SpeechMap) -> Segment:
    """The segment with its word times on the original audio's clock; a word never straddles a cut."""
    offsets = speech.offsets()
    words = []
    for word in segment.words:
        shift = offsets[speech.chunk_of((word.start + word.end) / 2)]
        words.append(replace(word, start=round(word.start + shift, 3), end=round(word.end + shift, 3)))
    return Segment(words)


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """Silero's speech probability for every WINDOW samples of the audio."""
    from faster_whisper.vad import get_vad_model

    if len(audio) == 0:
        return np.zeros(0, dtype=np.float32)
    padded = np.pad(audio, (0, WINDOW - len(audio) % WINDOW))
    return np.asarray(get_vad_model()(padded)).reshape(-1)
