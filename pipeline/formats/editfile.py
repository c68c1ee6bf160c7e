"""The editor's file, NAME.edit.txt: plain text an editor corrects in any text editor.

    [00:12.3] >> Lisa Cooper: Professional curiosity is something that health
    [00:15.0] [phone rings]

A line starts with a time mark; ``>> Name:`` after it names the speaker from there on; words in
square brackets describe a sound; lines starting with ``#`` are comments. A line whose text
must start with ``>>`` or ``#`` starts with a backslash, which is not published.

Where the machine heard more than one voice, the first draft starts a line at each change of
voice with a placeholder (``>> Speaker 2:``), and a speakers table at the top names each voice
once, for every one of its turns::

    # speaker: Speaker 1 = Lisa Cooper
    # speaker: Speaker 2 = Nicki

A table row is a comment to any text editor and is read only here: ``# speaker:``, the name as
the lines give it, ``=``, and the name to publish (empty: not named yet). Two voices given one
name are one person.

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
SPEAKER_ROW = re.compile(r"^#[ \t]*speaker[ \t]*:(.*)$", re.IGNORECASE)
SPEAKERS_INTRO = """\
# Who is speaking: the machine heard {count} voices and starts a line with ">> Speaker 1:",
# ">> Speaker 2:" ... where the voice changes. Name each voice once, after its "=" below; the
# name is then shown on every turn of that voice. Give two voices one name if they are one
# person; move or change a ">> Speaker N:" where the machine got a turn wrong. A voice with no
# name is shown to viewers as "Speaker N".
"""
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
    speaker: str | None  # the speaker in force on this line, named by the speakers table
    tokens: tuple[Token, ...] = ()
    voice: str | None = None  # the speaker in force as the lines write it (">> Speaker 2:")

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
class SpeakerRow:
    """One row of the speakers table: "# speaker: Speaker 2 = Nicki"."""

    number: int  # 1-based line number in the file
    voice: str  # the speaker as the lines name it: a placeholder such as "Speaker 2", or a name
    name: str  # the name to publish for it; "" while it has none


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
    voice: str | None = None
    previous_mark: float | None = None
    legacy = is_legacy(text)
    names = speaker_names(text, path)
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
            voice = split.speaker
        tokens = tuple(_token(t, where) for t in _TOKEN.findall(split.text))
        if tokens or mark is not None:
            lines.append(EditLine(number, mark, names.get(voice, voice) if voice else None, tokens, voice))
    return EditDocument(tuple(lines))


def speakers_table(text: str, path: str) -> list[SpeakerRow]:
    """The rows of the speakers table, wherever they are in the file (the draft puts them at
    the top), or an error naming the line that is not a row."""
    rows: list[SpeakerRow] = []
    seen: dict[str, SpeakerRow] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        match = SPEAKER_ROW.match(raw.strip())
        if not match:
            continue
        where = f"{path}:{number}"
        voice, equals, name = match.group(1).partition("=")
        voice, name = voice.strip(), name.strip()
        if not equals or not voice:
            raise PipelineError(where, 'a speakers table line is "# speaker: Speaker 1 = Name" '
                                       '(the voice as the lines name it, "=", then its name)')
        for what in (voice, name):
            if what and not valid_speaker(what):
                raise PipelineError(where, f"{shown(what)} is not a name the file can hold: "
                                           "at most 60 characters, no colon")
        if voice in seen and seen[voice].name != name:
            raise PipelineError(where, f"{shown(voice)} is named twice: here and on line {seen[voice].number} "
                                       f"({shown(seen[voice].name or 'no name')})")
        seen[voice] = SpeakerRow(number, voice, name)
        rows.append(seen[voice])
    return rows


def speaker_names(text: str, path: str) -> dict[str, str]:
    """The speakers table as a mapping: each voice that has a name -> its name."""
    return {row.voice: row.name for row in speakers_table(text, path) if row.name}


def set_speaker_name(text: str, voice: str, name: str) -> str:
    """The file with `voice` named `name` ("" to unname it) in the speakers table: its row
    rewritten, or a row added after the last one (after the header when there is no table).
    Every other line stays byte for byte as it was."""
    if not valid_speaker(voice) or (name and not valid_speaker(name)):
        raise ValueError(f"not a name the file can hold: {voice!r} = {name!r}")
    lines = text.splitlines(keepends=True)
    row = f"# speaker: {voice} = {name}".rstrip()
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    rows = speakers_table(text, "")
    for found in rows:
        if found.voice == voice:
            line = lines[found.number - 1]
            lines[found.number - 1] = row + line[len(line.rstrip("\r\n")):]
            return "".join(lines)
    if rows:
        at = rows[-1].number
    else:  # after the header's comments and the blank line that ends them
        at = 0
        while at < len(lines) and lines[at].lstrip("\ufeff").startswith("#"):
            at += 1
    if at and not lines[at - 1].endswith(("\n", "\r")):
        lines[at - 1] += ending
    lines.insert(at, row + ending)
    return "".join(lines)


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
    """The editor's file as a build first writes it: a line per sentence or caption-sized chunk,
    and a new line at each change of voice. Where more than one voice speaks, a speakers table
    after the header has a row for each, to name it once."""
    out = [header(media_name)]
    voices = list(dict.fromkeys(w.speaker for w in transcript.words if w.speaker and not w.sound))
    if len(voices) > 1:
        out.append(SPEAKERS_INTRO.format(count=len(voices)))
        out += [f"# speaker: {voice} =\n" for voice in voices]
        out.append("\n")
    speaker = None
    at = 0.0
    for chunk in chunk_words(transcript.words):
        prefix = ""
        if chunk[0].speaker and chunk[0].speaker != speaker:
            speaker = chunk[0].speaker
            prefix = speaker_text(speaker) + " "
        text = line_text(" ".join(_draft_text(w) for w in chunk))
        # Marks go forward: a sound that starts inside the line before it (music rising under
        # a sentence) is marked where that line's last chunk starts, never before it.
        at = max(at, chunk[0].start)
        out.append(f"{format_mark(at)} {prefix}{text}\n")
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
