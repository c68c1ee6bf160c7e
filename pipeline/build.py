"""One video's build: the stages in order, each reading and writing through the store.

    media --extract--> audio --transcribe--> machine words --correct--> published words
          --lay out + render--> VTT, SRT, TXT, pages, easy read, manifest

Each step is skipped when its cache says its inputs have not changed. The batch (batch.py) and
the browser editor's save both build a video through `build_video`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import os
import re
import sys
from typing import Protocol
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import audio, sounds, stages
from .atomic import atomic_write_text, create_new_text, remove_stale_temp_files
from .correct.glossary import Glossary, apply_rules, load_glossary
from .correct.retime import RETIME_VERSION, retime
from .errors import PipelineError, shown
from .formats import editfile
from .layout import Profile
from .store import (GLOSSARY, VideoFiles, alignment_cache, audio_cache, pcm_path,
                    read_json_object)
from .timecode import mark
from .transcribe import diarize
from .transcribe.engines import DEFAULT_ENGINE, DecodeOptions, Engine, load_engine
from .transcribe.models import BUNDLED, DEFAULT_MODEL, ResolvedModel, resolve_model
from .transcribe.vote import VOTE_VERSION, combine
from .review import review_list
from .transcript import Transcript



class Progress(Protocol):
    def start(self, total_seconds: float) -> None: ...

    def advance_to(self, seconds: float) -> None: ...

# Below this share of an editor's lines that still match the machine's words, the editor's file
# was written for other audio (a replaced recording). Measured: a corrected file keeps 0.9 to 1.0
# of its lines matched, and the same file against another recording 0.0 to 0.1.
FITS_AUDIO = 0.5
SECOND_OPINION = "tiny.en"  # small and fast: about 0.02 x real time on 2 cores


@dataclass
class BuildConfig:
    media_dir: Path = Path("media")
    transcripts_dir: Path = Path("transcripts")
    engine: str = DEFAULT_ENGINE
    model: str = DEFAULT_MODEL
    options: DecodeOptions = field(default_factory=DecodeOptions)
    threads: int | None = None
    force: bool = False  # transcribe again even when the cache says nothing changed
    # Give the glossary's terms to Whisper as its initial prompt. Off by default: measured on the
    # demo, the prompt made Whisper skip speech (WER 7.8% -> 14.5%); the replacements are safe.
    glossary_hints: bool = False
    profile: Profile = field(default_factory=Profile)
    jobs: int = 1  # files built at once
    progress_bars: bool = True
    # Where the model runs: cpu; cuda (float16 instead of int8); auto, cuda where a machine has a
    # GPU (cluster.on_this_machine settles it on each machine).
    device: str = "cpu"
    # Another model decodes the audio too; where the two disagree, a word goes on the review list.
    second_opinion: str | None = SECOND_OPINION
    # How many people speak, when known (--speakers N); None: found from the voices (1: no turns).
    speakers: int | None = None


@dataclass
class FileResult:
    media: Path
    status: str  # transcribed, updated, unchanged or failed
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    audio_seconds: float = 0.0


class EngineOnDemand:
    """Loads the model at most once per process, and only if some file needs transcribing."""

    def __init__(self, config: BuildConfig):
        self.config = config
        self._engine: Engine | None = None
        self._failure: PipelineError | None = None
        self._model_sha256: str | None = None
        self._model: ResolvedModel | None = None
        self._second: EngineOnDemand | None = None

    def model_sha256(self) -> str:
        if self._model_sha256 is None:
            spec = self.config.model
            self._model_sha256 = BUNDLED[spec].sha256 if spec in BUNDLED else resolve_model(spec).sha256
        return self._model_sha256

    def model(self) -> ResolvedModel:
        if self._model is None:
            self._model = resolve_model(self.config.model, verify=True)
        return self._model

    def second(self, model: str) -> EngineOnDemand:
        """The engine of the second opinion, loaded at most once per process too."""
        if self._second is None:
            self._second = EngineOnDemand(dataclasses.replace(self.config, model=model, second_opinion=None))
        return self._second

    def get(self) -> Engine:
        if self._failure:
            raise self._failure
        if self._engine is None:
            try:
                self._engine = load_engine(self.config.engine, self.model(), self.config.options,
                                           self.config.threads)
            except PipelineError as error:
                self._failure = error
                raise
        return self._engine


def build_video(media: Path, files: VideoFiles, engine: EngineOnDemand, config: BuildConfig,
                progress: Progress | None = None) -> FileResult:
    """Build one video's files from its media; a PipelineError names what is wrong with it."""
    if files.folder.is_dir():
        remove_stale_temp_files(files.folder)
    glossary = load_glossary(config.transcripts_dir / GLOSSARY, files.glossary)
    options = dataclasses.replace(config.options, initial_prompt=glossary.prompt() if config.glossary_hints else None)
    source = Source(media, files)
    machine, transcribed = machine_transcript(source, engine, options, config, progress)
    second = second_opinion(source, machine, engine, config)
    machine = held_back_unclear(source, machine, second)
    machine = speaker_turns(source, machine, config)
    result = FileResult(media, "transcribed" if transcribed else "unchanged", audio_seconds=machine.duration)
    voted = combine(machine, second).transcript
    corrected, reviewed = corrected_transcript(source, voted, glossary, engine, result, announce=transcribed,
                                               second_key=second.cache_key() if second else None)
    to_check = len(review_list(files.folder, cached=True))
    source.state = files.read_state()
    if (publish(corrected, files, reviewed, config.profile, source.fps, media, result.warnings, to_check)
            and result.status == "unchanged"):
        result.status = "updated"
    if source.state.mismatch:
        raise PipelineError(files.edit, source.state.mismatch)
    return result


class Source:
    """One media file's audio: its content hash, and the extracted samples when needed."""

    def __init__(self, media: Path, files: VideoFiles):
        self.media = media
        self.files = files
        if not media.is_file():  # a folder or a pipe named like a video would hang or fail ffmpeg
            raise PipelineError(media, "is not a regular file")
        try:
            stat = media.stat()
            with open(media, "rb"):
                pass
        except PermissionError:
            raise PipelineError(media, "cannot be read (permission denied)") from None
        self.stamp = {"media": media.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        self.state = files.read_state()
        seen = (self.state.media, self.state.size, self.state.mtime_ns) == tuple(self.stamp.values())
        self.audio_sha256 = self.state.audio_sha256 if seen else None
        if self.audio_sha256 is None:
            self.extract()

    def extract(self) -> None:
        self.audio_sha256 = audio.extract_pcm(self.media, audio_cache())
        self.save_state(**self.stamp, audio_sha256=self.audio_sha256, fps=audio.frame_rate(self.media))

    @property
    def fps(self) -> float | None:
        return self.state.fps

    def pcm(self) -> Path:
        if not pcm_path(self.audio_sha256).is_file():  # the audio cache was cleared since
            self.extract()
        return pcm_path(self.audio_sha256)

    def save_state(self, **changes) -> None:
        self.state = dataclasses.replace(self.state, **changes)
        self.files.write_state(self.state)


def machine_transcript(source: Source, engine: EngineOnDemand, options: DecodeOptions, config: BuildConfig,
                       progress: Progress | None = None) -> tuple[Transcript, bool]:
    key = {"audio_sha256": source.audio_sha256, "engine": config.engine,
           "model_sha256": engine.model_sha256(), "options": options.key(config.engine)}
    if not config.force:
        cached = source.files.load_transcript(source.files.machine)
        if cached is not None and cached.cache_key() == key:
            return cached, False
    pcm = source.pcm()
    whisper = engine.get()
    if progress is not None:
        progress.start(audio.pcm_duration(pcm))
    transcript = whisper.transcribe_file(pcm, options, progress=progress and progress.advance_to)
    transcript = sounds.label_sounds_file(transcript, pcm, options.label_ringing)  # sounds as sound words
    transcript = dataclasses.replace(transcript, audio_sha256=source.audio_sha256)
    atomic_write_text(source.files.machine, transcript.to_json())
    return transcript, True


def held_back_unclear(source: Source, machine: Transcript, second: Transcript | None) -> Transcript:
    """The machine transcript without the lines heard over music that are unclear
    (sounds.hold_back_unclear_lines: Whisper unsure, or the second opinion heard otherwise), which
    it keeps as removed, for the review list: saved, so the cached machine transcript holds them
    back from then on."""
    held = sounds.hold_back_unclear_lines(machine, second)
    if held.removed != machine.removed:
        atomic_write_text(source.files.machine, held.to_json())
    return held


def speaker_turns(source: Source, machine: Transcript, config: BuildConfig) -> Transcript:
    """The machine's words with who speaks them ("Speaker 1", "Speaker 2"... where more than one
    voice speaks), for the first draft. The turns are cached in NAME.speakers.json by the audio,
    the words' times and the diariser's version, so they are found once, like the transcript."""
    files = source.files
    key = diarize.cache_key(source.audio_sha256, machine.words, config.speakers)
    found = None if config.force else diarize.Diarisation.from_json(_text_or_empty(files.speakers), key)
    if found is None:
        found = diarize.diarize(source.pcm(), machine.words, config.speakers)
        atomic_write_text(files.speakers, found.to_json(key))
    return sounds.one_voice_per_song(diarize.label_words(machine, found))


def second_opinion(source: Source, machine: Transcript, engine: EngineOnDemand,
                   config: BuildConfig) -> Transcript | None:
    """Another model's decode of the same audio, for the review list (NAME.second.json): where the
    two disagree, a word is likely wrong. Made once per audio; none for a language the second
    model does not know, or when the build already uses that model."""
    files = source.files
    model = config.second_opinion
    if not model or model == config.model or (model.endswith(".en") and machine.language != "en"):
        files.second_opinion.unlink(missing_ok=True)
        return None
    options = dataclasses.replace(config.options, language=machine.language, initial_prompt=None)
    second = engine.second(model)
    key = {"audio_sha256": source.audio_sha256, "engine": config.engine, "model_sha256": second.model_sha256(),
           "options": options.key(config.engine)}
    cached = files.load_transcript(files.second_opinion)
    if cached is not None and cached.cache_key() == key:
        return cached
    transcript = dataclasses.replace(second.get().transcribe_file(source.pcm(), options),
                                     audio_sha256=source.audio_sha256)
    atomic_write_text(files.second_opinion, transcript.to_json())
    return transcript


def corrected_transcript(source: Source, machine: Transcript, glossary: Glossary, engine: EngineOnDemand,
                         result: FileResult, announce: bool, second_key: dict | None = None) -> tuple[Transcript, bool]:
    """(the published words, reviewed): the editor's file re-timed against the machine words.
    An editor's file written for other audio is not published: the machine's words are, unreviewed."""
    files = source.files
    fixed = apply_rules(machine, glossary.rules)
    if not files.edit.exists():
        first_draft = editfile.render(fixed, source.media.name)
        atomic_write_text(files.edit_original, first_draft)
        create_new_text(files.edit, first_draft)
        source.save_state(edit_audio_sha256=source.audio_sha256, mismatch=None)
        announce = False
    edit_bytes = files.edit.read_bytes()
    key = {"edit_sha256": hashlib.sha256(edit_bytes).hexdigest(), "machine": machine.cache_key(),
           "rules": [dataclasses.asdict(r) for r in glossary.rules], "original": _original_marks(files),
           "retime": RETIME_VERSION, "vote": VOTE_VERSION, "second": second_key}
    reviewed = files.edited()
    if source.state.corrected_key == key:
        cached = files.load_transcript(files.words)
        if cached is not None:
            return cached, reviewed and not source.state.mismatch
    path = str(files.edit)
    doc = editfile.parse(editfile.decode(edit_bytes, path), path)
    result.warnings += [f"{path}:{line.number}: time mark {mark(line.mark)} is after the end "
                        f"of the audio at {mark(machine.duration)[1:-1]}; its words are put at the end"
                        for line in doc.marks_after(machine.duration)]
    written = set(key["original"]) if key["original"] is not None else None
    aligner = LazyAligner(engine, source, machine.language)
    retimed = retime(doc, fixed, written, aligner)
    aligner.save()
    other_audio = None
    if source.state.edit_audio_sha256 != source.audio_sha256:
        other_audio = _fits_other_audio(retimed.matched_share, source)
    if announce:
        result.warnings += [f"{path}:{n}: few of this line's words match the new machine transcript; "
                            "check its words and timing" for n in retimed.poorly_matched]
    # An editor's file for other audio is never published: the new machine words are, unreviewed.
    # Reviewed, it is an error until the editor fixes the file; a draft no one touched, a warning.
    mismatch = other_audio if reviewed else None
    if other_audio and not reviewed:
        result.warnings.append(f"{path}: this untouched draft {other_audio}")
    published = fixed if other_audio else retimed.transcript
    atomic_write_text(files.words, published.to_json())
    source.save_state(corrected_key=key, poorly_matched=retimed.poorly_matched, mismatch=mismatch,
                      **({} if other_audio else {"edit_audio_sha256": source.audio_sha256}))
    return published, reviewed and not other_audio


def _fits_other_audio(matched_share: float, source: Source) -> str | None:
    """None when the editor's file fits the new audio; else why it is not published."""
    if matched_share >= FITS_AUDIO:
        return None
    return (f"was written for other audio: {matched_share:.0%} of its lines match what is said in "
            f"{shown(source.media.name)} now (was the recording replaced?). Its words are not published; the "
            "captions show the new machine transcript, unreviewed. Correct the file to match the new "
            "recording, or move it away and run make for a new draft")


def _original_marks(files: VideoFiles) -> list[float] | None:
    try:
        text = files.edit_original.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        return sorted({round(m, 1) for m in editfile.parse(text, str(files.edit_original)).marks})
    except PipelineError:
        return None


class LazyAligner:
    """Forced alignment, loading its model only if an editor's rewrite needs it, and aligning
    each stretch once: results are kept beside the cached audio, so a one-word correction
    re-aligns only the stretch it touches."""

    def __init__(self, engine: EngineOnDemand, source: Source, language: str):
        from .transcribe.align import ALIGN_VERSION

        self._engine = engine
        self._source = source
        self._language = language
        self._aligner = None
        self._store = alignment_cache(source.audio_sha256, engine.model_sha256(), ALIGN_VERSION)
        self._known = read_json_object(self._store)
        self._used: dict[str, list | None] = {}

    def align(self, words: list[str], start: float, end: float):
        from .transcribe.align import can_align

        if not can_align(words, start, end):  # spread evenly: no model to resolve, verify or load
            return None
        key = f"{self._language} {start:.3f} {end:.3f} {' '.join(words)}"
        if key not in self._known:
            if self._aligner is None:
                from .transcribe.align import WhisperAligner

                self._aligner = WhisperAligner(self._engine.model(), self._source.pcm(), self._language)
            try:
                self._known[key] = self._aligner.align(words, start, end)
            except (RuntimeError, ValueError, KeyError):  # the model cannot align this text: spread it evenly
                self._known[key] = None
        self._used[key] = self._known[key]
        times = self._used[key]
        return [tuple(pair) for pair in times] if times is not None else None

    def save(self) -> None:
        """Keep what this build used: the file never outgrows the current edit."""
        if self._used or self._store.exists():
            atomic_write_text(self._store, json.dumps(self._used) + "\n")


def publish(transcript: Transcript, files: VideoFiles, reviewed: bool = False, profile: Profile = Profile(),
            fps: float | None = None, media: Path | None = None, warnings: list[str] | None = None,
            to_check: int = 0) -> bool:
    """Write every published file for one video; True when any of them changed. An editor's easy
    read, or an editor's NAME.meta.json, that cannot be read fails the video, after everything else
    is published (a malformed meta file as if there were none: the file name as the title)."""
    rendered = stages.render_captions(transcript, reviewed, profile, fps, to_check)
    failure = meta = None
    try:
        meta = files.read_meta()
    except PipelineError as error:
        failure = error
    try:
        html, found = write_easy_read(transcript, files, reviewed, title=meta.title if meta else None)
        rendered[stages.EASY_READ_HTML] = html
        if warnings is not None:
            warnings += found
    except PipelineError as error:
        failure = failure or error
    video = media.name if media else f"{files.name}.mp4"
    local_video = os.path.relpath(media, files.folder) if media else None
    rendered.update(stages.render_bundle(transcript, files.name, video, local_video, reviewed, rendered,
                                         previous_manifest=_text_or_empty(files.path(stages.MANIFEST)),
                                         to_check=to_check, meta=meta))
    changed = False
    for suffix, data in rendered.items():
        changed |= files.write(suffix, data)
    if failure:
        raise failure
    return changed


def write_easy_read(transcript: Transcript, files: VideoFiles, reviewed: bool,
                    title: str | None = None) -> tuple[bytes, list[str]]:
    """(the easy read's page, warnings for the editor). Its Markdown is written until an editor
    changes it; all of it is made again only when the transcript, the review status or the
    Markdown changed (it is the costliest output). `title`: the editor's title for the video
    (NAME.meta.json), else the file name."""
    state = files.read_state()
    html_path = files.path(stages.EASY_READ_HTML)
    current, original = _text_or_none(files.easy_read), _text_or_none(files.easy_read_original)
    if state.easy_read_key == _easy_read_key(transcript, reviewed, current, original, title) and html_path.is_file():
        return html_path.read_bytes(), []
    update = _easyread().update(transcript, files.name, reviewed, current, original, str(files.easy_read),
                                title=title or None)
    if update.markdown is not None:
        if current is None:
            create_new_text(files.easy_read, update.markdown)
        else:
            atomic_write_text(files.easy_read, update.markdown)
    atomic_write_text(files.easy_read_original, update.original)
    current, original = _text_or_none(files.easy_read), _text_or_none(files.easy_read_original)
    files.write_state(replace(files.read_state(), easy_read_key=_easy_read_key(transcript, reviewed, current, original,
                                                                                 title)))
    return update.html.encode("utf-8"), list(update.warnings)


def _easy_read_key(transcript: Transcript, reviewed: bool, current: str | None, original: str | None,
                   title: str | None = None) -> str:
    made_from = [transcript.to_json(), reviewed, current, original, _easy_read_version()]
    if title:  # no title: the key as before, so existing easy reads are not made again
        made_from.append(title)
    return hashlib.sha256(json.dumps(made_from).encode("utf-8")).hexdigest()


def _easyread():
    """pipeline.easyread, imported only when an easy read is made: with inflect and textstat it
    takes seconds to import, which a build whose easy read is unchanged never needs. inflect's
    run-time type checks (typeguard's @typechecked re-compiles its module at import: 1.5 s of
    CPU) are left out, as `python -O` leaves them out: inflect imports `typechecked` from a stand-in
    for typeguard, so typeguard itself (0.05 s more: it imports asyncio and unittest.mock) is not
    imported either."""
    if "inflect" not in sys.modules:
        import types

        stand_in = types.ModuleType("typeguard")
        stand_in.typechecked = lambda target=None, **_: target if target is not None else (lambda t: t)
        real = sys.modules.get("typeguard")
        sys.modules["typeguard"] = stand_in
        try:
            import inflect  # noqa: F401
        finally:
            if real is not None:
                sys.modules["typeguard"] = real
            else:
                del sys.modules["typeguard"]
    from . import easyread

    return easyread


@functools.cache
def _easy_read_version() -> int:
    """easyread.VERSION, read from its source so that checking the cache imports nothing."""
    if "pipeline.easyread" not in sys.modules:
        spec = importlib.util.find_spec(f"{__package__}.easyread")
        found = re.search(r"^VERSION = (\d+)", Path(spec.origin).read_text(encoding="utf-8"), re.MULTILINE)
        if found:
            return int(found.group(1))
    return _easyread().VERSION


def _text_or_none(path: Path) -> str | None:
    try:
        return editfile.decode(path.read_bytes(), str(path))
    except FileNotFoundError:
        return None


def _text_or_empty(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
