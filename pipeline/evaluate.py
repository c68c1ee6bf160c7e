"""Word error rate against reference transcripts: Whisper's English normaliser, then jiwer."""

from __future__ import annotations

import csv
import os
import time
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
VOTE_STAGE = "vote"  # the second opinion's decode combined with the build's (transcribe/vote.py)


@dataclass
class Run:
    """One clip heard with some stages switched on: its words and their errors."""

    text: str
    score: Score
    errors: list[tuple[str, str, str]]  # (kind, reference words, hypothesis words) for each error


@dataclass(frozen=True)
class Clock:
    """Decoding time of one clip: wall seconds, and CPU seconds of this process (every engine
    thread), which other programs on a shared machine disturb much less than the wall clock."""

    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: Clock) -> Clock:
        return Clock(self.wall + other.wall, self.cpu + other.cpu)


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
    seconds: float = 0.0  # of audio
    clocks: dict[str, Clock] | None = None  # "alone" (Whisper alone, beam 5), "pipeline" (both decodes of a build)

    @property
    def alone(self) -> Run:
        return self.runs["decoder"]

    @property
    def reference_run(self) -> Run:
        """Whisper alone at beam 5: what the pipeline must not be worse than."""
        return self.baseline or self.alone

    @property
    def pipeline(self) -> Run:
        return list(self.runs.values())[-1]

    @property
    def pooled(self) -> bool:
        """Pooled into a set's WER: speech from one speaker (or a folder with no manifest to say)."""
        return bool(self.reference_words) and self.speakers in (None, 1)

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
                 speakers: int | None = None, second=None) -> Explanation:
    """Hear one clip with Whisper alone, then with each stage switched on in turn, and with each
    switched off from the full pipeline; every decoding is done once. `second`: the second
    opinion's engine (as a build loads it), whose decode is voted with the build's."""
    from dataclasses import replace

    from .audio import SAMPLE_RATE
    from .correct.glossary import apply_rules
    from .transcribe.engines import STAGES, whisper_alone, without
    from .transcribe.vote import combine

    options = options or engine.options
    stages = list(STAGES)
    clocks: dict[str, Clock] = {}

    def heard(whisper, opts, clock: str | None = None):
        wall, cpu = time.monotonic(), time.process_time()
        transcript = whisper.transcribe(audio, opts)
        if clock:
            clocks[clock] = clocks.get(clock, Clock()) + Clock(time.monotonic() - wall, time.process_time() - cpu)
        return transcript

    def run(transcript) -> Run:
        text = transcript.text
        return Run(text, score_text(name, reference, text), word_errors(reference, text))

    def finished(transcript, vote: bool = True):
        """What a build publishes from these machine words: voted, then the glossary's rules."""
        if vote and theirs is not None:
            transcript = combine(transcript, theirs).transcript
        return apply_rules(transcript, list(rules)) if rules else transcript

    with engine.remembering():
        # The timed decodes come first: each is decoded afresh here and remembered for the runs below.
        alone = heard(engine, whisper_alone(options), "alone")
        full = heard(engine, options, "pipeline")
        # the second opinion as build.second_opinion asks for it: the build's options, no prompt
        theirs = heard(second, replace(options, initial_prompt=None), "pipeline") if second else None
        runs = {"decoder": run(heard(engine, without(options, *stages)))}
        for k, stage in enumerate(stages):
            runs[stage] = run(heard(engine, without(options, *stages[k + 1:])))
        if theirs is not None:
            runs[VOTE_STAGE] = run(combine(full, theirs).transcript)
        runs[GLOSSARY_STAGE] = run(finished(full))
        # with one stage off, the second opinion's words stay those of the full pipeline: one decode
        leave_one_out = {stage: run(finished(heard(engine, without(options, stage)))).score.errors
                         for stage in stages}
        if theirs is not None:
            leave_one_out[VOTE_STAGE] = run(finished(full, vote=False)).score.errors
        leave_one_out[GLOSSARY_STAGE] = runs[list(runs)[-2]].score.errors
        baseline = run(alone) if whisper_alone(options) != without(options, *stages) else None
    return Explanation(name, len(normalise(reference).split()), speakers, runs, leave_one_out, baseline,
                       len(audio) / SAMPLE_RATE, clocks)


def explain_folder(media_dir: Path, engine, options=None, glossary_dir: Path | None = None,
                   log=None, second=None) -> list[Explanation]:
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
                                    speakers.get(media.name), second))
            if log:
                log(out[-1])
    return out


def stage_names() -> dict[str, str]:
    from .transcribe.engines import STAGES

    return {"decoder": "decoder (Whisper alone)", **STAGES, VOTE_STAGE: "vote (second opinion)",
            GLOSSARY_STAGE: "glossary rules"}


def explain_lines(explanation: Explanation) -> list[str]:
    """What each stage did to one clip's words, for the terminal."""
    e = explanation
    names = stage_names()
    head = (f"{e.name}: {e.pipeline.score.errors} errors in {e.reference_words} words "
            f"(Whisper alone {e.reference_run.score.errors})" if e.reference_words else
            f"{e.name}: {e.pipeline.score.hypothesis_words} words where none were spoken "
            f"(Whisper alone {e.reference_run.score.hypothesis_words})")
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


Explained = tuple[str, int, list[Explanation]]  # (folder, beam, its clips)


def explain_table(sets: list[Explained], heading: str) -> str:
    """The attribution as Markdown: a summary of every set at every beam, then per set and beam,
    per clip, the errors each stage adds."""
    from .transcribe.engines import WHISPER_ALONE_BEAM

    names = stage_names()
    stages = list(names)
    out = [heading, "",
           f"*Whisper alone*: faster-whisper at beam {WHISPER_ALONE_BEAM}, no VAD, no guards, no vote, decoded in the "
           "same run. *Pipeline*: what a normal build publishes (VAD, guards, the vote of the second opinion, the "
           "glossary's rules). WER: Whisper's English normaliser, then jiwer; pooled over the single-speaker clips "
           "(speakers = 1 in the manifest; a folder without one counts as one speaker). Decoding time: seconds "
           "of CPU (all engine threads; in brackets, wall seconds on a machine shared with other work) per minute "
           "of audio, every decode the output needs (the pipeline: both models).", "",
           *summary_lines(sets), "",
           "Below, each clip is heard by Whisper at the build's beam with every stage off (the *decoder* column), "
           "then with the pipeline's stages switched on one after another in the order they run. A stage's column "
           "counts the errors it adds to what the stages before it left; a negative count is errors it mends. Each "
           "row adds up to the pipeline's errors. `off`: the stage is switched off in normal builds.", ""]
    for title, beam, explanations in sets:
        off = {s for s in stages if _switched_off(s, explanations)}
        out += [f"## {title}, beam {beam}", ""]
        out.append("| clip | words | " + " | ".join(names[s] for s in stages) + " | pipeline | "
                   f"Whisper alone, beam {WHISPER_ALONE_BEAM} |")
        out.append("|---|---:|" + "---:|" * (len(stages) + 2))
        for e in explanations:
            added = e.added()
            cells = ["off" if s in off else _signed(added[s], s == "decoder") for s in stages]
            words = e.reference_words if e.reference_words else "no speech"
            out.append(f"| {e.name} | {words} | " + " | ".join(cells) + f" | {_errors(e, e.pipeline)} | "
                       f"{_errors(e, e.reference_run)} |")
        speech = [e for e in explanations if e.pooled]
        words = sum(e.reference_words for e in speech)
        totals = [sum(e.added().get(s, 0) for e in speech) for s in stages]
        full = sum(e.pipeline.score.errors for e in speech)
        out.append(f"| **single-speaker total** | **{words}** | "
                   + " | ".join("off" if s in off else f"**{_signed(t, s == 'decoder')}**"
                                for s, t in zip(stages, totals))
                   + f" | **{full}** | **{sum(e.reference_run.score.errors for e in speech)}** |")
        out += ["", "The whole pipeline with one stage switched off (single-speaker errors): " + ", ".join(
            f"without {names[s]} {sum(e.leave_one_out[s] for e in speech)}" for s in stages[1:] if s not in off)
                + f"; with every stage {full}.", ""]
    return "\n".join(out)


def summary_lines(sets: list[Explained]) -> list[str]:
    """One row per set and beam: Whisper alone and the pipeline, pooled, words on no-speech clips,
    clips more than one error worse than Whisper alone, decoding time."""
    out = ["| set | beam | clips | words | Whisper alone | pipeline | change | words on no-speech clips "
           "(Whisper alone) | clips > 1 error worse than Whisper alone | decoding, Whisper alone | "
           "decoding, pipeline |", "|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"]
    for title, beam, explanations in sets:
        speech = [e for e in explanations if e.pooled]
        words = sum(e.reference_words for e in speech)
        alone = sum(e.reference_run.score.errors for e in speech)
        full = sum(e.pipeline.score.errors for e in speech)
        silent = [e for e in explanations if not e.reference_words]
        worse = [f"{e.name} ({e.reference_run.score.errors} → {e.pipeline.score.errors})" for e in speech
                 if e.pipeline.score.errors > e.reference_run.score.errors + 1]
        out.append(f"| {title} | {beam} | {len(speech)} | {words} | {_pct(alone, words)} ({alone}) | "
                   f"{_pct(full, words)} ({full}) | {_change(alone, full)} | "
                   + (", ".join(f"{e.pipeline.score.hypothesis_words} ({e.reference_run.score.hypothesis_words})"
                                for e in silent) or "–")
                   + f" | {', '.join(worse) or 'none'} | {_per_minute(explanations, 'alone')} | "
                     f"{_per_minute(explanations, 'pipeline')} |")
    return out


def _change(alone: int, full: int) -> str:
    return f"{(full - alone) / alone:+.0%}" if alone else "–"


def _per_minute(explanations: list[Explanation], clock: str) -> str:
    minutes = sum(e.seconds for e in explanations) / 60
    total = sum(((e.clocks or {}).get(clock, Clock()) for e in explanations), Clock())
    return f"{total.cpu / minutes:.1f} s ({total.wall / minutes:.1f} s)" if minutes else "–"


def _switched_off(stage: str, explanations: list[Explanation]) -> bool:
    from .transcribe.engines import DecodeOptions, without

    if stage == VOTE_STAGE:  # on when the second opinion was given
        return not any(VOTE_STAGE in e.runs for e in explanations)
    if stage in ("decoder", GLOSSARY_STAGE):
        return False
    return without(DecodeOptions(), stage) == DecodeOptions()


def _signed(count: int, plain: bool) -> str:
    return str(count) if plain or count == 0 else f"{count:+d}"


def _errors(e: Explanation, run: Run) -> str:
    return str(run.score.errors) if e.reference_words else f"{run.score.hypothesis_words} words"


def _pct(errors: int, words: int) -> str:
    return f"{errors / words:.1%}" if words else "n/a"


def explain_command(media_dirs: list[Path], transcripts_dir: Path, engine_name: str, model: str,
                    beam_sizes: list[int], threads: int | None, markdown: Path | None,
                    second_opinion: str | None) -> int:
    """`captions score --explain`: every clip heard again stage by stage, at each beam size (side by
    side, one process per beam sharing the cores); each clip's story and then the table on stdout,
    the table also written to `markdown` when given."""
    import platform
    import sys
    from concurrent.futures import ProcessPoolExecutor
    from datetime import date

    from .atomic import atomic_write_text
    from .errors import PipelineError
    from .transcribe.engines import default_threads

    threads = threads or max(1, default_threads() // len(beam_sizes))
    glossary = transcripts_dir if transcripts_dir.is_dir() else None
    jobs = [(media_dirs, glossary, engine_name, model, beam, threads, second_opinion) for beam in beam_sizes]
    try:
        if len(jobs) == 1:
            sets = _explain_beam(*jobs[0])
        else:
            with ProcessPoolExecutor(len(jobs)) as pool:
                sets = [found for done in pool.map(_explain_beam, *zip(*jobs)) for found in done]
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    heading = (f"# Accuracy, stage by stage\n\n{engine_name}, model {model}, second opinion "
               f"{second_opinion or 'none'}, the other decoding options as in a normal build; "
               f"{date.today().isoformat()}, Python {platform.python_version()}, {os.cpu_count()} cores. Made by "
               f"`python -m pipeline score --explain --model {model} --second-opinion {second_opinion or 'none'} "
               + " ".join(f"--beam-size {b}" for b in beam_sizes) + " "
               + " ".join(f"--media-dir {f}" for f in media_dirs)
               + (f" --transcripts-dir {transcripts_dir}" if glossary else "")
               + (f" --markdown {markdown}" if markdown else "") + "`.")
    table = explain_table(sets, heading)
    print(table)
    if markdown:
        atomic_write_text(markdown, table + "\n")
    return 0


def _explain_beam(media_dirs: list[Path], glossary: Path | None, engine_name: str, model: str, beam: int,
                  threads: int, second_opinion: str | None) -> list[Explained]:
    """Every folder at one beam size, with the build's engine and its second opinion loaded here."""
    import numpy as np

    from .audio import SAMPLE_RATE
    from .transcribe.engines import DecodeOptions, load_engine, whisper_alone
    from .transcribe.models import resolve_model

    options = DecodeOptions(beam_size=beam)
    engine = load_engine(engine_name, resolve_model(model, verify=True), options, threads)
    second = (load_engine(engine_name, resolve_model(second_opinion, verify=True), options, threads)
              if second_opinion and second_opinion != model else None)
    for whisper in filter(None, (engine, second)):  # the first decode's set-up is not charged to a clip
        whisper.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), whisper_alone(options))
    sets = []
    for folder in media_dirs:
        print(f"# {folder}, beam {beam}", flush=True)
        found = explain_folder(folder, engine, options, glossary_dir=glossary, second=second,
                               log=lambda e: print(f"[beam {beam}] " + "\n".join(explain_lines(e)), flush=True))
        sets.append((str(folder), beam, found))
    return sets
