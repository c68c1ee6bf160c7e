"""A back catalogue on a Dask cluster: a real `dask scheduler` and real `dask worker` processes on
127.0.0.1, started here, building real clips with tiny.en; no mocks.

Every wait is bounded, and every process started here is stopped when the module is done.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import cluster as pipeline_cluster
from pipeline.build import BuildConfig
from pipeline.cluster import build_one, on_shared_storage

from .conftest import REPO

CLIPS = ["jfk_inaugural_1961.flac", "cmu_arctic_us_aew_a0003.wav", "librispeech_dev-clean_2412-153948-0000.flac"]
DASK = str(Path(sys.executable).with_name("dask"))
BUILD_TIMEOUT = 120  # seconds for one build of the three clips (a few seconds when all is well)


class LoopbackCluster:
    """A `dask scheduler` and single-threaded `dask worker`s (no nanny: SIGKILL kills the worker),
    each declaring one build at a time, all on 127.0.0.1."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        self.client = None
        self.env = {**os.environ, "PYTHONPATH": str(REPO)}  # workers run the package under test
        scheduler_file = folder / "scheduler.json"
        self._start("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file)])
        deadline = time.monotonic() + 60
        while not scheduler_file.is_file() and time.monotonic() < deadline:
            assert self.processes["scheduler"].poll() is None, self.log("scheduler")
            time.sleep(0.1)
        self.address = json.loads(scheduler_file.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")
        from distributed import Client

        self.client = Client(self.address, timeout=30)

    def _start(self, name: str, command: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "wb")
        self.processes[name] = subprocess.Popen(command, cwd=self.folder, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]

    def add_worker(self, name: str) -> None:
        (self.folder / name).mkdir(exist_ok=True)
        self._start(name, [DASK, "worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny",
                           "--host", "127.0.0.1", "--resources", "builds=1", "--no-dashboard",
                           "--death-timeout", "60", "--local-directory", str(self.folder / name)])
        deadline = time.monotonic() + 60
        while name not in self.workers():
            assert time.monotonic() < deadline and self.processes[name].poll() is None, self.log(name)
            time.sleep(0.1)

    def workers(self) -> dict[str, str]:
        """name -> address of the workers the scheduler knows."""
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return {w["name"]: address for address, w in info.items()}

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=10)
        deadline = time.monotonic() + 30
        while name in self.workers() and time.monotonic() < deadline:
            time.sleep(0.1)

    def close(self) -> None:
        if self.client is not None:
            self.client.close(timeout=10)
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def loopback(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    started = LoopbackCluster(folder)
    try:
        started.add_worker("w1")
        started.add_worker("w2")
        yield started
    finally:
        started.close()


@pytest.fixture(scope="module")
def clips(tmp_path_factory, testdata) -> Path:
    """The three clips, in a folder the tests copy from (times kept: .build.json records them)."""
    media = tmp_path_factory.mktemp("clips") / "media"
    media.mkdir()
    for name in CLIPS:
        shutil.copy2(testdata / name, media / name)
    return media


@pytest.fixture(scope="module")
def local_build(tmp_path_factory, clips) -> dict[str, bytes]:
    """The same clips built as `make` builds them here, without a cluster."""
    folder = tmp_path_factory.mktemp("local")
    transcripts = folder / "transcripts"
    done = build(media_copy(clips, folder), transcripts)
    assert done.returncode == 0, done.stderr
    return outputs(transcripts)


def media_copy(clips: Path, folder: Path) -> Path:
    """folder/media beside folder/transcripts, as every build here has them: the pages name the
    video by its path from transcripts/NAME/, so that must be the same for the bytes to be."""
    media = folder / "media"
    shutil.copytree(clips, media)  # copy2: the same times, so the same build notes
    return media


def build_command(media: Path, transcripts: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "build", "--media-dir", str(media), "--transcripts-dir",
            str(transcripts), "--model", "tiny.en", *extra]


def build(media: Path, transcripts: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(build_command(media, transcripts, *extra), capture_output=True, text=True, cwd=REPO,
                          timeout=BUILD_TIMEOUT)


def outputs(transcripts: Path) -> dict[str, bytes]:
    """Every file a build left, by path; the manifest's made_at (the time of the build) left out."""
    found = {}
    for path in sorted(transcripts.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".json" and path.stem == path.parent.name:
                data = re.sub(rb'"made_at": "[^"]*"', b'"made_at": ""', data)
            found[str(path.relative_to(transcripts))] = data
    return found


def built_on(stdout: str) -> dict[str, str]:
    """media file name -> the worker its line says built it."""
    lines = [re.match(r"(.+): (?:transcribed|updated|unchanged) \([\d.]+ s\) on (tcp://\S+)$", line)
             for line in stdout.splitlines()]
    return {Path(m[1]).name: m[2] for m in lines if m}


def test_a_cluster_build_equals_a_local_build_byte_for_byte(loopback, clips, local_build, tmp_path):
    media = media_copy(clips, tmp_path)
    transcripts = tmp_path / "transcripts"
    done = build(media, transcripts, "--cluster", loopback.address)
    assert done.returncode == 0, done.stderr
    assert outputs(transcripts) == local_build
    where = built_on(done.stdout)
    assert set(where) == set(CLIPS), done.stdout
    assert set(where.values()) <= set(loopback.workers().values())
    assert done.stdout.splitlines()[-1] == "3 transcribed"
    # The model is loaded once per worker and kept, not once per file.
    loaded = loopback.client.run(pipeline_cluster.loaded_models)
    assert sum(loaded.values()) == len(set(where.values())) and max(loaded.values()) == 1, loaded
    again = build(media, transcripts, "--cluster", loopback.address)
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == "3 unchanged", again.stdout + again.stderr
    assert max(loopback.client.run(pipeline_cluster.loaded_models).values()) == 1


def test_a_worker_killed_mid_file_the_build_still_finishes_whole(loopback, clips, local_build, tmp_path):
    media = media_copy(clips, tmp_path)
    transcripts = tmp_path / "transcripts"
    running = subprocess.Popen(build_command(media, transcripts, "--cluster", loopback.address), cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and time.monotonic() < deadline:  # a worker that has started writing a file
            for address, keys in loopback.client.processing().items():
                names = [re.sub(r"-[0-9a-f]{32}$", "", str(k)).removeprefix("build-") for k in keys]
                if any((transcripts / n / ".build.json").is_file() for n in names):
                    victim_address = address
                    victim = next(w for w, a in loopback.workers().items() if a == address)
            time.sleep(0.02)
        assert victim is not None, "no worker was seen building"
        loopback.kill(victim)
        out, err = running.communicate(timeout=BUILD_TIMEOUT)
    finally:
        if running.poll() is None:
            running.kill()
            running.wait(timeout=10)
    try:
        assert running.returncode == 0, err
        assert outputs(transcripts) == local_build  # whole, the same, and no temp or lock file left
        assert out.splitlines()[-1] == "3 transcribed"
        assert victim_address not in built_on(out).values(), out
    finally:
        loopback.add_worker(f"{victim}-again")  # two workers again for the tests after this one


def test_a_file_that_cannot_be_built_gets_its_one_line_error_and_the_rest_build(loopback, clips, local_build,
                                                                               tmp_path):
    media = media_copy(clips, tmp_path)
    (media / "empty.mp4").write_bytes(b"")
    transcripts = tmp_path / "transcripts"
    done = build(media, transcripts, "--cluster", loopback.address)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {media}/empty.mp4: is empty (0 bytes)"], done.stderr
    assert done.stdout.splitlines()[-1] == "3 transcribed, 1 failed"
    assert outputs(transcripts) == local_build  # no folder for the failed file, as locally
    # The same line a build without a cluster gives.
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(media / "empty.mp4", alone)
    local = build(alone, tmp_path / "local-transcripts")
    assert local.returncode == 1
    assert [line for line in local.stderr.splitlines() if line.startswith("error:")] == [
        f"error: {alone}/empty.mp4: is empty (0 bytes)"]


def test_two_cluster_builds_of_one_folder_at_once_take_turns(loopback, clips, local_build, tmp_path):
    media = media_copy(clips, tmp_path)
    transcripts = tmp_path / "transcripts"
    both = [subprocess.Popen(build_command(media, transcripts, "--cluster", loopback.address), cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        finished = [build.communicate(timeout=BUILD_TIMEOUT) + (build.returncode,) for build in both]
    finally:
        for build_ in both:
            if build_.poll() is None:
                build_.kill()
                build_.wait(timeout=10)
    assert [code for _, _, code in finished] == [0, 0], [err for _, err, _ in finished]
    assert sorted(out.splitlines()[-1] for out, _, _ in finished) == ["3 transcribed", "3 unchanged"]
    assert outputs(transcripts) == local_build


def test_two_tasks_for_one_video_on_two_workers_never_write_it_at_once(loopback, clips, local_build, tmp_path):
    """Past the client's folder lock (say a client killed with its tasks still running, and the
    next build started): the video's own lock makes the workers take turns."""
    media = media_copy(clips, tmp_path)
    transcripts = tmp_path / "transcripts"
    config = on_shared_storage(BuildConfig(media, transcripts, model="tiny.en", force=True))
    clip = media / CLIPS[0]
    name = clip.stem
    workers = sorted(loopback.workers().values())[:2]
    futures = [loopback.client.submit(build_one, clip, name, config, pure=False, workers=[w],
                                      allow_other_workers=False, resources={"builds": 1}) for w in workers]
    first, second = sorted((f.result(timeout=BUILD_TIMEOUT) for f in futures), key=lambda b: b.lock.since)
    assert first.result.error is None and second.result.error is None
    assert {first.worker, second.worker} == set(workers)
    assert second.lock.since >= first.lock.until  # the second waited for the first to finish
    assert {k: v for k, v in outputs(transcripts).items() if k.startswith(f"{name}/")} == {
        k: v for k, v in local_build.items() if k.startswith(f"{name}/")}


def test_workers_never_write_an_editors_file(loopback, clips, tmp_path):
    media = media_copy(clips, tmp_path)
    transcripts = tmp_path / "transcripts"
    first = build(media, transcripts, "--cluster", loopback.address)
    assert first.returncode == 0, first.stderr
    edit = transcripts / "jfk_inaugural_1961" / "jfk_inaugural_1961.edit.txt"
    edit.write_text(edit.read_text(encoding="utf-8").replace("Americans", "citizens"), encoding="utf-8")
    edited = edit.read_bytes()
    assert b"citizens" in edited
    for flags in [(), ("--force",)]:
        again = build(media, transcripts, "--cluster", loopback.address, *flags)
        assert again.returncode == 0, again.stderr
        assert edit.read_bytes() == edited
        assert "citizens" in (transcripts / "jfk_inaugural_1961" / "jfk_inaugural_1961.txt").read_text()


def test_local_n_starts_workers_here_for_the_build_and_stops_them(clips, local_build, tmp_path):
    media = media_copy(clips, tmp_path)
    transcripts = tmp_path / "transcripts"
    done = build(media, transcripts, "--cluster", "local:2")
    assert done.returncode == 0, done.stderr
    assert re.match(r"building on the Dask cluster at tcp://127\.0\.0\.1:\d+ \(2 workers", done.stdout), done.stdout
    assert outputs(transcripts) == local_build


@pytest.mark.skipif(pipeline_cluster.cuda_devices() > 0, reason="this machine has a GPU")
def test_device_cuda_without_a_gpu_says_so_and_auto_builds_on_the_cpu(loopback, clips, local_build, tmp_path):
    media = media_copy(clips, tmp_path)
    transcripts = tmp_path / "transcripts"
    here = build(media, transcripts, "--device", "cuda")
    assert here.returncode == 1 and "--device cuda, but this machine" in here.stderr, here.stderr
    there = build(media, transcripts, "--device", "cuda", "--cluster", loopback.address)
    assert there.returncode == 1
    errors = sorted(line for line in there.stderr.splitlines() if line.startswith("error:"))
    assert len(errors) == 3 and all("has no CUDA GPU" in e for e in errors), there.stderr
    assert errors[0].startswith(f"error: {media}/{sorted(CLIPS)[0]}: not built on tcp://127.0.0.1:")
    auto = build(media, transcripts, "--device", "auto", "--cluster", loopback.address)
    assert auto.returncode == 0, auto.stderr
    assert outputs(transcripts) == local_build
