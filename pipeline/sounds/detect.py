"""Where music plays and where a phone rings: signal features of 2-second windows, two small
neural networks, spans.

Pure: 16 kHz float samples in, `SoundEvent`s out. Speech and music are both harmonic, so the
features are the classic speech/music discriminators: music holds its notes (the spectrum
100 ms later still looks the same), has few quiet frames, little of the 2-8 Hz loudness
modulation of syllables, a regular beat (flux autocorrelation), a tonal, not flat, spectrum, and
notes tuned to A440 (`_tuning`), where engines and hums fall anywhere; kitchen noise is flat and
comes in bursts. The weights (8 ReLU units and a logistic output: .bench/fit_sounds.py says why)
are fitted on openly licensed music and sound effects (tests/data/sounds) against the speech and
noise clips of ../shared/testdata, and committed as model.json (no pickles). Measured in
.bench/sounds.md.

Ringing (a phone, a caller's ringing tone) has a network of its own (ringing.json) over the same
features and five more (RING_FEATURES): a ring repeats itself, has few partials, warbles, holds
one pitch and comes again after its pause. A ring is tonal and steady, so where the ringing
network is sure, the music network's windows are not music.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE

MODEL = Path(__file__).with_name("model.json")
RING_MODEL = Path(__file__).with_name("ringing.json")
FRAME = 512  # samples per spectrum (32 ms)
HOP = 160  # 10 ms between spectra: 100 frames a second
WINDOW = 2.0  # seconds judged at a time: a beat and a held note need that long to show
STEP = 0.5  # seconds between windows: the precision of a span's start and end
HOLD_LAG = 10  # frames (100 ms): how far apart two spectra are compared for a held note
QUIET_DBFS = -50.0  # a window quieter than this is silence, never music
MIN_SPAN = 3.0  # seconds: shorter bursts (a phone's ring, a jingle's last note) are not labelled
MERGE_GAP = 2.0  # seconds: two music spans this close are one piece of music
THRESHOLD = 0.5  # the model's probability above which a window is music (see .bench/sounds.md)
# A span's mean probability must reach this: reverberant speech in crowd noise (the JFK address)
# and a few seconds of kitchen noise reach 0.55 and 0.50; held-out music spans 0.8 and more.
SPAN_CONFIDENCE = 0.7
TUNING_FRAME = 4096  # samples (256 ms): fine enough in frequency to tell a semitone's cents
TUNING_HOP = 1600  # 0.1 s
TUNING_PEAKS = 8  # the strongest spectral peaks of each frame, 150 Hz to 4 kHz
FEATURES = ("flatness", "energy_spread", "quiet_share", "syllable_modulation", "hold", "hold_spread",
            "voicing", "beat", "centroid", "level", "tuning")
# What tells a ring or an alarm from music: the same short sound over and over (the loudness-
# weighted likeness of the spectrum to itself 0.2 to 1.5 s later, at its best lag), few partials
# (the share of a window's energy in its 7 strongest of 222 bins), a bell's or a ringing tone's
# fast warble (loudness modulated at 12-30 Hz) and one pitch held (the loud frames whose
# strongest bin is the window's commonest).
# And, over the 6 s around the window, the same likeness 1 to 4 s later: a phone rings, pauses and
# rings again the same, where music moves on.
RING_FEATURES = FEATURES + ("repeat", "peak_share", "trill", "one_pitch", "rings_again")
REPEAT_LAGS = range(20, 151, 5)  # frames
RING_AGAIN_LAGS = range(100, 401, 10)  # frames
RING_CONTEXT = 200  # frames each side of the window
RING_THRESHOLD = 0.5
RING_MIN_SPAN = 3.0  # seconds: a phone rings more than once (Big Buck Bunny's birdsong gave 2.8 s)
RING_CONFIDENCE = 0.7


@dataclass(frozen=True)
class SoundEvent:
    """A stretch of non-speech sound a deaf viewer should know about."""

    kind: str  # "music" or "ringing" (a phone, an alarm, a bell ringing)
    start: float  # seconds
    end: float
    confidence: float  # the model's mean probability over the span


def detect_music(samples: np.ndarray) -> list[SoundEvent]:
    """The stretches of the audio where music plays (with or without speech over it)."""
    return [e for e in detect_sounds(samples) if e.kind == "music"]


def detect_sounds(samples: np.ndarray) -> list[SoundEvent]:
    """Music and ringing in the audio, in time order."""
    times, music, ringing = probabilities(samples)
    return events(times, music, ringing, len(samples) / SAMPLE_RATE)


def events(times: np.ndarray, music: np.ndarray, ringing: np.ndarray, duration: float, label_ringing: bool = True
           ) -> list[SoundEvent]:
    """Spans of each kind from the windows' probabilities. A ring or an alarm is tonal and steady,
    so the music model takes many for music: where the ringing model is sure, it is not music
    (and, when rings are not labelled, it is no label at all rather than a wrong one)."""
    rings = spans(times, ringing, duration, RING_THRESHOLD, "ringing", RING_MIN_SPAN, RING_CONFIDENCE)
    music = music.copy()
    for ring in rings:
        music[(times >= ring.start) & (times <= ring.end)] = 0.0
    return sorted(spans(times, music, duration) + (rings if label_ringing else []), key=lambda e: e.start)


def music_probabilities(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(window centres in seconds, probability of music) for every STEP of the audio."""
    times, music, _ = probabilities(samples)
    return times, music


def probabilities(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(window centres in seconds, probability of music, probability of ringing) for every STEP."""
    features = window_features(samples)
    if len(features) == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    quiet = features[:, FEATURES.index("level")] < QUIET_DBFS
    music = _score(features[:, :len(FEATURES)], load_model())
    ringing = _score(features, load_model(RING_MODEL, RING_FEATURES))
    music[quiet] = ringing[quiet] = 0.0
    centres = np.arange(len(features)) * STEP + WINDOW / 2
    return centres, music, ringing


def spans(times: np.ndarray, probabilities: np.ndarray, duration: float, threshold: float = THRESHOLD,
          kind: str = "music", min_span: float = MIN_SPAN, min_confidence: float = SPAN_CONFIDENCE) -> list[SoundEvent]:
    """Windows above the threshold as spans: smoothed over 3 windows, close spans merged, short
    ones dropped. Each window stands for the STEP around its centre (the first and last reach
    the ends of the audio they cover)."""
    if len(probabilities) == 0:
        return []
    smooth = np.convolve(np.pad(probabilities, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    found: list[list[float]] = []
    for k, (centre, p) in enumerate(zip(times, smooth)):
        if p < threshold:
            continue
        start = 0.0 if k == 0 else centre - STEP / 2
        end = duration if k == len(times) - 1 else centre + STEP / 2
        if found and start - found[-1][1] <= MERGE_GAP:
            found[-1][1] = end
        else:
            found.append([start, end])
    events = []
    for start, end in found:
        inside = (times >= start) & (times <= end)
        confidence = float(probabilities[inside].mean())
        if end - start >= min_span and confidence >= min_confidence:
            events.append(SoundEvent(kind, round(float(start), 2), round(float(min(end, duration)), 2),
                                     round(confidence, 3)))
    return events


def window_features(samples: np.ndarray) -> np.ndarray:
    """One row of RING_FEATURES (FEATURES first) for every STEP-second window of the audio (none
    if shorter than one)."""
    samples = np.asarray(samples, dtype=np.float32)
    per_window, per_step = int(WINDOW * 100), int(STEP * 100)  # in frames
    frames = _frames(samples)
    if len(frames) < per_window:
        if len(samples) < SAMPLE_RATE:  # under a second: too short to judge
            return np.zeros((0, len(RING_FEATURES)))
        frames = np.pad(frames, ((0, per_window - len(frames)), (0, 0)))
    power = np.abs(np.fft.rfft(frames * np.hanning(FRAME).astype(np.float32), axis=1)) ** 2 + 1e-10
    per_frame = _frame_measures(frames, power)
    tuning = _tuning(samples)
    per_tuning = int(STEP * SAMPLE_RATE) // TUNING_HOP  # tuning frames per step
    likeness, weights = _repeats(per_frame, REPEAT_LAGS)
    again, again_weights = _repeats(per_frame, RING_AGAIN_LAGS)
    rows = [_window_row(per_frame, first, first + per_window)
            + [_mean(tuning[k * per_tuning:k * per_tuning + int(WINDOW * SAMPLE_RATE) // TUNING_HOP])]
            + [_repeat(likeness, weights, first, first + per_window), _peak_share(power, first, first + per_window),
               _trill(per_frame, first, first + per_window), _one_pitch(per_frame, first, first + per_window),
               _repeat(again, again_weights, max(0, first - RING_CONTEXT), first + per_window + RING_CONTEXT,
                       RING_AGAIN_LAGS)]
            for k, first in enumerate(range(0, len(frames) - per_window + 1, per_step))]
    return np.array(rows)


def _repeats(m: dict[str, np.ndarray], lags: range) -> tuple[np.ndarray, np.ndarray]:
    """For each lag of REPEAT_LAGS and frame t: the spectra's likeness at t and t + lag weighted by
    both frames' loudness, and the weight alone; as running sums, so a window's sum is a difference."""
    unit, rms = m["unit"], m["rms"]
    count = len(unit)
    likeness = np.zeros((len(lags), count + 1))
    weights = np.zeros((len(lags), count + 1))
    for k, lag in enumerate(lags):
        if lag >= count:
            continue
        w = rms[:-lag] * rms[lag:]
        likeness[k, 1:count - lag + 1] = np.cumsum((unit[:-lag] * unit[lag:]).sum(axis=1) * w)
        weights[k, 1:count - lag + 1] = np.cumsum(w)
        likeness[k, count - lag + 1:] = likeness[k, count - lag]
        weights[k, count - lag + 1:] = weights[k, count - lag]
    return likeness, weights


def _repeat(likeness: np.ndarray, weights: np.ndarray, first: int, last: int, lags: range = REPEAT_LAGS) -> float:
    """The window's best likeness of its sound to itself a lag later (pairs inside the window)."""
    last = min(last, likeness.shape[1] - 1)
    best = 0.0
    for k, lag in enumerate(lags):
        end = last - lag
        if end <= first:
            break
        weight = weights[k, end] - weights[k, first]
        if weight > 1e-12:
            best = max(best, float((likeness[k, end] - likeness[k, first]) / weight))
    return best


def _trill(m: dict[str, np.ndarray], first: int, last: int) -> float:
    """The share of the loudness's modulation at 12 to 30 Hz (a bell's clapper, a ringing tone)."""
    envelope = m["rms"][first:last] - m["rms"][first:last].mean()
    spectrum = np.abs(np.fft.rfft(envelope)) ** 2
    rates = np.fft.rfftfreq(len(envelope), 1 / 100)
    return float(spectrum[(rates >= 12) & (rates <= 30)].sum() / (spectrum[rates > 0.5].sum() + 1e-12))


def _one_pitch(m: dict[str, np.ndarray], first: int, last: int) -> float:
    """The share of the window's loud frames whose strongest bin is (within one) its commonest."""
    rms, peak = m["rms"][first:last], m["peak"][first:last]
    loud = peak[rms >= 0.5 * rms.max()] if rms.max() > 0 else peak
    if len(loud) == 0:
        return 0.0
    common = np.bincount(loud).argmax()
    return float((np.abs(loud - common) <= 1).mean())


def _peak_share(power: np.ndarray, first: int, last: int) -> float:
    """The share of the window's energy (60 Hz to 7 kHz) in its 7 strongest bins, as a log."""
    spectrum = power[first:last, 2:224].mean(axis=0)
    return float(np.log(np.sort(spectrum)[-7:].sum() / spectrum.sum()))


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else 0.0


def _tuning(samples: np.ndarray) -> np.ndarray:
    """How close each 0.1 s frame's strongest partials lie to the notes of equal temperament
    (A = 440 Hz): 1 on the notes, about 0 for sounds whose pitches fall anywhere (engines, hums,
    speech's gliding voice, noise). Recorded music is nearly always tuned to A440; it is what
    told the film score and game music apart from the game's machine sounds (0.6-0.9 against
    -0.1-0.0 on the excerpts, pipeline/sounds/clips.py)."""
    if len(samples) < TUNING_FRAME:
        return np.zeros(0)
    count = 1 + (len(samples) - TUNING_FRAME) // TUNING_HOP
    index = np.arange(TUNING_FRAME)[None, :] + TUNING_HOP * np.arange(count)[:, None]
    magnitude = np.abs(np.fft.rfft(samples[index] * np.hanning(TUNING_FRAME).astype(np.float32), axis=1)) + 1e-9
    low, high = np.searchsorted(np.fft.rfftfreq(TUNING_FRAME, 1 / SAMPLE_RATE), [150, 4000])
    band = magnitude[:, low - 1:high + 1]
    is_peak = (band[:, 1:-1] > band[:, :-2]) & (band[:, 1:-1] > band[:, 2:])
    strength = np.where(is_peak, band[:, 1:-1], 0.0)
    top = np.argsort(strength, axis=1)[:, -TUNING_PEAKS:]  # indices into the band's inner bins
    rows = np.arange(count)[:, None]
    a, b, c = (np.log(band[rows, top + k]) for k in range(3))
    offset = 0.5 * (a - c) / (a - 2 * b + c - 1e-12)  # the peak between bins (parabolic)
    frequency = (low + top + np.clip(offset, -0.5, 0.5)) * SAMPLE_RATE / TUNING_FRAME
    weight = strength[rows, top]
    cents = 1200 * np.log2(frequency / 440.0)
    return (np.cos(2 * np.pi * cents / 100) * weight).sum(axis=1) / (weight.sum(axis=1) + 1e-12)


def _frames(samples: np.ndarray) -> np.ndarray:
    if len(samples) < FRAME:
        samples = np.pad(samples, (0, FRAME - len(samples)))
    count = 1 + (len(samples) - FRAME) // HOP
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return samples[index]


def _frame_measures(frames: np.ndarray, power: np.ndarray) -> dict[str, np.ndarray]:
    band = power[:, 2:224]  # 60 Hz to 7 kHz: below is hum, above the codec's cut-off
    log_band = np.log(band)
    rms = np.sqrt((frames ** 2).mean(axis=1)) + 1e-9
    profile = log_band - log_band.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(profile, axis=1) + 1e-9
    hold = np.ones(len(frames))
    hold[:-HOLD_LAG] = (profile[:-HOLD_LAG] * profile[HOLD_LAG:]).sum(axis=1) / (norms[:-HOLD_LAG] * norms[HOLD_LAG:])
    flux = np.zeros(len(frames))
    flux[1:] = np.maximum(np.diff(np.log(power[:, 2:224] + 1e-6), axis=0), 0).mean(axis=1)
    freqs = np.fft.rfftfreq(FRAME, 1 / SAMPLE_RATE)[2:224]
    return {
        "flatness": np.exp(log_band.mean(axis=1)) / band.mean(axis=1),
        "db": 20 * np.log10(rms),
        "rms": rms,
        "unit": profile / norms[:, None],
        "peak": band.argmax(axis=1),
        "hold": hold,
        "voicing": _voicing(power),
        "flux": flux,
        "centroid": (band * freqs).sum(axis=1) / band.sum(axis=1),
    }


def _voicing(power: np.ndarray) -> np.ndarray:
    """Each frame's normalised autocorrelation peak at a pitch lag (2.5 to 12.5 ms): periodicity."""
    auto = np.fft.irfft(power, axis=1)
    auto /= auto[:, :1] + 1e-10
    return auto[:, 40:200].max(axis=1)


def _window_row(m: dict[str, np.ndarray], first: int, last: int) -> list[float]:
    db, rms = m["db"][first:last], m["rms"][first:last]
    envelope = rms - rms.mean()
    spectrum = np.abs(np.fft.rfft(envelope)) ** 2
    rates = np.fft.rfftfreq(len(envelope), 1 / 100)
    syllables = spectrum[(rates >= 2) & (rates <= 8)].sum() / (spectrum[rates > 0.5].sum() + 1e-12)
    hold = m["hold"][first:last]
    return [
        float(np.log(m["flatness"][first:last].mean() + 1e-6)),
        float(db.std()),
        float((rms < 0.5 * rms.mean()).mean()),
        float(syllables),
        float(hold.mean()),
        float(hold.std()),
        float((m["voicing"][first:last] > 0.5).mean()),
        _beat(m["flux"][first:last]),
        float(np.log(m["centroid"][first:last].mean())),
        float(10 * np.log10((rms ** 2).mean())),
    ]


def _beat(flux: np.ndarray) -> float:
    """How regular the onsets are: the flux's highest autocorrelation at a beat's lag (0.25-1 s)."""
    flux = flux - flux.mean()
    auto = np.correlate(flux, flux, mode="full")[len(flux) - 1:]
    if auto[0] <= 0:
        return 0.0
    return float(auto[25:100].max() / auto[0])


def _score(features: np.ndarray, model: dict[str, np.ndarray]) -> np.ndarray:
    """The network's probability of music for each row (one hidden layer of ReLUs, as fitted)."""
    hidden = np.maximum(0.0, ((features - model["mean"]) / model["scale"]) @ model["hidden_weights"]
                        + model["hidden_bias"])
    return 1 / (1 + np.exp(-(hidden @ model["output_weights"] + model["output_bias"])))


@functools.cache
def load_model(path: Path = MODEL, features: tuple[str, ...] = FEATURES) -> dict[str, np.ndarray]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != features:
        raise ValueError(f"{path}: fitted for other features; run .bench/fit_sounds.py")
    return {key: np.array(data[key]) for key in ("mean", "scale", "hidden_weights", "hidden_bias",
                                                  "output_weights", "output_bias")}
