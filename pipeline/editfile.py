"""The editor's file, NAME.edit.txt: plain text an editor corrects in any text editor.

    [00:12.3] Lisa Cooper: Professional curiosity is something that health
    [00:15.0] [phone rings]

A line starts with a time mark; ``Name:`` after it names the speaker from there on; words in
square brackets describe a sound; lines starting with ``#`` are comments. Pure: text in,
text out; the build does the reading and writing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import PipelineError
from .transcript import Transcript, Word

HEADER = """\
# Transcript of {media}. Correct it here; the captions follow your text word for word.
#
# - Fix words, spelling, punctuation and capitals; add, delete, merge or split lines.
# - Each line starts with a time mark such as [01:23.4]. Leave it, or move it to change
#   when that line's captions start. A new line needs no mark: its time is worked out.
# - To name who speaks, start a line with the name and a colon: "Nicki: I was fifteen."
#   The name holds for the lines after it, until another name.
# - Describe sounds in square brackets: [music], [phone rings], [laughter].
# - Lines starting with # (like these) are notes for editors and are not published.
# Save, then run `make` to rebuild the captions. Your file is never overwritten.

"""

TIME_MARK = re.compile(r"^\[(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)\]")
SPEAKER_NAME = re.compile(r"^([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}):(?=\s|$)")
_TOKEN = re.compile(r"\[[^\[\]]*\]|[^\s\[\]]+|[\[\]]")
LINE_CHARS = 84  # about two caption lines: a line an editor can check against the video
PAUSE = 1.0


@dataclass
class Token:
    text: str
    sound: bool = False


@dataclass
class EditLine:
    number: int  # 1-based line number in the file, for error messages
    mark: float | None
    speaker: str | None  # the speaker in force on this line
    tokens: list[Token] = field(default_factory=list)

    @property
    def words(self) -> list[Token]:
        return [t for t in self.tokens if not t.sound]


@dataclass
class EditDocument:
    lines: list[EditLine]

    @property
    def marks(self) -> list[float]:
        return [line.mark for line in self.lines if line.mark is not None]

    def marks_after(self, duration: float) -> list[EditLine]:
        return [line for line in self.lines if line.mark is not None and line.mark > duration + 0.05]


def format_mark(seconds: float) -> str:
    tenths = int(round(max(0.0, seconds) * 10))
    hours, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    clock = f"{minutes:02d}:{rest // 10:02d}.{rest % 10}"
    return f"[{hours}:{clock}]" if hours else f"[{clock}]"


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
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.strip()
        if not content or content.startswith("#"):
            continue
        where = f"{path}:{number}"
        mark = None
        if match := TIME_MARK.match(content):
            hours, minutes, seconds = match.groups()
            if float(seconds) >= 60 or (hours and int(minutes) >= 60):
                raise PipelineError(where, f"time mark {match.group(0)} is not a real time (mm:ss.s)")
            mark = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
            if previous_mark is not None and mark < previous_mark:
                raise PipelineError(where, f"time mark {match.group(0)} comes before the one above it "
                                           f"({format_mark(previous_mark)}); marks must go forward")
            previous_mark = mark
            content = content[match.end():].strip()
        if match := SPEAKER_NAME.match(content):
            speaker = match.group(1)
            content = content[match.end():].strip()
        tokens = [_token(t, where) for t in _TOKEN.findall(content)]
        if tokens or mark is not None:
            lines.append(EditLine(number, mark, speaker, tokens))
    return EditDocument(lines)


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


def render(transcript: Transcript, media_name: str) -> str:
    """The editor's file as a build first writes it: a line per sentence or caption-sized chunk."""
    out = [HEADER.format(media=media_name)]
    speaker = None
    for chunk in chunk_words(transcript.words):
        prefix = ""
        if chunk[0].speaker and chunk[0].speaker != speaker:
            speaker = chunk[0].speaker
            prefix = f"{speaker}: "
        out.append(f"{format_mark(chunk[0].start)} {prefix}{' '.join(w.text for w in chunk)}\n")
    return "".join(out)


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
