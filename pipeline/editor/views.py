"""What the browser editor shows and saves, apart from HTTP: the list of videos, one video's
lines with their words and warnings, and the safe save of NAME.edit.txt.

The page edits lines; a save sends only the lines that changed, and they alone are re-rendered,
so every other byte of the file stays as the editor (or a text editor) left it.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from ..atomic import atomic_write_bytes
from ..batch import build_named, videos
from ..build import BuildConfig, FileResult
from ..check import audio_for, check_file
from ..errors import PipelineError
from ..formats import editfile
from ..review import ReviewList, review_list
from ..store import VTT, VideoFiles, video_files

BOM = "\ufeff"


class Refused(Exception):
    """A request the editor turns down: an HTTP status and a message for the page."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --- The editor's file, line by line -------------------------------------------------------------

@dataclass(frozen=True)
class LineParts:
    """One content line of NAME.edit.txt, split as written: indent, time mark, speaker, text."""

    number: int  # 1-based line number in the file
    indent: str
    mark: str  # "[00:05.4]" as written, or ""
    speaker: str  # a speaker named on this line, or ""
    text: str
    ending: str  # "\n", "\r\n" or "" for a last line without one
    legacy: bool = False  # the file names speakers the old way ("Name:")

    def render(self, speaker: str, text: str) -> str:
        parts = [self.mark, editfile.speaker_text(speaker, self.legacy) if speaker else "",
                 editfile.line_text(text, self.legacy)]
        return self.indent + " ".join(p for p in parts if p) + self.ending


def split_lines(text: str) -> list[str]:
    """The file's lines with their endings; the last may have none."""
    return text.splitlines(keepends=True)


def content_lines(text: str) -> list[LineParts]:
    """Every line an editor can correct: not blank, not a # note (split by the file's one parser)."""
    legacy = editfile.is_legacy(text)
    lines = []
    for number, raw in enumerate(split_lines(text), start=1):
        body = raw.rstrip("\r\n")
        content = body.strip()
        if not content or content.startswith("#"):
            continue
        split = editfile.split_line(content, legacy)
        lines.append(LineParts(number, body[: len(body) - len(body.lstrip())], split.mark, split.speaker,
                               split.text, raw[len(body):], legacy))
    return lines


@dataclass
class Change:
    line: int  # the file's line number, as the page was given it
    speaker: str
    text: str


def apply_changes(text: str, changes: list[Change], path: str) -> str:
    """The file with the changed lines re-rendered and every other line byte for byte as it was."""
    raw = split_lines(text)
    parts = {line.number: line for line in content_lines(text)}
    for change in changes:
        line = parts.get(change.line)
        if line is None:
            raise PipelineError(f"{path}:{change.line}", "is not a transcript line (reload the page)")
        speaker, words = change.speaker.strip(), " ".join(change.text.split())
        _check_speaker(speaker, f"{path}:{change.line}", line.legacy)
        if (speaker, words) != (line.speaker, " ".join(line.text.split())):
            raw[change.line - 1] = line.render(speaker, words)
    return "".join(raw)


def _check_speaker(speaker: str, where: str, legacy: bool) -> None:
    if speaker and not editfile.valid_speaker(speaker, legacy):
        rule = "start it with a capital letter, at most four words" if legacy else "at most 60 characters"
        raise PipelineError(where, f"speaker {speaker!r} is not a name the file can hold: {rule}, no colon")


# --- What the page shows -------------------------------------------------------------------------

def outputs_for(config: BuildConfig, name: str) -> VideoFiles:
    return video_files(config.transcripts_dir, name)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_current(outputs: VideoFiles, edit_bytes: bytes) -> bool:
    """The published words were built from exactly this editor's file."""
    return (outputs.read_state().corrected_key or {}).get("edit_sha256") == sha256(edit_bytes)


def review_status(outputs: VideoFiles) -> str:
    """A few words for the list of videos: how far its review has got."""
    if not outputs.edit.is_file():
        return "not built yet: run make"
    edit_bytes = outputs.edit.read_bytes()
    if not is_current(outputs, edit_bytes):
        return "changed since the last build: save here or run make"
    reviewed = outputs.edited()
    unsure = len(review_list(outputs.folder))
    status = "corrected" if reviewed else "not corrected yet"
    return f"{status}; {unsure} word{'s' * (unsure != 1)} to check" if unsure else status


def video_list(config: BuildConfig) -> list[dict]:
    return [{"name": name, "media": media.name, "status": review_status(outputs_for(config, name))}
            for name, media in sorted(videos(config).items())]


@dataclass
class LineView:
    number: int
    mark: str
    start: float | None
    speaker: str
    text: str
    words: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)


def video_view(config: BuildConfig, name: str) -> dict:
    """Everything the page needs for one video: its lines, their words and warnings, the URLs."""
    media = videos(config).get(name)
    outputs = outputs_for(config, name)
    if media is None or not outputs.edit.is_file():
        raise Refused(HTTPStatus.NOT_FOUND, f"{name}: no such video, or not built yet (run make)")
    edit_bytes = outputs.edit.read_bytes()
    view = {"name": name, "media_url": "/media/" + quote(media.name), "edit_file": str(outputs.edit),
            "edit_sha256": sha256(edit_bytes), "current": is_current(outputs, edit_bytes), "lines": [],
            "vtt_url": None, "error": None, "to_check": 0}
    vtt = outputs.path(VTT)
    if vtt.is_file():
        view["vtt_url"] = f"/transcripts/{quote(name)}/{quote(vtt.name)}?v={sha256(vtt.read_bytes())[:12]}"
    path = str(outputs.edit)
    try:
        text = editfile.decode(edit_bytes, path)
        doc = editfile.parse(text, path)
    except PipelineError as error:
        view["error"] = str(error)
        return view
    lines = _line_views(text, doc)
    if view["current"]:
        review = review_list(outputs.folder)
        view["to_check"] = len(review)
        _attach_words(lines, outputs, review)
    _attach_findings(lines, config, outputs)
    view["lines"] = [asdict(line) for line in lines]
    return view


def _line_views(text: str, doc: editfile.EditDocument) -> list[LineView]:
    marks = {line.number: line.mark for line in doc.lines}
    return [LineView(p.number, p.mark, marks.get(p.number), p.speaker, p.text) for p in content_lines(text)
            if p.number in marks]


def _attach_words(lines: list[LineView], outputs: VideoFiles, review: ReviewList) -> None:
    """The published words of each line: the build makes one segment per line that has words."""
    published = outputs.load_transcript(outputs.words)
    if published is None:
        return
    flagged = {(item.line, item.index): item for item in review.items}
    worded = [line for line in lines if line.text]
    for line, segment in zip(worded, published.segments):
        line.words = [_word_view(w, flagged.get((line.number, k))) for k, w in enumerate(segment.words)]
        if line.start is None and segment.words:
            line.start = segment.words[0].start
    by_number = {line.number: line for line in lines}
    for item in review.items:
        if item.index < 0 and item.line in by_number:  # words a guard removed: shown at their line
            by_number[item.line].findings.append({"rule": "removed", "detail": f"{item.word}: {'; '.join(item.reasons)}",
                                                  "error": False, "start": item.start})


def _word_view(word, item) -> dict:
    view = {"text": word.text, "start": word.start, "end": word.end, "probability": word.probability,
            "sound": word.sound}
    if item is not None:
        view.update(check="; ".join(item.reasons), risk=round(item.risk, 3), alternative=item.alternative,
                    key=item.key)
    return view


def _attach_findings(lines: list[LineView], config: BuildConfig, outputs: VideoFiles) -> None:
    """Each caption warning beside the line being spoken when its cue starts."""
    vtt = outputs.path(VTT)
    if not vtt.is_file() or not lines:
        return
    samples, fps = audio_for(outputs.folder)
    starts = line_starts(lines)
    for finding in check_file(vtt, config.profile, fps, samples):
        line = lines[line_at(starts, finding.start)]
        line.findings.append({"rule": finding.rule, "detail": finding.detail, "error": finding.error,
                              "start": finding.start})


def line_starts(lines: list[LineView]) -> list[float]:
    """When each line starts; a line without a time follows the one before it."""
    starts, previous = [], 0.0
    for line in lines:
        previous = line.start if line.start is not None else previous
        starts.append(previous)
    return starts


def line_at(starts: list[float], seconds: float, slack: float = 0.1) -> int:
    """The line whose span holds this time; marks are rounded to 0.1 s, hence the slack."""
    return max(0, bisect.bisect_right(starts, seconds + slack) - 1)


# --- Saving --------------------------------------------------------------------------------------

@dataclass
class SaveResult:
    saved: bool
    message: str
    build: FileResult | None = None


class Saver:
    """Saves one video at a time: check the base, keep a backup, write atomically, rebuild."""

    def __init__(self, config: BuildConfig):
        self.config = config
        self._lock = threading.Lock()

    def save(self, name: str, base_sha256: str, changes: list[Change]) -> SaveResult:
        outputs = outputs_for(self.config, name)
        if name not in videos(self.config) or not outputs.edit.is_file():
            raise Refused(HTTPStatus.NOT_FOUND, f"{name}: no such video")
        with self._lock:
            return self._save(outputs, base_sha256, changes)

    def _save(self, outputs: VideoFiles, base_sha256: str, changes: list[Change]) -> SaveResult:
        path = str(outputs.edit)
        old = outputs.edit.read_bytes()
        if sha256(old) != base_sha256:
            raise Refused(HTTPStatus.CONFLICT, f"{outputs.edit.name} was changed on disk after this page loaded it "
                                               "(in a text editor?), so nothing was saved. Copy your changes, "
                                               "reload the page, and make them again.")
        try:
            text = editfile.decode(old, path)
            new_text = apply_changes(text, changes, path)
            editfile.parse(new_text, path)
        except PipelineError as error:
            raise Refused(HTTPStatus.BAD_REQUEST, str(error)) from None
        if new_text == text:
            return SaveResult(False, "No changes to save.")
        atomic_write_bytes(outputs.edit_backup, old)
        atomic_write_bytes(outputs.edit, ((BOM if old.startswith(BOM.encode()) else "") + new_text).encode("utf-8"))
        result = build_named(self.config, outputs.name, log=lambda _: None)
        if result.error:
            return SaveResult(True, f"Saved, but the captions could not be rebuilt: {result.error}", result)
        return SaveResult(True, f"Saved {outputs.edit.name} and rebuilt the captions.", result)

    def mark_checked(self, name: str, key: str) -> SaveResult:
        """An editor looked at a word on the review list and it is right: it leaves the list (and
        every count of it) without its text changing. Kept in NAME.checked.txt, the editor's."""
        outputs = outputs_for(self.config, name)
        if name not in videos(self.config) or not outputs.edit.is_file():
            raise Refused(HTTPStatus.NOT_FOUND, f"{name}: no such video")
        if "\n" in key or "\r" in key or not key.strip() or len(key) > 200:
            raise Refused(HTTPStatus.BAD_REQUEST, "not a word of the review list")
        with self._lock:
            if key not in {item.key for item in review_list(outputs.folder).items}:
                raise Refused(HTTPStatus.CONFLICT, "that word is no longer on the review list (reload the page)")
            try:
                old = outputs.checked.read_text(encoding="utf-8")
            except FileNotFoundError:
                old = "# Words an editor checked and found right; they leave the review list.\n"
            atomic_write_bytes(outputs.checked, (old + ("" if old.endswith("\n") else "\n") + key + "\n").encode())
            result = build_named(self.config, name, log=lambda _: None)  # the counts in the published files
        return SaveResult(True, f"Marked {key.split(' ', 1)[1]!r} as checked.", result)
