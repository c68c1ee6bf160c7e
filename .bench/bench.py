"""`make bench` (`.venv/bin/python .bench/bench.py [--parts engines,accuracy,builds,edits,long,cluster,sounds,singing] [--runs N]`): speed, memory and accuracy figures measured on this machine, side by side,
written to .bench/results.json and .bench/results.md.

Every figure comes from a child process, so its peak memory is read from the kernel (wait4)
and one measurement cannot warm another. Tests never assert on these numbers; they are for
reading, and for deciding which speed work to keep.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.audio import ffmpeg_executable

RESULTS = Path(".bench")
ENGINES = ("faster-whisper", "openai-whisper")
MODELS = ("base", "tiny.en")
TESTDATA = Path(os.environ.get("PIPELINE_TESTDATA", "../shared/testdata"))


def measure(arguments: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stdout) of `python -m MODULE ...` or `python SCRIPT.py ...` in a
    child process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        command = [sys.executable, *arguments] if arguments[0].endswith(".py") else [sys.executable, "-m", *arguments]
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        out.seek(0), err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(arguments[:2])} failed: {err.read()[-800:]}")
        return wall, usage.ru_maxrss // 1024, out.read()


def build_args(media: Path, transcripts: Path, model: str, *extra: str) -> list[str]:
    return ["pipeline", "build", "--media-dir", str(media), "--transcripts-dir", str(transcripts),
            "--model", model, *extra]


# --- engines side by side -------------------------------------------------------------------

def transcribe_clips(engine: str, model: str, runs: int, files: list[str]) -> None:
    """In the child: load once, then each clip `runs` times; one JSON line per clip."""
    from pipeline.audio import extract_pcm, pcm_duration
    from pipeline.transcribe.engines import DecodeOptions, load_engine
    from pipeline.transcribe.models import resolve_model

    started = time.monotonic()
    whisper = load_engine(engine, resolve_model(model), DecodeOptions())
    print(json.dumps({"load_s": round(time.monotonic() - started, 2)}), flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name in files:
            pcm = Path(scratch) / f"{extract_pcm(Path(name), Path(scratch))}.pcm"
            times, text = [], ""
            for _ in range(runs):
                started = time.monotonic()
                text = whisper.transcribe_file(pcm).text
                times.append(time.monotonic() - started)
            print(json.dumps({"clip": Path(name).name, "audio_s": round(pcm_duration(pcm), 2),
                              "seconds": round(statistics.median(times), 2), "text": text}), flush=True)


def engine_figures(demo: Path, clips: list[dict], runs: int) -> list[dict]:
    from pipeline.evaluate import pooled_wer, score_text

    rows = []
    for model in MODELS:
        for engine in ENGINES:
            files = [str(demo)] + [str(TESTDATA / c["media"]) for c in clips]
            wall, rss, out = measure([__file__, "transcribe", engine, model, str(runs), *files])
            lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
            load, per_clip = lines[0]["load_s"], lines[1:]
            demo_row, test_rows = per_clip[0], per_clip[1:]
            single = [(c, r) for c, r in zip(clips, test_rows) if c["speakers"] == "1"]
            scores = [score_text(c["media"], (TESTDATA / c["reference"]).read_text(encoding="utf-8"), r["text"])
                      for c, r in single]
            demo_reference = demo.with_suffix(".txt")
            demo_wer = (score_text(demo.name, demo_reference.read_text(encoding="utf-8"), demo_row["text"]).wer
                        if demo_reference.is_file() else None)
            rows.append({
                "engine": engine, "model": model, "load_s": load, "peak_rss_mb": rss,
                "demo_audio_s": demo_row["audio_s"], "demo_s": demo_row["seconds"],
                "demo_x_realtime": round(demo_row["seconds"] / demo_row["audio_s"], 3),
                "demo_wer": round(demo_wer, 4) if demo_wer is not None else None,
                "testdata_audio_s": round(sum(r["audio_s"] for r in test_rows), 1),
                "testdata_s": round(sum(r["seconds"] for r in test_rows), 2),
                "testdata_x_realtime": round(sum(r["seconds"] for r in test_rows)
                                             / sum(r["audio_s"] for r in test_rows), 3),
                "pooled_wer": round(pooled_wer(scores), 4),
                "errors": sum(s.errors for s in scores), "reference_words": sum(s.reference_words for s in scores),
                "wer_per_clip": {s.name: round(s.wer, 4) for s in scores},
                "words_in_no_speech_clips": sum(len(r["text"].split()) for c, r in zip(clips, test_rows)
                                                if c["speakers"] == "0"),
            })
            print(f"{engine} {model}: demo {rows[-1]['demo_x_realtime']} x real time, "
                  f"pooled WER {rows[-1]['pooled_wer']:.1%}, {rss} MB", flush=True)
    return rows


# --- accuracy beside Whisper alone ----------------------------------------------------------

def accuracy_figures() -> dict:
    """`captions score --explain` in a child (the build's model, beam and second opinion): pooled WER
    of the pipeline beside Whisper base alone, decoded in the same run, on the test clips, the
    clips in more/ and the demo. Its whole table, clip by clip, goes to .bench/accuracy.md."""
    table = RESULTS / "accuracy.md"
    wall, rss, _ = measure(["pipeline", "score", "--explain", "--model", "base", "--media-dir", str(TESTDATA / "more"),
                            "--media-dir", str(TESTDATA), "--media-dir", "media", "--transcripts-dir", "transcripts",
                            "--markdown", str(table)])
    lines = table.read_text(encoding="utf-8").splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith("| set |"))
    last = next((k for k in range(first, len(lines)) if not lines[k].startswith("|")), len(lines))
    return {"summary": lines[first:last], "minutes": round(wall / 60, 1), "peak_rss_mb": rss}


def _accuracy_table(part: dict) -> list[str]:
    r = part["figures"]
    return [f"Accuracy beside Whisper base alone, both decoded in the same run ({part['date']}; clip by clip, and "
            f"which stage made each error, in .bench/accuracy.md; {r['minutes']} min):", "", *r["summary"], ""]


# --- builds as `make` runs them ---------------------------------------------------------------

def rebuilds(media_dir: Path, model: str, runs: int) -> dict:
    """From nothing (no transcripts, no cached audio), with nothing changed, and after a
    one-word correction; medians of `runs`. Also the caption check's counts on the result."""
    from pipeline.store import audio_cache

    full, noop, edits, peaks = [], [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for k in range(runs):
            transcripts = Path(scratch) / f"transcripts{k}"
            _forget_cached_audio(Path(scratch), audio_cache())
            wall, rss, _ = measure(build_args(media_dir, transcripts, model))
            full.append(wall)
            peaks.append(rss)
            noop.append(measure(build_args(media_dir, transcripts, model))[0])
            _correct_one_word(transcripts, k)
            edits.append(measure(build_args(media_dir, transcripts, model))[0])
        check = check_counts(transcripts)
    return {"model": model, "runs": runs, "full_build_s": round(statistics.median(full), 1),
            "full_build_peak_rss_mb": max(peaks), "noop_build_s": round(statistics.median(noop), 2),
            "one_word_edit_s": round(statistics.median(edits), 2), "check": check}


def _forget_cached_audio(scratch: Path, cache: Path) -> None:
    for state in scratch.glob("transcripts*/*/.build.json"):
        digest = json.loads(state.read_text()).get("audio_sha256")
        if digest:
            (cache / f"{digest}.pcm").unlink(missing_ok=True)


def _correct_one_word(transcripts: Path, k: int) -> None:
    for edit in transcripts.glob("*/*.edit.txt"):
        lines = edit.read_text(encoding="utf-8").splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("["))
        words = lines[first].split(" ")
        words[-1] = f"corrected{k}"
        lines[first] = " ".join(words)
        edit.write_text("\n".join(lines) + "\n", encoding="utf-8")


def check_counts(transcripts: Path) -> dict:
    from pipeline.check import audio_for, check_file
    from pipeline.layout import Profile

    counts = {"files": 0, "errors": 0, "warnings": 0}
    for path in sorted(transcripts.glob("*/*.vtt")):
        samples, fps = audio_for(path.parent)
        findings = check_file(path, Profile(), fps, samples)
        counts["files"] += 1
        counts["errors"] += sum(f.error for f in findings)
        counts["warnings"] += sum(not f.error for f in findings)
    return counts


# --- edits (issue 19: an edit rebuilt in under a second) -----------------------------------------

def edit_figures(runs: int) -> dict:
    """.bench/craft.py edit: the demo built once, then a no-op build, a one-word change, a two-word
    insertion and a one-word-as-two rewrite (forced alignment), each in a child; CPU and wall."""
    import craft  # .bench/craft.py, beside this file: the one harness for edits

    return {"load_before": round(os.getloadavg()[0], 1), "cases": craft.edit(runs)}


def _edits_table(part: dict) -> list[str]:
    r = part["figures"]
    lines = [f"`make` after an edit of the demo's editor file, model base ({part['date']}, median of {part['runs']} "
             f"runs; 1-minute load average {r['load_before']} before; `.venv/bin/python .bench/craft.py edit`):", "",
             "| build | CPU, user + system | wall |", "|---|---|---|"]
    lines += [f"| {name} | {row['cpu_s']} s | {row['wall_s']} s |" for name, row in r["cases"].items()]
    return lines + [""]


# --- long input ------------------------------------------------------------------------------

def long_input(source: Path, loops: list[int], model: str) -> list[dict]:
    """The demo looped to longer and longer files: time should grow in line, memory not."""
    rows = []
    for count in loops:
        with tempfile.TemporaryDirectory() as scratch:
            media = Path(scratch) / "media"
            media.mkdir()
            target = media / f"long-{count}.m4a"
            subprocess.run([ffmpeg_executable(), "-nostdin", "-loglevel", "error", "-stream_loop", str(count - 1),
                            "-i", str(source), "-vn", "-c:a", "aac", "-b:a", "48k", str(target)], check=True)
            seconds = _duration(target)
            wall, rss, _ = measure(build_args(media, Path(scratch) / "transcripts", model))
            rows.append({"audio_s": round(seconds, 1), "wall_s": round(wall, 1),
                         "x_realtime": round(wall / seconds, 3), "peak_rss_mb": rss, "model": model})
            print(f"long input {seconds / 60:.0f} min: {wall:.0f} s, {rss} MB", flush=True)
    return rows


def _duration(path: Path) -> float:
    from pipeline.audio import extract_pcm, pcm_duration

    with tempfile.TemporaryDirectory() as scratch:
        digest = extract_pcm(path, Path(scratch))
        return pcm_duration(Path(scratch) / f"{digest}.pcm")


# --- a back catalogue on a cluster ----------------------------------------------------------------

CLUSTER_FILES = 4  # 3-minute files, each a different stretch of the demo's audio


def cluster_figures(demo: Path, model: str) -> dict:
    """The same 3-minute files built here with one job (the cores shared as usual), then on a
    real loopback Dask cluster, a `dask scheduler` and 1 or 2 single-threaded `dask worker`s
    each taking one build at a time."""
    from pipeline.store import audio_cache

    load_before = round(os.getloadavg()[0], 1)  # other work on the machine skews every figure here
    rows = {}
    with tempfile.TemporaryDirectory() as scratch:
        media = Path(scratch) / "media"
        media.mkdir()
        for k in range(CLUSTER_FILES):  # the demo looped, each file starting 40 s further in
            subprocess.run([ffmpeg_executable(), "-nostdin", "-loglevel", "error", "-stream_loop", "1", "-ss",
                            str(40 * k), "-t", "177", "-i", str(demo), "-vn", "-c:a", "aac", "-b:a", "64k",
                            str(media / f"part-{k}.m4a")], check=True)
        from pipeline.audio import extract_pcm, pcm_duration

        digests = [extract_pcm(f, Path(scratch)) for f in sorted(media.iterdir())]
        audio_s = sum(pcm_duration(Path(scratch) / f"{d}.pcm") for d in digests)
        runs = [("local, 1 job", None, ()), ("cluster, 1 worker", 1, ()), ("cluster, 2 workers", 2, ())]
        for k, (label, workers, extra) in enumerate(runs):
            for digest in digests:  # every build extracts its audio, as from nothing
                (audio_cache() / f"{digest}.pcm").unlink(missing_ok=True)
            transcripts = Path(scratch) / f"transcripts{k}"
            if workers is None:
                wall, rss, _ = measure(build_args(media, transcripts, model, *extra))
                rows[label] = {"wall_s": round(wall, 1), "peak_rss_mb": rss}
            else:
                with LoopbackCluster(Path(scratch) / f"dask{k}", workers) as address:
                    wall, rss, out = measure([__file__, "cluster-build", address, str(media), str(transcripts), model])
                rows[label] = {"wall_s": round(wall, 1), **_cluster_run(out)}
            rows[label]["audio_hours_per_hour"] = round(audio_s / wall, 1)
            print(f"{label}: {wall:.1f} s for {audio_s / 60:.0f} min of audio", flush=True)
    one, two = rows["cluster, 1 worker"], rows["cluster, 2 workers"]
    return {"model": model, "files": CLUSTER_FILES, "load_before": load_before, "audio_s": round(audio_s, 1), "runs": rows,
            "scaling_2_over_1": round(two["audio_hours_per_hour"] / one["audio_hours_per_hour"], 2),
            # Audio per CPU-hour of a single-threaded worker: a machine's worth, whatever else runs here.
            "audio_hours_per_core_hour": round(audio_s / one["cpu_s_total"], 1),
            # Everything but building, per file, with one worker: the client starting and
            # connecting, scheduling, results coming back (the model's load is in the builds).
            "cluster_overhead_per_file_s": round((one["wall_s"] - one["build_s_total"]) / CLUSTER_FILES, 2)}


def cluster_build(address: str, media: str, transcripts: str, model: str) -> None:
    """In the child: a cluster build as `build --cluster` runs it, with each task's times on the
    worker and here, one JSON line per file and one for the whole."""
    from pipeline.batch import find_media, output_names
    from pipeline.build import BuildConfig
    from pipeline.cluster import connect, run

    started = time.time()
    config = BuildConfig(Path(media), Path(transcripts), model=model, progress_bars=False)
    with connect(address, log=lambda _: None) as client:
        submitted = time.time()
        files = find_media(config.media_dir)
        for _, built in run(client, config, files, output_names(files, config.transcripts_dir)):
            print(json.dumps({"worker": built.worker, "started": built.started, "finished": built.finished,
                              "received": time.time(), "build_s": built.result.seconds, "cpu_s": built.cpu_seconds,
                              "model_load_s": built.model_load, "error": built.result.error}), flush=True)
    print(json.dumps({"started": started, "submitted": submitted, "ended": time.time()}), flush=True)


def _cluster_run(out: str) -> dict:
    """Per-task overhead from the child's lines: the time a worker stands idle before each task
    (scheduling) and from its end to the client having the result."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    tasks, whole = lines[:-1], lines[-1]
    assert not any(t["error"] for t in tasks), [t["error"] for t in tasks]
    firsts, gaps = [], []  # a worker's first task waits for the package to be imported there too
    for worker in {t["worker"] for t in tasks}:
        previous = whole["submitted"]
        for t in sorted((t for t in tasks if t["worker"] == worker), key=lambda t: t["started"]):
            (gaps if previous != whole["submitted"] else firsts).append(t["started"] - previous)
            previous = t["finished"]
    loads = [t["model_load_s"] for t in tasks if t["model_load_s"] is not None]
    return {"connect_s": round(whole["submitted"] - whole["started"], 2),
            "first_task_start_s": round(max(firsts), 2),
            "scheduling_gap_s": round(statistics.median(gaps), 3) if gaps else None,
            "result_lag_s": round(statistics.median(t["received"] - t["finished"] for t in tasks), 3),
            "model_loads": len(loads), "model_load_s": round(max(loads), 2) if loads else None,
            "build_s_per_file": round(statistics.median(t["build_s"] for t in tasks), 1),
            "build_s_total": round(sum(t["build_s"] for t in tasks), 1),
            # CPU per file on a worker: what the build costs when the cores are not shared.
            "cpu_s_per_file": round(statistics.median(t["cpu_s"] for t in tasks), 1),
            "cpu_s_total": round(sum(t["cpu_s"] for t in tasks), 1),
            "workers_used": len({t["worker"] for t in tasks})}


class LoopbackCluster:
    """`dask scheduler` and N `dask worker --nthreads 1 --resources builds=1` on 127.0.0.1; the
    address while open, every process stopped after."""

    def __init__(self, folder: Path, workers: int):
        self.folder, self.workers, self.processes = folder, workers, []

    def __enter__(self) -> str:
        dask = str(Path(sys.executable).with_name("dask"))
        self.folder.mkdir(parents=True)
        scheduler_file = self.folder / "scheduler.json"
        self._start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(scheduler_file)])
        address = json.loads(self._wait(lambda: scheduler_file.is_file() and scheduler_file.read_text()))["address"]
        for k in range(self.workers):
            self._start([dask, "worker", address, "--nthreads", "1", "--resources", "builds=1", "--host",
                         "127.0.0.1", "--no-dashboard", "--death-timeout", "60",
                         "--local-directory", str(self.folder / f"w{k}")])
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(self.workers, timeout=60)
        return address

    def _start(self, command: list[str]) -> None:
        with open(self.folder / f"{len(self.processes)}.log", "wb") as log:
            self.processes.append(subprocess.Popen(command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT))

    @staticmethod
    def _wait(ready, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while not (found := ready()):
            if time.monotonic() > deadline:
                raise RuntimeError("the Dask scheduler did not start")
            time.sleep(0.1)
        return found

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# --- the run and its report ------------------------------------------------------------------

PARTS = ("engines", "accuracy", "builds", "edits", "long", "cluster", "sounds", "singing")


def main(quick: bool = False, runs: int | None = None, parts: tuple[str, ...] = PARTS) -> int:
    """Measure the parts asked for; the others keep their figures from the last run."""
    runs = runs or (1 if quick else 3)
    demo = next(iter(sorted(Path("media").glob("*.mp4"))), None)
    if demo is None or not (TESTDATA / "manifest.tsv").is_file():
        print(f"error: needs the demo video in media/ and the clips in {TESTDATA}/", file=sys.stderr)
        return 1
    with open(TESTDATA / "manifest.tsv", newline="", encoding="utf-8") as f:
        clips = list(csv.DictReader(f, delimiter="\t"))
    results = _previous_results()
    results["machine"] = {"cpus": len(os.sched_getaffinity(0)), "python": platform.python_version(),
                          "system": platform.platform(), "processor": _processor()}
    measure_part = {
        "engines": lambda: engine_figures(demo, clips, runs),
        "accuracy": accuracy_figures,
        "builds": lambda: rebuilds(Path("media"), "base", runs),
        "edits": lambda: edit_figures(runs),
        "long": lambda: long_input(demo, [1, 2] if quick else [10, 20, 40], "base"),
        "cluster": lambda: cluster_figures(demo, "base"),
        "sounds": sound_figures,
        "singing": singing_figures,
    }
    for part in parts:
        started = time.monotonic()
        results[part] = {"date": time.strftime("%Y-%m-%d"), "runs": runs, "figures": measure_part[part](),
                         "minutes": round((time.monotonic() - started) / 60, 1)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / "results.md").write_text(markdown(results))
    print(markdown(results))
    return 0


def _previous_results() -> dict:
    try:
        return json.loads((RESULTS / "results.json").read_text())
    except (OSError, ValueError):
        return {}


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [f"Measured on {m['cpus']} cores ({m['processor']}; {m['system']}, Python {m['python']}).", ""]
    if "engines" in results:
        lines += _engines_table(results["engines"])
    if "accuracy" in results:
        lines += _accuracy_table(results["accuracy"])
    if "builds" in results:
        lines += _builds_table(results["builds"])
    if "edits" in results:
        lines += _edits_table(results["edits"])
    if "long" in results:
        lines += _long_table(results["long"])
    if "cluster" in results:
        lines += _cluster_table(results["cluster"])
    if "sounds" in results:
        lines += _sounds_table(results["sounds"])
    if "singing" in results:
        lines += _singing_table(results["singing"])
    return "\n".join(lines)


def _engines_table(part: dict) -> list[str]:
    lines = [f"Transcription alone, model loaded once ({part['date']}, median of {part['runs']} runs):", "",
             "| engine | model | demo, × real time | test clips, × real time | pooled WER (13 clips) | "
             "demo WER | load | peak memory |", "|---|---|---|---|---|---|---|---|"]
    by_model: dict[str, dict[str, dict]] = {}
    for e in part["figures"]:
        by_model.setdefault(e["model"], {})[e["engine"]] = e
        demo_wer = f"{e['demo_wer']:.1%}" if e["demo_wer"] is not None else "–"
        lines.append(f"| {e['engine']} | {e['model']} | {e['demo_x_realtime']} ({e['demo_s']} s) | "
                     f"{e['testdata_x_realtime']} | {e['pooled_wer']:.1%} ({e['errors']}/{e['reference_words']}) | "
                     f"{demo_wer} | {e['load_s']} s | {e['peak_rss_mb']} MB |")
    lines.append("")
    for model, engines in by_model.items():
        if len(engines) == 2:
            fast, slow = engines["faster-whisper"], engines["openai-whisper"]
            lines.append(f"faster-whisper is {slow['demo_s'] / fast['demo_s']:.1f}× faster than openai-whisper on "
                         f"the demo with {model} ({slow['testdata_s'] / fast['testdata_s']:.1f}× on the test clips).")
    return lines + [""]


def _builds_table(part: dict) -> list[str]:
    r = part["figures"]
    c = r["check"]
    return [f"`make` on media/ with the default model {r['model']} ({part['date']}, median of {part['runs']} runs):",
            "", "| build | figure |", "|---|---|",
            f"| from nothing (no transcripts, no cached audio) | {r['full_build_s']} s, "
            f"{r['full_build_peak_rss_mb']} MB peak |",
            f"| nothing changed | {r['noop_build_s']} s |",
            f"| after a one-word correction | {r['one_word_edit_s']} s |",
            f"| `make check` on the result | {c['errors']} errors, {c['warnings']} warnings in {c['files']} files |", ""]


def _long_table(part: dict) -> list[str]:
    lines = [f"Long input: the demo's audio looped, built from nothing with model base ({part['date']}):", "",
             "| audio | build | × real time | peak memory |", "|---|---|---|---|"]
    for row in part["figures"]:
        lines.append(f"| {row['audio_s'] / 60:.0f} min | {row['wall_s']} s | {row['x_realtime']} | "
                     f"{row['peak_rss_mb']} MB |")
    return lines + [""]


def sound_figures() -> dict:
    """Music and ringing detection on the held-out clips (.bench/sounds.py, which also writes .bench/sounds.md):
    seconds, no model to load."""
    module = _bench_script("sounds")
    rows, figures = module.measure()
    module.OUT.write_text(module.report(rows, figures), encoding="utf-8")
    return figures


def _bench_script(name: str):
    """One of the bench's own scripts beside this one (.bench/NAME.py), loaded as a module."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def singing_figures() -> dict:
    """Songs built as `make` builds them (.bench/singing.py, which also writes .bench/singing.md)."""
    module = _bench_script("singing")
    text, figures = module.measure()
    module.OUT.write_text(text, encoding="utf-8")
    return figures


def _singing_table(part: dict) -> list[str]:
    f = part["figures"]
    return [f"Songs ({part['date']}; {f['clips']} clips sung by Festival, alone and over music, "
            "`.bench/singing.md`):", "", "| figure | value |", "|---|---|",
            f"| sung words captioned correctly | {f['sung_correct']:.1%} of {f['lyrics_words']} |",
            f"| wrong words published (unclear lines held back: {f['gate']}) | {f['wrong_published']} |",
            f"| clips labelled `[♪ singing]` | {f['labelled_singing']} of {f['clips']} |",
            f"| longest stretch of a song with no caption | {f['longest_uncaptioned']:.1f} s |",
            f"| speech over music shown as lyrics; held back by the gates | {f['speech_marked']} of "
            f"{f['speech_words']} words; {f.get('speech_held', 0)} |", ""]


def _sounds_table(part: dict) -> list[str]:
    f = part["figures"]
    return [f"Music and ringing labels ({part['date']}; {f['clips']} held-out clips, {f['audio_seconds']:.0f} s, "
            "`.bench/sounds.md`):", "", "| figure | value |", "|---|---|",
            f"| music spans by time overlap: precision, recall | {f['precision']:.1%}, {f['recall']:.1%} |",
            f"| longest stretch of music with no label | {f['longest_unlabelled']:.1f} s |",
            *([f"| ringing spans by time overlap: precision, recall | {f['ringing_precision']:.1%}, "
               f"{f['ringing_recall']:.1%} |",
               f"| seconds falsely labelled ringing (speech, music, noise, film, effects) | "
               f"{sum(v['labelled'] for v in f['false_ringing'].values()):.1f} of "
               f"{sum(v['seconds'] for v in f['false_ringing'].values()):.0f} |"] if "ringing_precision" in f else []),
            f"| detection cost | {f['x_real_time']:.4f} × real time |", ""]


def _cluster_table(part: dict) -> list[str]:
    r = part["figures"]
    lines = [f"A back catalogue on a cluster: {r['files']} files of 3 minutes ({r['audio_s'] / 60:.0f} min of audio), "
             f"model {r['model']}, from nothing; Dask scheduler and single-threaded workers on 127.0.0.1 "
             f"({part['date']}; 1-minute load average {r.get('load_before', '?')} before):", "",
             "| build | wall | audio-hours per hour | per file on a worker | first task starts | scheduling gap "
             "| result lag | model loads (each) |", "|---|---|---|---|---|---|---|---|"]
    for label, row in r["runs"].items():
        if "scheduling_gap_s" in row:
            lines.append(f"| {label} | {row['wall_s']} s | {row['audio_hours_per_hour']} | {row['build_s_per_file']} s | "
                         f"{row['first_task_start_s']} s | {row['scheduling_gap_s']} s | {row['result_lag_s']} s | "
                         f"{row['model_loads']} ({row['model_load_s']} s) |")
        else:
            lines.append(f"| {label} | {row['wall_s']} s | {row['audio_hours_per_hour']} | | | | | |")
    return lines + ["", f"A single-threaded worker builds {r['audio_hours_per_core_hour']} hours of audio per hour of "
                    f"CPU (median {r['runs']['cluster, 1 worker']['cpu_s_per_file']} s of CPU per file). "
                    f"2 workers give {r['scaling_2_over_1']}× the audio-hours per hour of 1; everything but the "
                    f"builds themselves (client start and connection, scheduling, results) comes to "
                    f"{r['cluster_overhead_per_file_s']} s per 3-minute file with 1 worker.", ""]


if __name__ == "__main__":
    if sys.argv[1:2] == ["cluster-build"]:
        cluster_build(*sys.argv[2:6])
        sys.exit(0)
    if sys.argv[1:2] == ["transcribe"]:
        transcribe_clips(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
        sys.exit(0)
    parser = argparse.ArgumentParser(prog=".bench/bench.py", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--parts", default=",".join(PARTS))
    arguments = parser.parse_args()
    sys.exit(main(arguments.quick, arguments.runs, tuple(arguments.parts.split(","))))
