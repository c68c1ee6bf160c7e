"""Two Whisper engines behind one interface, both returning the project's Transcript.

faster-whisper (CTranslate2, int8 on CPU by default) is the fast one; openai-whisper
(PyTorch) is the reference, run on the same weights converted once into its format.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
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
# 3: VAD keeps whispered and quiet speech and takes a second look at what it rejects, speech is
# decoded where it is (not joined), loops are cut only without audio evidence, fillers are kept.
# 4: batched segments with no punctuation get it from a decode after the text before them; no
# word starts well before VAD hears speech in it.
# 5: music is labelled with sound words (pipeline/sounds, from the build's machine transcript).
# 6: a phone ringing is labelled too ("[ringing]"), and music is not labelled where it rings.
# 7: where the voice over music holds notes, it is labelled singing and its words are lyrics;
# unsure sung lines are taken out one by one (for review), not the whole span's words at once.
TRANSCRIBE_VERSION = 7


@dataclass(frozen=True)
class DecodeOptions:
    """Everything that changes what the engine writes; part of the transcript cache key.

    Each stage between the audio and the machine words can be switched off, so that
    `captions score --explain` can tell which stage made which error; builds use the defaults.
    """

    language: str | None = "en"
    # Beam 10, not Whisper's 5: measured with the vote of the second opinion (.bench/accuracy.md),
    # beam 10 makes fewer errors on all three sets with references at about +0-9% CPU per minute
    # of audio (both models); beam 5 left testdata above its target (11 errors in 152 words, 10
    # at beam 10). Whisper alone, the yardstick, stays at beam 5 (WHISPER_ALONE_BEAM).
    beam_size: int = 10
    compute_type: str = "int8"  # faster-whisper on CPU; openai-whisper always runs float32
    initial_prompt: str | None = None
    vad: bool = True  # only speech found by voice activity detection is decoded as speech
    # VAD's speech is decoded where it is, on the media's clock, the rest skipped (False), or cut
    # out and joined end to end before decoding (True).
    join_speech: bool = False
    # faster-whisper decodes this many speech chunks (of up to 30 s, cut by VAD) at once;
    # 1 decodes one after another, each conditioned on the text before it, as Whisper does.
    batch_size: int = 8
    second_look: bool = True  # what VAD rejects is decoded too; words heard there with confidence are kept
    noise_filter: bool = True  # segments Whisper itself thinks are not speech, and unsure hums (guards.plausible)
    filler_filter: bool = False  # drop segments of nothing but fillers Whisper is unsure of ("um", "uh")
    loop_cutter: bool = True  # cut a phrase repeated in a decoding loop (guards.drop_loops)
    # Label a phone ringing "[ringing]" (pipeline/sounds). Off by default: on held-out recordings
    # its precision is high (.bench/sounds.md), but Big Buck Bunny's birdsong, once followed by
    # speech, came out as a 3.75 s "[ringing]": a label that is wrong misleads a deaf viewer more
    # than a missing one, so a publisher turns it on (--label-ringing) where phones matter.
    label_ringing: bool = False

    def key(self, engine: str) -> dict:
        options = asdict(self)
        if engine == "openai-whisper" or not self.vad:
            options["batch_size"] = 1  # openai-whisper has no batching; batches need VAD's chunks
        if not self.vad:
            options["join_speech"] = options["second_look"] = False
        if engine == "openai-whisper":
            options["compute_type"] = "float32"
        options["version"] = TRANSCRIBE_VERSION
        return options


STAGES = {  # DecodeOptions switches, in the order the stages run, as `score --explain` names them
    "vad": "VAD (audio never decoded)",
    "second_look": "VAD's second look",
    "join_speech": "chunking (speech joined)",
    "batch_size": "batching",
    "noise_filter": "hallucination filter",
    "filler_filter": "filler filter",
    "loop_cutter": "loop cutter",
}


def without(options: DecodeOptions, *stages: str) -> DecodeOptions:
    """The options with these stages switched off."""
    off = {stage: (1 if stage == "batch_size" else False) for stage in stages}
    return replace(options, **off)


# "Whisper alone", what the pipeline is measured against (issue 20): Whisper's own way to decode,
# beam 5 as its command line does, whatever beam a build uses, and every stage switched off.
WHISPER_ALONE_BEAM = 5


def whisper_alone(options: DecodeOptions) -> DecodeOptions:
    return replace(without(options, *STAGES), beam_size=WHISPER_ALONE_BEAM)


class Engine(Protocol):
    name: str
    model: ResolvedModel
    options: DecodeOptions

    def transcribe(self, audio: np.ndarray, options: DecodeOptions | None = None,
                   progress: Progress | None = None) -> Transcript: ...

    def transcribe_file(self, pcm: Path, options: DecodeOptions | None = None,
                        progress: Progress | None = None) -> Transcript: ...

    def hear(self, audio: np.ndarray, options: DecodeOptions, progress: Progress | None = None) -> Heard: ...

    def judge(self, heard: Heard, options: DecodeOptions) -> tuple[list[Segment], list[Removed]]: ...


@dataclass
class Heard:
    """What Whisper heard in a stretch of audio, before any guard judged it (times on its clock)."""

    decoded: list[tuple[Segment, guards.Verdict]]  # in the speech VAD found (or everywhere, without VAD)
    second_look: list[tuple[Segment, guards.Verdict]]  # in what VAD rejected
    language: str
    evidence: guards.Evidence | None = None  # how much each stretch of audio sounds like speech


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
    """What both engines share: VAD before decoding, the guards after, one data model out."""

    name: str
    model: ResolvedModel
    options: DecodeOptions

    def transcribe(self, audio: np.ndarray, options: DecodeOptions | None = None,
                   progress: Progress | None = None) -> Transcript:
        options = options or self.options
        heard = self.hear(audio, options, progress)
        segments, removed = self.judge(heard, options)
        return _transcript(segments, removed, heard.language, len(audio), self, options)

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
            heard = self.hear(piece, options, progress and (lambda t: progress(offset + t)))
            language = heard.language
            part, dropped = self.judge(heard, options)
            segments += [guards.shifted(segment, offset) for segment in part]
            removed += [guards.shifted_removed(r, offset) for r in dropped]
        return _transcript(segments, removed, language, total, self, options)

    def hear(self, audio: np.ndarray, options: DecodeOptions, progress: Progress | None = None) -> Heard:
        """Everything Whisper hears in one block of audio, times on the block's clock, unjudged."""
        # Silero's judgement of every moment: the loop cutter's evidence, with or without VAD (0.2% of
        # real time: 0.2 s for 95 s of audio)
        evidence = guards.Evidence(vad.speech_probabilities(audio), vad.WINDOW / SAMPLE_RATE)
        if not options.vad:
            decoded, language = self._decoded(audio, options, None, progress) if len(audio) else ([], None)
            return Heard(decoded, [], language or options.language or "en", evidence)
        speech = vad.find_speech(audio)
        spoken = sum(c["end"] - c["start"] for c in speech.chunks)
        language = None
        if not speech.chunks:
            decoded = []
        elif self._batches_help(spoken, options):
            if options.join_speech:  # faster-whisper's own way: chunks joined into windows of up to 30 s
                decoded, language = self._decoded(audio, options, None, progress, batched=True)
            else:  # the speech where it is, in stretches of up to 30 s, decoded side by side
                chunks = vad.find_speech(audio, max_speech_duration_s=WINDOW)
                speech = chunks.within(WINDOW)
                decoded, language = self._decoded(audio, options, _clips(speech.chunks), progress, batched=True)
                # A batched window is decoded without timestamps, and Whisper may end it after its
                # first sentence: the speech after a pause in it is never written (measured: a
                # 7 s sentence after 11 s of another speaker, base at beam 5 and 10, tiny.en at
                # 10). Speech VAD found that no word was heard in is decoded one stretch after
                # another instead, as speech within one window always is.
                missed = _unheard(chunks.chunks, [segment for segment, _ in decoded])
                if missed:
                    again, _ = self._decoded(audio, options, _clips(missed), None)
                    decoded = sorted(decoded + again, key=lambda d: d[0].start)
        elif options.join_speech:
            joined = np.concatenate([audio[c["start"]:c["end"]] for c in speech.chunks])
            scale = len(audio) / len(joined)
            decoded, language = self._decoded(joined, options, None, progress and (lambda t: progress(t * scale)))
            decoded = [(vad.restore_times(segment, speech), verdict) for segment, verdict in decoded]
        else:
            decoded, language = self._decoded(audio, options, _clips(speech.chunks), progress)
        second = []
        if options.second_look:
            rejected = speech.rejected(len(audio), shortest=SECOND_LOOK_SHORTEST)
            if rejected:
                second, found = self._decoded(audio, replace(options, initial_prompt=None), _clips(rejected), None,
                                              second_look=True)
                language = language or found
        if progress:
            progress(len(audio) / SAMPLE_RATE)
        return Heard(decoded, second, language or options.language or "en", evidence)

    _memory: dict | None = None

    @contextmanager
    def remembering(self):
        """Within this, the same audio decoded the same way is decoded once (for `score --explain`,
        which hears each clip with one stage after another switched off)."""
        self._memory = {}
        try:
            yield self
        finally:
            self._memory = None

    def _decoded(self, audio: np.ndarray, options: DecodeOptions, clips: list[float] | None,
                 progress: Progress | None, second_look: bool = False, batched: bool = False):
        if self._memory is None:
            if batched:
                return self._decode_batched(audio, options, clips, progress)
            return self._decode(audio, options, clips, progress, second_look)
        key = (hashlib.sha256(audio.tobytes()).hexdigest(), tuple(clips or ()), second_look,
               options.batch_size if batched else None, options.language, options.beam_size,
               options.compute_type, options.initial_prompt)
        if key not in self._memory:
            self._memory[key] = (self._decode_batched(audio, options, clips, None) if batched
                                 else self._decode(audio, options, clips, None, second_look))
        return self._memory[key]

    def judge(self, heard: Heard, options: DecodeOptions) -> tuple[list[Segment], list[Removed]]:
        """The guards, as switched on: (the words kept, what they took out and why)."""
        decoded, removed = heard.decoded, []
        if heard.second_look:
            confident, unsure = guards.second_look(heard.second_look)
            decoded = sorted(decoded + confident, key=lambda d: d[0].start)
            removed += unsure
        if options.noise_filter or options.filler_filter:
            segments, dropped = guards.keep_plausible(decoded, noise=options.noise_filter,
                                                      fillers=options.filler_filter)
            removed += dropped
        else:
            segments = [segment for segment, _ in decoded]
        if options.loop_cutter:
            segments, looped = guards.drop_loops(segments, heard.evidence)
            removed += looped
        segments = start_with_speech(segments, heard.evidence)
        return [s for s in segments if s.words], sorted(removed, key=lambda r: r.start)

    def _batches_help(self, speech_samples: int, options: DecodeOptions) -> bool:
        return False

    def _decode(self, audio: np.ndarray, options: DecodeOptions, clips: list[float] | None,
                progress: Progress | None, second_look: bool = False):
        raise NotImplementedError

    def _decode_batched(self, audio: np.ndarray, options: DecodeOptions, clips: list[float] | None,
                        progress: Progress | None):
        raise NotImplementedError


# The second look decodes what VAD rejected, each stretch on its own; a stretch shorter than this
# cannot hold a word VAD missed (its padding already keeps 0.4 s either side of speech).
SECOND_LOOK_SHORTEST = 0.3


def _unheard(chunks, segments: list[Segment]) -> list[dict]:
    """The chunks of speech (sample ranges) that no decoded word overlaps."""
    heard = [(w.start * SAMPLE_RATE, w.end * SAMPLE_RATE) for segment in segments for w in segment.words]
    return [c for c in chunks if not any(start < c["end"] and end > c["start"] for start, end in heard)]


def _clips(ranges) -> list[float]:
    """Sample ranges as Whisper's clip_timestamps: start, end, start, end... in seconds."""
    out = []
    for r in ranges:
        first, last = (r["start"], r["end"]) if isinstance(r, dict) else r
        out += [first * 1000 // SAMPLE_RATE / 1000, last * 1000 // SAMPLE_RATE / 1000]  # ms, never past the end
    return out


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

    def _batches_help(self, speech_samples: int, options: DecodeOptions) -> bool:
        """Batches need VAD's chunks and more than one of them; speech that fits one window is
        decoded as Whisper does, with its temperature fallback (measured: one error fewer in
        the 152 words of the test clips)."""
        return options.batch_size > 1 and options.vad and speech_samples > WINDOW * SAMPLE_RATE

    def _decode_batched(self, audio: np.ndarray, options: DecodeOptions, clips: list[float] | None,
                        progress: Progress | None):
        import ctranslate2
        from faster_whisper import BatchedInferencePipeline

        # Given clips (start, end, ... in seconds, none longer than 30 s), each is one window of
        # the batch, on the original clock. Without, the batched pipeline finds speech with the
        # same Silero VAD and settings, in chunks split at pauses of 160 ms as faster-whisper does
        # for batches, joins them into windows of up to 30 s and puts the times back.
        ctranslate2.set_random_seed(SEED)
        where = ({"clip_timestamps": [{"start": a, "end": b} for a, b in zip(clips[::2], clips[1::2])]} if clips
                 else {"vad_parameters": vad.vad_options(min_silence_duration_ms=160, max_speech_duration_s=WINDOW)})
        pieces, info = BatchedInferencePipeline(self._whisper).transcribe(
            audio,
            language=options.language,
            beam_size=options.beam_size,
            initial_prompt=options.initial_prompt,
            word_timestamps=True,
            batch_size=options.batch_size,
            **where,
        )
        return self._repunctuated(audio, self._kept(pieces, progress), options), info.language

    def _repunctuated(self, audio: np.ndarray, kept: list[tuple[Segment, guards.Verdict]],
                      options: DecodeOptions) -> list[tuple[Segment, guards.Verdict]]:
        """Batched windows are decoded without the text before them, and some come out with no
        punctuation or capitals at all. Such a segment is decoded again on its own, after the text
        before it (as one-after-another decoding does), and only its punctuation and capitals are
        taken: the words and their times stay those of the batch. A sentence that starts a window
        after a full stop starts with a capital."""
        import ctranslate2

        out, before = [], ""
        for segment, verdict in kept:
            words = segment.words
            if len(words) >= UNPUNCTUATED and not any(w.text[-1:] in PUNCTUATION for w in words[:-1]):
                ctranslate2.set_random_seed(SEED)
                start, end = max(0.0, words[0].start - 0.2), min(len(audio) / SAMPLE_RATE, words[-1].end + 0.2)
                again, _ = self._whisper.transcribe(
                    audio, language=options.language, beam_size=options.beam_size,
                    initial_prompt=before[-PROMPT_CHARS:] or None, clip_timestamps=[start, end],
                    condition_on_previous_text=False, without_timestamps=True, vad_filter=False)
                words = _punctuation_from(words, " ".join(piece.text for piece in again).split())
            if words and (not before or before[-1:] in ".?!") and words[0].text[:1].islower():
                words = [replace(words[0], text=words[0].text[:1].upper() + words[0].text[1:]), *words[1:]]
            out.append((Segment(words), verdict))
            before = f"{before} {' '.join(w.text for w in words)}".strip()[-PROMPT_CHARS:]
        return out

    def _decode(self, audio: np.ndarray, options: DecodeOptions, clips: list[float] | None,
                progress: Progress | None, second_look: bool = False):
        import ctranslate2

        ctranslate2.set_random_seed(SEED)
        pieces, info = self._whisper.transcribe(
            audio,
            language=options.language,
            beam_size=options.beam_size,
            initial_prompt=options.initial_prompt,
            word_timestamps=True,
            clip_timestamps=clips if clips is not None else "0",
            # each stretch VAD rejected is heard on its own: one cannot lead Whisper on in the next
            condition_on_previous_text=not second_look,
        )
        return self._kept(pieces, progress), info.language

    @staticmethod
    def _kept(pieces, progress: Progress | None) -> list[tuple[Segment, guards.Verdict]]:
        """Each segment with what the guards need to judge it (they judge later, on the media's clock)."""
        segments = []
        for piece in pieces:
            segment = _segment((w.word, w.start, w.end, w.probability) for w in piece.words or [])
            segments.append((segment, guards.Verdict(piece.no_speech_prob, piece.avg_logprob,
                                                     piece.compression_ratio)))
            if progress:
                progress(piece.end)
        return segments


# A batched segment of this many words or more with no punctuation before its last word is decoded
# again for its punctuation (measured on testdata/more joined into one 7.8 min talk, base: 57 of
# 59 sentences started with a capital and ended with punctuation batched, 65 of 65 one by one).
UNPUNCTUATED = 15
PUNCTUATION = ".,;:?!"
PROMPT_CHARS = 200  # of the text before, given as the prompt


def _punctuation_from(words: list[Word], heard: list[str]) -> list[Word]:
    """The words, each spelled as in `heard` where the two agree but for case and punctuation."""
    from difflib import SequenceMatcher

    from ..transcript import normalise_token

    matcher = SequenceMatcher(None, [normalise_token(w.text) for w in words], [normalise_token(t) for t in heard],
                              autojunk=False)
    out = list(words)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                out[i] = replace(words[i], text=heard[j])
    return out


def start_with_speech(segments: list[Segment], evidence: guards.Evidence | None) -> list[Segment]:
    """No word starts before its audio: a word whose start lies well before the first moment VAD
    hears any speech in it (Whisper sometimes stretches a first word back over a title card or a
    pause) starts just before that moment instead."""
    if evidence is None or len(evidence.probabilities) == 0:
        return segments
    probabilities, step = evidence.probabilities, evidence.step
    out = []
    for segment in segments:
        words = []
        for word in segment.words:
            first, last = int(word.start / step), min(int(np.ceil(word.end / step)), len(probabilities))
            heard = np.flatnonzero(probabilities[first:last] >= guards.HEARD_SPEECH)
            onset = (first + heard[0]) * step if len(heard) else None
            if onset is not None and onset - word.start > EARLY and onset < word.end:
                earliest = words[-1].end if words else word.start
                word = replace(word, start=round(max(onset - ONSET_PAD, earliest, word.start), 3))
            words.append(word)
        out.append(Segment(words))
    return out


EARLY = 0.25  # seconds: a word starting this long before any speech is heard in it starts too early
ONSET_PAD = 0.2  # and starts this long before it instead (Silero hears a soft onset up to 0.15 s late)


class OpenAIWhisperEngine(_WhisperEngine):
    name = "openai-whisper"

    def __init__(self, model: ResolvedModel, options: DecodeOptions, threads: int):
        import torch

        torch.set_num_threads(threads)
        self.model = model
        self.options = options
        self._whisper = load_openai_model(model)

    def _decode(self, audio: np.ndarray, options: DecodeOptions, clips: list[float] | None,
                progress: Progress | None, second_look: bool = False):
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
            clip_timestamps=clips if clips is not None else "0",
            condition_on_previous_text=not second_look,
        )
        segments = [(_segment((w["word"], w["start"], w["end"], w["probability"]) for w in piece.get("words", [])),
                     guards.Verdict(piece["no_speech_prob"], piece["avg_logprob"],
                                    piece.get("compression_ratio", 0.0)))
                    for piece in result["segments"]]
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
