"""SubRip captions for editors' tools and players that want them.

Written here rather than by webvtt-py, whose SRT writer drops everything between '<' and '>':
SubRip has no escapes, so text goes out exactly as spoken. The one sequence that would break a
reader, '-->' (a timing line), gets an invisible word joiner between its dashes and its '>'.
SubRip has no voices: the speaker's name is in the text where the speaker changes, as layout.py
writes it for every caption format ("[Nicki] ..." or "NICKI: ...", and "- " lines in a dialogue).
"""

from __future__ import annotations

from ..layout import Cue
from ..timecode import timestamp

WORD_JOINER = "\u2060"


def to_srt(cues: list[Cue]) -> str:
    blocks = [f"{index}\n{timestamp(cue.start, ',')} --> {timestamp(cue.end, ',')}\n"
              + "".join(f"{_safe(line)}\n" for line in cue.lines)
              for index, cue in enumerate(cues, start=1)]
    return "\n".join(blocks)


def _safe(line: str) -> str:
    return line.replace("-->", f"--{WORD_JOINER}>")
