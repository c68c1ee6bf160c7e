"""The easy read as data: what the Markdown file holds and the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .lexicon import icons

MAX_WORDS = 15  # Easy Read: sentences over 15 words are harder to read (DH 2010, GOV.UK)
EASE_TARGET = 70.0  # Flesch Reading Ease: 70-79 is "fairly easy"


@dataclass
class Point:
    sentences: list[str]
    icon: str
    sources: list[str] = field(default_factory=list)  # the transcript's sentences it was made from
    too_long: bool = False  # the machine could not shorten it safely: its sentence as said, for the editor

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def alt(self) -> str:
        """What the picture says about this point: what it stands for, and the point's first sentence."""
        first = self.sentences[0] if self.sentences else ""
        if len(first.split()) > 15:
            first = " ".join(first.split()[:12]).rstrip(",;:") + " …"
        return f"{icons()[self.icon].label}: {first}" if first else icons()[self.icon].label


@dataclass
class Section:
    heading: str
    points: list[Point]


@dataclass
class WordToKnow:
    word: str
    meaning: str


@dataclass
class EasyRead:
    title: str
    sections: list[Section]
    words_to_know: list[WordToKnow] = field(default_factory=list)
    transcript_sha: str = ""  # which transcript text it was made from (short sha256)
    left_out: list[str] = field(default_factory=list)  # key sentences too long to shorten, not chosen: for the editor

    @property
    def points(self) -> list[Point]:
        return [p for s in self.sections for p in s.points]

    @property
    def reading_text(self) -> str:
        """What a reader reads as sentences: the points and the words' explanations, a line each."""
        return "\n".join([p.text for p in self.points] + [w.meaning for w in self.words_to_know])


@dataclass(frozen=True)
class Readability:
    flesch_reading_ease: float
    flesch_kincaid_grade: float
    smog_index: float
    sentences: int
    longest_sentence_words: int
    longest_sentence: str
    EASE_TARGET: ClassVar[float] = EASE_TARGET
    MAX_WORDS: ClassVar[int] = MAX_WORDS

    @property
    def ease_met(self) -> bool:
        return self.flesch_reading_ease >= EASE_TARGET

    @property
    def length_met(self) -> bool:
        return self.longest_sentence_words <= MAX_WORDS

    @property
    def targets_met(self) -> bool:
        return self.ease_met and self.length_met

    def summary(self) -> str:
        return (f"reading ease {self.flesch_reading_ease:.1f} (target {EASE_TARGET:.0f} or more"
                f"{'' if self.ease_met else ': NOT MET'}), Flesch-Kincaid grade "
                f"{self.flesch_kincaid_grade:.1f}, SMOG {self.smog_index:.1f}; {self.sentences} sentence"
                f"{'' if self.sentences == 1 else 's'}, "
                f"the longest {self.longest_sentence_words} words (target {MAX_WORDS} or fewer"
                f"{'' if self.length_met else ': NOT MET'})")
