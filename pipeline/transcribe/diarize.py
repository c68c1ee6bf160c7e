"""Who speaks when, offline: speaker turns for the machine's words.

    speech (from the machine's word times) -> 1.5 s windows every 0.75 s -> a voice embedding
    each (Resemblyzer's encoder) -> clustered by cosine distance (average linkage into groups
    that are surely one voice, then the closest mean voices joined until they are THRESHOLD
    apart, or until the number of speakers given is left) -> each word the voice of the windows
    over it -> turns smoothed -> each change of voice placed at the gap between two words where
    the audio before sounds like the one voice and the audio after like the other

Resemblyzer's voice encoder (a 3-layer LSTM over 40 mel bands, trained for speaker
verification; Apache-2.0) ships its weights inside its PyPI wheel, so nothing is fetched. Its
network is rebuilt here from those weights and fed mel frames computed here with numpy, exactly
as resemblyzer.audio computes them (tests/test_speakers.py holds the two equal): a build then
never imports librosa, whose first call costs seconds. Everything runs on the CPU.

One voice in the whole recording is the common case (a narration): it comes out as no turns at
all, so nothing has to be named. Placeholders are "Speaker 1", "Speaker 2"... in order of first
appearance; an editor names each once in the speakers table of the editor's file.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, replace
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, load_pcm
from ..transcript import Segment, Transcript, Word, placeholder

VERSION = 1  # part of the cache key (NAME.speakers.json): raise it when a change here changes turns
WINDOW = 1.5  # seconds of speech per embedding
HOP = 0.75  # seconds between windows
# A stretch of speech shorter than a window is one shorter window, which places its words but
# is too short a sample to count in telling voices apart; shorter than this, it has none.
SHORTEST_WINDOW = 0.3
JOIN = 0.6  # words closer than this are one stretch of speech
VOICE_DB = 20.0  # a 10 ms frame within this many dB of the speech's loud frames (95th percentile) is voice
VOICED = 0.4  # a window with less of its frames voice than this is mostly a pause
SPLIT = 0.3  # cosine distance (average linkage) within which windows are surely one voice
# Cosine distance between the mean voices of two groups of windows at or above which they are
# two voices (measured in .bench/speakers.py).
THRESHOLD = 0.25
MIN_VOICE = 2.0  # seconds of speech a voice needs to stand on its own; less joins the nearest voice
MIN_TURN = 1.0  # seconds: a shorter turn between two turns of one voice is that voice
SNAP = 0.8  # seconds: a change of voice moves to the best gap between two words this close to it
PAUSE_WEIGHT = 0.5  # how much a second of pause counts for a gap, against how the voices sound there
# ... and a sentence that ends there: Whisper's time for the last word of a turn is often late
# (put in the pause after it), so the audio alone cannot tell which side of the pause it is on.
SENTENCE_END = 0.15
MAX_CLUSTERED = 2500  # windows clustered directly; the others join the nearest voice found

# Resemblyzer's front end (resemblyzer/hparams.py): 25 ms windows every 10 ms, 40 mel bands.
N_FFT = 400
HOP_LENGTH = 160
N_MELS = 40
FRAMES_PER_SECOND = SAMPLE_RATE // HOP_LENGTH
TARGET_DBFS = -30.0  # resemblyzer's volume normalisation, louder only


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    voice: int  # 0, 1, ... in order of first appearance


@dataclass(frozen=True)
class Diarisation:
    turns: tuple[Turn, ...]
    voices: int  # how many voices were told apart (1 for one voice, 0 for no speech)

    def to_json(self, key: dict) -> str:
        return json.dumps({"key": key, "voices": self.voices,
                           "turns": [[round(t.start, 3), round(t.end, 3), t.voice] for t in self.turns]},
                          indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, key: dict) -> Diarisation | None:
        """The cached turns, or None when they were made from something else (or are damaged)."""
        try:
            data = json.loads(text)
            if data.get("key") != key:
                return None
            return cls(tuple(Turn(float(a), float(b), int(v)) for a, b, v in data["turns"]), int(data["voices"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def cache_key(audio_sha256: str, words: list[Word], speakers: int | None) -> dict:
    """What the turns are made from: the audio, where its words are, and the number of voices asked for."""
    timing = json.dumps([[w.text, round(w.start, 3), round(w.end, 3)] for w in words if not w.sound])
    return {"audio_sha256": audio_sha256, "version": VERSION, "speakers": speakers,
            "words_sha256": hashlib.sha256(timing.encode("utf-8")).hexdigest()}


# --- the voice encoder ---------------------------------------------------------------------------

def weights_path() -> Path:
    """pretrained.pt inside the resemblyzer wheel (found without importing resemblyzer, which
    would import librosa and webrtcvad)."""
    spec = find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("resemblyzer is not installed (make setup installs it)")
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


_lock = threading.Lock()


@cache
def _encoder():
    """Resemblyzer's VoiceEncoder network with its shipped weights: mel frames -> 256 numbers."""
    import torch
    from torch import nn

    class VoiceEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(N_MELS, 256, 3, batch_first=True)
            self.linear = nn.Linear(256, 256)
            self.relu = nn.ReLU()

        def forward(self, mels):
            _, (hidden, _) = self.lstm(mels)
            embeds = self.relu(self.linear(hidden[-1]))
            return embeds / torch.norm(embeds, dim=1, keepdim=True).clamp_min(1e-12)

    model = VoiceEncoder()
    checkpoint = torch.load(weights_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model_state"], strict=False)  # the wheel also holds its training loss
    return model.eval()


def embed(mels: np.ndarray) -> np.ndarray:
    """Voice embeddings (n, 256), L2-normed, of mel windows (n, frames, 40) of one length.

    On one thread: measured on 2 busy cores, torch's LSTM on two threads spent 4.4 times the
    CPU of one thread for the same windows (its threads wait for each other), and builds share
    the cores already (--jobs)."""
    import torch

    with _lock, torch.inference_mode():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return _encoder()(torch.from_numpy(np.ascontiguousarray(mels, dtype=np.float32))).numpy()
        finally:
            torch.set_num_threads(threads)


@cache
def _mel_basis() -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): Slaney's mel scale, Slaney-normed."""
    def hz_to_mel(hz):
        hz = np.asanyarray(hz, dtype=np.float64)
        linear = hz / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(hz >= 1000.0, log, linear)

    def mel_to_hz(mel):
        linear = mel * (200.0 / 3)
        log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
        return np.where(mel >= 15.0, log, linear)

    fft_freqs = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    mel_freqs = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    widths = np.diff(mel_freqs)
    ramps = np.subtract.outer(mel_freqs, fft_freqs)
    weights = np.zeros((N_MELS, len(fft_freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / widths[i]
        upper = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_freqs[2:N_MELS + 2] - mel_freqs[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """resemblyzer.audio.wav_to_mel_spectrogram: a power mel spectrogram, (frames, 40), one frame
    every 10 ms (librosa's centred STFT: a Hann window of 400 samples, zero padding)."""
    padded = np.pad(samples.astype(np.float32), N_FFT // 2)
    count = 1 + (len(padded) - N_FFT) // HOP_LENGTH
    frames = np.lib.stride_tricks.as_strided(padded, (count, N_FFT), (padded.strides[0] * HOP_LENGTH,
                                                                       padded.strides[0]))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power.astype(np.float32) @ _mel_basis().T).astype(np.float32)


# --- where the speech is, and its windows ---------------------------------------------------------

def speech_runs(words: list[Word], join: float = JOIN) -> list[tuple[float, float]]:
    """Stretches of speech: the spoken words, those closer than `join` taken together."""
    runs: list[list[float]] = []
    for word in words:
        if word.sound or word.end <= word.start:
            continue
        if runs and word.start - runs[-1][1] < join:
            runs[-1][1] = max(runs[-1][1], word.end)
        else:
            runs.append([word.start, word.end])
    return [(a, b) for a, b in runs]


@dataclass
class Windows:
    spans: np.ndarray  # (n, 2) start and end, seconds
    embeddings: np.ndarray  # (n, 256)
    voiced: np.ndarray | None = None  # (n,) share of each window's frames that are voice

    @property
    def seconds(self) -> np.ndarray:
        return self.spans[:, 1] - self.spans[:, 0]


def embed_windows(pcm: Path, runs: list[tuple[float, float]], window: float = WINDOW, hop: float = HOP,
                  batch: int = 64) -> Windows:
    """Voice embeddings of windows over the speech: every `hop` seconds a window of `window`
    seconds, within each stretch; a stretch shorter than a window is one window of its own.
    Each window also gets the share of its 10 ms frames that are voice (within VOICE_DB of the
    recording's loud frames): a window that is mostly a pause (Whisper stretches a word over a
    pause now and then) says little about a voice. (Leaving the pauses out of the windows, as
    Resemblyzer's own preprocessing does, was measured and told voices apart no better.)"""
    width, step = round(window * FRAMES_PER_SECOND), round(hop * FRAMES_PER_SECOND)
    gain = _gain(pcm, runs)
    pieces = []
    for start, end in runs:
        first = max(0, int(start * SAMPLE_RATE))
        pieces.append((start, end, first, mel_frames(load_pcm(pcm, first, int(end * SAMPLE_RATE) + 1) * gain)))
    loud = np.percentile(np.concatenate([_decibels(m) for *_, m in pieces]), 95) if pieces else 0.0
    spans, voiced, full, short = [], [], [], []
    for start, end, first, mels in pieces:
        heard = _decibels(mels) > loud - VOICE_DB
        if len(mels) < width:
            if end - start >= SHORTEST_WINDOW:
                short.append((len(spans), mels))
                spans.append((start, end))
                voiced.append(float(heard.mean()))
            continue
        offsets = list(range(0, len(mels) - width + 1, step))
        if offsets[-1] + width < len(mels) - step // 3:
            offsets.append(len(mels) - width)  # the end of the stretch gets a window of its own
        for offset in offsets:
            full.append((len(spans), mels[offset:offset + width]))
            t = first / SAMPLE_RATE + offset / FRAMES_PER_SECOND
            spans.append((t, t + width / FRAMES_PER_SECOND))
            voiced.append(float(heard[offset:offset + width].mean()))
    embeddings = np.zeros((len(spans), 256), dtype=np.float32)
    for k in range(0, len(full), batch):
        part = full[k:k + batch]
        embeddings[[i for i, _ in part]] = embed(np.stack([m for _, m in part]))
    for i, mels in short:
        embeddings[i] = embed(mels[None])[0]
    return Windows(np.array(spans, dtype=np.float64).reshape(-1, 2), embeddings, np.array(voiced))


def _decibels(mels: np.ndarray) -> np.ndarray:
    return 10 * np.log10(mels.sum(axis=1) + 1e-10)


def _gain(pcm: Path, runs: list[tuple[float, float]]) -> float:
    """Resemblyzer's volume normalisation: quiet speech is raised to -30 dBFS (never lowered)."""
    total, count = 0.0, 0
    for start, end in runs:
        samples = load_pcm(pcm, int(start * SAMPLE_RATE), int(end * SAMPLE_RATE))
        total += float(np.sum(samples.astype(np.float64) ** 2))
        count += len(samples)
    if not count or total <= 0:
        return 1.0
    dbfs = 10 * np.log10(total / count)
    return float(10 ** ((TARGET_DBFS - dbfs) / 20)) if dbfs < TARGET_DBFS else 1.0


# --- voices ----------------------------------------------------------------------------------------

def cluster(windows: Windows, speakers: int | None = None, threshold: float = THRESHOLD,
            min_voice: float = MIN_VOICE) -> np.ndarray:
    """A voice for each window (0, 1, ... in order of first appearance).

    First many small groups of windows that are surely one voice (average linkage, SPLIT);
    then the two groups whose mean voices are closest are joined, again and again, until the
    closest two are `threshold` apart (or `speakers` groups are left). A group with less than
    `min_voice` seconds of speech joins its nearest group first: a cough, a laugh or one noisy
    window is too little to be a voice of its own. Mean voices are compared rather than single
    windows because one 1.5 s window is a noisy measure of a voice and a mean of many is not."""
    n = len(windows.spans)
    if n == 0:
        return np.zeros(0, dtype=int)
    # Full windows of voice tell voices apart; shorter ones, and those mostly of a pause, join the
    # nearest voice afterwards.
    voiced = windows.voiced if windows.voiced is not None else np.ones(n)
    full = np.flatnonzero((windows.seconds >= min(WINDOW, windows.seconds.max()) - 1e-6) & (voiced >= VOICED))
    if speakers == 1 or len(full) < 2:
        return np.zeros(n, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage  # as scikit-learn's, and imported in a third of the time

    chosen = full if len(full) <= MAX_CLUSTERED else full[np.linspace(0, len(full) - 1, MAX_CLUSTERED).round().astype(int)]
    embeddings = windows.embeddings[chosen]
    first = fcluster(linkage(embeddings.astype(np.float64), method="average", metric="cosine"), SPLIT,
                     criterion="distance")
    groups = [np.flatnonzero(first == label) for label in np.unique(first)]
    seconds = [_covered(windows.spans[chosen[g]]) for g in groups]
    wanted = speakers or 1
    while len(groups) > wanted:
        centres = _centroids(embeddings, groups)
        distance = 1.0 - centres @ centres.T
        np.fill_diagonal(distance, np.inf)
        small = min(range(len(groups)), key=lambda k: seconds[k])
        if seconds[small] < min_voice:
            i, j = small, int(np.argmin(distance[small]))
        else:
            i, j = np.unravel_index(int(np.argmin(distance)), distance.shape)
            if not speakers and distance[i, j] >= threshold:
                break
        i, j = min(i, j), max(i, j)
        groups[i] = np.concatenate([groups[i], groups[j]])
        seconds[i] = _covered(windows.spans[chosen[groups[i]]])
        del groups[j], seconds[j]
    labels = np.full(n, -1)
    for label, group in enumerate(groups):
        labels[chosen[group]] = label
    if len(chosen) < n:  # the windows left out join the nearest voice
        centres = _centroids(windows.embeddings, [np.flatnonzero(labels == v) for v in range(len(groups))])
        nearest = np.argmax(windows.embeddings @ centres.T, axis=1)
        labels = np.where(labels < 0, nearest, labels)
    return _in_order(labels)


def _centroids(embeddings: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """The mean voice of each group of windows, L2-normed."""
    centres = np.stack([embeddings[g].mean(axis=0) for g in groups])
    return centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)


def _covered(spans: np.ndarray) -> float:
    """Seconds covered by the union of spans."""
    total, reach = 0.0, -np.inf
    for start, end in sorted(map(tuple, spans)):
        start = max(start, reach)
        if end > start:
            total += end - start
        reach = max(reach, end)
    return total


def _in_order(labels: np.ndarray) -> np.ndarray:
    order: dict[int, int] = {}
    for label in labels:
        order.setdefault(int(label), len(order))
    return np.array([order[int(label)] for label in labels], dtype=int)


# --- words and turns --------------------------------------------------------------------------------

def word_voices(words: list[Word], windows: Windows, labels: np.ndarray) -> list[int | None]:
    """Each spoken word's voice: the voice whose centre the windows over the word are closest
    to, each window weighted by how much of the word it covers and how close its middle is."""
    voices = sorted(set(labels.tolist()))
    out: list[int | None] = [None] * len(words)
    if not voices:
        return out
    centres = _centroids(windows.embeddings, [np.flatnonzero(labels == v) for v in voices])
    similarity = windows.embeddings @ centres.T  # (windows, voices)
    middles = windows.spans.mean(axis=1)
    for k, word in enumerate(words):
        if word.sound:
            continue
        a, b = word.start, max(word.end, word.start + 0.05)
        overlap = np.minimum(windows.spans[:, 1], b) - np.maximum(windows.spans[:, 0], a)
        near = overlap > 0
        if not near.any():  # a word outside every window: the nearest window speaks for it
            near = np.zeros(len(middles), dtype=bool)
            near[np.argmin(np.abs(middles - (a + b) / 2))] = True
            overlap = np.ones(len(middles))
        distance = np.abs(middles[near] - (a + b) / 2)
        weight = np.maximum(overlap[near], 0.01) / (0.25 + distance)
        out[k] = voices[int(np.argmax(weight @ similarity[near]))]
    return out


def turns_of(words: list[Word], voices: list[int | None], min_turn: float = MIN_TURN,
             snap: float = SNAP, place=None) -> list[Turn]:
    """Runs of words of one voice, smoothed (no turn shorter than min_turn between two turns of
    one voice); each change of voice is then placed between the two words, within `snap`
    seconds, where the audio before sounds most like the one voice and the audio after like the
    other (`place`, see `Placer`), or else at the longest pause there."""
    spoken = [(w, v) for w, v in zip(words, voices) if v is not None and not w.sound]
    if not spoken:
        return []
    runs = _runs([v for _, v in spoken])
    runs = _smooth(runs, [w for w, _ in spoken], min_turn)
    runs = _snap(runs, [w for w, _ in spoken], snap, place)
    return [Turn(spoken[i][0].start, spoken[j - 1][0].end, voice) for i, j, voice in runs]


def _runs(labels: list[int]) -> list[list[int]]:
    """[first, end, voice] for each run of one voice."""
    runs: list[list[int]] = []
    for k, label in enumerate(labels):
        if runs and runs[-1][2] == label:
            runs[-1][1] = k + 1
        else:
            runs.append([k, k + 1, label])
    return runs


def _smooth(runs: list[list[int]], words: list[Word], min_turn: float) -> list[list[int]]:
    """Short runs join a neighbour: the shortest first, to the side whose voice is around it."""
    runs = [list(r) for r in runs]
    while len(runs) > 1:
        lengths = [words[j - 1].end - words[i].start for i, j, _ in runs]
        k = min(range(len(runs)), key=lambda k: lengths[k])
        if lengths[k] >= min_turn:
            break
        before = runs[k - 1] if k > 0 else None
        after = runs[k + 1] if k + 1 < len(runs) else None
        if before is not None and after is not None and before[2] == after[2]:
            before[1] = after[1]
            del runs[k:k + 2]
            continue
        # Join the neighbour across the shorter pause: the run is more likely the end or start of its turn.
        gap_before = words[runs[k][0]].start - words[before[1] - 1].end if before else np.inf
        gap_after = words[after[0]].start - words[runs[k][1] - 1].end if after else np.inf
        if gap_before <= gap_after:
            before[1] = runs[k][1]
        else:
            after[0] = runs[k][0]
        del runs[k]
    return _merge(runs)


def _merge(runs: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for run in runs:
        if out and out[-1][2] == run[2]:
            out[-1][1] = run[1]
        else:
            out.append(run)
    return out


def _snap(runs: list[list[int]], words: list[Word], snap: float, place=None) -> list[list[int]]:
    """Move each change of voice to the best gap between two words within `snap` seconds of it
    (a window's voice blurs over its 1.5 s): scored by `place` where given, else by the pause."""
    for k in range(1, len(runs)):
        previous, run = runs[k - 1], runs[k]
        boundary = run[0]  # the change is before word `boundary`
        at = (words[boundary - 1].end + words[boundary].start) / 2
        candidates = [b for b in range(previous[0] + 1, run[1])
                      if abs((words[b - 1].end + words[b].start) / 2 - at) <= snap]
        pauses = [max(0.0, words[b].start - words[b - 1].end) for b in candidates]
        if place is not None:
            scores = place(words, candidates, previous[2], run[2], (words[previous[0]].start, words[run[1] - 1].end))
            scores = [score + PAUSE_WEIGHT * pause + (SENTENCE_END if _ends_sentence(words[b - 1]) else 0.0)
                      for b, score, pause in zip(candidates, scores, pauses)]
        else:
            scores = [pause + (0.3 if _ends_sentence(words[b - 1]) else 0.0)
                      - 0.1 * abs((words[b - 1].end + words[b].start) / 2 - at) for b, pause in zip(candidates, pauses)]
        if candidates:
            run[0] = previous[1] = candidates[int(np.argmax(scores))]
    return [r for r in runs if r[1] > r[0]]


def _ends_sentence(word: Word) -> bool:
    return word.text.rstrip("\"'”’)]").endswith((".", "?", "!", "…"))


class Placer:
    """Where between two words a change of voice falls: for each candidate gap, a window of the
    audio just before it and one just after are embedded; the gap whose before sounds most like
    the earlier voice and whose after sounds most like the later one wins."""

    def __init__(self, pcm: Path, gain: float, centres: np.ndarray, window: float = WINDOW):
        self.pcm, self.gain, self.centres, self.window = pcm, gain, centres, window

    def __call__(self, words: list[Word], candidates: list[int], before: int, after: int,
                 bounds: tuple[float, float]) -> list[float]:
        if not candidates:
            return []
        width = round(self.window * FRAMES_PER_SECOND)
        mels = []
        for b in candidates:
            end, start = words[b - 1].end, words[b].start
            mels.append(self._frames(max(bounds[0], end - self.window), end, width))
            mels.append(self._frames(start, min(bounds[1], start + self.window), width))
        similarity = embed(np.stack(mels)) @ self.centres[[before, after]].T  # (2 per candidate, 2 voices)
        left, right = similarity[0::2], similarity[1::2]
        return list((left[:, 0] - left[:, 1]) + (right[:, 1] - right[:, 0]))

    def _frames(self, start: float, end: float, width: int) -> np.ndarray:
        """Mel frames of start..end, repeated to `width` frames if shorter (the encoder takes one length)."""
        first = max(0, int(start * SAMPLE_RATE))
        mels = mel_frames(load_pcm(self.pcm, first, max(first + HOP_LENGTH, int(end * SAMPLE_RATE))) * self.gain)
        return np.resize(mels, (width, N_MELS)) if len(mels) != width else mels


def diarize(pcm: Path, words: list[Word], speakers: int | None = None) -> Diarisation:
    """The turns of the voices speaking `words` in the audio `pcm` (16 kHz PCM)."""
    if speakers == 1:
        return Diarisation((), 1)
    runs = speech_runs(words)
    if not runs:
        return Diarisation((), 0)
    return turns_from(words, embed_windows(pcm, runs), speakers, pcm, _gain(pcm, runs))


def turns_from(words: list[Word], windows: Windows, speakers: int | None = None, pcm: Path | None = None,
               gain: float = 1.0) -> Diarisation:
    """The turns, from the windows' embeddings; with the audio, each change is placed by ear."""
    labels = cluster(windows, speakers)
    voices = sorted(set(labels.tolist()))
    place = None
    if pcm is not None and len(voices) > 1:
        place = Placer(pcm, gain, _centroids(windows.embeddings, [np.flatnonzero(labels == v) for v in voices]))
    turns = turns_of(words, word_voices(words, windows, labels), place=place)
    order: dict[int, int] = {}
    for turn in turns:
        order.setdefault(turn.voice, len(order))
    if len(order) < 2:
        return Diarisation((), len(order))
    return Diarisation(tuple(replace(t, voice=order[t.voice]) for t in turns), len(order))


def label_words(transcript: Transcript, diarisation: Diarisation) -> Transcript:
    """The transcript with each spoken word's speaker: "Speaker 1", "Speaker 2"... by its turn.
    With fewer than two voices, words keep what they had (one voice is named by no one)."""
    if diarisation.voices < 2 or not diarisation.turns:
        return transcript
    turns = diarisation.turns
    k = 0
    segments = []
    for segment in transcript.segments:
        out = []
        for word in segment.words:
            # A turn starts at its first word: the words from there on are its own, up to the next.
            while k + 1 < len(turns) and not word.sound and word.start >= turns[k + 1].start - 1e-6:
                k += 1
            out.append(word if word.sound else replace(word, speaker=placeholder(turns[k].voice)))
        segments.append(Segment(out))
    return replace(transcript, segments=segments)


# --- measures (.bench/speakers.py, tests/test_speakers.py) ------------------------------------------

def word_segments(words: list[Word], join: float = 0.5) -> list[tuple[float, float, str]]:
    """Who speaks when, as the labelled words say: (start, end, speaker), words of one speaker
    closer than `join` taken together; words without a speaker are one unnamed voice."""
    out: list[list] = []
    for word in words:
        if word.sound:
            continue
        who = word.speaker or ""
        if out and out[-1][2] == who and word.start - out[-1][1] <= join:
            out[-1][1] = max(out[-1][1], word.end)
        else:
            out.append([word.start, word.end, who])
    return [(a, b, who) for a, b, who in out]


def diarisation_error(reference: list[tuple[float, float, str]], hypothesis: list[tuple[float, float, str]],
                      collar: float = 0.25, step: float = 0.01) -> dict[str, float]:
    """NIST's diarisation error rate on a 10 ms grid: (missed speech + false alarm + speaker
    confusion) / reference speech, with the best one-to-one mapping of hypothesis speakers to
    reference speakers, and `collar` seconds either side of each reference boundary not scored.
    Reference speakers may overlap (each frame counts every reference speaker in it)."""
    from scipy.optimize import linear_sum_assignment

    end = max([b for _, b, _ in reference + hypothesis] + [0.0])
    n = int(np.ceil(end / step)) + 1
    ref_names = sorted({w for _, _, w in reference})
    hyp_names = sorted({w for _, _, w in hypothesis})
    ref = np.zeros((len(ref_names), n), dtype=bool)
    hyp = np.zeros((len(hyp_names), n), dtype=bool)
    scored = np.ones(n, dtype=bool)
    for a, b, who in reference:
        ref[ref_names.index(who), int(round(a / step)):int(round(b / step))] = True
        for edge in (a, b):
            scored[max(0, int(round((edge - collar) / step))):max(0, int(round((edge + collar) / step)))] = False
    for a, b, who in hypothesis:
        hyp[hyp_names.index(who), int(round(a / step)):int(round(b / step))] = True
    ref, hyp = ref[:, scored].astype(float), hyp[:, scored].astype(float)
    together = ref @ hyp.T  # frames each reference and hypothesis speaker share
    rows, cols = linear_sum_assignment(-together) if together.size else ([], [])
    mapped = np.zeros_like(ref)
    for r, c in zip(rows, cols):
        mapped[r] = ref[r] * hyp[c]
    n_ref, n_hyp, n_correct = ref.sum(axis=0), hyp.sum(axis=0), mapped.sum(axis=0)
    total = float(n_ref.sum())
    missed = float(np.maximum(n_ref - n_hyp, 0).sum())
    false_alarm = float(np.maximum(n_hyp - n_ref, 0).sum())
    confusion = float((np.minimum(n_ref, n_hyp) - n_correct).sum())
    share = (lambda x: x / total) if total else (lambda x: 0.0)
    return {"der": share(missed + false_alarm + confusion), "missed": share(missed),
            "false_alarm": share(false_alarm), "confusion": share(confusion), "seconds": total * step}


def changes(segments: list[tuple[float, float, str]]) -> list[tuple[float, float]]:
    """Where the speaker changes: the pause between two speakers' segments, (from, to)."""
    return [(a[1], max(a[1], b[0])) for a, b in zip(segments, segments[1:]) if a[2] != b[2]]


def change_recall(reference: list[tuple[float, float]], found: list[tuple[float, float]],
                  tolerance: float = 0.5) -> tuple[int, int]:
    """(reference changes found, reference changes). A reference change is the middle of its
    pause; a change found between two words is anywhere in the pause between them, and is right
    within `tolerance` seconds of it. Each change found counts for one reference change at most."""
    free = list(found)
    hits = 0
    for a, b in sorted(reference):
        t = (a + b) / 2
        distance = [max(0.0, start - t, t - end) for start, end in free]
        if distance and min(distance) <= tolerance:
            del free[int(np.argmin(distance))]
            hits += 1
    return hits, len(reference)
