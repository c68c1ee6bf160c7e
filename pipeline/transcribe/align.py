"""Forced alignment: times for words an editor wrote, from the audio itself.

Whisper aligns given text the way it times its own words: the decoder reads the tokens
against a stretch of audio, and dynamic time warping over the alignment heads'
cross-attention says where each token falls. CTranslate2 models use faster-whisper's
implementation (quick to load); an openai-whisper checkpoint uses whisper.timing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, load_pcm
from .models import ResolvedModel

ALIGN_VERSION = 3  # part of the alignment cache's name: a change here aligns again
MAX_WINDOW = 30.0  # Whisper hears 30 s at a time
PAD = 0.2  # a little audio either side, so a word at the edge is heard whole
HOP = 160  # samples per mel frame
# Whisper's decoder holds 448 positions; the prompt's few special tokens need some of them.
MAX_TOKENS = 400
# A stretch longer than a window, or with more text than one window holds, is aligned in pieces
# of at most this long, the words shared out by length; a piece that still holds too much text
# for its audio is not aligned (its words are spread evenly).
PIECE = 20.0
# The encoder hears only the stretch being aligned (at least this many 10 ms frames), not a whole
# 30 s window: measured on 15 stretches of 3 demo words against the machine's own times, the
# median start error stays 0.02 s (mean 0.033 -> 0.044 s) for a ninth of the CPU (15.7 -> 1.7 s).
SHORTEST_ENCODING = 500
ALIGN_THREADS = 1


def can_align(words: list[str], start: float, end: float) -> bool:
    """Whether a stretch is worth the model at all: words, and a tenth of a second to hear them in
    (less is spread evenly, so a build need not load, or even verify, the model for it)."""
    return bool(words) and end - start >= 0.1


class WhisperAligner:
    """Loads the model only when a stretch actually needs aligning."""

    def __init__(self, model: ResolvedModel, pcm: Path, language: str = "en"):
        self._model_spec = model
        self._pcm = pcm
        self._language = language
        self._model = None

    def align(self, words: list[str], start: float, end: float) -> list[tuple[float, float]] | None:
        """(start, end) for each word, all inside [start, end]; None when it cannot tell."""
        if not can_align(words, start, end):
            return None
        if end - start > MAX_WINDOW - 2 * PAD or sum(len(w) + 1 for w in words) > 2 * MAX_TOKENS:
            return self._align_in_pieces(words, start, end)
        return self._align_window(words, start, end)

    def _align_in_pieces(self, words: list[str], start: float, end: float) -> list[tuple[float, float]] | None:
        """A long stretch a piece at a time: the words shared out over pieces of about PIECE
        seconds in proportion to their length (the pace of speech), each piece aligned alone."""
        pieces = max(2, int((end - start) // PIECE) + 1)
        if len(words) < pieces:
            return None
        weights = [len(w) + 1 for w in words]
        total, out, first, elapsed = sum(weights), [], 0, 0
        for k in range(1, pieces + 1):
            last = len(words) if k == pieces else first
            while k < pieces and last < len(words) and (elapsed + weights[last]) / total <= k / pieces:
                elapsed += weights[last]
                last += 1
            last = max(last, first + 1)
            a = start + (end - start) * sum(weights[:first]) / total
            b = start + (end - start) * sum(weights[:last]) / total
            aligned = self._align_window(words[first:last], a, b) if b - a <= MAX_WINDOW - 2 * PAD else None
            out += aligned or _even(words[first:last], a, b)
            first = last
            if first >= len(words):
                break
        return out if len(out) == len(words) else None

    def _align_window(self, words: list[str], start: float, end: float) -> list[tuple[float, float]] | None:
        if end - start < 0.1 or end - start > MAX_WINDOW - 2 * PAD:
            return None
        offset = max(0.0, start - PAD)
        piece = load_pcm(self._pcm, int(offset * SAMPLE_RATE), int((end + PAD) * SAMPLE_RATE))
        if len(piece) < SAMPLE_RATE // 10:
            return None
        align_tokens = self._align_ctranslate2 if self._model_spec.is_ctranslate2 else self._align_torch
        tokens_per_word = [self._tokens(" " + w) for w in words]
        if sum(len(t) for t in tokens_per_word) > MAX_TOKENS:
            return None  # more text than the audio's window can hold: spread evenly instead
        tokens_per_word, token_times = align_tokens(words, piece)
        if len(token_times) < sum(len(t) for t in tokens_per_word):
            return None
        out, position = [], 0
        for tokens in tokens_per_word:
            first, last = token_times[position], token_times[position + len(tokens) - 1]
            position += len(tokens)
            a = min(max(offset + float(first[0]), start), end)
            b = min(max(offset + float(last[1]), a), end)
            out.append((a, b))
        return out

    def _align_ctranslate2(self, words: list[str], piece: np.ndarray):
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        model = self._load()
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                              language=self._language)
        tokens_per_word = [tokenizer.encode(" " + w) for w in words]
        text_tokens = [t for tokens in tokens_per_word for t in tokens]
        features = model.feature_extractor(piece)
        frames = min(max(features.shape[-1], SHORTEST_ENCODING), 3000)
        encoder_output = model.encode(pad_or_trim(features, frames))
        [timings] = model.find_alignment(tokenizer, [text_tokens], encoder_output, len(piece) // HOP)
        return tokens_per_word, _token_times((t["start"], t["end"], len(t["tokens"])) for t in timings)

    def _align_torch(self, words: list[str], piece: np.ndarray):
        import torch
        from whisper.audio import N_FRAMES, N_SAMPLES, log_mel_spectrogram, pad_or_trim
        from whisper.timing import find_alignment
        from whisper.tokenizer import get_tokenizer

        model = self._load()
        tokenizer = get_tokenizer(model.is_multilingual, num_languages=model.num_languages,
                                  language=self._language, task="transcribe")
        tokens_per_word = [tokenizer.encode(" " + w) for w in words]
        text_tokens = [t for tokens in tokens_per_word for t in tokens]
        mel = log_mel_spectrogram(torch.from_numpy(piece), model.dims.n_mels, padding=N_SAMPLES)
        timings = find_alignment(model, tokenizer, text_tokens, pad_or_trim(mel, N_FRAMES), len(piece) // HOP)
        return tokens_per_word, _token_times((t.start, t.end, len(t.tokens)) for t in timings)

    def _tokens(self, text: str) -> list[int]:
        if self._model_spec.is_ctranslate2:
            from faster_whisper.tokenizer import Tokenizer

            model = self._load()
            tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                                  language=self._language)
        else:
            from whisper.tokenizer import get_tokenizer

            model = self._load()
            tokenizer = get_tokenizer(model.is_multilingual, num_languages=model.num_languages,
                                      language=self._language, task="transcribe")
        return tokenizer.encode(text)

    def _load(self):
        if self._model is None:
            if self._model_spec.is_ctranslate2:
                from faster_whisper import WhisperModel

                # One thread: a stretch is a few seconds of audio, too little work to share, and
                # CTranslate2's other threads only spin (measured: 0.6 s of CPU for the load and a
                # 0.8 s stretch, against 1.1 to 1.5 s with a thread per core; the same times).
                self._model = WhisperModel(str(self._model_spec.path), device="cpu", compute_type="int8",
                                           cpu_threads=ALIGN_THREADS, local_files_only=True)
            else:
                from .engines import load_openai_model

                self._model = load_openai_model(self._model_spec)
        return self._model


def _even(words: list[str], start: float, end: float) -> list[tuple[float, float]]:
    step = (end - start) / len(words)
    return [(start + k * step, start + (k + 1) * step) for k in range(len(words))]


def _token_times(timings) -> list[tuple[float, float]]:
    """Whisper times words; every token of a word gets that word's span."""
    out = []
    for start, end, count in timings:
        out.extend([(start, end)] * count)
    return out
