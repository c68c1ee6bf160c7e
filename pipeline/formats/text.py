"""The plain-text transcript, and the paragraphs it shares with the HTML transcript."""

from __future__ import annotations

from dataclasses import dataclass

from ..sounds import marked_as_lyrics, over_music, singing_spans
from ..transcript import Transcript, Word

PARAGRAPH_PAUSE = 1.5  # seconds of silence that start a new paragraph
PARAGRAPH_CHARS = 600  # a paragraph this long ends at the next sentence end


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the transcript: one speaker's words between pauses."""

    words: tuple[Word, ...]
    speaker: str | None
    new_speaker: bool  # the speaker changes here, so their name is shown
    sung: bool = False  # lyrics (under a description of singing): shown between ♪ marks

    @property
    def mark(self) -> str:
        """The lyrics mark around the paragraph, or "" (also where an editor typed marks)."""
        return "♪" if self.sung and not marked_as_lyrics(list(self.words)) else ""

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def label(self) -> str | None:
        return self.speaker if self.new_speaker else None

    @property
    def text(self) -> str:
        text = " ".join(word_text(w) for w in self.words)
        return f"{self.mark} {text} {self.mark}" if self.mark else text


def word_text(word: Word) -> str:
    """A word as published: a sound description always in square brackets."""
    return f"[{word.text.strip('[]')}]" if word.sound else word.text


def paragraphs(transcript: Transcript) -> list[Paragraph]:
    """The words in order, in paragraphs: a new speaker, a pause of PARAGRAPH_PAUSE, the start or
    end of lyrics, or a long paragraph reaching a sentence end starts the next one."""
    singing = singing_spans(transcript.words)

    def sung(word: Word) -> bool:
        return not word.sound and over_music(word, singing)

    groups: list[tuple[list[Word], str | None, bool]] = []
    previous: Word | None = None
    chars = 0  # in the current paragraph, counted as we go: unpunctuated speech makes long ones
    for word in transcript.words:
        new_speaker = previous is not None and word.speaker != previous.speaker
        if (not groups or new_speaker or word.start - previous.end >= PARAGRAPH_PAUSE or sung(word) != sung(previous)
                or (chars >= PARAGRAPH_CHARS and previous.text.endswith((".", "?", "!")))):
            groups.append(([], word.speaker, bool(word.speaker) and (previous is None or new_speaker)))
            chars = -1
        groups[-1][0].append(word)
        chars += len(word.text) + 1
        previous = word
    return [Paragraph(tuple(words), speaker, new, sung(words[0])) for words, speaker, new in groups]


def to_plain_text(transcript: Transcript) -> str:
    """The transcript as plain text, no time codes: paragraphs, a new speaker's name before their
    words."""
    return "".join(f"{p.label}: {p.text}\n\n" if p.label else f"{p.text}\n\n"
                   for p in paragraphs(transcript)).rstrip("\n") + "\n" if transcript.words else ""
