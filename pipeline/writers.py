"""Output formats: WebVTT (through webvtt-py) and the plain-text transcript."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

from webvtt import Caption, WebVTT
from webvtt.models import Timestamp

from .layout import Cue
from .transcript import Transcript, Word

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
            text=_cue_lines(cue),
        )
        for cue in cues
    ]
    return WebVTT(captions=captions, header_comments=[note]).content


def _cue_lines(cue: Cue) -> list[str]:
    """Cue text with voice spans: one span for the whole cue, or one per line in a dialogue."""
    lines = [escape_cue_text(line) for line in cue.lines]
    if len(set(cue.speakers)) > 1:
        return [f"<v {_annotation(who)}>{line}</v>" if who else line for who, line in zip(cue.speakers, lines)]
    if cue.speaker:
        lines[0] = f"<v {_annotation(cue.speaker)}>{lines[0]}"
    return lines


def _annotation(name: str) -> str:
    return escape_cue_text(name)


def to_srt(cues: list[Cue]) -> str:
    """SubRip for editors' tools and players that want it: plain text, no voice spans."""
    captions = [Caption(start=str(Timestamp.from_seconds(cue.start)), end=str(Timestamp.from_seconds(cue.end)),
                        text=list(cue.lines)) for cue in cues]
    out = io.StringIO()
    WebVTT(captions=captions).write(out, format="srt")
    return out.getvalue()


def provenance_note(transcript: Transcript, reviewed: bool = False) -> str:
    from . import __version__

    status = "Reviewed by an editor." if reviewed else "Machine transcript, not yet reviewed by an editor."
    return (
        f"Made by captions-pipeline {__version__} with {transcript.engine}, "
        f"Whisper model {transcript.model} (sha256 {transcript.model_sha256[:12]}).\n{status}"
    )


@dataclass
class Paragraph:
    """A paragraph of the transcript: one speaker's words between pauses."""

    words: list[Word]
    speaker: str | None
    new_speaker: bool  # the speaker changes here, so their name is shown

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def label(self) -> str | None:
        return self.speaker if self.new_speaker else None

    @property
    def text(self) -> str:
        return " ".join(word_text(w) for w in self.words)


def word_text(word: Word) -> str:
    """A word as published: a sound description always in square brackets."""
    return f"[{word.text.strip('[]')}]" if word.sound else word.text


def paragraphs(transcript: Transcript) -> list[Paragraph]:
    """The words in order, in paragraphs: a new speaker, a pause of PARAGRAPH_PAUSE, or a long
    paragraph reaching a sentence end starts the next one."""
    result: list[Paragraph] = []
    previous: Word | None = None
    chars = 0  # in the current paragraph, counted as we go: unpunctuated speech makes long ones
    for word in transcript.words:
        new_speaker = previous is not None and word.speaker != previous.speaker
        if (not result or new_speaker or word.start - previous.end >= PARAGRAPH_PAUSE
                or (chars >= PARAGRAPH_CHARS and previous.text.endswith((".", "?", "!")))):
            result.append(Paragraph([], word.speaker, bool(word.speaker) and (previous is None or new_speaker)))
            chars = -1
        result[-1].words.append(word)
        chars += len(word.text) + 1
        previous = word
    return result


def to_plain_text(transcript: Transcript) -> str:
    """The transcript as plain text, no time codes: paragraphs, a new speaker's name before their
    words."""
    return "".join(f"{p.label}: {p.text}\n\n" if p.label else f"{p.text}\n\n"
                   for p in paragraphs(transcript)).rstrip("\n") + "\n" if transcript.words else ""
