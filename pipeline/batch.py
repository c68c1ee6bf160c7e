"""The batch: every file in the media folder built into transcripts/NAME/, carrying on past
failures, one build of a folder at a time, several files at once with --jobs, a progress bar in
seconds of audio, and one line per file.

Discovery and naming live here too: which media files there are, and which folder each builds
into. A folder keeps its video: a second file with the same stem (plain.flac beside plain.wav)
never takes over the first one's folder and its editor's work.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from . import audio
from .atomic import exclusive_lock
from .build import BuildConfig, EngineOnDemand, FileResult, build_video
from .errors import PipelineError, shown
from .store import LOCK, VideoFiles, clear_abandoned_extractions, video_files
from .transcribe.engines import default_threads

Log = Callable[[str], None]


def find_media(media_dir: Path) -> list[Path]:
    """Every file with a media extension; one that is not a regular file fails on its own."""
    if not media_dir.is_dir():
        raise PipelineError(media_dir, "media folder does not exist")
    return sorted(p for p in media_dir.iterdir() if audio.is_media_file(p))


def output_names(media_files: list[Path], transcripts_dir: Path | None = None) -> dict[Path, str]:
    """NAME for media/NAME.EXT. Files sharing a stem keep their extension to stay apart, except the
    one whose transcripts/STEM/ folder already holds its work: that folder stays its own."""
    stems = Counter(p.stem for p in media_files)
    names = {}
    for media in media_files:
        shared = stems[media.stem] > 1
        names[media] = media.name if shared and not _owns_folder(media, transcripts_dir) else media.stem
    return names


def _owns_folder(media: Path, transcripts_dir: Path | None) -> bool:
    """transcripts/STEM/ was built from this very file (its build notes or its editor's file say so)."""
    if transcripts_dir is None:
        return False
    files = video_files(transcripts_dir, media.stem)
    owner = files.read_state().media or files.media_named_in_edit_file()
    return owner == media.name


def renamed_notes(names: dict[Path, str], transcripts_dir: Path) -> list[str]:
    """A line for each file that builds apart from another of the same stem, naming both folders."""
    notes = []
    for media, name in names.items():
        if name != media.stem:
            holder = next((m for m, n in names.items() if n == media.stem), None)
            where = f" ({shown(holder.name)} keeps {shown(transcripts_dir / media.stem)}/)" if holder else ""
            notes.append(f"{shown(media)}: shares its name with another media file, so it builds into "
                         f"{shown(transcripts_dir / name)}/{where}")
    return notes


def videos(config: BuildConfig) -> dict[str, Path]:
    """NAME -> its media file, as the build names them (empty when there is no media folder)."""
    try:
        media = find_media(config.media_dir)
    except PipelineError:
        return {}
    return {name: path for path, name in output_names(media, config.transcripts_dir).items()}


def build_all(config: BuildConfig, log: Log = print, cluster: str | None = None) -> list[FileResult]:
    """Every media file built into transcripts/NAME/: here (config.jobs at a time), or with
    `cluster`, a Dask scheduler's address (or local:N), on its workers (cluster.py)."""
    if cluster:
        from .cluster import build_on_cluster

        return build_on_cluster(config, cluster, log)
    if config.device != "cpu":
        from .cluster import on_this_machine

        config = on_this_machine(config)
    media_files = find_media(config.media_dir)
    names = output_names(media_files, config.transcripts_dir)
    clear_abandoned_extractions()
    for note in renamed_notes(names, config.transcripts_dir):
        print(f"warning: {note}", file=sys.stderr)
    jobs = [(media, video_files(config.transcripts_dir, names[media])) for media in media_files]
    results = []
    with build_lock(config, log):
        for result in _run(jobs, config):
            report(result, log)
            results.append(result)
    return sorted(results, key=lambda r: media_files.index(r.media))


def report(result: FileResult, log: Log, where: str | None = None) -> None:
    """One line per file on stdout, errors and warnings on stderr; names shown escaped. `where`
    names the cluster worker that built it."""
    if result.error:
        print(f"error: {shown(result.error)}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {shown(warning)}", file=sys.stderr)
    if not result.error:
        log(f"{shown(result.media)}: {result.status} ({result.seconds:.1f} s)" + (f" on {where}" if where else ""))


def build_named(config: BuildConfig, name: str, log: Log = print) -> FileResult:
    """Build one video, transcripts/NAME/, exactly as build_all would (the web editor's save)."""
    by_name = videos(config)
    if name not in by_name:
        raise PipelineError(config.media_dir / name, "no media file builds into this name")
    with build_lock(config, log):
        return build_safely(by_name[name], video_files(config.transcripts_dir, name), EngineOnDemand(config), config)


def build_lock(config: BuildConfig, log: Log):
    """One build of a transcripts folder at a time; the next one says it is waiting."""
    return exclusive_lock(config.transcripts_dir / LOCK,
                          on_wait=lambda: log(f"waiting for another build of {config.transcripts_dir}/ to finish"))


def build_safely(media: Path, files: VideoFiles, engine: EngineOnDemand, config: BuildConfig) -> FileResult:
    """One file's build; whatever goes wrong is its result, never the batch's end."""
    started = time.monotonic()
    try:
        with ProgressBar(media, config.progress_bars) as bar:
            result = build_video(media, files, engine, config, progress=bar)
    except PipelineError as error:
        return FileResult(media, "failed", str(error))
    except Exception as error:  # a bug of ours must not cost the other files their build
        return FileResult(media, "failed", f"{shown(media)}: internal error, please report it: {error!r}")
    result.seconds = time.monotonic() - started
    return result


def _run(jobs: list[tuple[Path, VideoFiles]], config: BuildConfig) -> Iterator[FileResult]:
    """Build the files one after another, or config.jobs at a time in worker processes that
    share the cores between them (each engine gets cores / jobs threads)."""
    if config.jobs <= 1 or len(jobs) <= 1:
        engine = _engine_for(config)
        for media, files in jobs:
            yield build_safely(media, files, engine, config)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = min(config.jobs, len(jobs))
    shared = dataclasses.replace(config, threads=config.threads or max(1, default_threads() // workers),
                                 progress_bars=False)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker, initargs=(shared,)) as pool:
        futures = [pool.submit(_build_in_worker, media, files) for media, files in jobs]
        for future in as_completed(futures):
            yield future.result()


def _engine_for(config: BuildConfig) -> EngineOnDemand:
    """The model on the CPU, as always; on a GPU with --device cuda (or auto, where there is one)."""
    if config.device == "cpu":
        return EngineOnDemand(config)
    from .cluster import WorkerEngine

    return WorkerEngine(config)


_worker_engine: EngineOnDemand | None = None
_worker_config: BuildConfig | None = None


def _start_worker(config: BuildConfig) -> None:
    global _worker_engine, _worker_config
    _worker_config, _worker_engine = config, _engine_for(config)


def _build_in_worker(media: Path, files: VideoFiles) -> FileResult:
    return build_safely(media, files, _worker_engine, _worker_config)


class ProgressBar:
    """A tqdm bar in seconds of audio on a terminal; silent otherwise (one line per file is logged)."""

    def __init__(self, media: Path, shown_: bool = True):
        self._media = media
        self._shown = shown_ and sys.stderr.isatty()
        self._bar = None

    def start(self, total_seconds: float) -> None:
        """Transcription starts: the bar appears (a file whose words are cached shows none)."""
        if self._shown:
            from tqdm import tqdm

            self._bar = tqdm(total=round(total_seconds, 1), unit="s", desc=shown(self._media.name), leave=False,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio "
                                        "[{elapsed}<{remaining}]")

    def advance_to(self, seconds: float) -> None:
        if self._bar is not None:
            self._bar.update(max(0.0, min(seconds, self._bar.total) - self._bar.n))

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()
