"""Caption cues from timed words.

A first, simple layout: words fill a cue up to two lines of 42 characters and 7 seconds,
a cue ends at the end of a sentence or a pause, and lines are split where they balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from .transcript import Transcript, Word

MAX_LINE = 42
MAX_LINES = 2
MAX_DURATION = 7.0
MIN_DURATION = 5 / 6
PAUSE = 1.0  # a silence this long between words ends a cue
FRAME_GAP = 2 / 25  # two frames at 25 fps between consecutive cues
SENTENCE_END = (".", "?", "!", "…")


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]
    words: list[Word]

    @property
    def speaker(self) -> str | None:
        """Who speaks in this cue; a sound description has no voice."""
        return self.words[0].speaker if self.words and not self.words[0].sound else None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def layout(transcript: Transcript) -> list[Cue]:
    groups = _group_words(transcript.words)
    cues = [Cue(g[0].start, g[-1].end, split_lines(" ".join(w.text for w in g)), g) for g in groups]
    _fix_timing(cues, transcript.duration)
    return cues


def _group_words(words: list[Word]) -> list[list[Word]]:
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current and _starts_new_cue(current, word):
            groups.append(current)
            current = []
        current.append(word)
    if current:
        groups.append(current)
    return groups


def _starts_new_cue(current: list[Word], word: Word) -> bool:
    last = current[-1]
    text = " ".join(w.text for w in [*current, word])
    return (
        word.speaker != last.speaker
        or word.sound or last.sound  # a sound description is a cue of its own
        or len(text) > MAX_LINE * MAX_LINES - 4  # leave room for an uneven line split
        or word.end - current[0].start > MAX_DURATION
        or word.start - last.end >= PAUSE
        or (last.text.endswith(SENTENCE_END) and len(text) > MAX_LINE // 2)
    )


def split_lines(text: str) -> list[str]:
    """One line when it fits, else two lines split at the space that balances them best."""
    if len(text) <= MAX_LINE:
        return [text]
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    fitting = [i for i in spaces if i <= MAX_LINE and len(text) - i - 1 <= MAX_LINE]
    candidates = fitting or spaces or [len(text)]
    best = min(candidates, key=lambda i: abs(len(text) - 2 * i))
    return [part for part in (text[:best], text[best + 1:]) if part]


def _fix_timing(cues: list[Cue], duration: float) -> None:
    """Give short cues their minimum time, never overlapping the next cue or the end."""
    for i, cue in enumerate(cues):
        limit = cues[i + 1].start - FRAME_GAP if i + 1 < len(cues) else max(duration, cue.end)
        cue.end = min(max(cue.end, cue.start + MIN_DURATION), limit)
        cue.end = max(cue.end, cue.start + 0.001)
