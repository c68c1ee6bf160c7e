"""The batch: every file in the media folder to captions and transcripts, carrying on past
failures, transcribing only what changed, loading the model once."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import audio, writers
from .engines import DEFAULT_ENGINE, DecodeOptions, Engine, load_engine
from .errors import PipelineError
from .layout import layout
from .models import BUNDLED, DEFAULT_MODEL, cache_root, resolve_model
from .storage import atomic_write_text, exclusive_lock, remove_stale_temp_files
from .transcript import Transcript

Log = Callable[[str], None]


@dataclass
class BuildConfig:
    media_dir: Path = Path("media")
    transcripts_dir: Path = Path("transcripts")
    engine: str = DEFAULT_ENGINE
    model: str = DEFAULT_MODEL
    options: DecodeOptions = field(default_factory=DecodeOptions)
    threads: int | None = None
    force: bool = False  # transcribe again even when the cache says nothing changed


@dataclass
class FileResult:
    media: Path
    status: str  # transcribed, updated, unchanged or failed
    error: str | None = None


@dataclass
class Outputs:
    """Where one video's files live: transcripts/NAME/NAME.*"""

    folder: Path
    name: str

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.name}{suffix}"

    @property
    def machine(self) -> Path:
        return self.path(".machine.json")

    @property
    def state(self) -> Path:
        return self.folder / ".build.json"

    def derived(self) -> list[Path]:
        """Every file a build writes for this video, and nothing an editor owns."""
        return [self.path(".vtt"), self.path(".txt"), self.machine, self.state]


def find_media(media_dir: Path) -> list[Path]:
    if not media_dir.is_dir():
        raise PipelineError(media_dir, "media folder does not exist")
    return sorted(p for p in media_dir.iterdir() if p.is_file() and audio.is_media_file(p))


def output_names(media_files: list[Path]) -> dict[Path, str]:
    """NAME for media/NAME.EXT; files sharing a NAME keep their extension to stay apart."""
    stems = Counter(p.stem for p in media_files)
    return {p: (p.name if stems[p.stem] > 1 else p.stem) for p in media_files}


class EngineOnDemand:
    """Loads the model at most once per build, and only if some file needs transcribing."""

    def __init__(self, config: BuildConfig):
        self.config = config
        self._engine: Engine | None = None
        self._failure: PipelineError | None = None
        self._model_sha256: str | None = None

    def model_sha256(self) -> str:
        if self._model_sha256 is None:
            spec = self.config.model
            self._model_sha256 = BUNDLED[spec].sha256 if spec in BUNDLED else resolve_model(spec).sha256
        return self._model_sha256

    def expected_key(self, audio_sha256: str) -> dict:
        return {
            "audio_sha256": audio_sha256,
            "engine": self.config.engine,
            "model_sha256": self.model_sha256(),
            "options": self.config.options.key(self.config.engine),
        }

    def get(self) -> Engine:
        if self._failure:
            raise self._failure
        if self._engine is None:
            try:
                model = resolve_model(self.config.model, verify=True)
                self._engine = load_engine(self.config.engine, model, self.config.options, self.config.threads)
            except PipelineError as error:
                self._failure = error
                raise
        return self._engine


def build_all(config: BuildConfig, log: Log = print) -> list[FileResult]:
    media_files = find_media(config.media_dir)
    names = output_names(media_files)
    engine = EngineOnDemand(config)
    results = []
    with exclusive_lock(config.transcripts_dir / ".lock",
                        on_wait=lambda: log(f"waiting for another build of {config.transcripts_dir}/ to finish")):
        for media in media_files:
            outputs = Outputs(config.transcripts_dir / names[media], names[media])
            started = time.monotonic()
            try:
                status = build_one(media, outputs, engine, config)
            except PipelineError as error:
                print(f"error: {error}", file=sys.stderr)
                results.append(FileResult(media, "failed", str(error)))
                continue
            results.append(FileResult(media, status))
            log(f"{media}: {status} ({time.monotonic() - started:.1f} s)")
    return results


def build_one(media: Path, outputs: Outputs, engine: EngineOnDemand, config: BuildConfig) -> str:
    if outputs.folder.is_dir():
        remove_stale_temp_files(outputs.folder)
    try:
        stat = media.stat()
        with open(media, "rb"):
            pass
    except PermissionError:
        raise PipelineError(media, "cannot be read (permission denied)") from None
    stamp = {"media": media.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    audio_sha256 = _audio_hash_if_unchanged(outputs, stamp)
    if audio_sha256 is None:
        audio_sha256 = _extract(media, outputs, stamp)
    transcript = _cached_transcript(outputs, engine.expected_key(audio_sha256), config.force)
    status = "unchanged"
    if transcript is None:
        if not _pcm_path(audio_sha256).is_file():  # the audio cache was cleared since
            audio_sha256 = _extract(media, outputs, stamp)
        transcript = _transcribe(media, _pcm_path(audio_sha256), engine)
        transcript.audio_sha256 = audio_sha256
        atomic_write_text(outputs.machine, transcript.to_json())
        status = "transcribed"
    if write_outputs(transcript, outputs) and status == "unchanged":
        status = "updated"
    return status


def _audio_hash_if_unchanged(outputs: Outputs, stamp: dict) -> str | None:
    try:
        state = json.loads(outputs.state.read_text())
    except (OSError, ValueError):
        return None
    if {k: state.get(k) for k in stamp} != stamp:
        return None
    return state.get("audio_sha256")


def audio_cache() -> Path:
    return cache_root() / "audio"


def _pcm_path(audio_sha256: str) -> Path:
    return audio_cache() / f"{audio_sha256}.pcm"


def _extract(media: Path, outputs: Outputs, stamp: dict) -> str:
    audio_sha256 = audio.extract_pcm(media, audio_cache())
    atomic_write_text(outputs.state, json.dumps({**stamp, "audio_sha256": audio_sha256}) + "\n")
    return audio_sha256


def _cached_transcript(outputs: Outputs, key: dict, force: bool) -> Transcript | None:
    if force:
        return None
    try:
        transcript = Transcript.from_json(outputs.machine.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return transcript if transcript.cache_key() == key else None


def _transcribe(media: Path, pcm: Path, engine: EngineOnDemand) -> Transcript:
    whisper = engine.get()
    samples = audio.load_pcm(pcm)
    with _progress_bar(media, len(samples) / audio.SAMPLE_RATE) as bar:
        return whisper.transcribe(samples, progress=bar.advance_to)


def write_outputs(transcript: Transcript, outputs: Outputs) -> bool:
    """Write every published file for one video; True when any of them changed."""
    cues = layout(transcript)
    changed = atomic_write_text(outputs.path(".vtt"), writers.to_webvtt(cues, writers.provenance_note(transcript)))
    changed |= atomic_write_text(outputs.path(".txt"), writers.to_plain_text(transcript))
    return changed


class _progress_bar:
    """A tqdm bar in seconds of audio on a terminal; silent otherwise (one line per file is logged)."""

    def __init__(self, media: Path, duration: float):
        from tqdm import tqdm

        self._bar = tqdm(total=round(duration, 1), unit="s", desc=media.name, leave=False,
                         disable=not sys.stderr.isatty(), bar_format="{desc}: {percentage:3.0f}%|{bar}| "
                         "{n:.0f}/{total:.0f} s audio [{elapsed}<{remaining}]")

    def advance_to(self, seconds: float) -> None:
        self._bar.update(max(0.0, min(seconds, self._bar.total) - self._bar.n))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._bar.close()


def clean(transcripts_dir: Path) -> list[Path]:
    """Remove what builds made: outputs, machine transcripts and the audio cache."""
    removed = []
    if transcripts_dir.is_dir():
        for folder in sorted(p for p in transcripts_dir.iterdir() if p.is_dir()):
            remove_stale_temp_files(folder)
            for path in Outputs(folder, folder.name).derived():
                if path.is_file():
                    path.unlink()
                    removed.append(path)
            if not any(folder.iterdir()):
                folder.rmdir()
    for pcm in audio_cache().glob("*.pcm"):
        pcm.unlink()
    return removed
