"""The web bundle in real headless Chromium: the preview plays with captions, the transcript seeks the
video, pages work without JavaScript, axe-core finds nothing serious, the manifest tells the truth."""

from __future__ import annotations

import dataclasses

import functools
import hashlib
import io
import json
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
import webvtt

from pipeline import publish
from pipeline.build import publish as write_outputs
from pipeline.formats import text as writers
from pipeline.store import VideoFiles as Outputs, clean
from pipeline.transcript import Segment, Transcript, Word

from .conftest import REPO, demo_words, run_ffmpeg

ODD = "Nicki's talk & more"  # spaces, a quote and an ampersand in every file name and URL
SCRIPT = "<script>window.pwned=1</script>"
IMG = '<img src=x onerror="window.pwned=1">'


def demo_transcript() -> Transcript:
    return Transcript.from_json(demo_words().read_text(encoding="utf-8"))


def spoken(text: str, start: float, speaker: str | None = None) -> list[Word]:
    return [Word(w, start + 0.4 * i, start + 0.4 * i + 0.3, 0.9, speaker) for i, w in enumerate(text.split())]


def tricky_transcript() -> Transcript:
    """Three speakers' turns in 20 s: a sound, markup in the words, a pause that starts a paragraph."""
    words = (spoken("Hello, I'm the nurse.", 0.5, "Nurse")
             + [Word("phone rings", 2.5, 3.5, 1.0, "Nurse", sound=True)]
             + spoken(f"Fish & chips {SCRIPT} {IMG} 3 > 2.", 4.0, "Nurse")
             + spoken("Yes, I was fifteen.", 7.0, "Nicki")
             + spoken("It went on for a year.", 12.5, "Nicki"))
    return Transcript([Segment(words)], "en", 20.0, engine="faster-whisper", model="base", model_sha256="ab" * 32)


class RangeRequests(SimpleHTTPRequestHandler):
    """Byte ranges, as real web servers serve files: without them Chromium cannot seek in a video
    (conftest's web_root has none), and a seek test would pass only by waiting for playback."""

    def send_head(self):
        wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not wanted or not path.is_file():
            return super().send_head()
        data = path.read_bytes()
        start, end = int(wanted[1]), min(int(wanted[2] or len(data) - 1), len(data) - 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end + 1 - start))
        self.end_headers()
        return io.BytesIO(data[start:end + 1])

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict:
    """The pipeline's layout served over HTTP: media/NAME.mp4 (20 s of the demo, cut by the real ffmpeg)
    and transcripts/NAME/ as the build writes it."""
    root = tmp_path_factory.mktemp("publish")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(RangeRequests, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    media = root / "media"
    media.mkdir(parents=True)
    run_ffmpeg("-i", str(REPO / "media" / "cse-signs-demo.mp4"), "-t", "20", "-c", "copy", "-movflags",
               "+faststart", str(media / "cse-signs-demo.mp4"))
    shutil.copy(media / "cse-signs-demo.mp4", media / f"{ODD}.mp4")
    for name, transcript in [("cse-signs-demo", demo_transcript()), (ODD, tricky_transcript())]:
        outputs = Outputs(root / "transcripts" / name, name)
        write_outputs(transcript, outputs, media=media / f"{name}.mp4")
    yield {"root": root, "url": f"http://127.0.0.1:{server.server_address[1]}"}
    server.shutdown()


def page_url(site: dict, name: str, suffix: str) -> str:
    return f"{site['url']}/transcripts/{quote(name)}/{quote(name + suffix)}"


def track_cues(page) -> int:
    """How many cues Chromium loaded through the page's <track> (readyState 2: loaded, 3: failed)."""
    page.wait_for_function("() => document.querySelector('track').readyState >= 2", timeout=10000)
    assert page.evaluate("() => document.querySelector('track').readyState") == 2, "the track failed to load"
    return page.evaluate("() => document.querySelector('track').track.cues.length")


def video_source(page) -> str:
    """The URL the video plays from, once its metadata has loaded."""
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=10000)
    return page.evaluate("() => document.querySelector('video').currentSrc")


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


SEEKED_TO = "() => Math.abs(document.querySelector('video').currentTime - %s) < 0.5"


def test_paragraphs_are_shared_by_the_text_and_html_transcripts():
    transcript = tricky_transcript()
    found = writers.paragraphs(transcript)
    assert [(round(p.start, 1), p.label) for p in found] == [(0.5, "Nurse"), (7.0, "Nicki"), (12.5, None)]
    assert found[0].text.startswith("Hello, I'm the nurse. [phone rings] Fish & chips")
    text = writers.to_plain_text(transcript)
    assert text == "".join(f"{p.label}: {p.text}\n\n" if p.label else f"{p.text}\n\n" for p in found)[:-1]
    assert "[phone rings]" in text and "0:0" not in text
    page = publish.transcript_page(transcript, publish.Bundle("x", "x.mp4"))
    assert '<span class="sound">[phone rings]</span>' in page
    assert SCRIPT not in page and IMG not in page and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page


def test_the_preview_plays_the_video_in_place_with_every_caption_cue(site, page):
    vtt = site["root"] / "transcripts" / "cse-signs-demo" / "cse-signs-demo.vtt"
    page.goto(page_url(site, "cse-signs-demo", ".html"))
    assert video_source(page).endswith("/media/cse-signs-demo.mp4")
    assert track_cues(page) == len(webvtt.read(str(vtt))) > 20
    track = page.locator("track")
    assert (track.get_attribute("kind"), track.get_attribute("srclang"), track.get_attribute("label"),
            track.get_attribute("src")) == ("captions", "en", "English", "cse-signs-demo.vtt")
    assert page.evaluate("() => document.querySelector('track').track.mode") == "showing"


def test_the_copied_bundle_plays_the_video_put_beside_it_and_the_snippet_works_pasted(site, page, axe):
    copied = site["root"] / "copied"
    shutil.copytree(site["root"] / "transcripts" / ODD, copied)
    shutil.copy(site["root"] / "media" / f"{ODD}.mp4", copied / f"{ODD}.mp4")
    snippet = (copied / f"{ODD}.snippet.html").read_text(encoding="utf-8")
    (copied / "their-page.html").write_text(f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                                            f'<title>Our page</title></head><body><main><h1>Our page</h1>'
                                            f'{snippet}</main></body></html>', encoding="utf-8")
    cues = len(webvtt.read(str(copied / f"{ODD}.vtt")))
    for url in (f"{site['url']}/copied/{quote(ODD)}.html", f"{site['url']}/copied/their-page.html"):
        page.goto(url)
        assert video_source(page).endswith(f"/copied/{quote(ODD)}.mp4")
        assert track_cues(page) == cues > 1
        assert axe(page) == []
    assert page.get_by_text(publish.MACHINE_STATUS).is_visible()


def test_clicking_a_paragraph_plays_the_video_from_its_start(site, page):
    page.goto(page_url(site, ODD, ".html"))
    video_source(page)
    assert page.locator("#transcript-hint").is_visible()
    paragraphs = page.locator(".transcript p[data-start]")
    starts = [p.start for p in writers.paragraphs(tricky_transcript())]
    assert paragraphs.count() == len(starts)
    for index in (2, 0, 1):
        paragraphs.nth(index).click(position={"x": 200, "y": 5})  # on the words, not the time link
        page.wait_for_function(SEEKED_TO % starts[index], timeout=4000)  # playing there would take longer
    page.locator(".transcript a.time").nth(2).focus()
    page.keyboard.press("Enter")
    page.wait_for_function(SEEKED_TO % starts[2], timeout=4000)
    assert page.evaluate("() => location.hash") == f"#t={starts[2]}"
    assert page.evaluate("() => window.pwned") is None


def test_the_transcript_page_opens_the_video_where_a_paragraph_starts(site, page):
    page.goto(page_url(site, ODD, ".transcript.html"))
    page.locator(".transcript p[data-start]").nth(1).click(position={"x": 200, "y": 5})
    page.wait_for_url("**/*.html#t=7.00")
    page.wait_for_function(SEEKED_TO % 7.0, timeout=4000)
    assert page.evaluate("() => window.pwned") is None


def test_the_transcript_page_is_whole_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(page_url(site, ODD, ".transcript.html"))
        shown = page.locator(".transcript p[data-start]").all_inner_texts()
        expected = writers.paragraphs(tricky_transcript())
        assert len(shown) == len(expected)
        for text, paragraph in zip(shown, expected):
            time_link = f"Play from {publish.clock(paragraph.start)}"
            assert " ".join(text.split()) == " ".join(
                [time_link] + ([f"{paragraph.label}:"] if paragraph.label else []) + [paragraph.text])
        assert SCRIPT in shown[0] and IMG in shown[0]  # shown as the words they are
        assert page.locator("script").count() == 1 and page.locator("img").count() == 0
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator(".transcript").get_attribute("lang") == "en"
        assert page.title() == f"Transcript: {ODD}"
        assert page.locator("a.time").first.get_attribute("href") == "Nicki%27s%20talk%20%26%20more.html#t=0.50"
        assert page.get_by_text(publish.MACHINE_STATUS).is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("name", ["cse-signs-demo", ODD])
def test_axe_finds_nothing_serious_on_the_preview_and_transcript_pages(site, page, axe, name):
    for suffix in (".html", ".transcript.html"):
        page.goto(page_url(site, name, suffix))
        assert page.locator("main h1").count() == 1
        assert axe(page) == [], suffix


def test_the_manifest_hashes_every_file_of_the_bundle(site):
    folder = site["root"] / "transcripts" / "cse-signs-demo"
    data = json.loads((folder / "cse-signs-demo.json").read_text(encoding="utf-8"))
    names = [f["name"] for f in data["files"]]
    assert names == [f"cse-signs-demo{s}" for s in (".vtt", ".srt", ".txt", ".transcript.html",
                                                      ".easy-read.html", ".html", ".snippet.html")]
    for entry in data["files"]:
        content = (folder / entry["name"]).read_bytes()
        assert (entry["bytes"], entry["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
    transcript = demo_transcript()
    assert {k: data[k] for k in ("video", "language", "duration", "engine", "model", "model_sha256", "reviewed")} == {
        "video": "cse-signs-demo.mp4", "language": "en", "duration": transcript.duration,
        "engine": "faster-whisper", "model": "base", "model_sha256": transcript.model_sha256, "reviewed": False}
    assert data["status"] == publish.MACHINE_STATUS and data["made_at"].endswith("Z")


def test_unreviewed_output_is_marked_everywhere_and_reviewed_output_nowhere(tmp_path):
    outputs = Outputs(tmp_path / "talk", "talk")
    for reviewed in (False, True):
        write_outputs(tricky_transcript(), outputs, reviewed)
        pages = {s: outputs.path(s).read_text(encoding="utf-8") for s in (".html", ".transcript.html", ".snippet.html")}
        manifest = json.loads(outputs.path(".json").read_text(encoding="utf-8"))
        assert manifest["reviewed"] is reviewed
        for suffix, text in pages.items():
            assert (publish.MACHINE_STATUS in text) is not reviewed, suffix
        if not reviewed:
            comment, visible = pages[".snippet.html"].split("-->", 1)
            assert publish.MACHINE_STATUS in comment and publish.MACHINE_STATUS in visible
    assert "Checked by an editor" in pages[".html"] and manifest["status"] == publish.REVIEWED_STATUS


def test_a_build_with_nothing_new_rewrites_nothing_and_keeps_made_at(tmp_path):
    outputs = Outputs(tmp_path / "talk", "talk")
    transcript = tricky_transcript()
    assert write_outputs(transcript, outputs)
    manifest_path = outputs.path(".json")
    old = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(json.dumps({**old, "made_at": "2020-01-01T00:00:00Z"}, ensure_ascii=False, indent=1)
                             + "\n", encoding="utf-8")
    stamps = {p: p.stat().st_mtime_ns for p in outputs.folder.iterdir()}
    assert not write_outputs(transcript, outputs)
    assert stamps == {p: p.stat().st_mtime_ns for p in outputs.folder.iterdir()}
    first = transcript.segments[0].words[0]
    transcript.segments[0].words[0] = dataclasses.replace(first, text="Hi,")
    assert write_outputs(transcript, outputs)
    assert json.loads(manifest_path.read_text(encoding="utf-8"))["made_at"] != "2020-01-01T00:00:00Z"


def test_the_easy_read_page_is_linked_and_hashed(tmp_path):
    outputs = Outputs(tmp_path / "talk", "talk")
    write_outputs(tricky_transcript(), outputs)
    assert outputs.path(".easy-read.html").is_file()
    for suffix in (".html", ".transcript.html", ".snippet.html"):
        assert 'href="talk.easy-read.html"' in outputs.path(suffix).read_text(encoding="utf-8"), suffix
    files = json.loads(outputs.path(".json").read_text(encoding="utf-8"))["files"]
    assert "talk.easy-read.html" in [f["name"] for f in files]


def test_clean_removes_the_bundle_and_keeps_the_editors_files(tmp_path):
    outputs = Outputs(tmp_path / "talk", "talk")
    write_outputs(tricky_transcript(), outputs)
    outputs.edit.write_text("[00:00.0] Hello.\n", encoding="utf-8")
    clean(tmp_path)
    assert [p.name for p in outputs.folder.iterdir()] == ["talk.edit.txt"]


def test_times_lengths_and_language_names_read_as_people_say_them():
    assert [publish.clock(s) for s in (5.4, 754.9, 3723)] == ["0:05", "12:34", "1:02:03"]
    assert [publish.spoken_duration(s) for s in (45, 177.365, 3900)] == ["45 s", "2 min 57 s", "1 h 5 min"]
    assert [publish.language_name(c) for c in ("en", "fr", "cy", "xx")] == ["English", "Français", "Cymraeg", "xx"]
    page = publish.preview_page(Transcript([], "fr", 3.0), publish.Bundle("a", "a.webm", "../../media/a.webm"))
    assert 'srclang="fr" label="Français"' in page and '<div class="transcript" lang="fr">' in page
    assert '<source src="a.webm">\n<source src="../../media/a.webm">' in page
    assert "No speech was found" in page
