"""Reading captions back: a VTT or SRT an editor corrected in Subtitle Edit or similar becomes
their editor's file, so the build takes its words and its timings as corrections."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import PipelineError, shown
from . import editfile

_SIGNATURE = re.compile(r"^WEBVTT(?:[ \t\n\r]|$)")  # after the one BOM that decoding removes
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]*)>")
_TAG = re.compile(r"</?[^>]*>")


@dataclass
class ImportedCue:
    start: float
    end: float
    lines: list[tuple[str | None, str]]  # (speaker, text) per line


def read_captions(path: Path) -> list[ImportedCue]:
    """Cues from a WebVTT or SubRip file; one clear error for anything that is neither."""
    import webvtt

    data = path.read_bytes()
    text = editfile.decode(data, str(path))
    is_srt = path.suffix.lower() == ".srt"
    if not is_srt and not _SIGNATURE.match(text):
        raise PipelineError(path, "is not a WebVTT file (it must start with the line WEBVTT)")
    try:
        captions = webvtt.from_srt(str(path)) if is_srt else webvtt.from_buffer(io.StringIO(text))
    except Exception as error:  # webvtt-py raises several kinds; each means the same to an editor
        raise PipelineError(path, f"cannot be read as {'SubRip' if is_srt else 'WebVTT'}: "
                                  f"{str(error).splitlines()[0] if str(error) else type(error).__name__}") from None
    cues = []
    for caption in captions:
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        lines = [_line(raw) for raw in caption.raw_text.replace("\x00", "\ufffd").split("\n")]
        lines = [(who, words) for who, words in lines if words]
        dialogue = len({who for who, _ in lines}) > 1 or all(
            raw.lstrip().startswith("-") for raw in _TAG.sub("", caption.raw_text).split("\n") if raw.strip())
        if not dialogue and len(lines) > 1:  # one voice on two lines is one line of the editor's file
            lines = [(lines[0][0], " ".join(words for _, words in lines))]
        if lines and start >= 0:
            cues.append(ImportedCue(start, max(end, start), lines))
    return sorted(cues, key=lambda cue: cue.start)


def _line(raw: str) -> tuple[str | None, str]:
    voice = _VOICE.search(raw)
    speaker = html.unescape(voice.group(1)).strip() if voice else None
    words = html.unescape(_TAG.sub("", raw)).strip()
    if words.startswith("- ") or words.startswith("-\u00a0"):
        words = words[2:].strip()
    words = " ".join(words.replace("[", "(").replace("]", ")").split()) if not _is_sound(words) else words
    return speaker, words


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
