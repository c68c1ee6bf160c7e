"""The review list: words Whisper was unsure of, riskiest first, so editors check them first.
Words on lines an editor has changed are taken as checked and drop off the list."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import editfile
from .errors import PipelineError
from .transcript import Transcript

THRESHOLD = 0.5


@dataclass
class ReviewItem:
    where: str  # path:line of the editor's file
    start: float
    word: str
    probability: float

    def __str__(self) -> str:
        return f"{self.where}: {editfile.format_mark(self.start)} {self.word!r} ({self.probability:.0%} sure)"


def review_folder(folder: Path, threshold: float = THRESHOLD) -> tuple[list[ReviewItem], list[str]]:
    """(items, notes) for one video's folder; notes say what could not be checked."""
    name = folder.name
    edit_path = folder / f"{name}.edit.txt"
    try:
        state = json.loads((folder / ".build.json").read_text(encoding="utf-8"))
        edit_bytes = edit_path.read_bytes()
        corrected = Transcript.from_json((folder / f"{name}.words.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return [], [f"{folder}: not built yet; run `make` first"]
    if state.get("corrected_key", {}).get("edit_sha256") != hashlib.sha256(edit_bytes).hexdigest():
        return [], [f"{edit_path}: changed since the last build; run `make` first"]
    notes = [f"{edit_path}:{n}: few of this line's words matched the machine transcript; check its timing"
             for n in state.get("poorly_matched", [])]
    try:
        doc = editfile.parse(editfile.decode(edit_bytes, str(edit_path)), str(edit_path))
        original = editfile.parse((folder / f".{name}.edit.orig.txt").read_text(encoding="utf-8"), "")
        untouched = {_line_text(line) for line in original.lines}
    except (OSError, PipelineError):
        untouched = set()
    items = []
    lines = [line for line in doc.lines if line.tokens]
    for line, segment in zip(lines, corrected.segments):
        if _line_text(line) not in untouched:
            continue
        items += [ReviewItem(f"{edit_path}:{line.number}", w.start, w.text, w.probability)
                  for w in segment.words if not w.sound and w.probability < threshold]
    return sorted(items, key=lambda item: item.probability), notes


def _line_text(line: editfile.EditLine) -> str:
    return f"{line.speaker or ''}|{' '.join(t.text for t in line.tokens)}"
