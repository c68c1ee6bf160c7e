"""Onset error of cue starts: when each caption appears against when its first word is said.

    .venv/bin/python .bench/onset.py          # writes .bench/onset.md

Where a word is said comes from forced alignment of the *reference* text (not the machine's words)
with the pipeline's aligner (Whisper's cross-attention, pipeline/transcribe/align.py) on each clip
of ../shared/testdata/more, joined into one talk (.bench/craft.py `_talk`, so that decoding is
batched as for a long video). The pipeline's machine words (a normal build's decode options) and
Whisper alone's (no VAD, no guards) are laid out into cues with the default profile; each cue's
first word is matched to the reference word it stands for (same spelling, in order), and its start
is compared with that word's aligned start. Negative: the caption comes before the speech.
The first cue of each clip is measured apart, against the clip's first loud frame (energy within
20 dB of the clip's loudest 10 ms, a measure that owes nothing to either VAD or Whisper): forced
alignment puts a clip's first word too early when silence leads the clip, so it is no reference there.
Decodes are cached in $TMPDIR/captions-craft-decodes (shared with craft.py punct).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / ".bench"))

from craft import _talk  # noqa: E402

from pipeline.transcript import normalise_token  # noqa: E402

EARLY = 0.25  # seconds before the speech that a viewer notices a caption arriving too soon


def _decode(pcm: Path, label: str, options):
    from pipeline.transcribe.engines import TRANSCRIBE_VERSION, load_engine
    from pipeline.transcribe.models import resolve_model
    from pipeline.transcript import Transcript

    model = resolve_model(os.environ.get("CRAFT_MODEL", "base"))
    cache = Path(tempfile.gettempdir()) / "captions-craft-decodes"
    cache.mkdir(exist_ok=True)
    key = hashlib.sha256(repr(options).encode()).hexdigest()[:8]
    saved = cache / f"v{TRANSCRIBE_VERSION}-{model.sha256[:12]}-{pcm.stem[:12]}-{label}-{key}.json"
    if saved.is_file():
        return Transcript.from_json(saved.read_text(encoding="utf-8")), model
    transcript = load_engine("faster-whisper", model, options).transcribe_file(pcm, options)
    saved.write_text(transcript.to_json(), encoding="utf-8")
    return transcript, model


def _reference_onsets(aligner, clips) -> list[tuple[str, float]]:
    """(plain word, aligned start) for every reference word of every clip, in order."""
    out = []
    for name, start, end, reference in clips:
        words = reference.split()
        times = aligner.align(words, start, end)
        if times is None:
            print(f"  {name}: the reference could not be aligned; left out", flush=True)
            continue
        out += [(normalise_token(w), t[0]) for w, t in zip(words, times)]
    return out


def _energy_onsets(talk: Path, clips) -> list[float]:
    """Each clip's first 10 ms frame within 20 dB of its loudest one, in seconds of the talk."""
    import numpy as np

    from pipeline.audio import SAMPLE_RATE, load_pcm

    samples, frame, out = load_pcm(talk), SAMPLE_RATE // 100, []
    for _, start, end, _ in clips:
        clip = samples[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)]
        rms = np.sqrt(np.mean(clip[:len(clip) // frame * frame].reshape(-1, frame) ** 2, axis=1) + 1e-12)
        loud = np.flatnonzero(20 * np.log10(rms / rms.max()) > -20)
        out.append(start + loud[0] / 100)
    return out


def _errors(cues, reference: list[tuple[str, float]], firsts: set[int]) -> tuple[list[float], int]:
    """(cue start - reference onset of its first word, for each cue whose first word matches and
    is not a clip's first cue; cues)."""
    heard = [(normalise_token(w.text), k) for k, cue in enumerate(cues) for w in cue.words if not w.sound]
    first_of_cue = {}
    for position, (_, k) in enumerate(heard):
        first_of_cue.setdefault(k, position)
    matcher = difflib.SequenceMatcher(a=[w for w, _ in heard], b=[w for w, _ in reference], autojunk=False)
    mapped = {}
    for block in matcher.get_matching_blocks():
        for i in range(block.size):
            mapped[block.a + i] = block.b + i
    errors = [cues[k].start - reference[mapped[p]][1] for k, p in first_of_cue.items() if p in mapped and k not in firsts]
    return errors, len(cues)


def _first_cues(cues, clips) -> dict[int, int]:
    """{clip index: index of the first cue that starts inside it}."""
    out = {}
    for k, cue in enumerate(cues):
        for c, (_, start, end, _) in enumerate(clips):
            if start - 0.4 <= cue.start < end and c not in out:
                out[c] = k
    return out


def _row(label: str, errors: list[float], cues: int) -> str:
    size = [abs(e) for e in errors]
    early = sum(e < -EARLY for e in errors)
    late = sum(e > EARLY for e in errors)
    p90 = statistics.quantiles(size, n=10)[-1] if len(size) > 1 else float("nan")
    return (f"| {label} | {cues} | {len(errors)} | {statistics.median(size):.2f} s | {p90:.2f} s | "
            f"{early} ({early / len(errors):.0%}) | {late} ({late / len(errors):.0%}) | {min(errors):+.2f} s |")


def main() -> int:
    from pipeline.layout import layout
    from pipeline.transcribe.align import WhisperAligner
    from pipeline.transcribe.engines import DecodeOptions, whisper_alone

    talk, clips = _talk()
    build, _ = _decode(talk, "batched", DecodeOptions())
    alone, model = _decode(talk, "alone", whisper_alone(DecodeOptions()))
    reference = _reference_onsets(WhisperAligner(model, talk), clips)
    lines = [
        "# Onset error of cue starts", "",
        f"Made by `.venv/bin/python .bench/onset.py`. Model {model.name}; testdata/more's {len(clips)} clips joined "
        f"into one {clips[-1][2] / 60:.1f}-minute talk; reference onsets by forced alignment of the reference "
        "text; cues by the default profile. Error = cue start - aligned start of the cue's first word "
        f"(negative: before the speech); early/late: more than {EARLY} s.", "",
        "| words from | cues (not a clip's first) | matched | median abs error | 90th percentile | early | late | earliest |",
        "|---|---|---|---|---|---|---|---|",
    ]
    onsets = _energy_onsets(talk, clips)
    rows = []
    for label, transcript in (("the pipeline's decode (as a build, before the vote)", build), ("Whisper alone (beam 5, no VAD, no guards)", alone)):
        cues = layout(transcript)
        first = _first_cues(cues, clips)
        errors, count = _errors(cues, reference, set(first.values()))
        lines.append(_row(label, errors, count - len(first)))
        rows.append(_row(label, [cues[k].start - onsets[c] for c, k in first.items()], len(first)))
        print(lines[-1], rows[-1], sep="\n", flush=True)
    lines += ["", "A clip's first cue against its first loud frame:", "",
              "| words from | first cues | matched | median abs error | 90th percentile | early | late | earliest |",
              "|---|---|---|---|---|---|---|---|", *rows, "",
              "A clip's first cue can be late without any word being late: the clips are joined with 0.8 s of "
              "silence, and a cue that began in the clip before may run on into this one, so the first cue "
              "that *starts* in it comes later. Forced alignment is no reference for a clip's first word "
              "(silence before it pulls the word early), hence the energy onset there."]
    out = "\n".join(lines) + "\n"
    (ROOT / ".bench" / "onset.md").write_text(out, encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
