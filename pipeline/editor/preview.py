"""`make preview`: the published bundle (transcripts/) over HTTP on 127.0.0.1, as a web server
would serve it, with byte ranges so the preview's video seeks. The media folder is served at
/media/, where each preview page's second <source> (../../media/NAME.mp4) finds its video.

    .venv/bin/python -m pipeline.editor.preview [--port 8000] [--media-dir media] [--transcripts-dir transcripts]
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

DEFAULT_PORT = 8000


class Bundle(StaticFiles):
    """Static files (Starlette answers Range requests), hidden files (build notes, history) left out."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if any(part.startswith(".") for part in scope["path"].split("/") if part):
            scope = {**scope, "path": "/.hidden-not-served"}
        await super().__call__(scope, receive, send)


def app(transcripts_dir: Path, media_dir: Path | None = None) -> Starlette:
    routes = []
    if media_dir is not None and media_dir.is_dir():
        routes.append(Mount("/media", Bundle(directory=media_dir), name="media"))
    routes.append(Mount("/", Bundle(directory=transcripts_dir, html=True), name="bundle"))
    return Starlette(routes=routes)


def pages(transcripts_dir: Path) -> list[str]:
    """Each video's preview page, relative to the bundle."""
    return [f"{quote(p.parent.name)}/{quote(p.name)}" for p in sorted(transcripts_dir.glob("*/*.html"))
            if p.name == f"{p.parent.name}.html"]


def server(transcripts_dir: Path, media_dir: Path | None, port: int = DEFAULT_PORT) -> tuple[uvicorn.Server, socket.socket]:
    sock = socket.create_server(("127.0.0.1", port))  # this computer only
    config = uvicorn.Config(app(transcripts_dir, media_dir), http="h11", ws="none", lifespan="off", loop="asyncio",
                            proxy_headers=False, server_header=False, access_log=False, log_config=None,
                            log_level="warning")
    return uvicorn.Server(config), sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.editor.preview", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--media-dir", type=Path, default=Path("media"))
    parser.add_argument("--transcripts-dir", type=Path, default=Path("transcripts"))
    args = parser.parse_args(argv)
    if not args.transcripts_dir.is_dir():
        print(f"error: {args.transcripts_dir}: no such folder (run make first)")
        return 1
    uv, sock = server(args.transcripts_dir, args.media_dir, args.port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    print(f"Preview running at {url} (Ctrl+C to stop)", flush=True)
    for page in pages(args.transcripts_dir):
        print(f"  {url}{page}", flush=True)
    try:
        uv.run(sockets=[sock])
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
