"""Reading captions back: a VTT or SRT an editor corrected in Subtitle Edit or similar becomes
their editor's file, so the build takes its words and its timings as corrections."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import shown
from . import editfile, readers
from .srt import WORD_JOINER
from .vtt import VOICE

_TAG = re.compile(r"</?[^>]*>")
_SRT_CODES = re.compile(r"</?(?:b|i|u|s|font)(?:[ \t][^>]*)?>|\{\\[^{}]*\}", re.IGNORECASE)


@dataclass
class ImportedCue:
    start: float
    end: float
    lines: list[tuple[str | None, str]]  # (speaker, text) per line


def read_captions(path: Path) -> list[ImportedCue]:
    """Cues from a WebVTT or SubRip file, every one of them, or one error naming the file and the
    line that cannot be read (nothing is imported from a file that lost a cue on the way)."""
    is_srt = path.suffix.lower() == ".srt"
    captions = readers.read_srt(path) if is_srt else readers.read_webvtt(path)
    plain = _srt_plain if is_srt else _vtt_plain
    cues = []
    for caption in captions:
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        raw_lines = caption.raw_text.replace("\x00", "\ufffd").split("\n")
        lines = [_line(raw, plain, voices=not is_srt) for raw in raw_lines]
        lines = [(who, words) for who, words in lines if words]
        dialogue = len({who for who, _ in lines}) > 1 or all(
            plain(raw).lstrip().startswith("-") for raw in raw_lines if plain(raw).strip())
        if not dialogue and len(lines) > 1:  # one voice on two lines is one line of the editor's file
            lines = [(lines[0][0], " ".join(words for _, words in lines))]
        if lines and start >= 0:
            cues.append(ImportedCue(start, max(end, start), lines))
    return sorted(cues, key=lambda cue: cue.start)


def _vtt_plain(raw: str) -> str:
    """WebVTT cue text is markup: its tags go, its character references are read."""
    return html.unescape(_TAG.sub("", raw))


def _srt_plain(raw: str) -> str:
    """SubRip has no escapes: only the tags players know (and SSA codes such as {\\an8}) go, so
    'x < y and y > z' stays; a '-->' our SRT writer wrote with a word joiner comes back."""
    return _SRT_CODES.sub("", raw).replace(f"--{WORD_JOINER}>", "-->")


def _line(raw: str, plain, voices: bool) -> tuple[str | None, str]:
    voice = VOICE.search(raw) if voices else None
    speaker = html.unescape(voice.group(1)).strip() if voice else None
    words = plain(raw).strip()
    if words.startswith("- ") or words.startswith("-\u00a0"):
        words = words[2:].strip()
    labelled, words = _speaker_label(words, speaker)
    speaker = speaker or labelled
    words = " ".join(words.replace("[", "(").replace("]", ")").split()) if not _is_sound(words) else words
    return speaker, words


# The visible speaker labels our writers put in the caption text (layout.speaker_label), and other
# tools' in the same two house styles: "[Nicki] I was fifteen." and "NICKI: I was fifteen.".
_BRACKET_LABEL = re.compile(r"\[([^\[\]]+)\][ \t\u00a0]+(?=\S)")
_CAPS_LABEL = re.compile(r"([^\W\d_a-z][^:a-z]*):[ \t\u00a0]+(?=\S)")


def _speaker_label(words: str, voice: str | None) -> tuple[str | None, str]:
    """A leading speaker label taken off the words: (the name it gives, the words without it).

    A label repeating the cue's voice span always goes. Without a voice span (SRT), a bracketed
    label is a name only when it reads as one (capitalised: "[Nicki]", "[Speaker 2]"), because a
    lower-case "[sighs] I know." is a sound description and stays; an upper-case "NICKI:" is a
    name (the capitals say so, and it is read back in title case: "DR PATEL:" is "Dr Patel")."""
    for pattern in (_BRACKET_LABEL, _CAPS_LABEL):
        match = pattern.match(words)
        if not match:
            continue
        name = match.group(1).strip()
        rest = words[match.end():]
        if voice is not None:
            if name.casefold() == voice.casefold():
                return None, rest
            continue
        if pattern is _BRACKET_LABEL and name[:1].isupper() and editfile.valid_speaker(name):
            return name, rest
        if pattern is _CAPS_LABEL and any(c.isalpha() for c in name) and editfile.valid_speaker(name.title()):
            return name.title(), rest
    return None, words


def _is_sound(text: str) -> bool:
    return bool(re.fullmatch(r"\[[^\[\]]+\]", text.strip()))


def to_edit_file(cues: list[ImportedCue], media_name: str, source: Path) -> str:
    """The editor's file for imported cues: a line per cue (a line per voice in a dialogue)."""
    out = [editfile.header(media_name), f"# Imported from {shown(source.name)}.\n\n"]
    speaker = None
    previous_mark = -1.0
    for cue in cues:
        for k, (who, words) in enumerate(cue.lines):
            prefix = ""
            if who and who != speaker and editfile.valid_speaker(who):
                prefix, speaker = editfile.speaker_text(who) + " ", who
            mark = ""
            if k == 0 and round(cue.start, 1) >= previous_mark:
                mark = editfile.format_mark(cue.start) + " "
                previous_mark = round(cue.start, 1)
            out.append(f"{mark}{prefix}{editfile.line_text(words)}\n")
    return "".join(out)
