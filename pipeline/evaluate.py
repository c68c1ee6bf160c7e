"""Word error rate against reference transcripts: Whisper's English normaliser, then jiwer."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@cache
def _normaliser():
    from whisper.normalizers import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalise(text: str) -> str:
    return " ".join(_normaliser()(text).split())


@dataclass
class Score:
    name: str
    reference_words: int
    errors: int  # substitutions + deletions + insertions
    hypothesis_words: int

    @property
    def wer(self) -> float | None:
        return self.errors / self.reference_words if self.reference_words else None


def score_text(name: str, reference: str, hypothesis: str) -> Score:
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    hyp_words = len(hyp.split())
    if not ref:
        return Score(name, 0, hyp_words, hyp_words)
    if not hyp:
        return Score(name, len(ref.split()), len(ref.split()), 0)
    out = jiwer.process_words(ref, hyp)
    return Score(name, len(ref.split()), out.substitutions + out.deletions + out.insertions, hyp_words)


def pooled_wer(scores: list[Score]) -> float:
    words = sum(s.reference_words for s in scores)
    return sum(s.errors for s in scores if s.reference_words) / words if words else 0.0


def speakers_from_manifest(media_dir: Path) -> dict[str, int]:
    """The test set's manifest.tsv, when there is one: media name -> number of speakers."""
    manifest = media_dir / "manifest.tsv"
    if not manifest.is_file():
        return {}
    with open(manifest, newline="", encoding="utf-8") as f:
        return {row["media"]: int(row["speakers"]) for row in csv.DictReader(f, delimiter="\t")}


def score_folder(media_dir: Path, transcripts_dir: Path) -> tuple[list[Score], dict[str, int]]:
    """Score transcripts/NAME/NAME.txt against media/NAME.txt for every media file with one."""
    from .audio import is_media_file

    scores = []
    for media in sorted(p for p in media_dir.iterdir() if is_media_file(p)):
        reference = media.with_suffix(".txt")
        hypothesis = transcripts_dir / media.stem / f"{media.stem}.txt"
        if reference.is_file() and hypothesis.is_file():
            scores.append(score_text(media.name, reference.read_text(encoding="utf-8"),
                                     hypothesis.read_text(encoding="utf-8")))
    return scores, speakers_from_manifest(media_dir)


# --- which stage made which error: `captions score --explain` ----------------------------------

GLOSSARY_STAGE = "glossary"


@dataclass
class Run:
    """One clip heard with some stages switched on: its words and their errors."""

    text: str
    score: Score
    errors: list[tuple[str, str, str]]  # (kind, reference words, hypothesis words) for each error


@dataclass
class Explanation:
    """One clip: Whisper alone, then the stages switched on one after another in the order they
    run; each stage is charged with the errors it adds (a negative count: errors it saves)."""

    name: str
    reference_words: int
    speakers: int | None
    runs: dict[str, Run]  # "decoder" (Whisper alone), then each stage's key, in order: the last is the pipeline
    leave_one_out: dict[str, int]  # errors of the whole pipeline with only this stage switched off
    baseline: Run | None = None  # Whisper alone as the issue measures it (beam 5), when the decoder differs

    @property
    def alone(self) -> Run:
        return self.runs["decoder"]

    @property
    def pipeline(self) -> Run:
        return list(self.runs.values())[-1]

    def added(self) -> dict[str, int]:
        """Errors each stage adds to what the stages before it left (decoder: Whisper's own)."""
        out, before = {}, 0
        for stage, run in self.runs.items():
            out[stage] = run.score.errors - before
            before = run.score.errors
        return out

    def changes(self, stage: str) -> tuple[list, list]:
        """(errors this stage made, errors it mended), compared with the run before it."""
        stages = list(self.runs)
        index = stages.index(stage)
        after = Counter(self.runs[stage].errors)
        before = Counter(self.runs[stages[index - 1]].errors if index else [])
        return list((after - before).elements()), list((before - after).elements())


def word_errors(reference: str, hypothesis: str) -> list[tuple[str, str, str]]:
    """Every error as (substitution|deletion|insertion, reference words, hypothesis words)."""
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return [("insertion", "", hyp)] if hyp else []
    if not hyp:
        return [("deletion", ref, "")]
    out = jiwer.process_words(ref, hyp)
    words, heard = out.references[0], out.hypotheses[0]
    kinds = {"substitute": "substitution", "delete": "deletion", "insert": "insertion"}
    return [(kinds[a.type], " ".join(words[a.ref_start_idx:a.ref_end_idx]),
             " ".join(heard[a.hyp_start_idx:a.hyp_end_idx])) for a in out.alignments[0] if a.type != "equal"]


def explain_clip(engine, audio, name: str, reference: str, options=None, rules=(),
                 speakers: int | None = None) -> Explanation:
    """Hear one clip with Whisper alone, then with each stage switched on in turn, and with each
    switched off from the full pipeline; every decoding is done once."""
    from .correct.glossary import apply_rules
    from .transcribe.engines import STAGES, without

    from dataclasses import replace

    from .transcribe.engines import DecodeOptions

    options = options or engine.options
    stages = list(STAGES)
    reference_beam = DecodeOptions().beam_size

    def run(opts, glossary: bool) -> Run:
        transcript = engine.transcribe(audio, opts)
        if glossary and rules:
            transcript = apply_rules(transcript, list(rules))
        text = transcript.text
        return Run(text, score_text(name, reference, text), word_errors(reference, text))

    with engine.remembering():
        runs = {"decoder": run(without(options, *stages), False)}
        for k, stage in enumerate(stages):
            runs[stage] = run(without(options, *stages[k + 1:]), False)
        runs[GLOSSARY_STAGE] = run(options, True)
        leave_one_out = {stage: run(without(options, stage), True).score.errors for stage in stages}
        leave_one_out[GLOSSARY_STAGE] = runs[stages[-1]].score.errors
        baseline = (run(without(replace(options, beam_size=reference_beam), *stages), False)
                    if options.beam_size != reference_beam else None)
    return Explanation(name, len(normalise(reference).split()), speakers, runs, leave_one_out, baseline)


def explain_folder(media_dir: Path, engine, options=None, glossary_dir: Path | None = None,
                   log=None) -> list[Explanation]:
    """explain_clip for every media file with a NAME.txt reference in the folder."""
    import tempfile

    from .audio import extract_pcm, is_media_file, load_pcm
    from .correct.glossary import load_glossary
    from .store import GLOSSARY

    speakers = speakers_from_manifest(media_dir)
    out = []
    with tempfile.TemporaryDirectory(prefix="captions-explain-") as scratch:
        for media in sorted(p for p in media_dir.iterdir() if is_media_file(p)):
            reference = media.with_suffix(".txt")
            if not reference.is_file():
                continue
            rules = []
            if glossary_dir is not None:
                own = glossary_dir / media.stem / f"{media.stem}.glossary.txt"
                rules = load_glossary(glossary_dir / GLOSSARY, own).rules
            audio = load_pcm(Path(scratch) / f"{extract_pcm(media, Path(scratch))}.pcm")
            out.append(explain_clip(engine, audio, media.name, reference.read_text(encoding="utf-8"), options, rules,
                                    speakers.get(media.name)))
            if log:
                log(out[-1])
    return out


def stage_names() -> dict[str, str]:
    from .transcribe.engines import STAGES

    return {"decoder": "decoder (Whisper alone)", **STAGES, GLOSSARY_STAGE: "glossary rules"}


def explain_lines(explanation: Explanation) -> list[str]:
    """What each stage did to one clip's words, for the terminal."""
    e = explanation
    names = stage_names()
    head = (f"{e.name}: {e.pipeline.score.errors} errors in {e.reference_words} words "
            f"(Whisper alone {e.alone.score.errors})" if e.reference_words else
            f"{e.name}: {e.pipeline.score.hypothesis_words} words where none were spoken "
            f"(Whisper alone {e.alone.score.hypothesis_words})")
    lines = [head]
    for stage, count in e.added().items():
        made, mended = e.changes(stage)
        if not made and not mended:
            continue
        detail = [f"+{_shown(x)}" for x in made] + [f"-{_shown(x)}" for x in mended]
        lines.append(f"  {names[stage]}: {count:+d}  " + "; ".join(detail))
    return lines


def _shown(error: tuple[str, str, str]) -> str:
    kind, ref, hyp = error
    if kind == "deletion":
        return f"deleted '{ref}'"
    if kind == "insertion":
        return f"inserted '{hyp}'"
    return f"'{ref}' -> '{hyp}'"


def explain_table(sets: list[tuple[str, list[Explanation]]], heading: str) -> str:
    """The attribution as Markdown: per clip, the errors each stage adds, and totals per set."""
    from .transcribe.engines import DecodeOptions

    names = stage_names()
    stages = list(names)
    out = [heading, "",
           "Each clip is heard by Whisper alone (faster-whisper, no VAD, no guards: the *decoder* column), then with "
           "the pipeline's stages switched on one after another in the order they run. A stage's column counts the "
           "errors it adds to what the stages before it left; a negative count is errors it mends. Each row adds up "
           "to the pipeline's errors. `off`: the stage is switched off in normal builds. WER: Whisper's English "
           "normaliser, then jiwer; pooled over the single-speaker clips (speakers = 1 in the manifest).", ""]
    for title, explanations in sets:
        off = {s for s in stages if _switched_off(s)}
        out += [f"## {title}", ""]
        out.append("| clip | words | " + " | ".join(names[s] for s in stages) + " | pipeline |")
        out.append("|---|---:|" + "---:|" * (len(stages) + 1))
        for e in explanations:
            added = e.added()
            cells = ["off" if s in off else _signed(added[s], s == "decoder") for s in stages]
            words = e.reference_words if e.reference_words else "no speech"
            out.append(f"| {e.name} | {words} | " + " | ".join(cells) + f" | {_errors(e)} |")
        speech = [e for e in explanations if e.speakers == 1 and e.reference_words]
        words = sum(e.reference_words for e in speech)
        totals = [sum(e.added()[s] for e in speech) for s in stages]
        out.append(f"| **single-speaker total** | **{words}** | "
                   + " | ".join("off" if s in off else f"**{_signed(t, s == 'decoder')}**"
                                for s, t in zip(stages, totals))
                   + f" | **{sum(e.pipeline.score.errors for e in speech)}** |")
        alone = sum(e.alone.score.errors for e in speech)
        full = sum(e.pipeline.score.errors for e in speech)
        out += ["", f"Pooled WER over {len(speech)} single-speaker clips ({words} words): Whisper alone "
                    f"{_pct(alone, words)} ({alone} errors), the pipeline {_pct(full, words)} ({full} errors)."]
        if speech and speech[0].baseline is not None:
            base = sum(e.baseline.score.errors for e in speech)
            out.append(f"Whisper alone at beam {DecodeOptions().beam_size} (the default): {_pct(base, words)} "
                       f"({base} errors).")
        out.append("")
        silent = [e for e in explanations if not e.reference_words]
        if silent:
            out.append("Words written where nothing is said: " + ", ".join(
                f"{e.name} {e.pipeline.score.hypothesis_words} (Whisper alone {e.alone.score.hypothesis_words})"
                for e in silent) + ".")
            out.append("")
        out.append("The whole pipeline with one stage switched off (single-speaker errors): " + ", ".join(
            f"without {names[s]} {sum(e.leave_one_out[s] for e in speech)}" for s in stages[1:] if s not in off)
                   + f"; with every stage {full}.")
        worse = [(e.name, (e.baseline or e.alone).score.errors, e.pipeline.score.errors) for e in speech
                 if e.pipeline.score.errors > (e.baseline or e.alone).score.errors + 1]
        out += ["", "Clips more than one error worse than Whisper alone: "
                + (", ".join(f"{n} ({a} → {p})" for n, a, p in worse) if worse else "none") + ".", ""]
    return "\n".join(out)


def _switched_off(stage: str) -> bool:
    from .transcribe.engines import DecodeOptions, without

    if stage in ("decoder", GLOSSARY_STAGE):
        return False
    return without(DecodeOptions(), stage) == DecodeOptions()


def _signed(count: int, plain: bool) -> str:
    return str(count) if plain or count == 0 else f"{count:+d}"


def _errors(e: Explanation) -> str:
    return str(e.pipeline.score.errors) if e.reference_words else f"{e.pipeline.score.hypothesis_words} words"


def _pct(errors: int, words: int) -> str:
    return f"{errors / words:.1%}" if words else "n/a"


def explain_command(media_dirs: list[Path], transcripts_dir: Path, engine_name: str, model: str, beam_size: int,
                    threads: int | None, markdown: Path | None) -> int:
    """`captions score --explain`: every clip heard again stage by stage; each clip's story and then
    the table on stdout, the table also written to `markdown` when given."""
    import platform
    import sys
    from datetime import date

    from .atomic import atomic_write_text
    from .errors import PipelineError
    from .transcribe.engines import DecodeOptions, load_engine
    from .transcribe.models import resolve_model

    options = DecodeOptions(beam_size=beam_size)
    try:
        engine = load_engine(engine_name, resolve_model(model, verify=True), options, threads)
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    glossary = transcripts_dir if transcripts_dir.is_dir() else None
    sets = []
    for folder in media_dirs:
        print(f"# {folder}", flush=True)
        found = explain_folder(folder, engine, glossary_dir=glossary,
                               log=lambda e: print("\n".join(explain_lines(e)), flush=True))
        sets.append((str(folder), found))
    heading = (f"# Which stage makes which error\n\n{engine_name}, model {model}, beam {beam_size}, the other "
               f"decoding options as in a normal build; {date.today().isoformat()}, Python "
               f"{platform.python_version()}. Made by `python -m pipeline score --explain --model {model} "
               f"--beam-size {beam_size} " + " ".join(f"--media-dir {f}" for f in media_dirs)
               + (f" --markdown {markdown}" if markdown else "") + "`.")
    table = explain_table(sets, heading)
    print(table)
    if markdown:
        atomic_write_text(markdown, table + "\n")
    return 0
