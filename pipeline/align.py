"""Forced alignment: times for words an editor wrote, from the audio itself.

openai-whisper's own word timing (whisper.timing.find_alignment) is run on the editor's
words as given: the decoder reads them against a stretch of audio and dynamic time warping
over the alignment heads' cross-attention says where each token falls.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE, load_pcm
from .models import ResolvedModel

MAX_WINDOW = 30.0  # Whisper hears 30 s at a time
PAD = 0.2  # a little audio either side, so a word at the edge is heard whole


class WhisperAligner:
    """Loads the model only when a stretch actually needs aligning."""

    def __init__(self, model: ResolvedModel, pcm: Path):
        self._model_spec = model
        self._pcm = pcm
        self._model = None
        self._audio: np.ndarray | None = None

    def align(self, words: list[str], start: float, end: float) -> list[tuple[float, float]] | None:
        """(start, end) for each word, all inside [start, end]; None when it cannot tell."""
        if not words or end - start < 0.1 or end - start > MAX_WINDOW - 2 * PAD:
            return None
        import torch
        from whisper.audio import N_FRAMES, N_SAMPLES, log_mel_spectrogram, pad_or_trim
        from whisper.timing import find_alignment
        from whisper.tokenizer import get_tokenizer

        model = self._load()
        audio = self._samples()
        offset = max(0.0, start - PAD)
        piece = audio[int(offset * SAMPLE_RATE):int((end + PAD) * SAMPLE_RATE)]
        if len(piece) < SAMPLE_RATE // 10:
            return None
        mel = log_mel_spectrogram(torch.from_numpy(piece), model.dims.n_mels, padding=N_SAMPLES)
        num_frames = len(piece) // 160
        tokenizer = get_tokenizer(model.is_multilingual, num_languages=model.num_languages,
                                  language="en", task="transcribe")
        tokens_per_word = [tokenizer.encode(" " + w) for w in words]
        text_tokens = [t for tokens in tokens_per_word for t in tokens]
        timings = find_alignment(model, tokenizer, text_tokens, pad_or_trim(mel, N_FRAMES), num_frames)
        token_times = []
        for timing in timings:
            token_times.extend([(timing.start, timing.end)] * len(timing.tokens))
        if len(token_times) < len(text_tokens):
            return None
        out, position = [], 0
        for tokens in tokens_per_word:
            first, last = token_times[position], token_times[position + len(tokens) - 1]
            position += len(tokens)
            a = min(max(offset + float(first[0]), start), end)
            b = min(max(offset + float(last[1]), a), end)
            out.append((a, b))
        return out

    def _load(self):
        if self._model is None:
            from .engines import load_openai_model

            self._model = load_openai_model(self._model_spec)
        return self._model

    def _samples(self) -> np.ndarray:
        if self._audio is None:
            self._audio = load_pcm(self._pcm)
        return self._audio
