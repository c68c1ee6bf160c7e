"""What the browser editor shows and saves, apart from HTTP: the list of videos, one video's
lines with their words and warnings, and the safe save of NAME.edit.txt.

The page edits lines; a save sends only the lines that changed, and they alone are re-rendered,
so every other byte of the file stays as the editor (or a text editor) left it.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import threading
import time
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from ..atomic import atomic_write_bytes
from ..correct.glossary import parse_glossary
from ..batch import build_named, videos
from ..build import BuildConfig, FileResult
from ..check import audio_for, check_file
from ..errors import PipelineError
from ..formats import editfile
from ..review import ReviewList, review_list
from ..store import GLOSSARY, VTT, VideoFiles, video_files
from . import panels

BOM = "\ufeff"


class Refused(Exception):
    """A request the editor turns down: an HTTP status and a message for the page."""

    def __init__(self, status: HTTPStatus, message: str, extra: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra or {}  # more for the page: the line a problem is on, a conflict


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

    def render(self, speaker: str, text: str, mark: str | None = None) -> str:
        return self.indent + render_body(self.mark if mark is None else mark, speaker, text, self.legacy) + self.ending


def render_body(mark: str, speaker: str, text: str, legacy: bool) -> str:
    """A content line as the file writes it: mark, speaker, text (escaped where it would misread)."""
    parts = [mark, editfile.speaker_text(speaker, legacy) if speaker else "", editfile.line_text(text, legacy)]
    return " ".join(p for p in parts if p)


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
    """One edit the page sends. "edit" rewrites line `line` (speaker, text, and the time mark when
    `mark` is not None; "" removes it); "delete" removes line `line`; "insert" adds a line after
    line `after` (0: before the first line of the transcript), in the order the inserts come;
    "name" names the voice `speaker` as `text` in the speakers table ("" unnames it)."""

    line: int  # the file's line number, as the page was given it
    speaker: str = ""
    text: str = ""
    mark: str | None = None
    op: str = "edit"
    after: int = 0


def apply_changes(text: str, changes: list[Change], path: str) -> str:
    """The file with the changed lines re-rendered and every other line byte for byte as it was."""
    return apply_operations(text, changes, path)[0]


def apply_operations(text: str, changes: list[Change], path: str) -> tuple[str, list[tuple[str, int]]]:
    """(the new file, where each of its lines came from): ("line", old line number) for a line
    kept or rewritten, ("insert", index of the change) for a new one, ("raw", number) for notes."""
    raw = split_lines(text)
    parts = {line.number: line for line in content_lines(text)}
    legacy = editfile.is_legacy(text)
    ending = "\r\n" if "\r\n" in text else "\n"
    replaced: dict[int, str | None] = {}  # line number -> its new text, or None when deleted
    inserts: dict[int, list[tuple[int, str]]] = {}
    for index, change in enumerate(changes):
        if change.op == "name":
            continue  # the speakers table: after the lines, below
        if change.op == "insert":
            where = f"{path}:{change.after}" if change.after else path
            if change.after and change.after not in parts:
                raise PipelineError(where, "is not a transcript line (reload the page)")
            speaker, words = change.speaker.strip(), " ".join(change.text.split())
            _check_speaker(speaker, where, legacy)
            mark = _mark(change.mark or "", where)
            if not words:
                raise PipelineError(where, "a new line needs some text (a word or a [sound])")
            inserts.setdefault(change.after, []).append((index, render_body(mark, speaker, words, legacy)))
            continue
        line = parts.get(change.line)
        where = f"{path}:{change.line}"
        if line is None:
            raise PipelineError(where, "is not a transcript line (reload the page)")
        if change.line in replaced:
            raise PipelineError(where, "is changed twice in one save (reload the page)")
        if change.op == "delete":
            replaced[change.line] = None
            continue
        if change.op != "edit":
            raise PipelineError(where, f"unknown change {change.op!r}")
        speaker, words = change.speaker.strip(), " ".join(change.text.split())
        _check_speaker(speaker, where, line.legacy)
        mark = line.mark if change.mark is None else _mark(change.mark, where)
        if (speaker, words, mark) != (line.speaker, " ".join(line.text.split()), line.mark):
            replaced[change.line] = line.render(speaker, words, mark)
    out: list[str] = []
    origins: list[tuple[str, int]] = []

    def emit(group: list[tuple[int, str]]) -> None:
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += ending  # a last line without an ending gets one before the new lines
        for index, body in group:
            out.append(body + ending)
            origins.append(("insert", index))

    leading = inserts.pop(0, [])
    first = min(parts) if parts else None
    for number, line_text in enumerate(raw, start=1):
        if number == first and leading:
            emit(leading)
            leading = []
        if number in replaced:
            if replaced[number] is not None:
                out.append(replaced[number])
                origins.append(("line", number))
        else:
            out.append(line_text)
            origins.append(("line" if number in parts else "raw", number))
        if number in inserts:
            emit(inserts.pop(number))
    if leading:
        emit(leading)
    return _name_voices("".join(out), origins, [c for c in changes if c.op == "name"], path)


def _name_voices(text: str, origins: list[tuple[str, int]], names: list[Change],
                 path: str) -> tuple[str, list[tuple[str, int]]]:
    """The file with each voice named in its speakers table row (a new row when it has none);
    `origins` gets the new row, so a problem further down is still named by the page's line."""
    for change in names:
        voice, name = change.speaker.strip(), " ".join(change.text.split())
        for what in ([voice, name] if name else [voice]):  # "" unnames a voice
            if not editfile.valid_speaker(what):
                raise PipelineError(path, f"speaker {what!r} is not a name the file can hold: "
                                          "at most 60 characters, no colon")
        before = split_lines(text)
        text = editfile.set_speaker_name(text, voice, name)
        after = split_lines(text)
        if len(after) > len(before):  # a row was added: where the two first differ
            at = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), len(before))
            origins.insert(at, ("raw", 0))
    return text, origins


def _mark(written: str, where: str) -> str:
    """A time mark as the page sends it ("00:05.2" or "[00:05.2]", "" for none), as the file writes it."""
    written = written.strip()
    if not written:
        return ""
    mark = written if written.startswith("[") else f"[{written}]"
    if not editfile.TIME_MARK.fullmatch(mark):
        raise PipelineError(where, f"time mark {written!r} is not a time such as 01:23.4")
    return mark


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
            "vtt_url": None, "error": None, "to_check": 0, "review": [], "meta": panels.meta_view(outputs),
            "machine_lines": panels.machine_lines(outputs), "easy_read": outputs.easy_read.is_file(),
            "speakers": []}
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
    view["speakers"] = [{"voice": row.voice, "name": row.name} for row in editfile.speakers_table(text, path)]
    view["review"] = []
    if view["current"]:
        review = review_list(outputs.folder)
        view["to_check"] = len(review)
        view["review"] = [{"key": item.key, "word": item.word, "start": item.start, "line": item.line,
                           "index": item.index, "risk": round(item.risk, 3), "reasons": list(item.reasons),
                           "alternative": item.alternative} for item in review.items]  # riskiest first
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
        outputs = self._outputs(name)
        with self._lock:
            return self._save(outputs, base_sha256, changes)

    def _save(self, outputs: VideoFiles, base_sha256: str, changes: list[Change]) -> SaveResult:
        path = str(outputs.edit)
        old = outputs.edit.read_bytes()
        self._check_base(outputs, old, base_sha256)
        try:
            text = editfile.decode(old, path)
            new_text, origins = apply_operations(text, changes, path)
        except PipelineError as error:
            raise Refused(HTTPStatus.BAD_REQUEST, str(error), _line_of(error, path)) from None
        try:
            editfile.parse(new_text, path)
        except PipelineError as error:  # at a line of the new file: named by the line the page shows
            raise _refused_at(error, path, origins, changes) from None
        if new_text == text:
            return SaveResult(False, "No changes to save.")
        return self._write(outputs, old, ((BOM if old.startswith(BOM.encode()) else "") + new_text).encode("utf-8"))

    @staticmethod
    def _check_base(outputs: VideoFiles, old: bytes, base_sha256: str) -> None:
        if sha256(old) != base_sha256:
            raise Refused(HTTPStatus.CONFLICT, f"{outputs.edit.name} was changed on disk after this page loaded it "
                                               "(in a text editor?), so nothing was saved. Your changes are kept: "
                                               "merge them with the file as it is now.",
                          {"conflict": True, "edit_sha256": sha256(old)})

    def _write(self, outputs: VideoFiles, old: bytes, new: bytes) -> SaveResult:
        """The new file, written safely: the old one kept as .bak and in the history, then rebuilt."""
        keep_version(outputs, old)
        atomic_write_bytes(outputs.edit_backup, old)
        atomic_write_bytes(outputs.edit, new)
        result = build_named(self.config, outputs.name, log=lambda _: None)
        if result.error:
            return SaveResult(True, f"Saved, but the captions could not be rebuilt: {result.error}", result)
        return SaveResult(True, f"Saved {outputs.edit.name} and rebuilt the captions.", result)

    def revert(self, name: str, base_sha256: str, version: str) -> SaveResult:
        """The editor's file as it was in an earlier version (from its history), saved as a new
        version: the one it replaces joins the history, so a revert can itself be undone."""
        outputs = self._outputs(name)
        with self._lock:
            old = outputs.edit.read_bytes()
            self._check_base(outputs, old, base_sha256)
            source = version_path(outputs, version)
            if source is None:
                raise Refused(HTTPStatus.NOT_FOUND, "no such version (reload the page)")
            data = source.read_bytes()
            try:
                editfile.parse(editfile.decode(data, str(outputs.edit)), str(outputs.edit))
            except PipelineError as error:
                raise Refused(HTTPStatus.BAD_REQUEST, f"that version cannot be used: {error}") from None
            if data == old:
                return SaveResult(False, "That version is the file as it is now.")
            return self._write(outputs, old, data)

    def save_meta(self, name: str, base_sha256: str, title: str, description: str, language: str) -> SaveResult:
        """NAME.meta.json with this title, description and language, saved as safely as the
        editor's file (base checked, the old one kept as .bak, written atomically), then rebuilt."""
        outputs = self._outputs(name)
        with self._lock:
            old = outputs.meta.read_bytes() if outputs.meta.is_file() else b""
            if sha256(old) != base_sha256:
                raise Refused(HTTPStatus.CONFLICT, f"{outputs.meta.name} was changed on disk after this page loaded it, "
                                                   "so nothing was saved. Reload the page to see it, then make your "
                                                   "changes again.", {"conflict": True})
            try:
                new = panels.meta_bytes(outputs, title, description, language)
            except PipelineError as error:
                raise Refused(HTTPStatus.BAD_REQUEST, str(error)) from None
            if new == old:
                return SaveResult(False, "No changes to the title, description or language.")
            if old:
                atomic_write_bytes(outputs.meta_backup, old)
            atomic_write_bytes(outputs.meta, new)
            return self._rebuilt(outputs, f"Saved {outputs.meta.name}")

    def save_easy_read(self, name: str, base_sha256: str, points: list[dict]) -> SaveResult:
        """The easy read with its points as the page has them: base checked, the old file kept as
        NAME.easy-read.md.bak, written atomically (it is then the editor's), then rebuilt."""
        outputs = self._outputs(name)
        path = outputs.easy_read
        with self._lock:
            if not path.is_file():
                raise Refused(HTTPStatus.NOT_FOUND, f"{path.name} is not there yet: run make")
            old = path.read_bytes()
            if sha256(old) != base_sha256:
                raise Refused(HTTPStatus.CONFLICT, f"{path.name} was changed on disk after this page loaded it (in a "
                                                   "text editor?), so nothing was saved. Your points are kept: "
                                                   "merge them with the file as it is now.",
                              {"conflict": True})
            try:
                text = editfile.decode(old, str(path))
                new = panels.rewrite_points(text, str(path), points)
            except PipelineError as error:
                raise Refused(HTTPStatus.BAD_REQUEST, str(error)) from None
            if new == text:
                return SaveResult(False, "No changes to the easy read.")
            data = ((BOM if old.startswith(BOM.encode()) else "") + new).encode("utf-8")
            atomic_write_bytes(outputs.easy_read_backup, old)
            atomic_write_bytes(path, data)
            return self._rebuilt(outputs, f"Saved {path.name}")

    def _rebuilt(self, outputs: VideoFiles, saved: str) -> SaveResult:
        result = build_named(self.config, outputs.name, log=lambda _: None)
        if result.error:
            return SaveResult(True, f"{saved}, but the video could not be rebuilt: {result.error}", result)
        return SaveResult(True, f"{saved} and rebuilt the video.", result)

    def _outputs(self, name: str) -> VideoFiles:
        outputs = outputs_for(self.config, name)
        if name not in videos(self.config) or not outputs.edit.is_file():
            raise Refused(HTTPStatus.NOT_FOUND, f"{name}: no such video")
        return outputs

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


def _line_of(error: PipelineError, path: str) -> dict:
    """The line a problem is on, when its message names one of this file's lines."""
    prefix = path + ":"
    if error.path.startswith(prefix) and error.path[len(prefix):].isdigit():
        return {"line": int(error.path[len(prefix):])}
    return {}


def _refused_at(error: PipelineError, path: str, origins: list[tuple[str, int]], changes: list[Change]) -> Refused:
    """A problem in the new file, named by the line of the file the page shows (or the new line)."""
    at = _line_of(error, path).get("line")
    if at is None or not 0 < at <= len(origins):
        return Refused(HTTPStatus.BAD_REQUEST, str(error))
    kind, number = origins[at - 1]
    if kind == "insert":
        after = changes[number].after
        where = f"{path}: the new line after line {after}" if after else f"{path}: a new first line"
        return Refused(HTTPStatus.BAD_REQUEST, f"{where}: {error.problem}", {"change": number})
    return Refused(HTTPStatus.BAD_REQUEST, f"{path}:{number}: {error.problem}", {"line": number})


# --- History: each version a save replaced, beside the file ---------------------------------------

HISTORY_KEPT = 50


def keep_version(outputs: VideoFiles, data: bytes) -> None:
    """Keep this version of the editor's file in its history folder; the oldest go past 50."""
    folder = outputs.edit_history
    folder.mkdir(exist_ok=True)
    name = f"{time.time_ns()}.txt"
    atomic_write_bytes(folder / name, data)
    for stale in sorted(p for p in folder.glob("*.txt") if p.stem.isdigit())[:-HISTORY_KEPT]:
        stale.unlink(missing_ok=True)


def version_path(outputs: VideoFiles, version: str) -> Path | None:
    if not version.isdigit():
        return None
    path = outputs.edit_history / f"{version}.txt"
    return path if path.is_file() else None


def history(config: BuildConfig, name: str) -> list[dict]:
    """The saved versions of a video's file, newest first: when, and how many lines differ from now."""
    outputs = outputs_for(config, name)
    if name not in videos(config) or not outputs.edit.is_file():
        raise Refused(HTTPStatus.NOT_FOUND, f"{name}: no such video")
    now = outputs.edit.read_bytes().decode("utf-8", "replace").splitlines()
    versions = []
    folder = outputs.edit_history
    for path in sorted((p for p in folder.glob("*.txt") if p.stem.isdigit()), reverse=True) if folder.is_dir() else []:
        lines = path.read_bytes().decode("utf-8", "replace").splitlines()
        differ = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in
                     difflib.SequenceMatcher(None, lines, now, autojunk=False).get_opcodes() if tag != "equal")
        versions.append({"version": path.stem, "saved_at": int(path.stem) / 1e9, "lines_differ": differ,
                         "sha256": sha256(path.read_bytes())})
    return versions


# --- The glossary ----------------------------------------------------------------------------------

def add_glossary_rule(config: BuildConfig, wrong: str, right: str) -> str:
    """Append `wrong -> right` to transcripts/glossary.txt (atomically), if the glossary still reads."""
    wrong, right = " ".join(wrong.split()), " ".join(right.split())
    if not wrong or not right or "->" in wrong or "->" in right or "#" in wrong[:1]:
        raise Refused(HTTPStatus.BAD_REQUEST, "a glossary rule needs words on both sides, without '->'")
    path = config.transcripts_dir / GLOSSARY
    with _glossary_lock:
        return _append_rule(path, wrong, right)


_glossary_lock = threading.Lock()


def _append_rule(path: Path, wrong: str, right: str) -> str:
    try:
        old = editfile.decode(path.read_bytes(), str(path)) if path.is_file() else ""
        new = old + ("" if not old or old.endswith("\n") else "\n") + f"{wrong} -> {right}\n"
        parse_glossary(new, str(path))
    except PipelineError as error:
        raise Refused(HTTPStatus.BAD_REQUEST, str(error)) from None
    atomic_write_bytes(path, new.encode("utf-8"))
    return f"Added “{wrong} -> {right}” to {path.name}; it applies to the machine's words of videos built from now on."


# --- The other views of a video: its easy read, its captions, its audio ----------------------------

def easy_read_view(config: BuildConfig, name: str) -> dict:
    outputs = outputs_for(config, name)
    if name not in videos(config) or not outputs.easy_read.is_file():
        raise Refused(HTTPStatus.NOT_FOUND, f"{name}: no easy read yet (run make)")
    return panels.easy_read_view(outputs)


def caption_view(config: BuildConfig, name: str) -> dict:
    outputs = outputs_for(config, name)
    if name not in videos(config) or not outputs.edit.is_file():
        raise Refused(HTTPStatus.NOT_FOUND, f"{name}: no such video")
    samples, fps = audio_for(outputs.folder)
    return {"cues": panels.caption_rows(outputs.path(VTT), config.profile, fps, samples),
            "style": panels.caption_needs(config.profile)}


def waveform(config: BuildConfig, name: str) -> dict:
    outputs = outputs_for(config, name)
    if name not in videos(config):
        raise Refused(HTTPStatus.NOT_FOUND, f"{name}: no such video")
    return panels.peaks(outputs)
