"""`make bench`: figures measured on this machine, written to .bench/results.json and .md.

Each figure is a real build, run as `make` runs it, in a child process whose peak memory is
read from the kernel (wait4). Tests never assert on these numbers; they are for reading.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .audio import ffmpeg_executable

RESULTS = Path(".bench")


def run_build(media: Path, transcripts: Path, *extra: str) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one `pipeline build` in a child process."""
    command = [sys.executable, "-m", "pipeline", "build", "--media-dir", str(media),
               "--transcripts-dir", str(transcripts), *extra]
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"build failed: {child.stderr.read().decode(errors='replace')[-500:]}")
    return wall, usage.ru_maxrss // 1024


def long_input(source: Path, loops: list[int], model: str) -> list[dict]:
    """The same speech looped to longer and longer files: time should grow in line, memory not."""
    rows = []
    for count in loops:
        with tempfile.TemporaryDirectory() as scratch:
            media = Path(scratch) / "media"
            media.mkdir()
            target = media / f"long-{count}.m4a"
            subprocess.run([ffmpeg_executable(), "-nostdin", "-loglevel", "error", "-stream_loop", str(count - 1),
                            "-i", str(source), "-vn", "-c:a", "aac", "-b:a", "48k", str(target)], check=True)
            seconds = _duration(target)
            wall, rss = run_build(media, Path(scratch) / "transcripts", "--model", model)
            rows.append({"audio_s": round(seconds, 1), "wall_s": round(wall, 1),
                         "x_realtime": round(wall / seconds, 3), "peak_rss_mb": rss, "model": model})
            print(f"long input {seconds / 60:.0f} min: {wall:.0f} s, {rss} MB", flush=True)
    return rows


def rebuilds(media_dir: Path, model: str, runs: int) -> dict:
    """A build with nothing to do, and one after a one-word correction (medians)."""
    with tempfile.TemporaryDirectory() as scratch:
        transcripts = Path(scratch) / "transcripts"
        first, rss = run_build(media_dir, transcripts, "--model", model)
        noop = [run_build(media_dir, transcripts, "--model", model)[0] for _ in range(runs)]
        edits = []
        for k in range(runs):
            for edit in transcripts.glob("*/*.edit.txt"):
                lines = edit.read_text().splitlines()
                body = [i for i, line in enumerate(lines) if line.startswith("[")]
                lines[body[0]] += f" corrected{k}"
                edit.write_text("\n".join(lines) + "\n")
            edits.append(run_build(media_dir, transcripts, "--model", model)[0])
    return {"model": model, "full_build_s": round(first, 1), "full_build_peak_rss_mb": rss,
            "noop_build_s": round(statistics.median(noop), 2), "one_word_edit_s": round(statistics.median(edits), 2)}


def _duration(path: Path) -> float:
    from .audio import extract_pcm, pcm_duration

    with tempfile.TemporaryDirectory() as scratch:
        digest = extract_pcm(path, Path(scratch))
        return pcm_duration(Path(scratch) / f"{digest}.pcm")


def main(quick: bool = False) -> int:
    demo = sorted(Path("media").glob("*.mp4"))
    if not demo:
        print("error: media/ has no demo video to measure", file=sys.stderr)
        return 1
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform(),
                    "date": time.strftime("%Y-%m-%d")},
        "rebuilds": rebuilds(Path("media"), "base", 1 if quick else 3),
        "long_input": long_input(demo[0], [1, 2] if quick else [1, 2, 4], "tiny.en"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / "results.md").write_text(markdown(results))
    print(markdown(results))
    return 0


def markdown(results: dict) -> str:
    m, r = results["machine"], results["rebuilds"]
    lines = [f"Measured {m['date']} on {m['cpus']} cores ({m['system']}, Python {m['python']}).", "",
             "| build of media/ (model " + r["model"] + ") | figure |", "|---|---|",
             f"| from nothing | {r['full_build_s']} s, {r['full_build_peak_rss_mb']} MB peak |",
             f"| nothing changed (median) | {r['noop_build_s']} s |",
             f"| after a one-word correction (median) | {r['one_word_edit_s']} s |", "",
             "| long input (demo looped, tiny.en) | wall | × real time | peak memory |", "|---|---|---|---|"]
    for row in results["long_input"]:
        lines.append(f"| {row['audio_s'] / 60:.0f} min | {row['wall_s']} s | {row['x_realtime']} | "
                     f"{row['peak_rss_mb']} MB |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main("--quick" in sys.argv))
