"""Output formats: WebVTT (through webvtt-py) and the plain-text transcript."""

from __future__ import annotations

import html

from webvtt import Caption, WebVTT
from webvtt.models import Timestamp

from .layout import Cue
from .transcript import Transcript

PARAGRAPH_PAUSE = 1.5  # seconds of silence that start a new paragraph
PARAGRAPH_CHARS = 600  # a paragraph this long ends at the next sentence end


def escape_cue_text(text: str) -> str:
    """WebVTT cue text is markup: &, < and > must be written as character references."""
    return html.escape(text, quote=False)


def to_webvtt(cues: list[Cue], note: str) -> str:
    captions = [
        Caption(
            start=str(Timestamp.from_seconds(cue.start)),
            end=str(Timestamp.from_seconds(cue.end)),
            text=[escape_cue_text(line) for line in cue.lines],
        )
        for cue in cues
    ]
    return WebVTT(captions=captions, header_comments=[note]).content


def provenance_note(transcript: Transcript, reviewed: bool = False) -> str:
    from . import __version__

    status = "Reviewed by an editor." if reviewed else "Machine transcript, not yet reviewed by an editor."
    return (
        f"Made by captions-pipeline {__version__} with {transcript.engine}, "
        f"Whisper model {transcript.model} (sha256 {transcript.model_sha256[:12]}).\n{status}"
    )


def to_plain_text(transcript: Transcript) -> str:
    """The words in order, in paragraphs, with no time codes."""
    paragraphs: list[list[str]] = []
    previous_end = None
    for word in transcript.words:
        starts_paragraph = (
            not paragraphs
            or (previous_end is not None and word.start - previous_end >= PARAGRAPH_PAUSE)
            or (sum(len(w) + 1 for w in paragraphs[-1]) > PARAGRAPH_CHARS
                and paragraphs[-1][-1].endswith((".", "?", "!")))
        )
        if starts_paragraph:
            paragraphs.append([])
        paragraphs[-1].append(word.text)
        previous_end = word.end
    return "".join(" ".join(p) + "\n\n" for p in paragraphs).rstrip("\n") + "\n" if paragraphs else ""
