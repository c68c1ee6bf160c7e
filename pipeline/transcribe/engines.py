"""Two Whisper engines behind one interface, both returning the project's Transcript.

faster-whisper (CTranslate2, int8 on CPU by default) is the fast one; openai-whisper
(PyTorch) is the reference, run on the same weights converted once into its format.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..audio import SAMPLE_RATE, load_pcm
from ..transcript import Removed, Segment, Transcript, Word
from . import guards, vad
from .models import ResolvedModel, alignment_heads, cache_root

# Belt and braces: neither engine may reach a model hub, whatever it is asked.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ENGINES = ("faster-whisper", "openai-whisper")
DEFAULT_ENGINE = "faster-whisper"
Progress = Callable[[float], None]  # called with seconds of audio done
# Whisper samples at random when it falls back to a higher temperature; a fixed seed makes the
# same audio give the same words every time.
SEED = 0
# Part of the machine transcript's cache key: a change to decoding or the guards transcribes again.
TRANSCRIBE_VERSION = 2


@dataclass(frozen=True)
class DecodeOptions:
    """Everything that changes what the engine writes; part of the transcript cache key."""

    language: str | None = "en"
    beam_size: int = 5
    compute_type: str = "int8"  # faster-whisper on CPU; openai-whisper always runs float32
    initial_prompt: str | None = None
    vad: bool = True  # only speech found by voice activity detection is transcribed
    # faster-whisper decodes this many speech chunks (of up to 30 s, cut by VAD) at once;
    # 1 decodes one after another, each conditioned on the text before it, as Whisper does.
    batch_size: int = 8

    def key(self, engine: str) -> dict:
        options = asdict(self)
        if engine == "openai-whisper" or not self.vad:
            options["batch_size"] = 1  # openai-whisper has no batching; batches need VAD's chunks
        if engine == "openai-whisper":
            options["compute_type"] = "float32"
        options["version"] = TRANSCRIBE_VERSION
        return options


class Engine(Protocol):
    name: str
    model: ResolvedModel
    options: DecodeOptions

    def transcribe(self, audio: np.ndarray, options: DecodeOptions | None = None,
                   progress: Progress | None = None) -> Transcript: ...

    def transcribe_file(self, pcm: Path, options: DecodeOptions | None = None,
                        progress: Progress | None = None) -> Transcript: ...


def default_threads() -> int:
    return max(1, len(os.sched_getaffinity(0)))


def load_engine(name: str, model: ResolvedModel, options: DecodeOptions, threads: int | None = None) -> Engine:
    threads = threads or default_threads()
    if name == "faster-whisper":
        return FasterWhisperEngine(model, options, threads)
    if name == "openai-whisper":
        return OpenAIWhisperEngine(model, options, threads)
    raise ValueError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")


class _WhisperEngine:
    """What both engines share: VAD before decoding, loop guards after, one data model out."""

    name: str
    model: ResolvedModel
    options: DecodeOptions

    def transcribe(self, audio: np.ndarray, options: DecodeOptions | None = None,
                   progress: Progress | None = None) -> Transcript:
        options = options or self.options
        segments, language, removed = self._piece(audio, options, progress)
        return _transcript(segments, removed, language, len(audio), self, options)

    def transcribe_file(self, pcm: Path, options: DecodeOptions | None = None,
                        progress: Progress | None = None) -> Transcript:
        """A PCM file of any length, a block at a time: memory stays flat however long it is."""
        options = options or self.options
        total = pcm.stat().st_size // 2
        segments: list[Segment] = []
        removed: list[Removed] = []
        language = options.language or "en"
        for first, last in blocks(pcm):
            offset = first / SAMPLE_RATE
            piece = load_pcm(pcm, first, last)
            part, language, dropped = self._piece(piece, options, progress and (lambda t: progress(offset + t)))
            segments += [guards.shifted(segment, offset) for segment in part]
            removed += [guards.shifted_removed(r, offset) for r in dropped]
        return _transcript(segments, removed, language, total, self, options)

    def _piece(self, audio: np.ndarray, options: DecodeOptions, progress: Progress | None):
        """(segments, language, removed) for one block of audio, times on the block's clock."""
        speech, speech_map = vad.speech_only(audio) if options.vad else (audio, None)
        if self._batches_help(speech, options):
            decoded, language = self._decode_batched(audio, options, progress)
        elif len(speech) == 0:
            decoded, language = [], options.language or "en"
        else:
            scale = len(audio) / len(speech)
            decoded, language = self._decode(speech, options, progress and (lambda t: progress(t * scale)))
            if speech_map is not None:
                decoded = [(vad.restore_times(segment, speech_map), verdict) for segment, verdict in decoded]
        if progress:
            progress(len(audio) / SAMPLE_RATE)
        segments, removed = guards.keep_plausible(decoded)
        segments, looped = guards.drop_loops(segments)
        return segments, language, sorted(removed + looped, key=lambda r: r.start)

    def _batches_help(self, speech: np.ndarray, options: DecodeOptions) -> bool:
        return False


WINDOW = 30.0  # seconds of audio Whisper hears at once
BLOCK = 600.0  # seconds of audio held at once
QUIET_SEARCH = 10.0  # a block ends at the quietest moment of its last seconds, not inside a word


def blocks(pcm: Path) -> list[tuple[int, int]]:
    """(first, last) sample ranges of about BLOCK seconds, cut where the audio is quietest."""
    total = pcm.stat().st_size // 2
    size, frame, search = int(BLOCK * SAMPLE_RATE), SAMPLE_RATE // 10, int(QUIET_SEARCH * SAMPLE_RATE)
    cuts, start = [], 0
    while total - start > size:
        window_start = start + size - search
        window = load_pcm(pcm, window_start, start + size)
        energy = (window[: len(window) // frame * frame].reshape(-1, frame) ** 2).mean(axis=1)
        cut = window_start + int(np.argmin(energy)) * frame + frame // 2
        cuts.append((start, cut))
        start = cut
    cuts.append((start, total))
    return cuts


class FasterWhisperEngine(_WhisperEngine):
    name = "faster-whisper"

    def __init__(self, model: ResolvedModel, options: DecodeOptions, threads: int):
        from faster_whisper import WhisperModel

        if not model.is_ctranslate2:
            raise ValueError(f"{model.path}: faster-whisper needs a CTranslate2 model folder; "
                             "use --engine openai-whisper for a .pt checkpoint")
        self.model = model
        self.options = options
        self._whisper = WhisperModel(
            str(model.path), device="cpu", compute_type=options.compute_type,
            cpu_threads=threads, local_files_only=True,
        )

    def _batches_help(self, speech: np.ndarray, options: DecodeOptions) -> bool:
        """Batches need VAD's chunks and more than one of them; speech that fits one window is
        decoded as Whisper does, with its temperature fallback (measured: one error fewer in
        the 152 words of the test clips)."""
        return options.batch_size > 1 and options.vad and len(speech) > WINDOW * SAMPLE_RATE

    def _decode_batched(self, audio: np.ndarray, options: DecodeOptions, progress: Progress | None):
        import ctranslate2
        from faster_whisper import BatchedInferencePipeline

        # The batched pipeline finds speech with the same Silero VAD, in chunks of up to 30 s,
        # decodes them side by side and gives times on the original clock.
        ctranslate2.set_random_seed(SEED)
        pieces, info = BatchedInferencePipeline(self._whisper).transcribe(
            audio,
            language=options.language,
            beam_size=options.beam_size,
            initial_prompt=options.initial_prompt,
            word_timestamps=True,
            batch_size=options.batch_size,
        )
        return self._kept(pieces, progress), info.language

    def _decode(self, audio: np.ndarray, options: DecodeOptions, progress: Progress | None):
        import ctranslate2

        ctranslate2.set_random_seed(SEED)
        pieces, info = self._whisper.transcribe(
            audio,
            language=options.language,
            beam_size=options.beam_size,
            initial_prompt=options.initial_prompt,
            word_timestamps=True,
        )
        return self._kept(pieces, progress), info.language

    @staticmethod
    def _kept(pieces, progress: Progress | None) -> list[tuple[Segment, guards.Verdict]]:
        """Each segment with what the guards need to judge it (they judge later, on the media's clock)."""
        segments = []
        for piece in pieces:
            segment = _segment((w.word, w.start, w.end, w.probability) for w in piece.words or [])
            segments.append((segment, guards.Verdict(piece.no_speech_prob, piece.avg_logprob)))
            if progress:
                progress(piece.end)
        return segments


class OpenAIWhisperEngine(_WhisperEngine):
    name = "openai-whisper"

    def __init__(self, model: ResolvedModel, options: DecodeOptions, threads: int):
        import torch

        torch.set_num_threads(threads)
        self.model = model
        self.options = options
        self._whisper = load_openai_model(model)

    def _decode(self, audio: np.ndarray, options: DecodeOptions, progress: Progress | None):
        import torch
        import whisper

        torch.manual_seed(SEED)
        result = whisper.transcribe(
            self._whisper,
            audio,
            language=options.language,
            beam_size=options.beam_size,
            best_of=5,
            initial_prompt=options.initial_prompt,
            word_timestamps=True,
            fp16=False,
            verbose=None,
        )
        segments = [(_segment((w["word"], w["start"], w["end"], w["probability"]) for w in piece.get("words", [])),
                     guards.Verdict(piece["no_speech_prob"], piece["avg_logprob"])) for piece in result["segments"]]
        return segments, result["language"]


def _segment(raw_words: Iterable[tuple[str, float, float, float]]) -> Segment:
    """Whisper's words, as spoken words: a piece with no leading space (the "-life" of
    "real-life") belongs to the word before it."""
    words: list[Word] = []
    for text, start, end, probability in raw_words:
        if not text.strip():
            continue
        if words and not text[0].isspace():
            last = words[-1]
            words[-1] = Word(last.text + text.strip(), last.start, float(end), min(last.probability, float(probability)))
        else:
            words.append(Word(text.strip(), float(start), float(end), float(probability)))
    return Segment(words)


def _transcript(segments: list[Segment], removed: list[Removed], language: str, samples: int, engine: Engine,
                options: DecodeOptions) -> Transcript:
    return Transcript(
        removed=removed,
        segments=[s for s in segments if s.words],
        language=language,
        duration=samples / SAMPLE_RATE,
        engine=engine.name,
        model=engine.model.name,
        model_sha256=engine.model.sha256,
        options=options.key(engine.name),
    )


def openai_checkpoint_for(model: ResolvedModel) -> Path:
    """The openai-whisper checkpoint for a model, converting a CTranslate2 one once."""
    if not model.is_ctranslate2:
        return model.path
    from .ct2convert import convert

    checkpoint = cache_root() / "models" / f"openai-whisper-{model.sha256[:16]}.pt"
    if not checkpoint.is_file():
        convert(model.path / "model.bin", alignment_heads(model.path), checkpoint)
    return checkpoint


def load_openai_model(model: ResolvedModel):
    import torch
    import whisper
    from whisper.model import ModelDimensions, Whisper

    checkpoint = torch.load(openai_checkpoint_for(model), map_location="cpu", weights_only=True)
    network = Whisper(ModelDimensions(**checkpoint["dims"]))
    network.load_state_dict(checkpoint["model_state_dict"])
    # whisper.load_model(path) leaves the default heads, which changes word timings and text.
    heads = checkpoint.get("alignment_heads") or _official_alignment_heads(model.sha256, whisper)
    if heads:
        network.set_alignment_heads(heads)
    return network.float().eval()


def _official_alignment_heads(sha256: str, whisper) -> bytes | None:
    """An official checkpoint is known by the sha256 in its download address."""
    for name, url in whisper._MODELS.items():
        if f"/{sha256}/" in url:
            return whisper._ALIGNMENT_HEADS[name]
    return None
