"""The transcript editor in the browser: `make edit` serves the videos beside their editor's
files on 127.0.0.1 only, and writes NAME.edit.txt as a text editor would, then rebuilds.

The page edits lines; a save sends only the lines that changed, and the server re-renders just
those, so every other byte of the file stays as the editor (or a text editor) left it.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import json
import mimetypes
import re
import secrets
import threading
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from . import editfile
from .build import (BuildConfig, FileResult, Outputs, audio_cache, build_named, find_media, output_names,
                    read_json_object)
from .check import audio_for, check_file
from .errors import PipelineError
from .review import THRESHOLD, review_folder
from .storage import atomic_write_bytes
from .transcript import Transcript

DEFAULT_PORT = 8765
MAX_SAVE_BYTES = 2_000_000
DRAIN_LIMIT = 16_000_000  # an oversized save up to this is read and dropped; larger ones lose the connection
BOM = "\ufeff"
STATIC = {"editor.js": "text/javascript; charset=utf-8", "editor.css": "text/css; charset=utf-8"}
TYPES = {".vtt": "text/vtt; charset=utf-8", ".srt": "text/plain; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".json": "application/json; charset=utf-8", ".webm": "video/webm", ".mp4": "video/mp4",
         ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".wav": "audio/wav", ".flac": "audio/flac"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class Refused(Exception):
    """A request the editor turns down: an HTTP status and a message for the page."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --- The editor's file, line by line -------------------------------------------------------------

@dataclass
class LineParts:
    """One content line of NAME.edit.txt, split as written: indent, time mark, speaker, text."""

    number: int  # 1-based line number in the file
    indent: str
    mark: str  # "[00:05.4]" as written, or ""
    speaker: str  # a "Name:" written on this line, without the colon, or ""
    text: str
    ending: str  # "\n", "\r\n" or "" for a last line without one

    def render(self, speaker: str, text: str) -> str:
        parts = [self.mark, f"{speaker}:" if speaker else "", text]
        return self.indent + " ".join(p for p in parts if p) + self.ending


def split_lines(text: str) -> list[str]:
    """The file's lines with their endings; the last may have none."""
    return text.splitlines(keepends=True)


def content_lines(text: str) -> list[LineParts]:
    """Every line an editor can correct: not blank, not a # note."""
    lines = []
    for number, raw in enumerate(split_lines(text), start=1):
        body = raw.rstrip("\r\n")
        content = body.strip()
        if not content or content.startswith("#"):
            continue
        mark = speaker = ""
        rest = content
        if match := editfile.TIME_MARK.match(rest):
            mark, rest = match.group(0), rest[match.end():].strip()
        if match := editfile.SPEAKER_NAME.match(rest):
            speaker, rest = match.group(1), rest[match.end():].strip()
        lines.append(LineParts(number, body[: len(body) - len(body.lstrip())], mark, speaker, rest,
                               raw[len(body):]))
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
        _check_speaker(speaker, f"{path}:{change.line}")
        if (speaker, words) != (line.speaker, " ".join(line.text.split())):
            raw[change.line - 1] = line.render(speaker, words)
    return "".join(raw)


def _check_speaker(speaker: str, where: str) -> None:
    match = editfile.SPEAKER_NAME.match(f"{speaker}:")
    if speaker and not (match and match.group(1) == speaker):
        raise PipelineError(where, f"speaker {speaker!r} is not a name the file can hold: start it with a "
                                   "capital letter, at most four words, no colon")


# --- What the page shows -------------------------------------------------------------------------

def videos(config: BuildConfig) -> dict[str, Path]:
    """NAME -> its media file, as the build names them."""
    try:
        media = find_media(config.media_dir)
    except PipelineError:
        return {}
    return {name: path for path, name in output_names(media).items()}


def outputs_for(config: BuildConfig, name: str) -> Outputs:
    return Outputs(config.transcripts_dir / name, name)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_current(outputs: Outputs, edit_bytes: bytes) -> bool:
    """The published words were built from exactly this editor's file."""
    return read_json_object(outputs.state).get("corrected_key", {}).get("edit_sha256") == sha256(edit_bytes)


def review_status(outputs: Outputs) -> str:
    """A few words for the list of videos: how far its review has got."""
    if not outputs.edit.is_file():
        return "not built yet: run make"
    edit_bytes = outputs.edit.read_bytes()
    if not is_current(outputs, edit_bytes):
        return "changed since the last build: save here or run make"
    try:
        reviewed = edit_bytes != outputs.edit_original.read_bytes()
    except OSError:
        reviewed = True
    unsure, _ = review_folder(outputs.folder)
    status = "corrected" if reviewed else "not corrected yet"
    return f"{status}; {len(unsure)} unsure word{'s' * (len(unsure) != 1)} to check" if unsure else status


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
            "vtt_url": None, "error": None, "threshold": THRESHOLD}
    vtt = outputs.path(".vtt")
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
        _attach_words(lines, outputs)
    _attach_findings(lines, config, outputs)
    view["lines"] = [asdict(line) for line in lines]
    return view


def _line_views(text: str, doc: editfile.EditDocument) -> list[LineView]:
    marks = {line.number: line.mark for line in doc.lines}
    return [LineView(p.number, p.mark, marks.get(p.number), p.speaker, p.text) for p in content_lines(text)
            if p.number in marks]


def _attach_words(lines: list[LineView], outputs: Outputs) -> None:
    """The published words of each line: the build makes one segment per line that has words."""
    try:
        published = Transcript.from_json(outputs.words.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return
    worded = [line for line in lines if line.text]
    for line, segment in zip(worded, published.segments):
        line.words = [{"text": w.text, "start": w.start, "end": w.end, "probability": w.probability,
                       "sound": w.sound} for w in segment.words]
        if line.start is None and segment.words:
            line.start = segment.words[0].start


def _attach_findings(lines: list[LineView], config: BuildConfig, outputs: Outputs) -> None:
    """Each caption warning beside the line being spoken when its cue starts."""
    vtt = outputs.path(".vtt")
    if not vtt.is_file() or not lines:
        return
    samples, fps = audio_for(outputs.folder, audio_cache())
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

    def _save(self, outputs: Outputs, base_sha256: str, changes: list[Change]) -> SaveResult:
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
        atomic_write_bytes(outputs.path(".edit.txt.bak"), old)
        atomic_write_bytes(outputs.edit, ((BOM if old.startswith(BOM.encode()) else "") + new_text).encode("utf-8"))
        result = build_named(self.config, outputs.name, log=lambda _: None)
        if result.error:
            return SaveResult(True, f"Saved, but the captions could not be rebuilt: {result.error}", result)
        return SaveResult(True, f"Saved {outputs.edit.name} and rebuilt the captions.", result)


def parse_changes(body: bytes) -> tuple[str, list[Change]]:
    try:
        data = json.loads(body)
        changes = [Change(int(c["line"]), str(c.get("speaker") or ""), str(c["text"])) for c in data["changes"]]
        return str(data["base"]), changes
    except (ValueError, KeyError, TypeError):
        raise Refused(HTTPStatus.BAD_REQUEST, "the save request is not what the editor page sends") from None


# --- Serving -------------------------------------------------------------------------------------

def resolve_inside(root: Path, relative: str) -> Path | None:
    """The file at root/relative if it is really inside root (no '..', no symlink out, no
    hidden files such as the build's notes), else None."""
    parts = relative.split("/")
    if not relative or any(not p or p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    root = root.resolve()
    try:
        path = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return path if path.is_relative_to(root) and path.is_file() else None


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single-range 'bytes=a-b' request; None for the whole file.
    Raises ValueError when the range cannot be satisfied."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None  # several ranges, or another unit: the whole file is a valid answer
    first, last = match.groups()
    if first == "":
        first, last = max(0, size - int(last)), size - 1
    else:
        first, last = int(first), min(int(last), size - 1) if last else size - 1
    if first >= size or first > last:
        raise ValueError("range not satisfiable")
    return first, last


def content_type(path: Path) -> str:
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def static_text(name: str) -> str:
    return resources.files(__package__).joinpath("editor", name).read_text(encoding="utf-8")


class EditorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: BuildConfig, port: int = DEFAULT_PORT, max_save_bytes: int = MAX_SAVE_BYTES):
        self.config = config
        self.token = secrets.token_urlsafe(32)
        self.max_save_bytes = max_save_bytes
        self.saver = Saver(config)
        super().__init__(("127.0.0.1", port), EditorHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}


class EditorHandler(BaseHTTPRequestHandler):
    server: EditorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass  # the terminal shows the address and errors, not every request

    def do_GET(self) -> None:
        self._respond(self._get)

    def do_POST(self) -> None:
        self._respond(self._post)

    def _respond(self, handler) -> None:
        try:
            self._check_host()
            handler(urlsplit(self.path).path)
        except Refused as refused:
            self._send_json({"error": refused.message}, refused.status)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _check_host(self) -> None:
        """A page from another site that renamed itself to 127.0.0.1 (DNS rebinding) sends its own Host."""
        if self.headers.get("Host") not in self.server.allowed_hosts():
            raise Refused(HTTPStatus.FORBIDDEN, "this editor answers only to its own address")

    def _get(self, path: str) -> None:
        if path == "/":
            page = static_text("editor.html").replace("{{TOKEN}}", self.server.token)
            return self._send_bytes(page.encode("utf-8"), "text/html; charset=utf-8")
        if path.startswith("/static/") and path[len("/static/"):] in STATIC:
            name = path[len("/static/"):]
            return self._send_bytes(static_text(name).encode("utf-8"), STATIC[name])
        if path == "/api/videos":
            return self._send_json({"videos": video_list(self.server.config)})
        if path.startswith("/api/videos/"):
            return self._send_json(video_view(self.server.config, unquote(path[len("/api/videos/"):])))
        for prefix, root in (("/media/", self.server.config.media_dir),
                             ("/transcripts/", self.server.config.transcripts_dir)):
            if path.startswith(prefix):
                file = resolve_inside(root, unquote(path[len(prefix):]))
                if file is not None:
                    return self._send_file(file)
        raise Refused(HTTPStatus.NOT_FOUND, "not found")

    def _post(self, path: str) -> None:
        if not (path.startswith("/api/videos/") and path.endswith("/save")):
            raise Refused(HTTPStatus.NOT_FOUND, "not found")
        self._check_write_allowed()
        base, changes = parse_changes(self._read_body())
        name = unquote(path[len("/api/videos/"):-len("/save")])
        result = self.server.saver.save(name, base, changes)
        self._send_json({"saved": result.saved, "message": result.message,
                         "build_error": result.build.error if result.build else None,
                         "video": video_view(self.server.config, name)})

    def _check_write_allowed(self) -> None:
        token = self.headers.get("X-Edit-Token", "")
        if not hmac.compare_digest(token.encode(), self.server.token.encode()):
            raise Refused(HTTPStatus.FORBIDDEN, "missing or wrong edit token: reload the editor page")
        origin = self.headers.get("Origin")
        if origin is not None and origin.removeprefix("http://") not in self.server.allowed_hosts():
            raise Refused(HTTPStatus.FORBIDDEN, "saves are accepted only from the editor's own page")

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "a save needs a Content-Length") from None
        if length > self.server.max_save_bytes:
            self._discard(length)
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                          f"a save is limited to {self.server.max_save_bytes // 1_000_000} MB")
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        """Read a refused body so the client hears the answer; a huge one costs the connection."""
        self.close_connection = True
        if length <= DRAIN_LIMIT:
            _copy_bytes(self.rfile, None, length)

    def _send_json(self, data: dict, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send_bytes(json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8",
                         status)

    def _send_bytes(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self._headers(kind, len(body))
        self.end_headers()
        self.wfile.write(body)

    def _headers(self, kind: str, length: int) -> None:
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; media-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        if self.close_connection:
            self.send_header("Connection", "close")

    def _send_file(self, file: Path) -> None:
        size = file.stat().st_size
        try:
            span = parse_range(self.headers.get("Range"), size)
        except ValueError:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self._headers("text/plain", 0)
            return self.end_headers()
        first, last = span or (0, size - 1)
        self.send_response(HTTPStatus.PARTIAL_CONTENT if span else HTTPStatus.OK)
        if span:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Accept-Ranges", "bytes")
        self._headers(content_type(file), last - first + 1)
        self.end_headers()
        with open(file, "rb") as f:
            f.seek(first)
            _copy_bytes(f, self.wfile, last - first + 1)


def _copy_bytes(source, target, count: int) -> None:
    while count > 0:
        block = source.read(min(count, 1 << 16))
        if not block:
            break
        if target is not None:
            target.write(block)
        count -= len(block)


def serve(config: BuildConfig, port: int = DEFAULT_PORT, name: str | None = None, log=print) -> None:
    """Run the editor until Ctrl+C."""
    with EditorServer(config, port) as server:
        log(f"Editor running at {server.url} (Ctrl+C to stop)")
        if name:
            log(f"  {name}: {server.url}#/{quote(name)}")
        server.serve_forever()
