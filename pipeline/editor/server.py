"""The browser editor's HTTP server: `make edit` serves the editor page, the videos and their
captions on 127.0.0.1 only, and takes saves from the editor's own page."""

from __future__ import annotations

import hmac
import json
import mimetypes
import re
import secrets
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..build import BuildConfig
from .views import Change, Refused, Saver, video_list, video_view

DEFAULT_PORT = 8765
MAX_SAVE_BYTES = 2_000_000
DRAIN_LIMIT = 16_000_000  # an oversized save up to this is read and dropped; larger ones lose the connection
STATIC = {"editor.js": "text/javascript; charset=utf-8", "editor.css": "text/css; charset=utf-8"}
TYPES = {".vtt": "text/vtt; charset=utf-8", ".srt": "text/plain; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".json": "application/json; charset=utf-8", ".webm": "video/webm", ".mp4": "video/mp4",
         ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".wav": "audio/wav", ".flac": "audio/flac"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def parse_changes(body: bytes) -> tuple[str, list[Change]]:
    try:
        data = json.loads(body)
        changes = [Change(int(c["line"]), str(c.get("speaker") or ""), str(c["text"])) for c in data["changes"]]
        return str(data["base"]), changes
    except (ValueError, KeyError, TypeError):
        raise Refused(HTTPStatus.BAD_REQUEST, "the save request is not what the editor page sends") from None



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
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


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
