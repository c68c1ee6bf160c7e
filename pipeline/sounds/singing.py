"""Singing (issue 18): whether the words heard over music are sung, so they are captioned as
lyrics (between the profile's marks) and not as speech over a background score.

A singer holds each note: the voice's pitch stays put for a quarter of a second and more, then
steps to the next note. A speaker's pitch glides all the time, rising and falling through every
syllable. So: the pitch of the voice (pYIN, librosa) over the words Whisper heard, averaged over
150 ms (about one cycle of a singer's vibrato, which averages out), and the share of the voiced
time that sits on a held note (within HELD_CENTS for HELD_SECONDS). What it labels on songs and on
speech over music is measured by .bench/singing.py (.bench/singing.md).

Pure: samples and word times in, a number out.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..audio import SAMPLE_RATE

HOP = 160  # samples: 10 ms frames
FRAME = 1024
LOWEST, HIGHEST = 75.0, 900.0  # Hz: a bass's low notes to a soprano's high ones
SMOOTH = 15  # frames (150 ms) the pitch is averaged over before notes are looked for
HELD_SECONDS = 0.25  # a held note lasts at least this long ...
HELD_CENTS = 60.0  # ... and its averaged pitch stays within this range (a semitone is 100)
# A run of words is sung when this share of its voiced time or more is on held notes, and it
# goes at most MAX_SUNG_RATE words a second. Measured over the words Whisper heard (tiny.en's
# times) on 63 clips of speech 6 to 14 dB over music and on 19 of Festival's songs 6 dB over
# music: held share, speech median 0.0, 90th percentile 0.14, highest 0.44 (a list of single
# words read slowly, 1 word/s), JFK's oratory 0.30; songs 0.14 to 0.87, median 0.47. Speech runs
# at 2 to 4 words a second, these songs at 0.5 to 2.3. Set on speech's safe side: a song missed
# only loses its marks (its words are still captioned); speech taken for a song would be shown
# as lyrics.
SUNG_HELD = 0.35
MAX_SUNG_RATE = 3.0  # words a second
MIN_VOICED = 1.0  # seconds of voice needed to judge at all


def pitch(samples: np.ndarray) -> np.ndarray:
    """The voice's pitch in cents (relative to A4) every 10 ms, NaN where it is unvoiced."""
    import librosa  # heavy: only where there is music with words over it

    if len(samples) < FRAME:
        return np.full(0, np.nan)
    f0, voiced, _ = librosa.pyin(samples.astype(np.float32), fmin=LOWEST, fmax=HIGHEST, sr=SAMPLE_RATE,
                                 frame_length=FRAME, hop_length=HOP, resolution=0.2)
    return np.where(voiced, 1200.0 * np.log2(np.where(voiced, f0, 440.0) / 440.0), np.nan)


def held_share(cents: np.ndarray) -> tuple[float, float]:
    """(seconds voiced, share of them on held notes) of a pitch track."""
    voiced = ~np.isnan(cents)
    held = np.zeros(len(cents), bool)
    width = int(round(HELD_SECONDS * SAMPLE_RATE / HOP))
    for first, last in _runs(voiced):
        if last - first < width + SMOOTH:
            continue
        smooth = np.convolve(cents[first:last], np.ones(SMOOTH) / SMOOTH, mode="valid")
        windows = np.lib.stride_tricks.sliding_window_view(smooth, width)
        for k in np.nonzero(np.ptp(windows, axis=1) < HELD_CENTS)[0]:
            held[first + k:first + k + width + SMOOTH - 1] = True
    seconds = voiced.sum() * HOP / SAMPLE_RATE
    return float(seconds), float(held.sum() / max(voiced.sum(), 1))


def is_sung(pieces: Iterable[tuple[np.ndarray, list[tuple[float, float]]]], rate: float) -> bool:
    """Whether the voice of a run of words sings, judged on pieces of its audio, each with the
    times of its words (seconds into the piece), and on the run's words a second."""
    if rate > MAX_SUNG_RATE:
        return False
    tracks = []
    for samples, spans in pieces:
        cents = pitch(samples)
        inside = np.zeros(len(cents), bool)
        for start, end in spans:
            inside[int(start * SAMPLE_RATE / HOP):int(np.ceil(end * SAMPLE_RATE / HOP))] = True
        tracks += [np.where(inside, cents, np.nan), np.full(1, np.nan)]  # a gap: no note spans two pieces
    seconds, share = held_share(np.concatenate(tracks)) if tracks else (0.0, 0.0)
    return seconds >= MIN_VOICED and share >= SUNG_HELD


def words_rate(spans: list[tuple[float, float]]) -> float:
    """Words a second over the spans (a run of words' times)."""
    return len(spans) / max(spans[-1][1] - spans[0][0], 1e-3) if spans else 0.0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index pairs of the runs of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]))
