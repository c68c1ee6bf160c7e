"""A back catalogue on a Dask cluster: every media file one task, built where a worker is free.

    client (`build --cluster ADDRESS`)          each worker (`dask worker ADDRESS --resources builds=1`)
      the folder lock (batch.build_lock)          build_one(media, name, config):
      one task per media file ------------->        the video's own lock (transcripts/NAME/.lock)
      a bar in seconds of audio done  <------       batch.build_safely -> build.build_video, as locally
      one line per file, naming its worker          the model, loaded once per worker and kept

The workers run this same package and read and write the same media/ and transcripts/ folders
(shared storage, the same path everywhere). Each file is built by the same function as in a
local build, so the outputs are the same bytes. Every write is atomic, so a worker killed
mid-file leaves nothing half-written; the scheduler gives its task to another worker.

Devices: `--device auto` builds with CUDA and float16 on a worker that has a GPU, and on the
CPU (int8 by default) elsewhere; `cuda` insists on a GPU; `cpu` (the default) is today's build.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from .batch import Log, build_lock, build_safely, find_media, output_names, renamed_notes, report
from .build import BuildConfig, EngineOnDemand, FileResult
from .errors import PipelineError, shown
from .store import LOCK, VideoFiles, clear_abandoned_extractions, video_files

DEVICES = ("cpu", "cuda", "auto")
RESOURCE = "builds"  # a worker's `--resources builds=N`: how many files it builds at once
RETRIES = 2  # a task that raises is tried again; one whose worker dies is given to another anyway
CONNECT_TIMEOUT = 30  # seconds to reach the scheduler


# --- the client ---------------------------------------------------------------------------------

@dataclass
class Built:
    """What a worker sends back for one file: the result and where and how it was built."""

    result: FileResult
    worker: str
    started: float = 0.0  # wall clock on the worker (time.time()) when the task began
    finished: float = 0.0
    lock: Held | None = None  # when it held the video's lock, and how long it waited for it
    model_load: float | None = None  # seconds, when this task loaded the worker's model
    cpu_seconds: float = 0.0  # the worker process's CPU time during the task (all of it, with builds=1)


@dataclass
class Held:
    """A video lock's tenure, in wall-clock time (time.time())."""

    waited: float = 0.0  # seconds spent waiting for another build of the same video
    since: float = 0.0
    until: float = 0.0


def build_on_cluster(config: BuildConfig, address: str, log: Log = print) -> list[FileResult]:
    """build_all's twin: the same discovery, lock, log and results, with each file built on a
    worker of the Dask cluster at `address` (`local:N` starts N workers on this machine)."""
    media_files = find_media(config.media_dir)
    names = output_names(media_files, config.transcripts_dir)
    for note in renamed_notes(names, config.transcripts_dir):
        print(f"warning: {note}", file=sys.stderr)
    results = []
    with build_lock(config, log), connect(address, log) as client:
        with AudioBar(len(media_files), config.progress_bars) as bar:
            for media, built in run(client, config, media_files, names):
                with bar.writing():
                    report(built.result, log, where=built.worker)
                bar.advance(built.result.audio_seconds)
                results.append(built.result)
    return sorted(results, key=lambda r: media_files.index(r.media))


def run(client, config: BuildConfig, media_files: list[Path], names: dict[Path, str]) -> Iterator[tuple[Path, Built]]:
    """Submit one task per file and yield (media, Built) as they finish, in any order. Paths go
    to the workers absolute; results come back named as the caller named them."""
    from asyncio import CancelledError

    from distributed import as_completed

    on_workers = on_shared_storage(config)
    resources = _resources(client)
    by_future = {}
    for media in media_files:
        future = client.submit(build_one, Path(os.path.abspath(media)), names[media], on_workers,
                               key=f"build-{names[media]}-{uuid.uuid4().hex}", pure=False, retries=RETRIES,
                               resources=resources)
        by_future[future] = media
    for future in as_completed(by_future):
        media = by_future.pop(future)
        try:
            built = future.result()
        except (Exception, CancelledError) as error:  # the task never came back: its workers died, or the cluster went
            built = Built(FileResult(media, "failed", _lost(media, error)), worker="")
        yield media, _as_given(built, media, config, on_workers)
        future.release()


def on_shared_storage(config: BuildConfig) -> BuildConfig:
    """The configuration as a worker needs it: absolute folders (a worker's working directory is
    its own), no per-file progress bars."""
    return replace(config, media_dir=Path(os.path.abspath(config.media_dir)),
                   transcripts_dir=Path(os.path.abspath(config.transcripts_dir)), progress_bars=False, jobs=1)


def _resources(client) -> dict | None:
    """Ask for one `builds` slot where workers declare them; without, each takes a task a thread."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return {RESOURCE: 1} if any(RESOURCE in (w.get("resources") or {}) for w in workers) else None


def _lost(media: Path, error: BaseException) -> str:
    from distributed import KilledWorker

    if isinstance(error, KilledWorker):
        return (f"{shown(media)}: every worker that built it died (out of memory, or killed); "
                "not built")
    return f"{shown(media)}: the cluster could not build it: {error!r}"


def _as_given(built: Built, media: Path, config: BuildConfig, on_workers: BuildConfig) -> Built:
    """The result named as a local build names it: media/x.mp4, not /srv/.../media/x.mp4."""
    def local(text: str) -> str:
        for given, absolute in ((config.media_dir, on_workers.media_dir),
                                (config.transcripts_dir, on_workers.transcripts_dir)):
            text = text.replace(_prefix(absolute), _prefix(given))
        return text

    result = built.result
    built.result = replace(result, media=media, error=local(result.error) if result.error else None,
                           warnings=[local(w) for w in result.warnings])
    return built


def _prefix(folder: Path) -> str:
    text = str(folder)
    return "" if text == "." else text.rstrip(os.sep) + os.sep


@contextlib.contextmanager
def connect(address: str, log: Log) -> Iterator:
    """A client of the scheduler at address, or of `local:N` workers started here and stopped after."""
    from distributed import Client

    if address == "local" or address.startswith("local:"):
        with _local_cluster(address) as cluster, Client(cluster) as client:
            yield _ready(client, log)
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise PipelineError(address, f"cannot reach a Dask scheduler there ({error})") from None
    with client:
        yield _ready(client, log)


def _local_cluster(address: str):
    import logging

    from distributed import LocalCluster

    from .transcribe.engines import default_threads

    count = address.partition(":")[2]
    if count and not count.isdigit():
        raise PipelineError(address, "say how many workers as local:N (say local:2)")
    return LocalCluster(n_workers=int(count or default_threads()), threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address=":8787" if _has_dashboard() else None,
                        resources={RESOURCE: 1}, silence_logs=logging.ERROR)


def _scheduler_has_dashboard(client, info: dict) -> bool:
    """The dashboard is served where the scheduler has bokeh (`pip install bokeh`)."""
    if "dashboard" not in info.get("services", {}):
        return False
    try:
        return bool(client.run_on_scheduler(lambda: __import__("importlib.util").util.find_spec("bokeh") is not None))
    except Exception:  # a scheduler that refuses to run code: say nothing rather than guess
        return False


def _has_dashboard() -> bool:
    try:
        import bokeh  # noqa: F401  the dashboard's one extra package
    except ImportError:
        return False
    return True


def _ready(client, log: Log):
    if not client.scheduler_info(n_workers=-1)["workers"]:
        log(f"waiting for a Dask worker to join {client.scheduler.address}")
        client.wait_for_workers(1)
    info = client.scheduler_info(n_workers=-1)
    dashboard = f"; dashboard {client.dashboard_link}" if _scheduler_has_dashboard(client, info) else ""
    count = len(info["workers"])
    log(f"building on the Dask cluster at {client.scheduler.address} ({count} worker{'s' * (count != 1)}{dashboard})")
    return client


class AudioBar:
    """On a terminal, a bar in seconds of audio built across the cluster; nothing otherwise."""

    def __init__(self, files: int, shown_: bool = True):
        self._files, self._done = files, 0
        self._bar = None
        if shown_ and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=None, unit=" s of audio", desc=f"0/{files}", leave=False,
                             bar_format="{desc} files, {n:.0f} s of audio done [{elapsed}, {rate_noinv_fmt}]")

    def advance(self, audio_seconds: float) -> None:
        self._done += 1
        if self._bar is not None:
            self._bar.set_description_str(f"{self._done}/{self._files}", refresh=False)
            self._bar.update(audio_seconds)

    def writing(self):
        """Print a line without tearing the bar."""
        return self._bar.external_write_mode() if self._bar is not None else contextlib.nullcontext()

    def __enter__(self) -> AudioBar:
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()


# --- a worker -----------------------------------------------------------------------------------

def build_one(media: Path, name: str, config: BuildConfig) -> Built:
    """The task: one file, built exactly as a local build does, under that video's lock."""
    worker, slots = _this_worker()
    started, cpu = time.time(), time.process_time()
    files = video_files(config.transcripts_dir, name)
    # With `auto`, the compute types this build may run with, on a CPU worker or a GPU one.
    either = {config.options.compute_type, _on_gpu(config.options.compute_type)} if config.device == "auto" else None
    try:
        config = on_this_machine(config)
    except PipelineError as error:  # --device cuda on a worker without a GPU
        return Built(FileResult(media, "failed", f"{shown(media)}: not built on {worker}: {error.problem}"),
                     worker, started, time.time())
    if config.threads is None:  # the worker's threads, shared between the builds it runs at once
        config = replace(config, threads=max(1, slots[0] // slots[1]))
    _clear_abandoned_extractions_once()
    try:
        with video_lock(files.folder) as held, _pool(config).engine() as engine:
            loaded_before = engine.load_seconds
            result = _keeping_other_devices_words(media, files, config, either) if either else None
            if result is None:
                result = build_safely(media, files, engine, config)
            loaded = engine.load_seconds if engine.load_seconds != loaded_before else None
    except OSError as error:  # the lock itself: a network file system without locking
        reason = ("the shared file system does not support locks (mount NFS with lock support)"
                  if error.errno == errno.ENOLCK else f"cannot be locked ({error.strerror})")
        return Built(FileResult(media, "failed", f"{shown(files.folder)}: {reason}"), worker, started, time.time())
    return Built(result, worker, started, time.time(), held, loaded, time.process_time() - cpu)


def _this_worker() -> tuple[str, tuple[int, int]]:
    """(this worker's address, (its threads, builds it runs at once))."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # called outside a worker (tests, a debugger)
        return "this process", (1, 1)
    threads = worker.state.nthreads
    builds = int(worker.state.total_resources.get(RESOURCE, threads))
    return worker.address, (threads, max(1, min(builds, threads)))


@cache
def _clear_abandoned_extractions_once() -> None:
    clear_abandoned_extractions()


@contextlib.contextmanager
def video_lock(folder: Path) -> Iterator[Held]:
    """Hold transcripts/NAME/.lock while building NAME: two builds of one video, in any processes
    on any machines sharing the folder, take turns. Yields when it was held, filled in as it goes.

    flock is per open file, so threads of one worker exclude each other too (on NFS, where
    Linux maps flock to POSIX locks that do not, the thread guard below does). The lock file is
    removed when the build is done, so none is left among the published files: a build that
    was waiting on the removed file sees that and locks the new one."""
    started = time.monotonic()
    path = folder / LOCK
    with _threads_take_turns(str(path)):
        made_folder = not folder.exists()
        while True:
            folder.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            except FileNotFoundError:  # another build removed the empty folder just now
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if _still_there(fd, path):
                    break
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        held = Held(waited=time.monotonic() - started, since=time.time())
        try:
            yield held
        finally:
            held.until = time.time()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)  # before the lock is released, so no one locks a file about to go
            os.close(fd)
            if made_folder:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # a file that failed before writing anything leaves no folder


def _still_there(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


_busy: set[str] = set()
_turns = threading.Condition()


@contextlib.contextmanager
def _threads_take_turns(key: str) -> Iterator[None]:
    with _turns:
        _turns.wait_for(lambda: key not in _busy)
        _busy.add(key)
    try:
        yield
    finally:
        with _turns:
            _busy.discard(key)
            _turns.notify_all()


class WorkerEngine(EngineOnDemand):
    """A worker's model: loaded on the first file that needs transcribing, kept for the next
    ones, on the worker's device; records how long loading took."""

    load_seconds: float | None = None

    def get(self):
        if self._engine is None and self._failure is None:
            started = time.monotonic()
            try:
                self._engine = load_on_device(self.config, self.model())
            except PipelineError as error:
                self._failure = error
                raise
            self.load_seconds = round(time.monotonic() - started, 3)
        return super().get()

    def second(self, model: str) -> EngineOnDemand:
        """The second opinion's model, on the same device as the first, kept as long."""
        if self._second is None:
            self._second = WorkerEngine(replace(self.config, model=model, second_opinion=None))
        return self._second


class EnginePool:
    """A worker's engines for one configuration: one per build it runs at once, each loaded once
    (with `--resources builds=1`, exactly one)."""

    def __init__(self, config: BuildConfig):
        self._config = config
        self._free: list[WorkerEngine] = []
        self._all: list[WorkerEngine] = []
        self._lock = threading.Lock()

    def engines(self) -> list[WorkerEngine]:
        with self._lock:
            return list(self._all)

    @contextlib.contextmanager
    def engine(self) -> Iterator[WorkerEngine]:
        with self._lock:
            if not self._free:
                self._all.append(WorkerEngine(self._config))
                self._free.append(self._all[-1])
            engine = self._free.pop()
        try:
            yield engine
        finally:
            with self._lock:
                self._free.append(engine)


_pools: dict[tuple, EnginePool] = {}
_pools_lock = threading.Lock()


def loaded_models() -> int:
    """How many models this process has loaded for builds (one per worker, with builds=1)."""
    with _pools_lock:
        return sum(e.load_seconds is not None for pool in _pools.values() for e in pool.engines())


def _pool(config: BuildConfig) -> EnginePool:
    key = (config.engine, config.model, config.options, config.threads, config.device)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = EnginePool(config)
        return _pools[key]


# --- devices ------------------------------------------------------------------------------------

@cache
def cuda_devices() -> int:
    """GPUs CTranslate2 can use here (0 without a GPU, a driver, or a CUDA build)."""
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count()
    except Exception:  # no driver, or a broken one: the CPU it is
        return 0


def on_this_machine(config: BuildConfig) -> BuildConfig:
    """The configuration with its device settled for this machine: `auto` becomes `cuda` where
    there is a GPU (faster-whisper only) and `cpu` elsewhere. On a GPU the CPU's int8 becomes
    float16; any other --compute-type is used as given. The compute type is part of the
    transcript's cache key (it changes the words); the device alone is not."""
    if config.device not in DEVICES:
        raise PipelineError(config.device, f"unknown device: use one of {', '.join(DEVICES)}")
    if config.device == "cpu":
        return config
    gpu = cuda_devices() > 0 and config.engine == "faster-whisper"
    if config.device == "auto" and not gpu:
        return replace(config, device="cpu")
    if not gpu:
        why = "has no CUDA GPU" if cuda_devices() == 0 else "runs openai-whisper on the CPU only"
        raise PipelineError(_host(), f"--device cuda, but this machine ({_host()}) {why}; use --device auto")
    return replace(config, device="cuda", options=replace(config.options, compute_type=_on_gpu(config.options.compute_type)))


def _on_gpu(compute_type: str) -> str:
    return "float16" if compute_type == "int8" else compute_type


def _host() -> str:
    import socket

    return socket.gethostname()


def load_on_device(config: BuildConfig, model):
    """The engine on config.device (settled by on_this_machine)."""
    from .transcribe.engines import FasterWhisperEngine, load_engine

    if config.device != "cuda":
        return load_engine(config.engine, model, config.options, config.threads)

    class CudaFasterWhisper(FasterWhisperEngine):
        """faster-whisper with its model on the GPU; everything else as on the CPU."""

        def __init__(self, model, options, threads):
            from faster_whisper import WhisperModel

            self.model, self.options = model, options
            self._whisper = WhisperModel(str(model.path), device="cuda", compute_type=options.compute_type,
                                         cpu_threads=threads, local_files_only=True)

    return CudaFasterWhisper(model, config.options, config.threads or 1)


class _WouldTranscribe(BaseException):
    """Raised past build_safely (which turns Exceptions into results) when a build that meant
    to keep another device's words finds it must transcribe after all."""


class _KeepOnly(EngineOnDemand):
    def get(self):
        raise _WouldTranscribe


def _keeping_other_devices_words(media: Path, files: VideoFiles, config: BuildConfig,
                                 either: set[str]) -> FileResult | None:
    """With `--device auto` on a mixed cluster, a video transcribed on a GPU worker (float16)
    keeps those words when its next build lands on a CPU worker (int8), and the other way round:
    the build runs with the compute type of the words it has, and if it would need to
    transcribe anyway (new audio, options, model), returns None and the caller builds as usual."""
    if config.force:
        return None
    cached = files.load_transcript(files.machine)
    theirs = (cached.options or {}).get("compute_type") if cached else None
    if theirs is None or theirs == config.options.compute_type or theirs not in either:
        return None
    as_made = replace(config, options=replace(config.options, compute_type=theirs))
    try:
        return build_safely(media, files, _KeepOnly(as_made), as_made)
    except _WouldTranscribe:
        return None
