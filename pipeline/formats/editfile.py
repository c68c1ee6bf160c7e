"""The editor's file, NAME.edit.txt: plain text an editor corrects in any text editor.

    [00:12.3] >> Lisa Cooper: Professional curiosity is something that health
    [00:15.0] [phone rings]

A line starts with a time mark; ``>> Name:`` after it names the speaker from there on; words in
square brackets describe a sound; lines starting with ``#`` are comments. A line whose text
must start with ``>>`` or ``#`` starts with a backslash, which is not published.

Files written before speakers needed ``>>`` (their header says "start a line with the name and
a colon") keep their rule: there, ``Name:`` at the start of a line names the speaker.

Pure: text in, text out; the build does the reading and writing. This module is the only
parser of the file: the build and the browser editor both read it through `split_line`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import PipelineError, shown
from ..timecode import mark as format_mark
from ..transcript import Transcript, Word

HEADER = """\
# Transcript of {media}. Correct it here; the captions follow your text word for word.
#
# - Fix words, spelling, punctuation and capitals; add, delete, merge or split lines.
# - Each line starts with a time mark such as [01:23.4]. Leave it, or move it to change
#   when that line's captions start. A new line needs no mark: its time is worked out.
# - To name who speaks, write >> and the name and a colon after the time mark:
#   "[00:12.3] >> Nicki: I was fifteen." The name holds for the lines after it, until another.
# - Describe sounds in square brackets: [music], [phone rings], [laughter].
# - Lines starting with # (like these) are notes for editors and are not published.
# Save, then run `make` to rebuild the captions. Your file is never overwritten.

"""
# The sentence that marks a file written before ">>": there, "Name:" names a speaker.
LEGACY_SPEAKERS = "start a line with the name and a colon"

TIME_MARK = re.compile(r"^\[(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)\]")
SPEAKER = re.compile(r"^>>[ \t]*([^:\s][^:]{0,59}?)[ \t]*:(?=\s|$)")
LEGACY_SPEAKER = re.compile(r"^([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}):(?=\s|$)")
ESCAPE = "\\"
_TOKEN = re.compile(r"\[[^\[\]]*\]|[^\s\[\]]+|[\[\]]")
LINE_CHARS = 84  # about two caption lines: a line an editor can check against the video
PAUSE = 1.0


@dataclass(frozen=True)
class Token:
    text: str
    sound: bool = False


@dataclass(frozen=True)
class EditLine:
    number: int  # 1-based line number in the file, for error messages
    mark: float | None
    speaker: str | None  # the speaker in force on this line
    tokens: tuple[Token, ...] = ()

    @property
    def words(self) -> list[Token]:
        return [t for t in self.tokens if not t.sound]


@dataclass(frozen=True)
class EditDocument:
    lines: tuple[EditLine, ...]

    @property
    def marks(self) -> list[float]:
        return [line.mark for line in self.lines if line.mark is not None]

    def marks_after(self, duration: float) -> list[EditLine]:
        return [line for line in self.lines if line.mark is not None and line.mark > duration + 0.05]


@dataclass(frozen=True)
class LineSplit:
    """One content line as written: its time mark, a speaker named on it, and its text."""

    mark: str  # "[00:05.4]" as written, or ""
    speaker: str  # the name, without ">>" or the colon, or ""
    text: str


def is_legacy(text: str) -> bool:
    """A file from before ">>": its header names speakers with "Name:"."""
    return any(line.startswith("#") and LEGACY_SPEAKERS in line for line in text.splitlines()[:20])


def split_line(content: str, legacy: bool = False) -> LineSplit:
    """A stripped content line (not blank, not a # note) split into mark, speaker and text."""
    mark = speaker = ""
    rest = content
    if match := TIME_MARK.match(rest):
        mark, rest = match.group(0), rest[match.end():].strip()
    if match := (LEGACY_SPEAKER if legacy else SPEAKER).match(rest):
        speaker, rest = match.group(1).strip(), rest[match.end():].strip()
    elif rest.startswith(ESCAPE):
        rest = rest[1:]
    return LineSplit(mark, speaker, rest)


def speaker_text(name: str, legacy: bool = False) -> str:
    """How a speaker is written at the start of a line."""
    return f"{name}:" if legacy else f">> {name}:"


def line_text(text: str, legacy: bool = False) -> str:
    """Text as written after a mark (and speaker): escaped where it would read as a speaker or a note."""
    misread = text.startswith((ESCAPE, "#")) or (LEGACY_SPEAKER.match(text) if legacy else text.startswith(">>"))
    return ESCAPE + text if misread else text


def valid_speaker(name: str, legacy: bool = False) -> bool:
    match = (LEGACY_SPEAKER if legacy else SPEAKER).match(speaker_text(name, legacy))
    return bool(match) and match.group(1).strip() == name


def decode(data: bytes, path: str) -> str:
    """UTF-8, or an error naming the first line that is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PipelineError(f"{path}:{line}", "is not valid UTF-8 text (save the file as UTF-8)") from None


def parse(text: str, path: str) -> EditDocument:
    lines: list[EditLine] = []
    speaker: str | None = None
    previous_mark: float | None = None
    legacy = is_legacy(text)
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.strip()
        if not content or content.startswith("#"):
            continue
        where = f"{path}:{number}"
        split = split_line(content, legacy)
        mark = _seconds(split.mark, where) if split.mark else None
        if mark is not None:
            if previous_mark is not None and mark < previous_mark:
                raise PipelineError(where, f"time mark {split.mark} comes before the one above it "
                                           f"({format_mark(previous_mark)}); marks must go forward")
            previous_mark = mark
        if split.speaker:
            speaker = split.speaker
        tokens = tuple(_token(t, where) for t in _TOKEN.findall(split.text))
        if tokens or mark is not None:
            lines.append(EditLine(number, mark, speaker, tokens))
    return EditDocument(tuple(lines))


def _seconds(written: str, where: str) -> float:
    hours, minutes, seconds = TIME_MARK.match(written).groups()
    if float(seconds) >= 60 or (hours and int(minutes) >= 60):
        raise PipelineError(where, f"time mark {written} is not a real time (mm:ss.s)")
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def _token(text: str, where: str) -> Token:
    if text == "[":
        raise PipelineError(where, "a '[' is not closed: a sound description needs its ']'")
    if text == "]":
        raise PipelineError(where, "a ']' has no '[' before it")
    if text.startswith("["):
        if not text[1:-1].strip():
            raise PipelineError(where, "empty sound description '[]'")
        return Token(text, sound=True)
    return Token(text)


def header(media_name: str) -> str:
    """The file's header; the media's name is shown escaped, so no name can break a line."""
    return HEADER.format(media=shown(media_name))


def render(transcript: Transcript, media_name: str) -> str:
    """The editor's file as a build first writes it: a line per sentence or caption-sized chunk."""
    out = [header(media_name)]
    speaker = None
    for chunk in chunk_words(transcript.words):
        prefix = ""
        if chunk[0].speaker and chunk[0].speaker != speaker:
            speaker = chunk[0].speaker
            prefix = speaker_text(speaker) + " "
        text = line_text(" ".join(_draft_text(w) for w in chunk))
        out.append(f"{format_mark(chunk[0].start)} {prefix}{text}\n")
    return "".join(out)


def _draft_text(word: Word) -> str:
    """A machine word as the file can hold it: brackets only around a whole sound description."""
    if word.sound:
        return f"[{word.text.strip('[]')}]"
    if re.fullmatch(r"\[[^\[\]]*\S[^\[\]]*\]|[^\[\]]*", word.text):
        return word.text
    return word.text.replace("[", "(").replace("]", ")")


def chunk_words(words: list[Word]) -> list[list[Word]]:
    chunks: list[list[Word]] = []
    for word in words:
        if not chunks or _ends_chunk(chunks[-1], word):
            chunks.append([])
        chunks[-1].append(word)
    return chunks


def _ends_chunk(chunk: list[Word], word: Word) -> bool:
    last = chunk[-1]
    length = sum(len(w.text) + 1 for w in chunk)
    return (
        last.text.endswith((".", "?", "!"))
        or word.start - last.end >= PAUSE
        or word.speaker != last.speaker
        or word.sound or last.sound
        or length + len(word.text) > LINE_CHARS
        or (length > LINE_CHARS * 0.6 and last.text.endswith((",", ";", ":")))
    )
