"""The review list: the words most likely wrong, riskiest first, so editors check them first.

One function, `review_list`, makes it; `make review`, the browser editor's list and video pages,
the manifest and the VTT NOTE all count and show what it returns.

A word leaves the list when an editor changes its line, or marks it checked (the editor's
NAME.checked.txt). What the guards removed from the machine's words is on the list too, with its
time, so nothing the machine heard vanishes unseen; and after a re-transcription, a word the
editor kept that the new machine transcript hears differently is listed with what it heard.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from ..atomic import atomic_write_text
from ..errors import PipelineError
from ..formats import editfile
from ..correct.glossary import Glossary, apply_rules, load_glossary
from ..store import GLOSSARY, VideoFiles, read_json_object
from ..timecode import mark
from ..transcript import Transcript, Word, normalise_token
from ..transcribe.vote import combine
from . import risk as risk_model


@dataclass(frozen=True)
class ReviewItem:
    where: str  # path:line of the editor's file
    start: float
    word: str
    risk: float  # probability that the word is wrong (1.0 for what a guard removed)
    reasons: tuple[str, ...] = ()
    alternative: str | None = None  # what another decode heard instead, offered to the editor
    line: int = 0
    index: int = -1  # the word's place among its line's words (-1: removed words, between words)

    @property
    def key(self) -> str:
        """How an editor's "checked" mark names this word."""
        return f"{mark(self.start)} {self.word}"

    def __str__(self) -> str:
        return f"{self.where}: {mark(self.start)} {self.word!r} ({self.risk:.0%} risk: {'; '.join(self.reasons)})"


@dataclass(frozen=True)
class ReviewList:
    items: tuple[ReviewItem, ...] = ()
    notes: tuple[str, ...] = ()  # what could not be checked, or what else the editor should know
    current: bool = True  # built from the editor's file as it is now

    def __len__(self) -> int:
        return len(self.items)


def review_list(folder: Path, cached: bool = False) -> ReviewList:
    """The review list of one built video (transcripts/NAME/). `cached`: the machine words' risks
    are read from NAME.risks.json when it was made from the same words, and kept there when not
    (the build's count: the risks are most of the list's cost, and an edit never changes them)."""
    files = VideoFiles(folder, folder.name)
    state = files.read_state()
    published = files.load_transcript(files.words)
    machine = files.load_transcript(files.machine)
    try:
        edit_bytes = files.edit.read_bytes()
    except OSError:
        edit_bytes = None
    if published is None or machine is None or edit_bytes is None or state.corrected_key is None:
        return ReviewList(notes=(f"{folder}: not built yet; run `make` first",), current=False)
    if state.corrected_key.get("edit_sha256") != hashlib.sha256(edit_bytes).hexdigest():
        return ReviewList(notes=(f"{files.edit}: changed since the last build; run `make` first",), current=False)
    notes = [f"{files.edit}:{n}: few of this line's words matched the machine transcript; check its timing"
             for n in state.poorly_matched]
    if state.mismatch:
        notes.append(f"{files.edit}: {state.mismatch}")
    try:
        doc = editfile.parse(editfile.decode(edit_bytes, str(files.edit)), str(files.edit))
    except PipelineError as error:
        return ReviewList(notes=(str(error),), current=False)
    try:
        glossary = load_glossary(folder.parent / GLOSSARY, files.glossary)
    except PipelineError as error:
        return ReviewList(notes=(str(error),), current=False)
    second = files.load_transcript(files.second_opinion)
    items = _word_items(files, doc, published, machine, second, glossary, cached)
    items += _removed_items(files, doc, published, machine)
    checked = checked_marks(files)
    items = [item for item in items if item.key not in checked]
    return ReviewList(tuple(sorted(items, key=lambda item: (-item.risk, item.start))), tuple(notes))


def checked_marks(files: VideoFiles) -> frozenset[str]:
    """The words an editor marked checked without changing them: one "[mm:ss.s] word" a line."""
    try:
        text = files.checked.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _untouched_lines(files: VideoFiles, doc: editfile.EditDocument) -> set[int]:
    """Line numbers of the editor's file whose speaker and words are as the build first wrote them."""
    try:
        original = editfile.parse(files.edit_original.read_text(encoding="utf-8"), "")
    except (OSError, PipelineError):
        return set()
    drafted = {_line_text(line) for line in original.lines}
    return {line.number for line in doc.lines if _line_text(line) in drafted}


def _line_text(line: editfile.EditLine) -> str:
    return f"{line.voice or line.speaker or ''}|{' '.join(t.text for t in line.tokens)}"


def _word_items(files: VideoFiles, doc: editfile.EditDocument, published: Transcript, machine: Transcript,
                second: Transcript | None, glossary: Glossary, cached: bool = False) -> list[ReviewItem]:
    """Risky words on lines no editor has changed: the machine's risk of the word it published,
    or, where the machine now hears something else (after a re-transcription), that."""
    heard, risks = _machine_words_with_risk(machine, second, glossary, files.risks if cached else None)
    threshold = risk_model.model().threshold
    untouched = _untouched_lines(files, doc)
    placed = _published_words(doc, published)
    spoken = [(line, index, word) for line, index, word in placed if not word.sound]
    matcher = SequenceMatcher(None, [normalise_token(w.text) for _, _, w in spoken],
                              [normalise_token(w.text) for w in heard], autojunk=False)
    items = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset, (line, index, word) in enumerate(spoken[i1:i2]):
            if line not in untouched:
                continue
            where = f"{files.edit}:{line}"
            if op == "equal":
                found = risks[j1 + offset]
                if found is not None and found.probability >= threshold:
                    items.append(ReviewItem(where, word.start, word.text, found.probability,
                                            found.reasons or ("several small doubts",), found.alternative, line,
                                            index))
            elif op in ("replace", "delete"):
                now = " ".join(w.text for w in heard[j1:j2]) or "nothing"
                items.append(ReviewItem(where, word.start, word.text, 1.0,
                                        (f"the machine transcript now hears {now!r}",), now, line, index))
    return items


def _machine_words_with_risk(machine: Transcript, second: Transcript | None, glossary: Glossary,
                             cache: Path | None = None) -> tuple[list[Word], list[risk_model.Risk | None]]:
    """The machine words as the build drafted them (the vote of the two decodes, then the glossary's
    rules), each with its risk; a word a glossary rule wrote has none. `cache`: where the risks are
    kept between builds, by what they were computed from."""
    voted = combine(machine, second)
    first = _assessed(machine.words, second.words if second else None, glossary.known_words(), cache)
    threshold = risk_model.model().threshold
    voted_risks = [first[i] if instead is None else
                   risk_model.Risk(max(first[i].probability, threshold), (f"the first model heard {instead!r}",),
                                   instead)
                   for i, instead in voted.sources]
    drafted = apply_rules(voted.transcript, glossary.rules).words
    risks: list[risk_model.Risk | None] = [None] * len(drafted)
    matcher = SequenceMatcher(None, [w.text for w in drafted], [w.text for w in voted.transcript.words],
                              autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            risks[i1:i2] = voted_risks[j1:j2]
    return drafted, risks


def _assessed(words: list[Word], second: list[Word] | None, known: frozenset[str],
              cache: Path | None) -> list[risk_model.Risk]:
    """risk_model.assess, read from `cache` when it was made from the same inputs (the words'
    frequency lookups alone cost about half a second of CPU, the import of wordfreq included)."""
    if cache is None:
        return risk_model.assess(words, second, known)
    key = risk_model.inputs_key(words, second, known)
    found = risk_model.risks_from_json(read_json_object(cache), key)
    if found is None:
        found = risk_model.assess(words, second, known)
        atomic_write_text(cache, risk_model.risks_to_json(found, key))
    return found


def _published_words(doc: editfile.EditDocument, published: Transcript) -> list[tuple[int, int, Word]]:
    """(line number, place in the line, word) for every published word: one segment per line with words."""
    lines = [line for line in doc.lines if line.tokens]
    return [(line.number, index, word) for line, segment in zip(lines, published.segments)
            for index, word in enumerate(segment.words)]


def _removed_items(files: VideoFiles, doc: editfile.EditDocument, published: Transcript,
                   machine: Transcript) -> list[ReviewItem]:
    """What the guards took out of the machine's words, at the editor's line being spoken then:
    an editor decides whether it was speech."""
    starts = [(segment.words[0].start, line.number) for line, segment in
              zip([line for line in doc.lines if line.tokens], published.segments) if segment.words]
    items = []
    for removed in machine.removed:
        number = next((n for start, n in reversed(starts) if start <= removed.start + 0.05),
                      starts[0][1] if starts else 0)
        items.append(ReviewItem(f"{files.edit}:{number}", removed.start, f"[removed: {removed.text}]", 1.0,
                                (f"removed as {removed.reason}",), None, number))
    return items
