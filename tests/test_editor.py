"""The transcript editor in the browser: a real server, a real Chromium, the real build.

One short clip (JFK, 11 s, as a VP8/Opus WebM with a colour picture) is built once with tiny.en;
each test gets its own copy of the transcripts folder and its own server on a free port."""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.formats import editfile
from pipeline.batch import build_all, build_named
from pipeline.build import BuildConfig
from pipeline.editor.server import EditorServer
from pipeline.editor.views import Change, apply_changes, content_lines
from pipeline.transcribe.engines import DecodeOptions
from pipeline.errors import PipelineError
from pipeline.layout import Profile

from .conftest import REPO, run_ffmpeg

NAME = "jfk"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, testdata) -> BuildConfig:
    root = tmp_path_factory.mktemp("editor")
    media = root / "media"
    media.mkdir()
    run_ffmpeg("-f", "lavfi", "-i", "color=c=0x005EB8:s=320x180:r=15", "-i", str(testdata / "jfk_inaugural_1961.flac"),
               "-shortest", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "150k",
               "-c:a", "libopus", "-b:a", "48k", str(media / f"{NAME}.webm"))
    config = BuildConfig(media, root / "transcripts", model="tiny.en", options=DecodeOptions(), progress_bars=False)
    results = build_all(config, log=lambda _: None)
    assert [r.error for r in results] == [None]
    return config


@pytest.fixture
def project(pristine: BuildConfig, tmp_path: Path) -> BuildConfig:
    transcripts = tmp_path / "transcripts"
    shutil.copytree(pristine.transcripts_dir, transcripts)
    return dataclasses.replace(pristine, transcripts_dir=transcripts)


@pytest.fixture
def editor(project: BuildConfig):
    with EditorServer(project, port=0) as server:  # in a thread, stopped on the way out
        yield server


def desktop_page(browser, accept_dialogs: bool):
    """A desktop-size page that records the editor's questions ("Leave this video?") in
    `page.dialogs` and answers them OK or Cancel. The page's Content-Security-Policy forbids
    inline scripts; axe is injected as one, hence bypass_csp."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message),
                                      dialog.accept() if accept_dialogs else dialog.dismiss()))
    yield page
    context.close()


@pytest.fixture
def page(browser):
    """A page that answers Cancel to the editor's questions."""
    yield from desktop_page(browser, accept_dialogs=False)


def edit_path(config: BuildConfig) -> Path:
    return config.transcripts_dir / NAME / f"{NAME}.edit.txt"


def vtt_text(config: BuildConfig) -> str:
    return (config.transcripts_dir / NAME / f"{NAME}.vtt").read_text(encoding="utf-8")


def open_video(page, server: EditorServer) -> None:
    page.goto(server.url)
    page.get_by_role("link", name=NAME, exact=True).click()
    page.wait_for_selector("textarea.text")


def first_line(config: BuildConfig):
    return content_lines(edit_path(config).read_text(encoding="utf-8"))[0]


def word_said_once(config: BuildConfig) -> str:
    """A word of the first line that the captions show exactly once."""
    spoken = re.findall(r"[A-Za-z]+", vtt_text(config).split("\n\n", 2)[-1])
    candidates = [w for w in re.findall(r"[A-Za-z]{4,}", first_line(config).text) if spoken.count(w) == 1]
    assert candidates, first_line(config)
    return candidates[0]


def text_field(page, line) -> object:
    return page.locator(f"#text-{line.number}")


def save_and_wait(page, expected: str) -> None:
    page.get_by_role("button", name="Save and rebuild captions").click()
    page.wait_for_function("text => document.querySelector('#status').textContent.includes(text) || "
                           "document.querySelector('#problem').textContent !== ''", arg=expected, timeout=60_000)


# --- In the browser ------------------------------------------------------------------------------------------

def test_a_corrected_word_is_saved_to_the_file_and_the_captions(editor, project, page):
    path = edit_path(project)
    before = path.read_bytes()
    line = first_line(project)
    old = word_said_once(project)
    new = "Bellwether"
    assert new not in vtt_text(project)

    open_video(page, editor)
    field = text_field(page, line)
    assert field.input_value() == line.text
    field.fill(line.text.replace(old, new, 1))
    save_and_wait(page, "Saved")
    assert page.locator("#problem").text_content() == ""

    after = path.read_bytes()
    old_lines, new_lines = before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True)
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    assert len(old_lines) == len(new_lines) and changed == [line.number - 1]
    assert new_lines[line.number - 1] == old_lines[line.number - 1].replace(old, new, 1)
    assert path.with_name(f"{NAME}.edit.txt.bak").read_bytes() == before
    assert new in vtt_text(project) and not re.search(rf"\b{old}\b", vtt_text(project))
    # The player's captions are fetched again: the new word is in the track's cues.
    page.wait_for_function("word => { const t = document.querySelector('track'); return t && t.track.cues && "
                           "[...t.track.cues].some(c => c.text.includes(word)); }", arg=new, timeout=10_000)
    assert page.locator("track").get_attribute("src").endswith(f"?v={_sha12(project)}")
    assert new in page.locator(f"#line-{line.number} .words").text_content()


def _sha12(config: BuildConfig) -> str:
    import hashlib

    return hashlib.sha256((config.transcripts_dir / NAME / f"{NAME}.vtt").read_bytes()).hexdigest()[:12]


def test_a_file_changed_on_disk_since_the_page_loaded_is_not_overwritten(editor, project, page):
    path = edit_path(project)
    open_video(page, editor)
    on_disk = path.read_text(encoding="utf-8") + "# a note added in a text editor\n"
    path.write_text(on_disk, encoding="utf-8")
    line = first_line(project)
    text_field(page, line).fill("Something else entirely")
    save_and_wait(page, "Saved")
    problem = page.get_by_role("alert").filter(has_text="changed on disk")
    assert problem.is_visible(), page.locator("#problem").text_content()
    assert "nothing was saved" in problem.text_content()
    assert path.read_text(encoding="utf-8") == on_disk
    assert not path.with_name(f"{NAME}.edit.txt.bak").exists()
    assert text_field(page, line).input_value() == "Something else entirely"  # the editor's work is kept


def test_a_line_that_would_not_parse_is_refused_with_its_line(editor, project, page):
    path = edit_path(project)
    before = path.read_bytes()
    open_video(page, editor)
    line = first_line(project)
    text_field(page, line).fill("an [unclosed sound")
    save_and_wait(page, "Saved")
    assert f"{path}:{line.number}: a '[' is not closed" in page.locator("#problem").text_content()
    assert path.read_bytes() == before


def test_no_serious_accessibility_violations(editor, page, axe):
    page.goto(editor.url)
    page.wait_for_selector("#videos a")
    assert axe(page) == []
    page.get_by_role("link", name=NAME, exact=True).click()
    page.wait_for_selector("textarea.text")
    assert axe(page) == []


def test_controls_are_labelled_and_focus_is_visible(editor, project, page):
    page.goto(f"{editor.url}#/{NAME}")
    page.wait_for_selector("textarea.text")
    line = first_line(project)
    time = line.mark[1:-1]
    assert page.get_by_label(f"Text of line at {time}").input_value() == line.text
    assert page.get_by_role("button", name=f"Play from {time}").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    for _ in range(4):
        page.keyboard.press("Tab")
        style = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                              "return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; }")
        assert style[1] == "solid" and style[2] == "3px", style


def test_shortcuts_work_while_typing_and_never_take_ordinary_keys(editor, project, page):
    open_video(page, editor)
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    line = first_line(project)
    field = text_field(page, line)
    field.click()
    page.keyboard.press("Control+End")  # End alone stops at a wrapped line's end
    page.keyboard.type(" a b")
    assert field.input_value() == line.text + " a b"
    assert page.evaluate("() => document.querySelector('video').paused")
    paused = "() => document.querySelector('video').paused"
    page.keyboard.press("Alt+p")
    page.wait_for_function("() => !document.querySelector('video').paused")
    page.keyboard.press("Alt+p")
    page.wait_for_function(paused)
    page.keyboard.press("Control+Space")
    page.wait_for_function("() => !document.querySelector('video').paused")
    page.keyboard.press("Control+Space")
    page.wait_for_function(paused)
    for key in ("Alt+b", "Control+Comma"):
        page.evaluate("() => { document.querySelector('video').currentTime = 8; }")
        page.wait_for_function("() => !document.querySelector('video').seeking")
        page.keyboard.press(key)
        page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 3) < 0.3")
    assert field.input_value() == line.text + " a b"  # the shortcuts typed nothing
    assert page.evaluate("() => document.activeElement.id") == f"text-{line.number}"


def test_clicking_a_word_plays_from_it_and_highlights_it(editor, page):
    open_video(page, editor)
    word = page.locator(".words .word").nth(3)
    word.click()
    page.wait_for_function("() => document.querySelector('.word.current') !== null", timeout=10_000)
    start = page.evaluate("() => document.querySelector('video').currentTime")
    assert start > 0.5


def test_unsure_words_and_caption_warnings_are_shown_beside_their_line(project, page):
    """Underlines come from the review list (`make review`): its words on the line, each titled
    with its reasons; nothing else is underlined, however unsure Whisper was of it."""
    line = first_line(project)
    listed = subprocess.run([sys.executable, "-m", "pipeline", "review", "--transcripts-dir",
                             str(project.transcripts_dir)], capture_output=True, text=True, cwd=REPO, check=True).stdout
    on_line = [re.fullmatch(r".*:(\d+): \[(\d\d:\d\d\.\d)\] '(.+)' \(\d+% risk: (.+)\)", row)
               for row in listed.splitlines() if row.startswith(str(edit_path(project)))]
    on_line = [m for m in on_line if m and int(m.group(1)) == line.number]
    assert on_line, listed
    in_time_order = sorted(on_line, key=lambda m: m.group(2))
    expected = [f"{m.group(3)} (unsure)" for m in in_time_order]
    # A style stricter than the one the captions were built with: every cue reads too fast for it.
    strict = dataclasses.replace(project, profile=Profile(name="strict", max_cps=3.0, warn_cps=2.0))
    with EditorServer(strict, port=0) as server:
        open_video(page, server)
        marked = page.locator(f"#line-{line.number} .word.unsure")
        assert marked.all_text_contents() == expected
        titles = [marked.nth(i).get_attribute("title") for i in range(marked.count())]
        assert titles == [f"To check: {m.group(4)}" for m in in_time_order]
        warnings = page.locator(f"#line-{line.number} .findings li")
        assert warnings.count() >= 1
        assert re.fullmatch(r"Caption error at 00:\d\d\.\d: reading speed: [\d.]+ characters a second > 3",
                            warnings.first.text_content()), warnings.first.text_content()


def test_transcript_text_is_shown_as_text_never_as_markup(editor, project, page):
    path = edit_path(project)
    line = first_line(project)
    attack = "<script>alert(1)</script> <img src=x onerror=alert(2)>"
    text = path.read_text(encoding="utf-8")
    path.write_text(apply_changes(text, [Change(line.number, "", attack)], str(path)), encoding="utf-8")
    assert build_named(project, NAME, log=lambda _: None).error is None

    open_video(page, editor)
    assert text_field(page, line).input_value() == attack
    words = page.locator(f"#line-{line.number} .words")
    assert words.is_visible() and "<script>alert(1)</script>" in words.text_content()
    # Only the page's own scripts, and no image made from the text.
    assert page.evaluate("() => [[...document.scripts].map(s => s.getAttribute('src')), document.images.length]") == [
        ["/static/editor.js", "/static/workbench.js"], 0]
    page.wait_for_timeout(300)
    assert page.dialogs == []


# --- Over plain HTTP, from outside ---------------------------------------------------------------------------

def request(server: EditorServer, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def exchange(server: EditorServer, data: bytes, timeout: float = 5) -> tuple[list[int], bytes, bool]:
    """Raw bytes in; the statuses of every answer, the bytes, and whether the server then closed."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(data)
        received, closed = b"", True
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            closed = False  # still open: the server would read more from this connection
        except ConnectionResetError:
            pass
    return [int(s) for s in re.findall(rb"(?:^|\r\n)HTTP/1\.[01] (\d{3}) ", received)], received, closed


def head(server: EditorServer, method: str, path: str, *lines: str, host: str | None = None) -> bytes:
    host = host or f"127.0.0.1:{server.port}"
    return "\r\n".join([f"{method} {path} HTTP/1.1", f"Host: {host}", *lines, "", ""]).encode()


def save_request(server: EditorServer, config: BuildConfig, word: str, **headers) -> tuple[int, dict]:
    """A save that puts this word first in the first line."""
    line = first_line(config)
    text = " ".join([word, *line.text.split()[1:]])
    body = json.dumps({"base": _file_sha(config), "changes": [{"line": line.number, "speaker": "", "text": text}]})
    status, _, data = request(server, "POST", f"/api/videos/{NAME}/save", body.encode(),
                              {"Content-Type": "application/json", **headers})
    return status, json.loads(data)


def _file_sha(config: BuildConfig) -> str:
    import hashlib

    return hashlib.sha256(edit_path(config).read_bytes()).hexdigest()


def page_token(server: EditorServer) -> str:
    status, _, page = request(server, "GET", "/")
    assert status == 200
    return re.search(rb'name="edit-token" content="([^"]+)"', page).group(1).decode()


def listening_addresses(port: int) -> list[str]:
    """Where the kernel says something listens on this TCP port (IPv4), whatever the server believes."""
    found = []
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = row.split()[1], row.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_the_server_listens_on_loopback_only(editor):
    assert listening_addresses(editor.port) == ["127.0.0.1"]


def test_a_write_needs_the_token_and_the_editors_own_origin(editor, project):
    before = edit_path(project).read_bytes()
    token = page_token(editor)
    assert save_request(editor, project, "Untokened")[0] == 403
    assert save_request(editor, project, "Mistokened", **{"X-Edit-Token": token[:-1] + "x"})[0] == 403
    status, answer = save_request(editor, project, "Crosssite", **{"X-Edit-Token": token,
                                                                    "Origin": "http://evil.example"})
    assert status == 403 and "own page" in answer["error"]
    assert edit_path(project).read_bytes() == before
    assert save_request(editor, project, "Tokened", **{"X-Edit-Token": token, "Sec-Fetch-Site": "same-origin",
                                                        "Origin": editor.url.rstrip("/")})[0] == 200
    assert "Tokened" in edit_path(project).read_text(encoding="utf-8")


def test_a_cross_site_request_is_refused_even_with_the_token(editor, project):
    """Fetch metadata: a write from another site (or a sibling site) is refused, and so is any read."""
    before = edit_path(project).read_bytes()
    token = page_token(editor)
    for site in ("cross-site", "same-site"):
        status, answer = save_request(editor, project, "Fetched", **{"X-Edit-Token": token, "Sec-Fetch-Site": site})
        assert status == 403, (site, answer)
    assert edit_path(project).read_bytes() == before
    for path in ("/", "/api/videos", f"/api/videos/{NAME}"):
        status, headers, body = request(editor, "GET", path, headers={"Sec-Fetch-Site": "cross-site"})
        assert status == 403 and headers["Connection"] == "close" and token.encode() not in body
        assert NAME.encode() not in body
    assert request(editor, "GET", "/", headers={"Sec-Fetch-Site": "same-origin"})[0] == 200


def test_another_host_name_gets_nothing(editor):
    """DNS rebinding: a site that points its name at 127.0.0.1 must not read the page or its token."""
    status, headers, body = request(editor, "GET", "/", headers={"Host": f"evil.example:{editor.port}"})
    assert status == 403 and b"edit-token" not in body and headers["Connection"] == "close"


@pytest.mark.parametrize("refused", [
    pytest.param(lambda s: head(s, "POST", f"/api/videos/{NAME}/save"), id="no token"),
    pytest.param(lambda s: head(s, "POST", f"/api/videos/{NAME}/save", host=f"evil.example:{s.port}"), id="host"),
    pytest.param(lambda s: head(s, "POST", "/no/such/path"), id="unknown path"),
])
def test_a_refused_request_cannot_smuggle_another_in_its_body(editor, refused):
    """A refused POST whose body is a request with the right Host: exactly one answer, then the
    connection is closed, so the body is never read as a request (and never answers with the token)."""
    smuggled = head(editor, "GET", "/")
    request_head = refused(editor)[:-2] + f"Content-Length: {len(smuggled)}\r\n\r\n".encode()
    statuses, received, closed = exchange(editor, request_head + smuggled)
    assert len(statuses) == 1 and statuses[0] in (403, 404, 405) and closed, received[:300]
    assert b"edit-token" not in received


@pytest.mark.parametrize("hosts", [("{ours}", "evil.example"), ("evil.example", "{ours}"), ("{ours}", "{ours}")])
def test_a_second_host_header_is_refused(editor, hosts):
    ours = f"127.0.0.1:{editor.port}"
    data = head(editor, "GET", "/", f"Host: {hosts[1].format(ours=ours)}", host=hosts[0].format(ours=ours))
    statuses, received, closed = exchange(editor, data)
    assert statuses in ([400], [403]) and closed and b"edit-token" not in received


@pytest.mark.parametrize("length", ["-1", "Infinity", "+5", "1e3", "0x10", "5, 6"])
def test_a_content_length_that_is_not_a_number_is_refused(editor, length):
    token = page_token(editor)
    data = head(editor, "POST", f"/api/videos/{NAME}/save", f"X-Edit-Token: {token}", f"Content-Length: {length}")
    statuses, received, closed = exchange(editor, data + b"{}")
    assert statuses == [400] and closed, received[:300]


def test_an_oversized_save_is_refused_before_its_body_is_read(editor, project):
    token = page_token(editor)
    data = head(editor, "POST", f"/api/videos/{NAME}/save", f"X-Edit-Token: {token}", "Content-Length: 3000000")
    statuses, received, closed = exchange(editor, data)  # no body sent: the answer must not wait for it
    assert statuses == [413] and closed and b"limited to 2 MB" in received


def test_a_save_without_a_length_is_cut_off_at_the_limit_and_a_slow_one_in_time(project):
    before = edit_path(project).read_bytes()
    with EditorServer(project, port=0, max_save_bytes=1000, body_seconds=0.5) as server:
        token = page_token(server)
        chunk = b"x" * 700
        chunked = head(server, "POST", f"/api/videos/{NAME}/save", f"X-Edit-Token: {token}",
                       "Transfer-Encoding: chunked") + b"2bc\r\n" + chunk + b"\r\n2bc\r\n" + chunk + b"\r\n0\r\n\r\n"
        statuses, _, closed = exchange(server, chunked)
        assert statuses == [413] and closed
        slow = head(server, "POST", f"/api/videos/{NAME}/save", f"X-Edit-Token: {token}", "Content-Length: 10")
        statuses, received, closed = exchange(server, slow + b"{}")  # 8 bytes never come
        assert statuses == [408] and closed and b"too slowly" in received
    assert edit_path(project).read_bytes() == before


@pytest.mark.parametrize("path", [
    "/media/../pyproject.toml", "/media/%2e%2e/pyproject.toml", "/media/%2E%2E%2Fpyproject.toml",
    "/transcripts/..%2f..%2fpyproject.toml", "/transcripts/%2e%2e/%2e%2e/pyproject.toml",
    "/media/%2fetc%2fpasswd", "/media//etc/passwd", "/transcripts/jfk/.build.json", "/transcripts/.lock",
    "/media/..%5cpyproject.toml", "/media/jfk.webm%00.txt", "/pyproject.toml", "/static/../editor.py",
    "/transcripts/jfk/outside.txt",
])
def test_only_the_projects_media_and_transcripts_are_served(editor, project, path):
    (project.transcripts_dir / NAME / "outside.txt").symlink_to(REPO / "pyproject.toml")
    status, headers, body = request(editor, "GET", path)
    assert status == 404 and b"captions-pipeline" not in body and b"root:" not in body
    assert headers["Connection"] == "close"


def test_nothing_from_the_projects_folders_runs_as_a_page(project, tmp_path):
    """A page or a script in media/ or transcripts/ would run with the editor's origin and read its token."""
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(project.media_dir / f"{NAME}.webm", media)
    script = "<script>fetch('/').then(r => r.text()).then(t => alert(t))</script>"
    for folder in (media, project.transcripts_dir / NAME):
        (folder / "evil.html").write_text(script)
        (folder / "x.svg").write_text(f'<svg xmlns="http://www.w3.org/2000/svg">{script}</svg>')
        (folder / "evil.js").write_text("alert(1)")
        (folder / "evil.webm.html").write_text(script)
        (folder / "renamed.webm").symlink_to(folder / "evil.html")
    with EditorServer(dataclasses.replace(project, media_dir=media), port=0) as server:
        for prefix in ("/media/", f"/transcripts/{NAME}/"):
            for name in ("evil.html", "x.svg", "evil.js", "evil.webm.html", "renamed.webm"):
                status, headers, body = request(server, "GET", prefix + name)
                assert status == 404 and "html" not in headers["Content-Type"] and b"<script" not in body, name
        assert request(server, "GET", f"/transcripts/{NAME}/{NAME}.html")[0] == 404  # the published page too
        assert request(server, "GET", f"/media/{NAME}.webm")[0] == 200


def test_media_and_captions_are_served_with_their_types_and_ranges(editor, project):
    status, headers, body = request(editor, "GET", f"/transcripts/{NAME}/{NAME}.vtt?v=1")
    assert status == 200 and headers["Content-Type"].startswith("text/vtt") and body.decode() == vtt_text(project)
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Disposition"] is None
    assert headers["Cache-Control"] == "no-store" and "default-src 'self'" in headers["Content-Security-Policy"]
    for name, kind in ((f"{NAME}.srt", "text/plain"), (f"{NAME}.json", "application/json")):
        status, headers, _ = request(editor, "GET", f"/transcripts/{NAME}/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind) and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Disposition"].startswith("attachment")
    media = project.media_dir / f"{NAME}.webm"
    status, headers, body = request(editor, "GET", f"/media/{NAME}.webm", headers={"Range": "bytes=100-199"})
    assert status == 206 and headers["Content-Type"] == "video/webm" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Range"] == f"bytes 100-199/{media.stat().st_size}" and body == media.read_bytes()[100:200]
    status, _, body = request(editor, "GET", f"/media/{NAME}.webm", headers={"Range": "bytes=-10"})
    assert status == 206 and body == media.read_bytes()[-10:]
    status, headers, _ = request(editor, "GET", f"/media/{NAME}.webm", headers={"Range": "bytes=999999999-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{media.stat().st_size}"


def test_a_bad_speaker_name_is_refused(editor, project):
    token = page_token(editor)
    before = edit_path(project).read_bytes()
    line = first_line(project)
    body = json.dumps({"base": _file_sha(project), "changes": [{"line": line.number, "speaker": "dr: who",
                                                                "text": line.text}]}).encode()
    status, _, answer = request(editor, "POST", f"/api/videos/{NAME}/save", body,
                                {"Content-Type": "application/json", "X-Edit-Token": token})
    assert status == 400 and "speaker 'dr: who'" in json.loads(answer)["error"]
    assert edit_path(project).read_bytes() == before


def test_make_edit_starts_the_editor_as_a_user_would(project):
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "edit", "--port", "0", "--media-dir",
                                str(project.media_dir), "--transcripts-dir", str(project.transcripts_dir), NAME],
                               stdout=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        first = process.stdout.readline()
        match = re.fullmatch(r"Editor running at (http://127\.0\.0\.1:(\d+)/) \(Ctrl\+C to stop\)\n", first)
        assert match, first
        port = int(match.group(2))
        assert port != 0 and listening_addresses(port) == ["127.0.0.1"]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/videos")
        videos = json.loads(connection.getresponse().read())["videos"]
        assert [v["name"] for v in videos] == [NAME] and "not corrected yet" in videos[0]["status"]
        # The names it answers to: the printed address and its "localhost" spelling, nothing else.
        printed = urlsplit(match.group(1)).netloc
        for host, expected in ((printed, 200), (f"localhost:{port}", 200), (f"127.0.0.1:{port + 1}", 403),
                               ("127.0.0.1", 403), (f"[::1]:{port}", 403), (f"127.0.0.1.nip.io:{port}", 403)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/", headers={"Host": host})
            response = connection.getresponse()
            assert (response.status, b"edit-token" in response.read()) == (expected, expected == 200), host
            connection.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- The pure core ----------------------------------------------------------------------------------------------

def test_only_changed_lines_are_rewritten_byte_for_byte():
    text = ("# notes\r\n\r\n[00:01.0] >> Anna Lee:  Hello  there.\r\n"
            "[00:02.5] [music]\r\n  an unmarked line\r\n[00:04.0] last line no newline")
    changed = apply_changes(text, [Change(3, "Anna Lee", "Hello   there."), Change(5, "", "an edited line"),
                                   Change(6, "Bo", "last [laughter] line")], "f")
    assert changed.splitlines(keepends=True) == [
        "# notes\r\n", "\r\n", "[00:01.0] >> Anna Lee:  Hello  there.\r\n", "[00:02.5] [music]\r\n",
        "  an edited line\r\n", "[00:04.0] >> Bo: last [laughter] line"]
    doc = editfile.parse(changed, "f")
    assert [line.speaker for line in doc.lines] == ["Anna Lee", "Anna Lee", "Anna Lee", "Bo"]
    with pytest.raises(PipelineError, match="f:1: is not a transcript line"):
        apply_changes(text, [Change(1, "", "x")], "f")
    # Text that only looks like a speaker stays text, escaped where it would read as one.
    plain = apply_changes(text, [Change(5, "", "Remember: wash"), Change(6, "", ">> not a name: x")], "f")
    assert plain.splitlines()[4:] == ["  Remember: wash", "[00:04.0] \\>> not a name: x"]


def test_a_legacy_file_keeps_its_name_and_colon_speakers():
    text = ("# - To name who speaks, start a line with the name and a colon.\n\n"
            "[00:01.0] Anna Lee:  Hello  there.\n[00:02.0] more words\n")
    changed = apply_changes(text, [Change(3, "Anna Lee", "Hello there."), Change(4, "Bo", "more words")], "f")
    assert changed.splitlines(keepends=True) == [
        "# - To name who speaks, start a line with the name and a colon.\n", "\n",
        "[00:01.0] Anna Lee:  Hello  there.\n", "[00:02.0] Bo: more words\n"]
    assert [line.speaker for line in editfile.parse(changed, "f").lines] == ["Anna Lee", "Bo"]
