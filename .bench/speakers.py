"""Who is speaking, measured: `.venv/bin/python .bench/speakers.py [--model base] [--no-build]`
prints a table and writes it to .bench/speakers.md.

- Dialogues: real recordings of different people put in turns with known boundaries
  (tests/test_speakers.py: DIALOGUES, made by ffmpeg), transcribed by the model, then diarised
  as a build does. Diarisation error rate (NIST: missed + false alarm + confusion over reference
  speech, 0.25 s collar), speaker-change recall (a change found within 0.5 s), voices found.
  The first four dialogues were used to choose the settings in pipeline/transcribe/diarize.py;
  the "held-out" ones were made afterwards and not tuned on.
- AMI (ami_ES2011a_headset0_40-46s, one speaker, against its .segments.tsv) and the stereo
  LibriSpeech clip (two readers, one per channel, talking over each other in the mono downmix:
  the reference is each channel's speech).
- Every single-speaker clip in the test data: how many come out as more than one voice.
- Cost: seconds of diarisation per second of audio, the encoder loaded (as in a build of many
  files); the one-off import and load in a fresh process; and (unless --no-build) the demo
  built from nothing with and without speaker turns (`--speakers 1`), the time a build gains.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import audio  # noqa: E402
from pipeline.transcribe import diarize  # noqa: E402
from pipeline.transcript import Transcript  # noqa: E402
from tests.test_speakers import (DIALOGUES, TESTDATA, decode, make_dialogue, reference_segments,  # noqa: E402
                                 speech_span)

TUNED = ("woman-and-man", "two-men-short-turns", "three-voices", "four-accents")


def transcribe(engine, pcm: Path) -> Transcript:
    from pipeline.transcribe.engines import DecodeOptions

    return engine.transcribe_file(pcm, DecodeOptions())


def timed_diarisation(pcm: Path, words, speakers=None):
    started, cpu = time.monotonic(), time.process_time()
    found = diarize.diarize(pcm, words, speakers)
    return found, time.monotonic() - started, time.process_time() - cpu


def scored(words, found, reference):
    hypothesis = diarize.word_segments(_labelled(words, found))
    error = diarize.diarisation_error(reference, hypothesis)
    ordered = sorted(reference)
    if any(b[0] < a[1] for a, b in zip(ordered, ordered[1:])):
        return error, 0, 0  # people talking over each other: no one moment where the speaker changes
    hits, total = diarize.change_recall(diarize.changes(ordered), diarize.changes(hypothesis))
    return error, hits, total


def _labelled(words, found):
    from pipeline.transcript import Segment

    return diarize.label_words(Transcript([Segment(list(words))], "en", 0.0), found).words


def channel_reference(path: Path, work: Path) -> list[tuple[float, float, str]]:
    """Each channel's speech, from the first to the last loud frame, as overlapping reference turns."""
    turns = []
    for channel, who in ((0, "left"), (1, "right")):
        out = work / f"channel{channel}.wav"
        subprocess.run([audio.ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i",
                        f"file:{path}", "-af", f"pan=mono|c0=c{channel}", str(out)], check=True)
        first, last = speech_span(decode(out))
        turns.append((first / audio.SAMPLE_RATE, last / audio.SAMPLE_RATE, who))
    return turns


def one_off_cost() -> float:
    """Seconds to import the diariser and load the encoder in a fresh process."""
    code = ("import time; t = time.monotonic(); from pipeline.transcribe import diarize; diarize._encoder(); "
            "print(time.monotonic() - t)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    return float(done.stdout.strip())


def build_cost(model: str, runs: int = 3) -> dict[str, tuple[float, float]]:
    """The demo built from nothing (its audio already extracted), with and without speaker turns,
    taking turns `runs` times each: the median (wall, CPU) seconds of each, from the kernel."""
    times: dict[str, list[tuple[float, float]]] = {"turns": [], "none": []}
    for _ in range(runs):
        for kind, extra in (("turns", []), ("none", ["--speakers", "1"])):
            with tempfile.TemporaryDirectory() as root:
                media = Path(root) / "media"
                media.mkdir()
                shutil.copy(REPO / "media" / "cse-signs-demo.mp4", media)
                started = time.monotonic()
                child = subprocess.Popen([sys.executable, "-m", "pipeline", "build", "--media-dir", str(media),
                                          "--transcripts-dir", str(Path(root) / "transcripts"), "--model", model,
                                          *extra], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _, status, usage = os.wait4(child.pid, 0)
                if os.waitstatus_to_exitcode(status) != 0:
                    raise RuntimeError(f"the demo build failed ({kind})")
                times[kind].append((time.monotonic() - started, usage.ru_utime + usage.ru_stime))
    return {kind: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
            for kind, got in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="base", help="the model that makes the words (default base, as make)")
    parser.add_argument("--no-build", action="store_true", help="skip the two builds of the demo")
    args = parser.parse_args()

    from pipeline.transcribe.engines import DecodeOptions, load_engine
    from pipeline.transcribe.models import resolve_model

    load_before = os.getloadavg()[0]
    engine = load_engine("faster-whisper", resolve_model(args.model), DecodeOptions())
    diarize._encoder()
    work = Path(tempfile.mkdtemp(prefix="speakers-bench-"))
    cache = work / "audio"
    spent = heard = 0.0
    rows = []

    def measure(label: str, path: Path, reference, speakers=None, people: int | None = None):
        nonlocal spent, heard
        pcm = cache / f"{audio.extract_pcm(path, cache)}.pcm"
        machine = transcribe(engine, pcm)
        found, wall, _ = timed_diarisation(pcm, machine.words, speakers)
        spent += wall
        heard += machine.duration
        error, hits, total = scored(machine.words, found, reference)
        rows.append((label, machine.duration, people or len({who for *_, who in reference}), max(found.voices, 1),
                     error, hits, total, wall / machine.duration))
        print(f"{label}: DER {error['der']:.1%}, changes {hits}/{total}, voices {found.voices}", flush=True)

    for name in DIALOGUES:
        reference = make_dialogue(name, work / f"{name}.flac")
        label = name + ("" if name in TUNED else " (held out)")
        measure(label, work / f"{name}.flac", reference_segments(reference))
    with open(TESTDATA / "ami_ES2011a_headset0_40-46s.segments.tsv", encoding="utf-8") as f:
        ami = [(float(r["start_s"]), float(r["end_s"]), r["speaker"]) for r in csv.DictReader(f, delimiter="\t")]
    measure("AMI ES2011a 40-46 s (one speaker)", TESTDATA / "ami_ES2011a_headset0_40-46s.wav", ami)
    stereo = TESTDATA / "librispeech_stereo_2speakers_overlap.wav"
    measure("LibriSpeech stereo, overlapping", stereo, channel_reference(stereo, work))
    measure("LibriSpeech stereo, overlapping, --speakers 2", stereo, channel_reference(stereo, work), speakers=2)

    single, split = [], []
    for folder in (TESTDATA, TESTDATA / "more"):
        with open(folder / "manifest.tsv", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if row["speakers"] != "1":
                    continue
                pcm = cache / f"{audio.extract_pcm(folder / row['media'], cache)}.pcm"
                machine = transcribe(engine, pcm)
                found, wall, _ = timed_diarisation(pcm, machine.words)
                spent += wall
                heard += machine.duration
                single.append(row["media"])
                if found.voices > 1:
                    split.append(row["media"])
    demo_pcm = cache / f"{audio.extract_pcm(REPO / 'media' / 'cse-signs-demo.mp4', cache)}.pcm"
    demo = transcribe(engine, demo_pcm)
    demo_found, demo_wall, demo_cpu = timed_diarisation(demo_pcm, demo.words)
    one_off = one_off_cost()
    builds = None if args.no_build else build_cost(args.model)
    load_after = os.getloadavg()[0]

    out = [f"# Who is speaking: measured {time.strftime('%Y-%m-%d')}", "",
           f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
           f"words by faster-whisper {args.model}; load average {load_before:.1f} before, {load_after:.1f} after "
           "(other work on the machine slows every time below).", "",
           "| recording | length | people | voices found | DER | missed | false alarm | confusion | changes found "
           "(≤ 0.5 s) | cost × real time |", "|---|---|---|---|---|---|---|---|---|---|"]
    for label, seconds, people, voices, error, hits, total, cost in rows:
        out.append(f"| {label} | {seconds:.1f} s | {people} | {voices} | {error['der']:.1%} | {error['missed']:.1%} | "
                   f"{error['false_alarm']:.1%} | {error['confusion']:.1%} | "
                   f"{f'{hits}/{total}' if total else '—'} | {cost:.3f} |")
    dialogues = [r for r in rows if r[0].split(" ")[0] in DIALOGUES]
    hits = sum(r[5] for r in dialogues)
    total = sum(r[6] for r in dialogues)
    speech = sum(r[4]["seconds"] for r in dialogues)
    pooled = sum(r[4]["der"] * r[4]["seconds"] for r in dialogues) / speech
    out += ["", f"Dialogues pooled: DER **{pooled:.1%}** over {speech:.0f} s of speech, speaker changes found "
                f"**{hits}/{total} ({hits / total:.0%})**.",
            f"Single-speaker clips that came out as more than one voice: **{len(split)} of {len(single)}**"
            + (f" ({', '.join(split)})" if split else "") + ".",
            "", "Cost:", "",
            f"- the demo ({demo.duration:.0f} s, one voice): {demo_wall:.2f} s, **{demo_wall / demo.duration:.3f} × real "
            f"time** ({demo_cpu:.2f} s of CPU on {os.cpu_count()} cores);",
            f"- every recording above together: {spent:.1f} s for {heard:.0f} s of audio, "
            f"**{spent / heard:.3f} × real time**;",
            f"- once per build process: {one_off:.2f} s to import torch and load the encoder;"]
    if builds:
        (wall, cpu), (wall_none, cpu_none) = builds["turns"], builds["none"]
        out.append(f"- the demo built from nothing, median of 3 builds each, taking turns: {wall:.1f} s with speaker "
                   f"turns, {wall_none:.1f} s with `--speakers 1`, **{(wall - wall_none) / demo.duration:+.3f} × real "
                   f"time** added; in CPU time {cpu:.1f} s against {cpu_none:.1f} s, "
                   f"**{(cpu - cpu_none) / demo.duration:+.3f} × real time** of CPU.")
    text = "\n".join(out) + "\n"
    (REPO / ".bench" / "speakers.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
