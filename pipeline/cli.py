"""The command line: `captions build`, `check`, `review`, `edit`, `import`, `score`, `models`, `clean`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # `make` runs `models --quiet` before every build: its own parser then, which imports nothing of
    # the build (the whole parser imports it all: 0.2 s of CPU on every `make`, a fifth of an edit's).
    args = (_models_parser() if argv[:1] == ["models"] else _parser()).parse_args(argv)
    if not hasattr(args, "run"):
        _parser().print_help()
        return 2
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    from .build import SECOND_OPINION
    from .transcribe.engines import DEFAULT_ENGINE, ENGINES, DecodeOptions
    from .transcribe.models import BUNDLED, DEFAULT_MODEL

    beam = DecodeOptions().beam_size  # the one place the default beam is set

    parser = argparse.ArgumentParser(prog="captions", description=__doc__)
    commands = parser.add_subparsers(metavar="COMMAND")

    build = commands.add_parser("build", help="captions and transcripts for every file in the media folder")
    _add_folders(build)
    build.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE)
    build.add_argument("--model", default=DEFAULT_MODEL,
                       help=f"{' or '.join(sorted(BUNDLED))}, a CTranslate2 model folder or an openai-whisper "
                            f".pt checkpoint (default {DEFAULT_MODEL})")
    build.add_argument("--language", default="en", help="spoken language, or 'auto' to detect it (default en)")
    build.add_argument("--beam-size", type=int, default=beam, help=f"beam search width (default {beam})")
    build.add_argument("--compute-type", default="int8", help="faster-whisper's compute type (default int8)")
    build.add_argument("--batch-size", type=int, default=8,
                       help="faster-whisper: speech chunks decoded at once when there are several (default 8; "
                            "1 decodes one after another)")
    build.add_argument("--threads", type=int, default=None,
                       help="engine threads (default: the cores, shared between --jobs)")
    build.add_argument("--jobs", "-j", type=int, default=1, help="files built at once (default 1)")
    build.add_argument("--cluster", metavar="ADDRESS",
                       help="build each file on a worker of the Dask scheduler at ADDRESS (tcp://HOST:8786), "
                            "or on N workers started here (local:N); the folders must be shared storage")
    build.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu",
                       help="where the model runs: cpu (default), cuda (float16 instead of int8), or auto: "
                            "cuda on each machine that has a GPU, the CPU elsewhere")
    build.add_argument("--profile", help="caption style: default or bbc (default: [tool.pipeline] in pyproject.toml)")
    build.add_argument("--force", action="store_true", help="transcribe again even if nothing changed")
    build.add_argument("--glossary-hints", action="store_true",
                       help="give the glossary's terms to Whisper as a prompt (can make it skip speech)")
    build.add_argument("--second-opinion", default=SECOND_OPINION, metavar="MODEL",
                       help="a second model whose decode is voted with the first's and whose disagreements put "
                            f"words on the review list, or 'none' (default {SECOND_OPINION})")
    build.add_argument("--speakers", type=int, metavar="N",
                       help="how many people speak in each video, when known (default: found from the voices; "
                            "1: one voice, no speaker turns)")
    build.add_argument("--label-ringing", action="store_true",
                       help="caption a phone ringing as [ringing] (off by default: birdsong can be taken for a ring)")
    build.set_defaults(run=_build)

    _add_models(commands)

    score = commands.add_parser("score", help="word error rate of built transcripts against NAME.txt references")
    score.add_argument("--media-dir", type=Path, action="append",
                       help="media files with NAME.txt references (default media; --explain takes several)")
    score.add_argument("--transcripts-dir", type=Path, default=Path("transcripts"),
                       help="built transcripts to score; with --explain, where glossary.txt is read from")
    score.add_argument("--explain", action="store_true",
                       help="transcribe each clip again, Whisper alone and then stage by stage, and charge every "
                            "error to the stage that made it (VAD, chunking, batching, the guards, the vote, the glossary)")
    score.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE, help="with --explain")
    score.add_argument("--model", default=DEFAULT_MODEL, help=f"with --explain (default {DEFAULT_MODEL})")
    score.add_argument("--beam-size", type=int, action="append",
                       help=f"with --explain: as for build (default {beam}); give it again to measure several")
    score.add_argument("--second-opinion", default=SECOND_OPINION, metavar="MODEL",
                       help=f"with --explain: as for build (default {SECOND_OPINION}; 'none' for no vote)")
    score.add_argument("--threads", type=int, default=None, help="with --explain: engine threads (default: the cores)")
    score.add_argument("--markdown", type=Path, metavar="FILE.md",
                       help="with --explain: also write the table to this file (e.g. .bench/accuracy.md)")
    score.set_defaults(run=_score)

    take = commands.add_parser("import", help="take a corrected VTT or SRT as the editor's file of a video")
    take.add_argument("name", metavar="NAME", help="the video: transcripts/NAME/")
    take.add_argument("file", type=Path, metavar="FILE.vtt|FILE.srt")
    take.add_argument("--transcripts-dir", type=Path, default=Path("transcripts"))
    take.set_defaults(run=_import)

    check = commands.add_parser("check", help="check every published caption file; exit 1 on errors")
    check.add_argument("--transcripts-dir", type=Path, default=Path("transcripts"))
    check.add_argument("--profile", help="caption style to check against (default: as for build)")
    check.add_argument("files", nargs="*", type=Path, metavar="FILE.vtt", help="files to check (default: all)")
    check.set_defaults(run=_check)

    review = commands.add_parser("review", help="words Whisper was unsure of, riskiest first, per video")
    review.add_argument("--transcripts-dir", type=Path, default=Path("transcripts"))
    review.add_argument("names", nargs="*", metavar="NAME", help="videos to list (default: all)")
    review.set_defaults(run=_review)

    glossary = commands.add_parser("propose-rules",
                                   help="glossary replacements from the corrections editors already made")
    glossary.add_argument("--transcripts-dir", type=Path, default=Path("transcripts"))
    glossary.set_defaults(run=_propose_rules)

    clean = commands.add_parser("clean", help="remove derived files; never anything an editor wrote")
    clean.add_argument("--transcripts-dir", type=Path, default=Path("transcripts"))
    clean.set_defaults(run=_clean)

    edit = commands.add_parser("edit", help="correct transcripts in the browser (a server on 127.0.0.1 only)")
    _add_folders(edit)
    edit.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0: any free port)")
    edit.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE, help="as for build: saves rebuild with it")
    edit.add_argument("--model", default=DEFAULT_MODEL, help=f"as for build (default {DEFAULT_MODEL})")
    edit.add_argument("--profile", help="caption style for rebuilds and warnings (default: as for build)")
    edit.add_argument("name", nargs="?", metavar="NAME", help="a video to open: transcripts/NAME/")
    edit.set_defaults(run=_edit)
    return parser


def _models_parser() -> argparse.ArgumentParser:
    """The parser of the `models` command alone."""
    parser = argparse.ArgumentParser(prog="captions", description=__doc__)
    _add_models(parser.add_subparsers(metavar="COMMAND"))
    return parser


def _add_models(commands) -> None:
    from .transcribe.models import DEFAULT_MODEL

    models = commands.add_parser("models", help="assemble and verify the bundled models (offline)")
    models.add_argument("names", nargs="*", default=[DEFAULT_MODEL], metavar="NAME")
    models.add_argument("--verify", action="store_true", help="hash the weights in full even if verified before")
    models.add_argument("--quiet", action="store_true", help="say nothing unless something is wrong")
    models.set_defaults(run=_models)


def _add_folders(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--media-dir", type=Path, default=Path("media"))
    parser.add_argument("--transcripts-dir", type=Path, default=Path("transcripts"))


def _build(args: argparse.Namespace) -> int:
    from .batch import build_all
    from .build import BuildConfig
    from .errors import PipelineError, shown
    from .transcribe.engines import DecodeOptions

    options = DecodeOptions(
        language=None if args.language == "auto" else args.language,
        beam_size=args.beam_size,
        label_ringing=args.label_ringing,
        compute_type=args.compute_type,
        batch_size=max(1, args.batch_size),
    )
    try:
        profile = caption_profile(args.profile)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    config = BuildConfig(args.media_dir, args.transcripts_dir, args.engine, args.model, options,
                         args.threads, args.force, args.glossary_hints, profile, max(1, args.jobs),
                         second_opinion=None if args.second_opinion == "none" else args.second_opinion,
                         device=args.device, speakers=args.speakers)
    if args.speakers is not None and args.speakers < 1:
        print("error: --speakers must be 1 or more", file=sys.stderr)
        return 2
    try:
        results = build_all(config, log=lambda line: print(line, flush=True), cluster=args.cluster)
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    counts = {s: sum(r.status == s for r in results) for s in ("transcribed", "updated", "unchanged", "failed")}
    print(", ".join(f"{n} {s}" for s, n in counts.items() if n) or f"no media files in {shown(args.media_dir)}")
    return 1 if counts["failed"] else 0


def _models(args: argparse.Namespace) -> int:
    from .errors import PipelineError
    from .transcribe.models import resolve_model

    for name in args.names:
        try:
            model = resolve_model(name, verify=args.verify)
        except PipelineError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        if not args.quiet:
            print(f"model {name}: {model.path} (sha256 {model.sha256[:12]}, verified)")
    return 0


def _score(args: argparse.Namespace) -> int:
    from .evaluate import pooled_wer, score_folder

    media_dirs = args.media_dir or [Path("media")]
    if args.explain:
        from .evaluate import explain_command

        from .transcribe.engines import DecodeOptions

        return explain_command(media_dirs, args.transcripts_dir, args.engine, args.model,
                               args.beam_size or [DecodeOptions().beam_size], args.threads, args.markdown,
                               None if args.second_opinion == "none" else args.second_opinion)
    if len(media_dirs) > 1:
        print("error: several --media-dir need --explain", file=sys.stderr)
        return 2
    scores, speakers = score_folder(media_dirs[0], args.transcripts_dir)
    for s in scores:
        wer = f"{s.wer:6.1%}" if s.wer is not None else f"{s.hypothesis_words} words where none were spoken"
        print(f"{s.name:48} {s.reference_words:4} words  {wer}")
    speech = [s for s in scores if s.reference_words]
    print(f"pooled WER over {len(speech)} clips ({sum(s.reference_words for s in speech)} words): "
          f"{pooled_wer(speech):.1%}")
    single = [s for s in speech if speakers.get(s.name) == 1]
    if single:
        print(f"pooled WER over the {len(single)} single-speaker clips "
              f"({sum(s.reference_words for s in single)} words): {pooled_wer(single):.1%}")
    return 0


def caption_profile(name: str | None):
    """The caption profile: --profile, else [tool.pipeline] in ./pyproject.toml, else default.

        [tool.pipeline]
        profile = "bbc"
        [tool.pipeline.captions]   # single settings, e.g.
        max_chars = 40
    """
    import tomllib

    from .layout import profile_from

    settings = {}
    if Path("pyproject.toml").is_file():
        with open("pyproject.toml", "rb") as f:
            settings = tomllib.load(f).get("tool", {}).get("pipeline", {})
    return profile_from(name or settings.get("profile", "default"), settings.get("captions"))


def _import(args: argparse.Namespace) -> int:
    from .atomic import atomic_write_bytes, atomic_write_text
    from .errors import PipelineError
    from .formats.importer import read_captions, to_edit_file
    from .store import video_files

    outputs = video_files(args.transcripts_dir, args.name)
    if not outputs.folder.is_dir():
        print(f"error: {outputs.folder}: no such video; run `make` first", file=sys.stderr)
        return 1
    try:
        cues = read_captions(args.file)
    except (OSError, PipelineError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if outputs.edit.exists():  # the editor's previous file is kept, never lost
        backup = outputs.edit_backup
        atomic_write_bytes(backup, outputs.edit.read_bytes())
        print(f"kept the previous editor's file as {backup}")
    atomic_write_text(outputs.edit, to_edit_file(cues, args.name, args.file))
    print(f"{outputs.edit}: {len(cues)} cues from {args.file}; run `make` to rebuild")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .check import audio_for, build_findings, check_file

    try:
        profile = caption_profile(args.profile)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    files = args.files or sorted(args.transcripts_dir.glob("*/*.vtt"))
    errors = 0
    for path in files:
        samples, fps = audio_for(path.parent)
        findings = check_file(path, profile, fps, samples) + build_findings(path.parent, path)
        for finding in sorted(findings, key=lambda f: f.start):
            print(finding)
        file_errors = sum(f.error for f in findings)
        errors += file_errors
        print(f"{path}: {file_errors} error{'s' * (file_errors != 1)}, {len(findings) - file_errors} "
              f"warning{'s' * (len(findings) - file_errors != 1)} ({profile.name} profile)")
    if not files:
        print(f"no caption files under {args.transcripts_dir}/")
    return 1 if errors else 0


def _review(args: argparse.Namespace) -> int:
    from .review import review_list

    folders = sorted(p for p in args.transcripts_dir.iterdir() if p.is_dir()) if args.transcripts_dir.is_dir() else []
    folders = [f for f in folders if not args.names or f.name in args.names]
    total = 0
    for folder in folders:
        found = review_list(folder)
        items, notes = found.items, found.notes
        for line in notes:
            print(line)
        if items:
            print(f"{folder.name}: {len(items)} word{'s' * (len(items) != 1)} to check")
            for item in items:
                print(item)
        total += len(items)
    print(f"{total} word{'s' * (total != 1)} to check in {len(folders)} video{'s' * (len(folders) != 1)}")
    return 0


def _propose_rules(args: argparse.Namespace) -> int:
    from .correct.glossary import load_glossary, propose_rules
    from .store import GLOSSARY, VideoFiles

    pairs = []
    for folder in sorted(p for p in args.transcripts_dir.iterdir() if p.is_dir()) if args.transcripts_dir.is_dir() else []:
        files = VideoFiles(folder, folder.name)
        if files.edit.is_file() and files.edit_original.is_file():
            pairs.append((_spoken_text(files.edit_original), _spoken_text(files.edit)))
    known = load_glossary(args.transcripts_dir / GLOSSARY)
    proposals = propose_rules(pairs, known)
    for wrong, right, count in proposals:
        print(f"{wrong} -> {right}    # corrected {count} time{'s' * (count != 1)}")
    if not proposals:
        print("# no new replacements: editors have made no repeated word corrections yet")
    return 0


def _spoken_text(path: Path) -> str:
    from .formats.editfile import decode, parse

    doc = parse(decode(path.read_bytes(), str(path)), str(path))
    return " ".join(t.text for line in doc.lines for t in line.tokens)


def _clean(args: argparse.Namespace) -> int:
    from .store import clean

    for path in clean(args.transcripts_dir):
        print(f"removed {path}")
    return 0


def _edit(args: argparse.Namespace) -> int:
    from .build import BuildConfig
    from .editor.server import serve

    try:
        config = BuildConfig(args.media_dir, args.transcripts_dir, args.engine, args.model,
                             profile=caption_profile(args.profile), progress_bars=False)
        serve(config, args.port, args.name, log=lambda line: print(line, flush=True))
    except ValueError as error:  # an unknown caption profile
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: 127.0.0.1:{args.port}: cannot listen there ({error.strerror}); try --port 0",
              file=sys.stderr)
        return 1
    return 0
