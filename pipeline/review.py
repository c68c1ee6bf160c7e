"""The review list: words Whisper was unsure of, riskiest first, so editors check them first.
Words on lines an editor has changed are taken as checked and drop off the list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import PipelineError
from .formats import editfile
from .store import VideoFiles
from .timecode import mark

THRESHOLD = 0.5


@dataclass(frozen=True)
class ReviewItem:
    where: str  # path:line of the editor's file
    start: float
    word: str
    probability: float
    why: str = ""  # for what a guard removed: why it did

    def __str__(self) -> str:
        if self.why:
            return f"{self.where}: {mark(self.start)} {self.word!r} (removed: {self.why})"
        return f"{self.where}: {mark(self.start)} {self.word!r} ({self.probability:.0%} sure)"


def review_folder(folder: Path, threshold: float = THRESHOLD) -> tuple[list[ReviewItem], list[str]]:
    """(items, notes) for one video's folder; notes say what could not be checked."""
    files = VideoFiles(folder, folder.name)
    edit_path = files.edit
    state = files.read_state()
    corrected = files.load_transcript(files.words)
    try:
        edit_bytes = edit_path.read_bytes()
    except OSError:
        edit_bytes = None
    if corrected is None or edit_bytes is None or state.corrected_key is None:
        return [], [f"{folder}: not built yet; run `make` first"]
    if state.corrected_key.get("edit_sha256") != hashlib.sha256(edit_bytes).hexdigest():
        return [], [f"{edit_path}: changed since the last build; run `make` first"]
    notes = [f"{edit_path}:{n}: few of this line's words matched the machine transcript; check its timing"
             for n in state.poorly_matched]
    if state.mismatch:
        notes.append(f"{edit_path}: {state.mismatch}")
    try:
        doc = editfile.parse(editfile.decode(edit_bytes, str(edit_path)), str(edit_path))
    except PipelineError as error:
        return [], [str(error)]
    try:
        original = editfile.parse(files.edit_original.read_text(encoding="utf-8"), "")
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
    items += _removed_items(files, lines, corrected)
    return sorted(items, key=lambda item: (item.probability, item.start)), notes


def _removed_items(files: VideoFiles, lines: list[editfile.EditLine], corrected) -> list[ReviewItem]:
    """What the guards took out of the machine's words, at the editor's line being spoken then:
    an editor decides whether it was speech."""
    machine = files.load_transcript(files.machine)
    if machine is None or not machine.removed:
        return []
    starts = [(segment.words[0].start if segment.words else 0.0, line.number)
              for line, segment in zip(lines, corrected.segments)]
    items = []
    for removed in machine.removed:
        number = next((n for start, n in reversed(starts) if start <= removed.start + 0.05),
                      starts[0][1] if starts else 0)
        items.append(ReviewItem(f"{files.edit}:{number}", removed.start, f"[removed: {removed.text}]", 0.0,
                                removed.reason))
    return items


def _line_text(line: editfile.EditLine) -> str:
    return f"{line.speaker or ''}|{' '.join(t.text for t in line.tokens)}"
