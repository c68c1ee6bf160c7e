"""Shared fixtures: the real test clips in ../shared/testdata and the real, verified models."""

from __future__ import annotations

import csv
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from pipeline.audio import ffmpeg_executable
from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.transcribe.engines import DecodeOptions, load_engine
from pipeline.transcribe.models import resolve_model

REPO = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("PIPELINE_TESTDATA", REPO.parent / "shared" / "testdata"))


@pytest.fixture(scope="session")
def testdata() -> Path:
    assert (TESTDATA / "manifest.tsv").is_file(), f"test clips not found in {TESTDATA}"
    return TESTDATA


@pytest.fixture(scope="session")
def manifest(testdata: Path) -> list[dict[str, str]]:
    with open(testdata / "manifest.tsv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="session")
def tiny_model():
    return resolve_model("tiny.en")


@pytest.fixture(scope="session")
def base_model():
    return resolve_model("base")


_engines: dict = {}


@pytest.fixture(scope="session")
def engine_for():
    """Engines are slow to load: each (engine, model, compute type) is loaded once per session."""

    def get(name: str, model, compute_type: str = "int8"):
        key = (name, model.sha256, compute_type)
        if key not in _engines:
            _engines[key] = load_engine(name, model, DecodeOptions(compute_type=compute_type))
        return _engines[key]

    return get


@functools.cache
def demo_words() -> Path:
    """The demo's published words (NAME.words.json), built once per test run by the real
    pipeline with the default model, from the committed editor's file: what `make` publishes."""
    root = Path(tempfile.mkdtemp(prefix="pipeline-demo-"))
    (root / "media").mkdir()
    shutil.copy(REPO / "media" / "cse-signs-demo.mp4", root / "media")
    shutil.copytree(REPO / "transcripts", root / "transcripts",
                    ignore=lambda folder, names: [n for n in names if not n.endswith((".txt", ".md", "cse-signs-demo"))])
    build_all(BuildConfig(root / "media", root / "transcripts", progress_bars=False), log=lambda _: None)
    return root / "transcripts" / "cse-signs-demo" / "cse-signs-demo.words.json"


def run_ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True)


@pytest.fixture
def media_dir(tmp_path: Path, testdata: Path) -> Path:
    """A media folder with one real speech clip in it."""
    folder = tmp_path / "media"
    folder.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", folder / "jfk.flac")
    return folder


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def require(available: bool, why: str) -> None:
    """A test that needs an outside tool: skipped on a developer's machine without it, failed in CI."""
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide this: {why}")
        pytest.skip(why)


@pytest.fixture(scope="session")
def w3c_vtt_parser():
    """The W3C reference WebVTT parser (npm webvtt-parser): path -> {cues, errors}."""
    import json

    web = REPO / "tests" / "web"
    require(shutil.which("node") is not None and (web / "node_modules" / "webvtt-parser").is_dir(),
            "needs node and the npm packages in tests/web (`make test` installs them)")

    def parse(*paths: Path) -> dict[str, dict]:
        done = subprocess.run(["node", str(web / "validate_vtt.js"), *map(str, paths)], capture_output=True,
                              text=True, check=True)
        return {result["file"]: result for result in map(json.loads, done.stdout.splitlines())}

    return parse


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists(), "needs Debian's chromium (`apt-get install chromium`; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def track_page(folder: Path, name: str, vtt: str, media: str | None = None) -> str:
    """A page in the web root with a video (of `media`, or of nothing) whose default captions track
    is `vtt`; its file name (a page per test: nothing comes from the browser's cache)."""
    source = f' src="{media}"' if media else ""
    (folder / f"{name}.html").write_text(
        f'<!doctype html><html lang="en"><title>t</title><video{source} controls>'
        f'<track kind="captions" srclang="en" label="English" default src="{vtt}"></video>')
    return f"{name}.html"


def chromium_cues(page) -> list[dict]:
    """The cues Chromium parsed from the page's <track>, once it has loaded: each one's start, its
    text as the file has it, and `shown`, the text it renders (its HTML fragment's text)."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const element = document.querySelector('track');
        if (element.track.mode === 'disabled') element.track.mode = 'hidden';  // a disabled track never loads
        const done = () => resolve(Array.from(element.track.cues, c => ({
            start: c.startTime, text: c.text, shown: c.getCueAsHTML().textContent})));
        if (element.readyState === 2) return done();
        element.addEventListener('load', done);
        element.addEventListener('error', () => reject(new Error('track failed to load')));
        setTimeout(() => reject(new Error('track did not load in 10 s')), 10000);
    })""")


def cues_in_chromium(browser, web_root: tuple[Path, str], vtt: Path, name: str) -> list[dict]:
    """chromium_cues of a caption file, copied into the web root as NAME.vtt under a page of its own."""
    import shutil

    folder, base = web_root
    shutil.copy(vtt, folder / f"{name}.vtt")
    page = browser.new_page()
    try:
        page.goto(f"{base}/{track_page(folder, name, f'{name}.vtt')}")
        return chromium_cues(page)
    finally:
        page.close()


@pytest.fixture(scope="session")
def web_root(tmp_path_factory):
    """A folder served over HTTP on 127.0.0.1 for the browser: (folder, base URL)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    folder = tmp_path_factory.mktemp("www")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def axe():
    """axe-core (npm) run inside a Playwright page: the serious and critical violations, as
    'rule-id: help (n nodes)' strings, so a failing assert names what is wrong."""
    script = REPO / "tests" / "web" / "node_modules" / "axe-core" / "axe.min.js"
    require(script.is_file(), "needs axe-core in tests/web (`make test` installs it with npm)")
    source = script.read_text(encoding="utf-8")

    def serious_violations(page) -> list[str]:
        page.add_script_tag(content=source)
        results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
                f"{', '.join(n['target'][0] if isinstance(n['target'][0], str) else str(n['target'][0]) for n in v['nodes'][:3])})"
                for v in results["violations"] if v.get("impact") in ("serious", "critical")]

    return serious_violations
