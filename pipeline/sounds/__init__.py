"""Sounds a deaf viewer must know about (issue 18): where music plays and where a phone rings,
as sound words.

    samples --detect.py--> music and ringing spans --label_sounds--> the machine transcript with
    "[♪ music]" (or "[♪ singing]") and "[ringing]" sound words over each span

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
from ..transcript import Removed, Segment, Transcript, Word, normalise_token
from .detect import STEP, WINDOW, SoundEvent, detect_sounds, events, probabilities

MUSIC = "[♪ music]"  # the machine's labels; the profile may write them in its own house style
SINGING = "[♪ singing]"
RINGING = "[ringing]"  # a phone ringing, a caller's ringing tone (alarms are not found reliably)
# Below this mean word probability, what Whisper heard over a span of music is not trusted as
# words. Measured on speech over held-out music (.bench/sounds.md, `--words`): spans of 3 words or
# more have a mean of 0.80 to 0.98 with tiny.en (0.78 to 0.96 with base), and every such word is
# kept; Whisper wrote no words on the held-out music alone. No sung audio with a clear licence
# was found to measure the other side, so the threshold sits well below what speech reached.
SUNG_CONFIDENCE = 0.55
# ... and only when at least this many words are that unsure: a lone word cut at a span's edge
# ("You" at 0.007, a "." at 0.008, where speech starts just as music ends) is not singing.
MIN_SUNG_WORDS = 3
DESCRIBED_RING = "Whisper's words for a ringing it heard, not speech: labelled [ringing]"
RING_WORDS = re.compile(r"phones?|telephones?|ring|rings|ringing|rang|bells?|alarms?")
UNSURE_OVER_MUSIC = "heard over music with little confidence (sung or unclear): labelled [♪ singing]"
# Seconds of audio judged at a time: memory stays flat however long the video (about 60 MB of
# spectra for a block, beside the Whisper model the build holds).
BLOCK = 120.0
MUSICAL = re.compile(r"\b(music|musical|singing|sings?|sung|song|melody|humming|tune)\b", re.IGNORECASE)
# Words of the other labels the machine writes: a lower-case style writes these in lower case too.
LABEL_WORDS = re.compile(r"\b(ringing|rings?|phone|telephone|alarm|bell)\b", re.IGNORECASE)


def label_sounds(transcript: Transcript, samples: np.ndarray) -> Transcript:
    """The transcript with a sound word over every span of music or ringing in the samples."""
    return with_events(transcript, detect_sounds(samples))


def label_sounds_file(transcript: Transcript, pcm: Path, ringing: bool = True) -> Transcript:
    """label_sounds for a cached PCM file of any length, read a block at a time (with or without
    the ringing label: DecodeOptions.label_ringing)."""
    return with_events(transcript, detect_sounds_file(pcm, ringing))


def detect_sounds_file(pcm: Path, ringing: bool = True) -> list[SoundEvent]:
    """detect_sounds over a 16-bit PCM file, BLOCK seconds at a time: each block is read with the
    audio around it that its windows look at (the 1.5 s after it, so its last windows are whole,
    and the ringing features' context each side), and keeps only the windows that start in it."""
    from .detect import HOP, RING_CONTEXT

    total = pcm.stat().st_size // 2
    block, tail = int(BLOCK * SAMPLE_RATE), int((WINDOW - STEP) * SAMPLE_RATE)
    context = RING_CONTEXT * HOP  # samples
    centres, music, rung = [], [], []
    for first in range(0, total, block):
        before = min(first, context)
        times, m, r = probabilities(load_pcm(pcm, first - before, first + block + tail + context))
        times = times - before / SAMPLE_RATE
        keep = (times >= WINDOW / 2 - 1e-6) & ((times < BLOCK) if first + block < total else True)
        centres.append(times[keep] + first / SAMPLE_RATE)
        music.append(m[keep])
        rung.append(r[keep])
    if not centres:
        return []
    return events(np.concatenate(centres), np.concatenate(music), np.concatenate(rung), total / SAMPLE_RATE, ringing)


def detect_music_file(pcm: Path) -> list[SoundEvent]:
    """The music spans of detect_sounds_file."""
    return [e for e in detect_sounds_file(pcm) if e.kind == "music"]


def with_events(transcript: Transcript, events: list[SoundEvent]) -> Transcript:
    """The events as sound words among the transcript's segments, in time order."""
    if not events:
        return transcript
    segments = [s for s in transcript.segments if s.words]
    removed = list(transcript.removed)
    labels = []
    for event in events:
        if event.kind != "music":
            described = _describing_the_ring(segments, event)
            if described:
                segments, taken = _without(segments, set(map(id, described)), DESCRIBED_RING)
                removed += taken
            labels.append(Segment([Word(RINGING, event.start, event.end, event.confidence, sound=True)]))
            continue
        over = [w for s in segments for w in s.words if not w.sound and event.start <= _middle(w) <= event.end]
        label = MUSIC
        if _sung(over):
            segments, taken = _without(segments, set(map(id, over)))
            removed += taken
            label = SINGING
        labels.append(Segment([Word(label, event.start, event.end, event.confidence, sound=True)]))
    ordered = sorted(segments + labels, key=lambda s: (s.start, not s.words[0].sound))
    return replace(transcript, segments=ordered, removed=removed)


def _describing_the_ring(segments: list[Segment], event: SoundEvent) -> list[Word]:
    """The whole sentences Whisper wrote over a ring that name it ("The phone is ringing." is what
    tiny.en writes, again and again and sure of it, 0.65-1.0, over a phone ringing with nobody
    speaking). Over a ring means a word within a window (2 s) of the span the detector found,
    which may start late and end early."""
    sentences, current = [], []
    for word in (w for s in segments for w in s.words if not w.sound):
        current.append(word)
        if word.text.rstrip()[-1:] in ".?!":
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    start, end = event.start - WINDOW, event.end + WINDOW
    return [w for sentence in sentences
            if any(start <= _middle(w) <= end for w in sentence)
            and any(RING_WORDS.fullmatch(normalise_token(w.text)) for w in sentence) for w in sentence]


def _sung(words: list[Word]) -> bool:
    """Words heard over music too unsure to publish: sung, or speech the music drowns."""
    real = [w for w in words if any(c.isalnum() for c in w.text)]
    return len(real) >= MIN_SUNG_WORDS and float(np.mean([w.probability for w in real])) < SUNG_CONFIDENCE


def _middle(word: Word) -> float:
    return (word.start + word.end) / 2


def _without(segments: list[Segment], ids: set[int], reason: str = UNSURE_OVER_MUSIC
             ) -> tuple[list[Segment], list[Removed]]:
    """The segments without the given words, and those words as one removed item per segment."""
    kept, taken = [], []
    for segment in segments:
        gone = [w for w in segment.words if id(w) in ids]
        if gone:
            taken.append(Removed(" ".join(w.text for w in gone), gone[0].start, gone[-1].end, reason))
        rest = [w for w in segment.words if id(w) not in ids]
        if rest:
            kept.append(Segment(rest))
    return kept, taken


LYRICS_MARKS = ("♪", "#")  # how captions mark words sung or heard over music (Netflix, BBC)


def music_spans(words: list[Word]) -> list[tuple[float, float]]:
    """Where the transcript's sound words say music plays: the machine's "[♪ music]" or an
    editor's description of music ("[♪ gentle piano music]"); not "[♪ singing]", whose words were
    taken out as unclear."""
    return [(w.start, w.end) for w in words if w.sound and w.text != SINGING
            and ("♪" in w.text or MUSICAL.search(w.text))]


def over_music(word: Word, music: list[tuple[float, float]]) -> bool:
    """Whether a spoken word is heard over music (its middle inside a music span): shown as lyrics."""
    return not word.sound and any(a <= _middle(word) <= b for a, b in music)


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
    if case == "lower" and any(m.group(0) != m.group(0).lower() for m in LABEL_WORDS.finditer(text)):
        return "sounds described in lower case"  # "[Phone rings]"; "[Nicki's phone rings]" keeps its name
    return None


def lyrics_problem(line: str, mark: str) -> str | None:
    """Why a caption line marked as lyrics is not in the house style (its mark is `mark`, or
    "" for a style that does not mark lyrics), or None. Only whole marked lines are judged: a
    "#" or "♪" inside the words is not a lyrics mark."""
    text = line.strip().removeprefix("- ")
    for other in LYRICS_MARKS:
        if text.startswith(other + " ") and other != mark:
            return f"lyrics marked with {other!r}" + (f": this style marks them with {mark!r}" if mark else "")
    if mark and text.startswith(mark + " ") and not text.endswith(" " + mark):
        return f"lyrics open with {mark!r} and do not close with it"
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
