"""Strict reading of WebVTT and SubRip: every cue, or an error naming the file and the line.

Lenient readers (browsers, webvtt-py by default) skip a block they cannot read, so a typo such
as ``00:00:04.000 -> 00:00:06.000`` loses a cue without a word. Here the blocks are scanned
with their line numbers first: a block that is not the header, a NOTE, STYLE or REGION, and
whose first or second line is not a cue timing line by the WebVTT grammar is a problem at
that line. So is a cue with no empty line before it, a '-->' in cue text, cue timings hidden
in the header, and a STYLE or REGION block after the first cue (none of them is read as its
writer meant). The cues themselves are read by webvtt-py in strict mode, one block at a time,
so what it refuses (a cue setting that is not valid, say) is named with its line too. REGION
settings are not checked: they carry no words.

SubRip has no grammar of its own; a block is a cue number, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``
and the text, and any block that is not is a problem at its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from webvtt import Caption, WebVTT
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ..errors import PipelineError
from . import editfile

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # WebVTT's line terminators (webvtt-py splits the same way)
SIGNATURE = re.compile(r"WEBVTT(?:[ \t]|$)")  # the whole first line, after the one BOM decoding removes
NOT_WEBVTT = "is not a WebVTT file (it must start with the line WEBVTT)"
# A WebVTT timestamp: hours (two or more digits) optional, minutes and seconds 00-59, milliseconds.
TIMESTAMP = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
# The spec's parser skips spaces, tabs and form feeds before and between the parts.
TIMING = re.compile(rf"[ \t\f]*({TIMESTAMP})[ \t\f]+-->[ \t\f]+({TIMESTAMP})(?:[ \t\f].*)?")
NOTE = re.compile(r"NOTE(?:[ \t]|$)")
HEADER_BLOCK = re.compile(r"(STYLE|REGION)[ \t]*")
SRT_TIMESTAMP = r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})"
SRT_TIMING = re.compile(rf"{SRT_TIMESTAMP}[ \t]+-->[ \t]+{SRT_TIMESTAMP}"
                        r"(?:[ \t]+X1:\d+[ \t]+X2:\d+[ \t]+Y1:\d+[ \t]+Y2:\d+)?[ \t]*")
CUE_NUMBER = re.compile(r"[0-9]+")
HEADER_TIMING = re.compile(r"[ \t\f]*\d+:\d+")  # a header line that starts like a cue timing
TIMING_LIKE = re.compile(r"\d+:\d+|->|—>|=>|--")  # a line that was meant as cue timings


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based
    problem: str

    def error(self, path: object) -> PipelineError:
        return PipelineError(f"{path}:{self.line}", self.problem)


def split_lines(text: str) -> list[str]:
    lines = LINE_BREAK.split(text)
    if lines and not lines[-1]:
        lines.pop()
    return lines


def decode(path: Path) -> tuple[str | None, list[Problem]]:
    """The file's text (UTF-8, one BOM removed), or the line where it stops being UTF-8."""
    try:
        return editfile.decode(path.read_bytes(), str(path)), []
    except PipelineError as error:
        return None, [Problem(int(error.path.rpartition(":")[2]), error.problem)]


# --- WebVTT ---------------------------------------------------------------------------------

def scan_webvtt(text: str) -> tuple[list[Caption], list[Problem]]:
    """The cues of well-formed blocks, and a problem for each block that is not one."""
    lines = split_lines(text)
    if not lines or not SIGNATURE.match(lines[0]):
        return [], [Problem(1, NOT_WEBVTT)]
    captions: list[Caption] = []
    problems: list[Problem] = []
    seen_cue = False
    for first, block, after_blank in _blocks(lines):
        if first == 1:  # the header: the signature line and any metadata lines under it
            problems += _header_problems(block)
            continue
        arrow = next((k for k, line in enumerate(block[:2]) if "-->" in line), None)
        if not after_blank:
            timing = arrow == 0 and TIMING.fullmatch(block[0])
            if not timing:
                problem = f"{_quoted(block[0])}: '-->' can only be in a cue timing line (in cue text, write --&gt;)"
            elif not lines[first - 2].strip():
                problem = "a cue needs an empty line before it (the line above has only spaces or tabs)"
            else:
                problem = "a cue needs an empty line before it"
            problems.append(Problem(first, problem))
            seen_cue = seen_cue or bool(timing)
            continue
        if arrow is None:
            if NOTE.match(block[0]):
                continue
            if HEADER_BLOCK.fullmatch(block[0]):
                if seen_cue:
                    problems.append(Problem(first, f"a {block[0].strip()} block must come before the first cue"))
                continue
            problems.append(_no_timing(first, block))
            continue
        seen_cue = True
        where, timing_line = first + arrow, block[arrow]
        if not TIMING.fullmatch(timing_line):
            problems.append(Problem(where, _timing_problem(timing_line, ".")))
            continue
        try:
            parsed = WebVTT.from_string("WEBVTT\n\n" + "\n".join(block), strict=True).captions
        except (MalformedCaptionError, MalformedFileError) as error:
            problems.append(Problem(where, f"{_quoted(timing_line)}: {_first_line(error)}"))
            continue
        if len(parsed) != 1:
            problems.append(Problem(where, "cannot be read as one cue"))
            continue
        captions.append(parsed[0])
    return captions, problems


def _blocks(lines: list[str]):
    """(first line number, lines, whether a blank line came before) per block, split as the
    WebVTT parser splits them: at blank lines, and before a '-->' line that cannot be this
    block's timing line (a cue's timings are its first line, or its second after an id)."""
    block: list[str] = []
    first, after_blank, in_header = 1, True, True
    for number, line in enumerate(lines, start=1):
        arrow_starts = bool(block) and "-->" in line and (in_header or len(block) > 1 or "-->" in block[0])
        if not line or arrow_starts:
            if block:
                yield first, block, after_blank
                block, in_header = [], False
            after_blank = not line
        if line:
            if not block:
                first = number
            block.append(line)
    if block:
        yield first, block, after_blank


def _header_problems(header: list[str]) -> list[Problem]:
    """Cue timings hidden in the header, where they are never read: on the WEBVTT line, or on a
    line under it meant as the first cue (with a typo in its arrow, say)."""
    if "-->" in header[0]:
        return [Problem(1, "cue timings on the WEBVTT line are never read: put the cue after an empty line")]
    for number, line in enumerate(header[1:], start=2):
        if HEADER_TIMING.match(line) or "->" in line:
            return [Problem(number, f"{_quoted(line)} is in the header, where nothing is a cue: "
                                    "a cue needs an empty line between it and the WEBVTT line")]
    return []


def _no_timing(first: int, block: list[str]) -> Problem:
    for k, line in enumerate(block[:2]):
        if TIMING_LIKE.search(line):
            return Problem(first + k, _timing_problem(line, "."))
    return Problem(first, f"{_quoted(block[0])}: text outside any cue (no cue timing line above it; "
                          "a blank line ends a cue)")


def read_webvtt(path: Path) -> list[Caption]:
    """Every cue of a WebVTT file, or a PipelineError at the first line that is not WebVTT."""
    captions, problems = check_webvtt(path)
    if problems:
        problem = problems[0]
        raise PipelineError(path, problem.problem) if problem.problem == NOT_WEBVTT else problem.error(path)
    return captions


def check_webvtt(path: Path) -> tuple[list[Caption], list[Problem]]:
    """The well-formed cues of a WebVTT file and every problem in it, each with its line."""
    text, problems = decode(path)
    return scan_webvtt(text) if text is not None else ([], problems)


# --- SubRip ---------------------------------------------------------------------------------

def scan_srt(text: str) -> tuple[list[Caption], list[Problem]]:
    captions: list[Caption] = []
    problems: list[Problem] = []
    lines = split_lines(text)
    block: list[tuple[int, str]] = []
    for number, line in [*enumerate(lines, start=1), (len(lines) + 1, "")]:
        if line.strip():
            block.append((number, line))
            continue
        if block:
            cue = _srt_cue(block, problems)
            if cue is not None:
                captions.append(cue)
        block = []
    return captions, problems


def _srt_cue(block: list[tuple[int, str]], problems: list[Problem]) -> Caption | None:
    (first, index), *rest = block
    if not CUE_NUMBER.fullmatch(index.strip()):
        if SRT_TIMING.fullmatch(index):
            problem = "the cue has no number: a SubRip cue is its number, its timings, then its text"
        elif "-->" in index:
            problem = _timing_problem(index, ",")
        else:
            problem = (f"{_quoted(index)}: text outside any cue (a SubRip cue is its number, its timings, "
                       "then its text; a blank line ends a cue)")
        problems.append(Problem(first, problem))
        return None
    if not rest:
        problems.append(Problem(first, f"cue {index.strip()} has no timing line under its number"))
        return None
    (where, timing), *text = rest
    match = SRT_TIMING.fullmatch(timing)
    if not match:
        problems.append(Problem(where, _timing_problem(timing, ",")))
        return None
    for (number, line), (_, after) in zip(text, text[1:]):
        if CUE_NUMBER.fullmatch(line.strip()) and SRT_TIMING.fullmatch(after):
            problems.append(Problem(number, "a cue needs a blank line before it"))
            return None
    groups = match.groups()
    start, end = (f"{h}:{m}:{s}.{ms}" for h, m, s, ms in (groups[:4], groups[4:]))
    return Caption(start, end, [line for _, line in text])


def read_srt(path: Path) -> list[Caption]:
    """Every cue of a SubRip file, or a PipelineError at the first block that is not a cue."""
    text, problems = decode(path)
    if text is not None:
        captions, problems = scan_srt(text)
    if problems:
        raise problems[0].error(path)
    return captions


def _timing_problem(line: str, separator: str) -> str:
    """What is wrong with a line meant as cue timings, as an editor would fix it."""
    form = f"HH:MM:SS{separator}mmm --> HH:MM:SS{separator}mmm" + (", the hours optional" if separator == "." else "")
    other = "," if separator == "." else "."
    start, arrow, end = line.partition("-->")
    stamps = [start.strip(" \t\f"), end.strip(" \t\f").split(" ")[0].split("\t")[0]]
    if not arrow:
        why = "the arrow between the times must be '-->'"
    elif not all(stamps):
        why = "it needs a time on each side of '-->'"
    elif any(other in stamp and separator not in stamp for stamp in stamps):
        why = f"the milliseconds must follow a '{separator}', not a '{other}'"
    elif not start[-1:].isspace() or not end[:1].isspace():
        why = "'-->' needs a space on each side"
    elif any(re.fullmatch(r"(?:\d+:)?\d+:\d+[.,]\d+", stamp) and any(int(n) > 59 for n in re.split("[:.,]", stamp)[-3:-1])
             for stamp in stamps):
        why = "minutes and seconds go up to 59"
    elif separator == ".":
        why = "each time needs two digits for hours (if any), minutes and seconds, and three for milliseconds"
    else:
        why = "each time needs two digits for hours, minutes and seconds, and three for milliseconds"
    return f"{_quoted(line)} is not a cue timing line: {why} ({form})"


def _quoted(line: str, limit: int = 60) -> str:
    line = line.strip()
    return repr(line if len(line) <= limit else line[: limit - 1] + "…")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
