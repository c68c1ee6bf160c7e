"""WebVTT captions, written through webvtt-py: cue text escaped, speakers as voice spans, and a
NOTE that says who made the file and whether an editor has checked it.

A voice span (`<v Nicki>`) is for players, styling and screen readers; browsers do not display
its name. What viewers see is the name in the cue text where the speaker changes ("[Nicki] ..."
or "NICKI: ...", by the profile's house style), which layout.py puts in the lines."""

from __future__ import annotations

import html
import re

from webvtt import Caption, WebVTT

from ..layout import Cue
from ..timecode import timestamp
from ..transcript import Transcript

# A voice span's opening tag, `<v Nicki>` or `<v.loud Nicki>`: group 1 is the voice's name.
VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]*)>")


def escape_cue_text(text: str) -> str:
    """WebVTT cue text is markup: &, < and > must be written as character references."""
    return html.escape(text, quote=False)


def to_webvtt(cues: list[Cue], note: str) -> str:
    captions = [Caption(start=timestamp(cue.start), end=timestamp(cue.end), text=_cue_lines(cue)) for cue in cues]
    return WebVTT(captions=captions, header_comments=[note]).content


def _cue_lines(cue: Cue) -> list[str]:
    """Cue text with voice spans: one span for the whole cue, or one per line in a dialogue."""
    lines = [escape_cue_text(line) for line in cue.lines]
    if len(set(cue.speakers)) > 1:
        return [f"<v {escape_cue_text(who)}>{line}</v>" if who else line for who, line in zip(cue.speakers, lines)]
    if cue.speaker:
        lines[0] = f"<v {escape_cue_text(cue.speaker)}>{lines[0]}"
    return lines


def provenance_note(transcript: Transcript, reviewed: bool = False, to_check: int = 0) -> str:
    from .. import __version__

    status = "Reviewed by an editor." if reviewed else "Machine transcript, not yet reviewed by an editor."
    if to_check:
        status += f" {to_check} word{'s' * (to_check != 1)} to check (make review)."
    return (
        f"Made by captions-pipeline {__version__} with {transcript.engine}, "
        f"Whisper model {transcript.model} (sha256 {transcript.model_sha256[:12]}).\n{status}"
    )
