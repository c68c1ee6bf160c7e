"""The one data model: timed words with speaker and confidence, grouped in segments, from the
engine to every output. Words are values (frozen): a stage that changes one makes a new one.
What a guard took out of the machine's words is kept beside them as `removed`, so nothing the
machine heard vanishes unseen."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT_VERSION = 1
# The speaker a voice has until an editor names it (voice 0 is "Speaker 1"): part of the model
# because every output must tell such a placeholder from a name a person gave.
PLACEHOLDER = re.compile(r"Speaker [1-9]\d*")


def placeholder(voice: int) -> str:
    """The name a voice has until an editor names it: voice 0 is "Speaker 1"."""
    return f"Speaker {voice + 1}"


def is_placeholder(name: str | None) -> bool:
    return bool(name) and PLACEHOLDER.fullmatch(name) is not None


@dataclass(frozen=True)
class Word:
    text: str  # as spoken, punctuation attached, no surrounding spaces
    start: float  # seconds from the start of the media
    end: float
    probability: float = 1.0
    speaker: str | None = None
    sound: bool = False  # a sound description such as "[phone rings]", not speech


@dataclass(frozen=True)
class Removed:
    """Words a guard took out of the machine transcript, and why: shown to editors for review."""

    text: str
    start: float
    end: float
    reason: str  # what removed them, in words an editor understands


@dataclass
class Segment:
    words: list[Word]

    @property
    def start(self) -> float:
        return self.words[0].start if self.words else 0.0

    @property
    def end(self) -> float:
        return self.words[-1].end if self.words else 0.0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Transcript:
    segments: list[Segment]
    language: str
    duration: float
    # Provenance: which engine and model made it, and with which options.
    audio_sha256: str = ""  # of the 16 kHz mono PCM: names the audio, not the container
    engine: str = ""
    model: str = ""
    model_sha256: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    removed: list[Removed] = field(default_factory=list)

    def cache_key(self) -> dict[str, Any]:
        """What must match for this transcript to stand for a new transcription."""
        return {"audio_sha256": self.audio_sha256, "engine": self.engine,
                "model_sha256": self.model_sha256, "options": self.options}

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.words)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "language": self.language,
            "duration": round(self.duration, 3),
            "audio_sha256": self.audio_sha256,
            "engine": self.engine,
            "model": self.model,
            "model_sha256": self.model_sha256,
            "options": self.options,
            "segments": [
                {"words": [_word_to_dict(w) for w in s.words]} for s in self.segments
            ],
            **({"removed": [_removed_to_dict(r) for r in self.removed]} if self.removed else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown transcript format {data.get('format')!r}")
        return cls(
            segments=[
                Segment([Word(**w) for w in s["words"]]) for s in data["segments"]
            ],
            language=data["language"],
            duration=data["duration"],
            audio_sha256=data.get("audio_sha256", ""),
            engine=data.get("engine", ""),
            model=data.get("model", ""),
            model_sha256=data.get("model_sha256", ""),
            options=data.get("options", {}),
            removed=[Removed(**r) for r in data.get("removed", [])],
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        return cls.from_dict(json.loads(text))


def _word_to_dict(word: Word) -> dict[str, Any]:
    data = asdict(word)
    data["start"] = round(word.start, 3)
    data["end"] = round(word.end, 3)
    data["probability"] = round(word.probability, 4)
    if word.speaker is None:
        del data["speaker"]
    if not word.sound:
        del data["sound"]
    return data


def _removed_to_dict(removed: Removed) -> dict[str, Any]:
    return {**asdict(removed), "start": round(removed.start, 3), "end": round(removed.end, 3)}


def normalise_token(text: str) -> str:
    """A word as compared for alignment: lower case, no punctuation around or inside it."""
    return re.sub(r"[^\w']+", "", text.lower()).strip("'")
