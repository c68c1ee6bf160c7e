"""Sounds a deaf viewer must know about (issue 18): where music plays, as sound words.

    samples --detect.py--> music spans --label_sounds--> the machine transcript with
    "[♪ music]" (or "[♪ singing]") sound words over each span

Pure: a transcript and its audio in, a transcript out. Words Whisper hears over music with
confidence are speech over music and are kept; where everything it heard over a span of music
is unsure, it is taken for sung or garbled words: those words are not published as fact (they
go to the review list as removed) and the span is labelled `[♪ singing]`. The caption profile
(layout.py) decides how the labels are written (house style) and cuts long spans into cues.
The labels are part of the cached machine transcript: a change here bumps TRANSCRIBE_VERSION.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, load_pcm
from ..transcript import Removed, Segment, Transcript, Word
from .detect import STEP, WINDOW, SoundEvent, detect_music, music_probabilities, spans

MUSIC = "[♪ music]"  # the machine's labels; the profile may write them in its own house style
SINGING = "[♪ singing]"
# Below this mean word probability, what Whisper heard over a span of music is not trusted as
# words. Measured on speech over held-out music (.bench/sounds.md, `--words`): spans of 3 words or
# more have a mean of 0.80 to 0.98 with tiny.en (0.78 to 0.96 with base), and every such word is
# kept; Whisper wrote no words on the held-out music alone. No sung audio with a clear licence
# was found to measure the other side, so the threshold sits well below what speech reached.
SUNG_CONFIDENCE = 0.55
# ... and only when at least this many words are that unsure: a lone word cut at a span's edge
# ("You" at 0.007, a "." at 0.008, where speech starts just as music ends) is not singing.
MIN_SUNG_WORDS = 3
UNSURE_OVER_MUSIC = "heard over music with little confidence (sung or unclear): labelled [♪ singing]"
# Seconds of audio judged at a time: memory stays flat however long the video (about 60 MB of
# spectra for a block, beside the Whisper model the build holds).
BLOCK = 120.0
MUSICAL = re.compile(r"\b(music|musical|singing|sings?|sung|song|melody|humming|tune)\b", re.IGNORECASE)


def label_sounds(transcript: Transcript, samples: np.ndarray) -> Transcript:
    """The transcript with a sound word over every span of music in the samples."""
    return with_events(transcript, detect_music(samples))


def label_sounds_file(transcript: Transcript, pcm: Path) -> Transcript:
    """label_sounds for a cached PCM file of any length, read a block at a time."""
    return with_events(transcript, detect_music_file(pcm))


def detect_music_file(pcm: Path) -> list[SoundEvent]:
    """detect_music over a 16-bit PCM file, BLOCK seconds at a time: each block is read with the
    1.5 s after it, so its last windows are whole, and keeps only the windows that start in it."""
    total = pcm.stat().st_size // 2
    block, tail = int(BLOCK * SAMPLE_RATE), int((WINDOW - STEP) * SAMPLE_RATE)
    centres, probabilities = [], []
    for first in range(0, total, block):
        times, found = music_probabilities(load_pcm(pcm, first, first + block + tail))
        keep = times < BLOCK if first + block < total else np.ones(len(times), dtype=bool)
        centres.append(times[keep] + first / SAMPLE_RATE)
        probabilities.append(found[keep])
    if not centres:
        return []
    return spans(np.concatenate(centres), np.concatenate(probabilities), total / SAMPLE_RATE)


def with_events(transcript: Transcript, events: list[SoundEvent]) -> Transcript:
    """The events as sound words among the transcript's segments, in time order."""
    if not events:
        return transcript
    segments = [s for s in transcript.segments if s.words]
    removed = list(transcript.removed)
    labels = []
    for event in events:
        over = [w for s in segments for w in s.words if not w.sound and event.start <= _middle(w) <= event.end]
        label = MUSIC
        if _sung(over):
            segments, taken = _without(segments, set(map(id, over)))
            removed += taken
            label = SINGING
        labels.append(Segment([Word(label, event.start, event.end, event.confidence, sound=True)]))
    ordered = sorted(segments + labels, key=lambda s: (s.start, not s.words[0].sound))
    return replace(transcript, segments=ordered, removed=removed)


def _sung(words: list[Word]) -> bool:
    """Words heard over music too unsure to publish: sung, or speech the music drowns."""
    real = [w for w in words if any(c.isalnum() for c in w.text)]
    return len(real) >= MIN_SUNG_WORDS and float(np.mean([w.probability for w in real])) < SUNG_CONFIDENCE


def _middle(word: Word) -> float:
    return (word.start + word.end) / 2


def _without(segments: list[Segment], ids: set[int]) -> tuple[list[Segment], list[Removed]]:
    """The segments without the given words, and those words as one removed item per segment."""
    kept, taken = [], []
    for segment in segments:
        gone = [w for w in segment.words if id(w) in ids]
        if gone:
            taken.append(Removed(" ".join(w.text for w in gone), gone[0].start, gone[-1].end, UNSURE_OVER_MUSIC))
        rest = [w for w in segment.words if id(w) not in ids]
        if rest:
            kept.append(Segment(rest))
    return kept, taken


def house_style(text: str, case: str) -> str:
    """A sound description as the profile writes it: "upper" ([♪ MUSIC], the BBC's capitals for
    sound effects) in capitals; "lower" ([♪ music], Netflix) and "as written" as the editor wrote
    it, since a lower-case style still keeps a name's capital ("[Nicki sighs]")."""
    return text.upper() if case == "upper" else text


def style_problem(text: str, case: str) -> str | None:
    """Why a sound description is not in the house style, or None."""
    if case == "upper" and text != text.upper():
        return "sound descriptions in capitals"
    if case == "lower" and MUSICAL.search(text) and text != text.lower():
        return "music described in lower case"
    return None


def split_long(word: Word, longest: float) -> list[Word]:
    """A sound word over a long span as repeated words of at most `longest` seconds each, so its
    label stays on screen for the whole span in cues the style allows."""
    span = word.end - word.start
    if not word.sound or span <= longest:
        return [word]
    count = int(np.ceil(span / longest))
    step = span / count
    return [replace(word, start=word.start + k * step, end=word.start + (k + 1) * step) for k in range(count)]
