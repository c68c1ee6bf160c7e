"""The browser editor's HTTP server: `make edit` serves the editor page, the videos and their
captions on 127.0.0.1 only, and takes saves from the editor's own page.

HTTP itself (framing, keep-alive, byte ranges) is uvicorn's h11 protocol and Starlette's, not ours:
a hand-written server once refused a POST without reading its body, and the body was then read
as a second request, one that had passed no check (request smuggling past the DNS-rebinding defence).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..build import BuildConfig
from . import panels
from .views import (Change, Refused, Saver, add_glossary_rule, caption_view, easy_read_view, history, video_list,
                    video_view, waveform)

DEFAULT_PORT = 8765
MAX_SAVE_BYTES = 2_000_000
# Request line and headers: h11 answers 400 to a head still incomplete past this (a head that
# arrives whole is bounded by uvicorn's 256 KB read instead).
MAX_HEAD_BYTES = 16_384
BODY_SECONDS = 30.0  # a save body that trickles in slower than this is dropped
KEEP_ALIVE_SECONDS = 5

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; media-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}
STATIC = {"editor.js": "text/javascript; charset=utf-8", "workbench.js": "text/javascript; charset=utf-8",
          "editor.css": "text/css; charset=utf-8"}
# Files from the project's folders are served only as these types. Anything else there (an .html,
# an .svg) would run as a page of the editor's own origin and could read the edit token. Fixed
# here rather than guessed from the system's mime.types, which calls a .ts video a Qt file.
MEDIA_TYPES = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".mkv": "video/x-matroska",
    ".webm": "video/webm", ".avi": "video/x-msvideo", ".mpg": "video/mpeg", ".mpeg": "video/mpeg",
    ".ts": "video/mp2t", ".mts": "video/mp2t", ".wmv": "video/x-ms-wmv", ".flv": "video/x-flv",
    ".3gp": "video/3gpp", ".ogv": "video/ogg", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac",
    ".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg",
    ".wma": "audio/x-ms-wma", ".aiff": "audio/aiff", ".aif": "audio/aiff", ".amr": "audio/amr",
}
TRANSCRIPT_TYPES = {".vtt": "text/vtt; charset=utf-8", ".srt": "text/plain; charset=utf-8",
                    ".txt": "text/plain; charset=utf-8", ".json": "application/json; charset=utf-8"}
CAPTION_TRACK = ".vtt"  # the one transcript file the page loads; the others are downloads


def parse_changes(body: bytes) -> tuple[str, list[Change]]:
    try:
        data = json.loads(body)
        changes = [_change(c) for c in data["changes"]]
        return str(data["base"]), changes
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Refused(HTTPStatus.BAD_REQUEST, "the save request is not what the editor page sends") from None


def _change(c: dict) -> Change:
    op = str(c.get("op") or "edit")
    mark = c.get("mark")
    return Change(int(c.get("line") or 0) if op != "insert" else 0, str(c.get("speaker") or ""),
                  str(c.get("text") or "") if op != "edit" else str(c["text"]),
                  None if mark is None else str(mark), op, int(c.get("after") or 0))


def parse_fields(body: bytes, *names: str) -> list[str]:
    """Text fields of a small JSON request from the editor's page."""
    try:
        data = json.loads(body)
        values = [data[name] for name in names]
    except (ValueError, KeyError, TypeError):
        values = None
    if values is None or not all(isinstance(v, str) for v in values):
        raise Refused(HTTPStatus.BAD_REQUEST, "the request is not what the editor page sends")
    return values


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


def static_text(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def not_found() -> Refused:
    return Refused(HTTPStatus.NOT_FOUND, "not found")


class Guard:
    """Every request passes here first: only our own Host, never a cross-site fetch. Every answer
    gets the security headers, and every refusal closes its connection, so nothing a refused
    request left unread can ever be taken for another request."""

    def __init__(self, app: ASGIApp, hosts: set[str]):
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no lifespan, no websockets

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if message["status"] >= 400:
                    headers["Connection"] = "close"  # h11 then closes the connection after this answer
            await send(message)

        headers = Headers(scope=scope)
        if len(hosts := headers.getlist("host")) != 1 or hosts[0] not in self.hosts:
            # DNS rebinding: a site that renamed itself to 127.0.0.1 sends its own name as Host.
            refusal = "this editor answers only to its own address"
        elif headers.get("sec-fetch-site") == "cross-site":
            refusal = "this editor answers only to its own page"
        else:
            return await self.app(scope, receive, stamped)
        await JSONResponse({"error": refusal}, HTTPStatus.FORBIDDEN)(scope, receive, stamped)


class EditorServer:
    """The editor on 127.0.0.1:port (0 for any free port). serve_forever() runs it until Ctrl+C;
    start() and stop() run it in a thread (tests)."""

    def __init__(self, config: BuildConfig, port: int = DEFAULT_PORT, max_save_bytes: int = MAX_SAVE_BYTES,
                 body_seconds: float = BODY_SECONDS):
        self.config = config
        self.token = secrets.token_urlsafe(32)
        self.max_save_bytes = max_save_bytes
        self.body_seconds = body_seconds
        self.saver = Saver(config)
        # Bound here, not by uvicorn: a port in use fails now (OSError), and port 0 has its number.
        self.socket = socket.create_server(("127.0.0.1", port))
        self.server_address: tuple[str, int] = self.socket.getsockname()
        self.port = self.server_address[1]
        self.server = uvicorn.Server(uvicorn.Config(
            Guard(self.app(), self.allowed_hosts()), http="h11", ws="none", lifespan="off", loop="asyncio",
            proxy_headers=False, server_header=False, access_log=False, log_config=None, log_level="warning",
            timeout_keep_alive=KEEP_ALIVE_SECONDS, timeout_graceful_shutdown=2,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def origins(self) -> set[str]:
        return {f"http://{host}" for host in self.allowed_hosts()}

    def serve_forever(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def start(self) -> EditorServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> EditorServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- The app ------------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/", self.page),
            Route("/static/{name}", self.static),
            Route("/api/videos", self.videos),
            Route("/api/videos/{name:path}/save", self.save, methods=["POST"]),
            Route("/api/videos/{name:path}/check", self.check, methods=["POST"]),
            Route("/api/videos/{name:path}/revert", self.revert, methods=["POST"]),
            Route("/api/videos/{name:path}/history", self.history),
            Route("/api/videos/{name:path}/meta", self.save_meta, methods=["POST"]),
            Route("/api/videos/{name:path}/easy-read", self.easy_read),
            Route("/api/videos/{name:path}/easy-read", self.save_easy_read, methods=["POST"]),
            Route("/api/videos/{name:path}/captions", self.captions),
            Route("/api/videos/{name:path}/waveform", self.waveform),
            Route("/api/easy-read/figures", self.easy_read_figures, methods=["POST"]),
            Route("/api/glossary", self.glossary, methods=["POST"]),
            Route("/api/videos/{name:path}", self.video),
            Route("/media/{path:path}", self.media),
            Route("/transcripts/{path:path}", self.transcript),
        ], exception_handlers={Refused: refused})

    async def page(self, request: Request) -> Response:
        return HTMLResponse(static_text("editor.html").replace("{{TOKEN}}", self.token))

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            raise not_found()
        return Response(static_text(name), media_type=STATIC[name])

    async def videos(self, request: Request) -> Response:
        return JSONResponse({"videos": await run_in_threadpool(video_list, self.config)})

    async def video(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(video_view, self.config, request.path_params["name"]))

    async def media(self, request: Request) -> Response:
        return self.file(self.config.media_dir, request.path_params["path"], MEDIA_TYPES)

    async def transcript(self, request: Request) -> Response:
        return self.file(self.config.transcripts_dir, request.path_params["path"], TRANSCRIPT_TYPES)

    def file(self, root: Path, relative: str, types: Mapping[str, str]) -> Response:
        """A file of one of these types (by the name it really has) from inside root; Starlette
        answers Range requests (206, 416)."""
        path = resolve_inside(root, relative)
        kind = types.get(path.suffix.lower()) if path else None
        if path is None or kind is None:
            raise not_found()
        inline = kind.startswith(("audio/", "video/")) or path.suffix.lower() == CAPTION_TRACK
        return FileResponse(path, media_type=kind, stat_result=path.stat(),
                            filename=None if inline else path.name, content_disposition_type="attachment")

    async def save(self, request: Request) -> Response:
        self.check_write(request.headers)
        base, changes = parse_changes(await self.body(request))
        name = request.path_params["name"]
        result = await run_in_threadpool(self.saver.save, name, base, changes)  # one at a time: Saver locks
        return await self.answer(result, name, "video", video_view)

    async def check(self, request: Request) -> Response:
        """An editor marks a word of the review list checked: it leaves the list, its text stays."""
        self.check_write(request.headers)
        (key,) = parse_fields(await self.body(request), "key")
        name = request.path_params["name"]
        result = await run_in_threadpool(self.saver.mark_checked, name, key)
        return await self.answer(result, name, "video", video_view)

    async def answer(self, result, name: str, key: str, view) -> Response:
        """What a write answers: saved or not and why, the build's error if any, and the view as it
        is now (the video, or its easy read) for the page to redraw."""
        return JSONResponse({"saved": result.saved, "message": result.message,
                             "build_error": result.build.error if result.build else None,
                             key: await run_in_threadpool(view, self.config, name)})

    async def revert(self, request: Request) -> Response:
        self.check_write(request.headers)
        base, version = parse_fields(await self.body(request), "base", "version")
        name = request.path_params["name"]
        result = await run_in_threadpool(self.saver.revert, name, base, version)
        return await self.answer(result, name, "video", video_view)

    async def history(self, request: Request) -> Response:
        return JSONResponse({"versions": await run_in_threadpool(history, self.config, request.path_params["name"])})

    async def save_meta(self, request: Request) -> Response:
        """The video's title, description and language (NAME.meta.json)."""
        self.check_write(request.headers)
        base, title, description, language = parse_fields(await self.body(request), "base", "title", "description",
                                                          "language")
        name = request.path_params["name"]
        result = await run_in_threadpool(self.saver.save_meta, name, base, title, description, language)
        return await self.answer(result, name, "video", video_view)

    async def easy_read(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(easy_read_view, self.config, request.path_params["name"]))

    async def save_easy_read(self, request: Request) -> Response:
        self.check_write(request.headers)
        body = await self.body(request)
        (base,) = parse_fields(body, "base")
        points = json.loads(body).get("points")
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise Refused(HTTPStatus.BAD_REQUEST, "the request is not what the editor page sends")
        name = request.path_params["name"]
        result = await run_in_threadpool(self.saver.save_easy_read, name, base, points)
        return await self.answer(result, name, "easy_read", easy_read_view)

    async def easy_read_figures(self, request: Request) -> Response:
        """How long each sentence of the points is and how easy they read (as the page is typed)."""
        self.check_write(request.headers)
        body = await self.body(request)
        try:
            texts = json.loads(body)["texts"]
        except (ValueError, KeyError, TypeError):
            texts = None
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise Refused(HTTPStatus.BAD_REQUEST, "the request is not what the editor page sends")
        return JSONResponse(await run_in_threadpool(panels.sentence_figures, texts))

    async def captions(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(caption_view, self.config, request.path_params["name"]))

    async def waveform(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(waveform, self.config, request.path_params["name"]))

    async def glossary(self, request: Request) -> Response:
        self.check_write(request.headers)
        wrong, right = parse_fields(await self.body(request), "wrong", "right")
        return JSONResponse({"message": await run_in_threadpool(add_glossary_rule, self.config, wrong, right)})

    def check_write(self, headers: Headers) -> None:
        if not hmac.compare_digest(headers.get("x-edit-token", "").encode(), self.token.encode()):
            raise Refused(HTTPStatus.FORBIDDEN, "missing or wrong edit token: reload the editor page")
        # No Origin and no Sec-Fetch-Site: not a browser, or an old one (the token still holds).
        site, origin = headers.get("sec-fetch-site", "none"), headers.get("origin")
        if site not in ("same-origin", "none") or (origin is not None and origin not in self.origins()):
            raise Refused(HTTPStatus.FORBIDDEN, "saves are accepted only from the editor's own page")

    async def body(self, request: Request) -> bytes:
        too_big = Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                          f"a save is limited to {self.max_save_bytes // 1_000_000} MB")
        # h11 has already refused a Content-Length that is not digits (400). One too big is refused
        # unread: the answer closes the connection, so its bytes are never parsed.
        if int(request.headers.get("content-length", "0")) > self.max_save_bytes:
            raise too_big
        body = bytearray()
        try:
            async with asyncio.timeout(self.body_seconds):
                async for chunk in request.stream():  # chunked bodies have no length up front
                    body += chunk
                    if len(body) > self.max_save_bytes:
                        raise too_big
        except TimeoutError:
            raise Refused(HTTPStatus.REQUEST_TIMEOUT, "the save arrived too slowly") from None
        return bytes(body)


async def refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, Refused)
    return JSONResponse({**error.extra, "error": error.message}, error.status)


def serve(config: BuildConfig, port: int = DEFAULT_PORT, name: str | None = None,
          log: Callable[[str], None] = print) -> None:
    """Run the editor until Ctrl+C."""
    server = EditorServer(config, port)
    log(f"Editor running at {server.url} (Ctrl+C to stop)")
    if name:
        log(f"  {name}: {server.url}#/{quote(name)}")
    server.serve_forever()
