"""Measurements for "captions as a professional subtitler makes them" (tests/test_craft.py):

    .venv/bin/python .bench/craft.py edit      # CPU and wall time of what `make` runs, after an edit
                                               # (also `make bench`, part "edits")
    .venv/bin/python .bench/craft.py breaks    # share of line and cue breaks inside a phrase
    .venv/bin/python .bench/craft.py punct     # sentences that start with a capital and end with punctuation
                                               # (CRAFT_MODES=batched,batch-1,batched+prompt; CRAFT_MODEL=base)

Word onsets against the first voiced frame are checked by tests/test_craft.py (a title card's
sounds, then real speech), not measured here.

`edit` builds the demo (media/cse-signs-demo.mp4 with the committed editor's file) once into
$TMPDIR/captions-craft-demo/ (the default model; kept, so later runs only check it), then for each edit
copies that folder to a temp folder, changes the editor's file and times a child process
`python -m pipeline models --quiet base tiny.en` and `python -m pipeline build`, the two commands
`make` runs (median of 3; each run uses other words, so the alignment cache, which is shared,
does not answer for it). CPU time (user + system of the child) is the figure to
compare on a shared machine; wall time is what a user waits. The children cache their bytecode
as Python does by default (under $TMPDIR/captions-bench-pycache, so nothing is written into the
tree), even where PYTHONDONTWRITEBYTECODE is set: without it every build compiles the whole
package again, about 0.2 s of CPU a user's `make` does not pay.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = DEMO_NAME = "cse-signs-demo"
WORK = Path(tempfile.gettempdir()) / "captions-craft-demo"  # kept between runs
PY = str(ROOT / ".venv" / "bin" / "python")


CPU: list[float] = []  # CPU seconds (user + system) of each child build, beside its wall time


def _child_env() -> dict[str, str]:
    """The environment of a child build: bytecode cached as a user's Python caches it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "captions-bench-pycache")
    return env


# What `make` runs before each build (its `setup` target); timed with the build, as a user waits for both.
SETUP = [PY, "-m", "pipeline", "models", "--quiet", "base", "tiny.en"]


def build(media: Path, transcripts: Path, *extra: str, setup: bool = False) -> float:
    """Wall seconds of one child `python -m pipeline build` (its CPU seconds go to CPU); with
    `setup`, of `make`'s two commands, its model check and then the build."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    if setup:
        subprocess.run(SETUP, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=_child_env())
    subprocess.run([PY, "-m", "pipeline", "build", "--media-dir", str(media), "--transcripts-dir", str(transcripts),
                    *extra], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=_child_env())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def demo_built() -> Path:
    """$TMPDIR/captions-craft-demo/{media,transcripts}, built with the default model."""
    media, transcripts = WORK / "media", WORK / "transcripts"
    if not (transcripts / DEMO / f"{DEMO}.words.json").is_file():
        media.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "media" / f"{DEMO}.mp4", media)
        shutil.copytree(ROOT / "transcripts" / DEMO, transcripts / DEMO, dirs_exist_ok=True)
    build(media, transcripts)
    return WORK


# (line prefix, old text, new text per run): a one-word change and a two-word insertion in one line.
EDITS = {
    "one-word change": ("[00:46.7]", "a community nurse", ["a school nurse", "a district nurse", "a practice nurse"]),
    "two-word insertion": ("[01:56.7]", "have the power", ["have the real legal power", "have the very real power",
                                                       "have the full legal power"]),
    # one word rewritten as two: timed by forced alignment (the model is loaded)
    "one word as two (aligned)": ("[00:46.7]", "a community nurse", ["a district health nurse",
                                                                   "a school health nurse",
                                                                   "a practice health nurse"]),
}


def edit(runs: int = 3) -> dict[str, dict]:
    """{case: {wall_s, cpu_s (medians), walls, cpus}} for a no-op build and each of EDITS."""
    base = demo_built()
    build(base / "media", base / "transcripts")  # bytecode and the shared caches written once, not timed
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        noop = []
        CPU.clear()
        for run in range(runs):
            noop.append(build(base / "media", base / "transcripts", setup=True))
        out["no-op"] = (statistics.median(noop), statistics.median(CPU), noop, list(CPU))
        for name, (prefix, old, news) in EDITS.items():
            times = []
            CPU.clear()
            for run, new in enumerate(news[:runs]):
                work = Path(tmp) / f"{name}-{run}".replace(" ", "-")
                shutil.copytree(base / "transcripts", work)
                edit_file = work / DEMO / f"{DEMO}.edit.txt"
                lines = edit_file.read_text(encoding="utf-8").splitlines(keepends=True)
                [k] = [k for k, line in enumerate(lines) if line.startswith(prefix)]
                assert old in lines[k], (old, lines[k])
                lines[k] = lines[k].replace(old, new, 1)
                edit_file.write_text("".join(lines), encoding="utf-8")
                times.append(build(base / "media", work, setup=True))
            out[name] = (statistics.median(times), statistics.median(CPU), times, list(CPU))
            print(f"{name}: {', '.join(f'{t:.2f}' for t in times)} s wall, "
                  f"{', '.join(f'{t:.2f}' for t in CPU)} s CPU", flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"| build | CPU, user + system (median of {runs}) | wall (median) |\n|---|---|---|")
    for name, (wall, cpu, _, _) in out.items():
        print(f"| {name} | {cpu:.2f} s | {wall:.2f} s |")
    return {name: {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "cpus": [round(c, 2) for c in cpus],
                   "walls": [round(w, 2) for w in walls]} for name, (wall, cpu, walls, cpus) in out.items()}


BEFORE = "02f8eed"  # the last commit before this work


def _head_layout():
    """layout.py before this work, to compare with (loaded from git, never written to disk)."""
    import importlib.util
    import types

    source = subprocess.run(["git", "show", f"{BEFORE}:pipeline/layout.py"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    module = types.ModuleType("pipeline._layout_head")
    module.__package__ = "pipeline"
    sys.modules[module.__name__] = module
    exec(compile(source, f"{BEFORE}:pipeline/layout.py", "exec"), module.__dict__)
    return module


def _share_inside(layout_module, marked_texts, profile_name: str, pace: float | None = None,
                  published=None) -> tuple[int, int, int, list[str]]:
    """(breaks, inside a phrase "~", forbidden "=", examples) over hand-marked texts laid out as
    speech at `pace`, or over the published words (their real times) matched to the marks."""
    from difflib import SequenceMatcher

    from pipeline.transcript import Segment, Transcript, Word
    from pipeline.transcript import normalise_token
    from tests.craft_phrases import breaks_of, parse

    profile = layout_module.PROFILES[profile_name]
    total = soft = hard = 0
    examples = []
    for marked in marked_texts:
        words, marks = parse(marked)
        if published is None:
            timed = [Word(w, k * pace, k * pace + 0.8 * pace, 0.9) for k, w in enumerate(words)]
            where = {k: k for k in range(len(words) + 1)}
        else:
            timed = published.words
            where = {}
            matcher = SequenceMatcher(None, [normalise_token(w.text) for w in timed],
                                      [normalise_token(w) for w in words], autojunk=False)
            for op, i1, i2, j1, j2 in matcher.get_opcodes():
                if op == "equal":
                    where.update({i: j for i, j in zip(range(i1, i2), range(j1, j2))})
        cues = layout_module.layout(Transcript([Segment(timed)], "en", timed[-1].end + 5), profile)
        for k in breaks_of(cues):
            total += 1
            if k in where and k - 1 in where and where[k] == where[k - 1] + 1:
                mark = marks.get(where[k])
                soft += mark == "~"
                hard += mark == "="
                if mark:
                    examples.append(f"{timed[k - 1].text} {mark} {timed[k].text}")
    return total, soft, hard, examples


def breaks() -> None:
    """Share of line and cue breaks inside a phrase, against the hand-made marks of
    tests/craft_phrases.py: the layout before this work (BEFORE) and this one."""
    from pipeline import layout as current
    from pipeline.transcript import Transcript
    from tests.craft_phrases import DEMO, SENTENCES

    words_json = demo_built() / "transcripts" / DEMO_NAME / f"{DEMO_NAME}.words.json"
    published = Transcript.from_json(words_json.read_text(encoding="utf-8"))
    head = _head_layout()
    print("| text | profile | layout | breaks | inside a phrase (~) | forbidden (=) |\n|---|---|---|---|---|---|")
    for label, texts, pace, words in [("24 sentences, one by one", SENTENCES, 0.4, None),
                                      ("24 sentences as one talk", [" ".join(SENTENCES)], 0.4, None),
                                      ("demo, published words and times", [DEMO], None, published)]:
        for profile in ("default", "bbc"):
            for name, module in (("before", head), ("now", current)):
                n, soft, hard, examples = _share_inside(module, texts, profile, pace, words)
                print(f"| {label} | {profile} | {name} | {n} | {soft} ({soft / n:.0%}) | {hard} ({hard / n:.0%}) |")
                if name == "now" and examples:
                    print(f"<!-- {'; '.join(examples)} -->")


MORE = ROOT.parent / "shared" / "testdata" / "more"
GAP = 0.8  # seconds of silence between two clips joined into one talk


def _talk() -> tuple[Path, list[tuple[str, float, float, str]]]:
    """Every clip of testdata/more with a reference, joined into one long recording (so that speech
    is longer than a window and decoding is batched): (its PCM, [(clip, start, end, reference)])."""
    import numpy as np

    from pipeline.audio import SAMPLE_RATE, extract_pcm, load_pcm

    folder = Path(tempfile.gettempdir()) / "captions-craft-talk"
    folder.mkdir(exist_ok=True)
    pieces, clips, at = [], [], 0.0
    for media in sorted(MORE.iterdir()):
        reference = media.with_suffix(".txt")
        if media.suffix in (".txt", ".md", ".tsv") or not reference.is_file():
            continue
        samples = load_pcm(folder / f"{extract_pcm(media, folder)}.pcm")
        pieces += [samples, np.zeros(int(GAP * SAMPLE_RATE), dtype=np.float32)]
        clips.append((media.name, at, at + len(samples) / SAMPLE_RATE, reference.read_text(encoding="utf-8")))
        at += len(samples) / SAMPLE_RATE + GAP
    talk = folder / "talk.pcm"
    data = (np.concatenate(pieces) * 32767).clip(-32768, 32767).astype("<i2").tobytes()
    if not talk.is_file() or talk.read_bytes() != data:
        talk.write_bytes(data)
    return talk, clips


def _sentences(words) -> tuple[int, int, int]:
    """(sentences, those starting with a capital and ending with . ? or !, the longest run of words
    without any punctuation)."""
    total = good = longest = run = 0
    starting = True
    first_capital = False
    for word in words:
        text = word.text.strip()
        if starting:
            first_capital = text[:1].isupper() or text[:1].isdigit()
            starting = False
        run = 0 if text[-1:] in ".,;:?!" else run + 1
        longest = max(longest, run)
        if text.rstrip("\"')”’")[-1:] in ".?!":
            total += 1
            good += first_capital
            starting = True
    if not starting:  # a last sentence with no end
        total += 1
    return total, good, longest


def punct(modes: tuple[str, ...] = tuple(os.environ.get("CRAFT_MODES", "batched,batch-1,batched+prompt").split(","))
          ) -> None:
    """Sentences that start with a capital and end with punctuation, batched (the default) and
    one chunk after another, on testdata/more joined into one talk and on the demo; with WER on
    the talk (its references) so that no fix costs words. Decodes are cached in $TMPDIR."""
    from pipeline.evaluate import score_text
    from pipeline.transcribe.engines import TRANSCRIBE_VERSION, DecodeOptions, load_engine
    from pipeline.transcribe.models import resolve_model
    from pipeline.audio import extract_pcm

    cache = Path(tempfile.gettempdir()) / "captions-craft-decodes"
    cache.mkdir(exist_ok=True)
    talk, clips = _talk()
    demo = cache / f"{extract_pcm(ROOT / 'media' / f'{DEMO_NAME}.mp4', cache)}.pcm"
    model = resolve_model(os.environ.get("CRAFT_MODEL", "base"))
    engine = None
    print(f"model {model.name}; the talk: {len(clips)} clips, {clips[-1][2] / 60:.1f} min")
    print("| audio | decoding | sentences | capital + end punctuation | longest unpunctuated run | WER | CPU s |")
    print("|---|---|---|---|---|---|---|")
    for label, pcm in (("testdata/more as one talk", talk), ("demo", demo)):
        for mode in modes:
            from pipeline.transcript import Transcript

            options = DecodeOptions(batch_size=1 if mode == "batch-1" else 8)
            if mode.endswith("+prompt"):
                options = DecodeOptions(initial_prompt=os.environ.get("CRAFT_PROMPT", "Hello. Welcome, everyone."))
            saved = cache / f"v{TRANSCRIBE_VERSION}-{model.sha256[:12]}-{pcm.stem[:12]}-{mode}-{hashlib.sha256(repr(options).encode()).hexdigest()[:8]}.json"
            cpu = float("nan")
            if saved.is_file():
                transcript = Transcript.from_json(saved.read_text(encoding="utf-8"))
            else:
                engine = engine or load_engine("faster-whisper", model, DecodeOptions())
                started = time.process_time()
                transcript = engine.transcribe_file(pcm, options)
                cpu = time.process_time() - started
                saved.write_text(transcript.to_json(), encoding="utf-8")
            total, good, longest = _sentences(transcript.words)
            wer = ""
            if pcm == talk:
                errors = words = 0
                for name, start, end, reference in clips:
                    said = " ".join(w.text for w in transcript.words if start <= (w.start + w.end) / 2 < end)
                    score = score_text(name, reference, said)
                    errors, words = errors + score.errors, words + score.reference_words
                wer = f"{errors / words:.1%}"
            print(f"| {label} | {mode} | {total} | {good} ({good / max(total, 1):.0%}) | {longest} | {wer} | {cpu:.0f} |",
                  flush=True)


def main(argv: list[str]) -> int:
    parts = argv or ["edit", "breaks"]
    for part in parts:
        print(f"## {part}", flush=True)
        globals()[part]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
