"""The editor's other views of a video, in real Chromium against the real server and build: the
title, description and language (NAME.meta.json) on every published file; the easy read's points
and pictures; the caption view with its check and fixes; the waveform's draggable line starts;
a line back to the machine's words.

Uses the JFK clip built once with tiny.en (test_editor's fixtures).
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from pipeline.batch import build_named
from pipeline.check import check_file
from pipeline.editor import panels
from pipeline.editor.server import EditorServer
from pipeline.formats import editfile
from pipeline.layout import Profile

from .test_editor import NAME, edit_path, pristine, project, editor  # noqa: F401 (fixtures)
from .test_editor_workbench import open_video, page, parsed  # noqa: F401 (fixtures)


def folder(config):
    return config.transcripts_dir / NAME


def published(config, suffix: str) -> str:
    return (folder(config) / f"{NAME}{suffix}").read_text(encoding="utf-8")


def wait_for(page, selector: str, text: str, timeout: float = 60_000) -> None:
    page.wait_for_function("([s, t]) => (document.querySelector(s).textContent || '').includes(t)", arg=[selector, text],
                           timeout=timeout)


# --- 1. Title, description and language ----------------------------------------------------------

def test_a_title_set_in_the_browser_is_on_every_page_the_manifest_and_the_easy_read(editor, project, page):
    assert "<title>jfk: video with captions</title>" in published(project, ".html")
    open_video(page, editor)
    page.locator("#meta summary").click()
    page.get_by_label("Title").fill("Ask not: the inaugural address")
    page.get_by_label("Description").fill("President Kennedy, 20 January 1961 & after.")
    page.get_by_label("Language code").fill("en-US")
    page.get_by_role("button", name="Save title and details").click()
    wait_for(page, "#meta-status", "rebuilt")
    meta = json.loads((folder(project) / f"{NAME}.meta.json").read_text(encoding="utf-8"))
    assert meta == {"title": "Ask not: the inaugural address", "description": "President Kennedy, 20 January 1961 & after.",
                    "language": "en-US"}
    preview = published(project, ".html")
    assert "<title>Ask not: the inaugural address: video with captions</title>" in preview
    assert "<h1>Ask not: the inaugural address</h1>" in preview
    assert "President Kennedy, 20 January 1961 &amp; after." in preview
    assert 'lang="en-US"' in preview and 'srclang="en-US"' in preview
    transcript = published(project, ".transcript.html")
    assert "<title>Transcript: Ask not: the inaugural address</title>" in transcript
    assert "<h1>Transcript: Ask not: the inaugural address</h1>" in transcript
    manifest = json.loads(published(project, ".json"))
    assert (manifest["title"], manifest["description"], manifest["language"]) == (
        meta["title"], meta["description"], "en-US")
    assert "<h1>Ask not: the inaugural address</h1>" in published(project, ".easy-read.html")
    assert "# Ask not: the inaugural address" in published(project, ".easy-read.md")
    # The page shows it too, and a browser opening the preview reads the title.
    assert page.title().startswith("Ask not: the inaugural address")
    preview_page = page.context.new_page()
    preview_page.goto((folder(project) / f"{NAME}.html").as_uri())
    assert preview_page.title() == "Ask not: the inaugural address: video with captions"
    preview_page.close()


def test_a_meta_file_changed_on_disk_is_not_overwritten(editor, project, page):
    open_video(page, editor)
    (folder(project) / f"{NAME}.meta.json").write_text('{"title": "From a text editor"}\n', encoding="utf-8")
    page.locator("#meta summary").click()
    page.get_by_label("Title").fill("From the page")
    page.get_by_role("button", name="Save title and details").click()
    wait_for(page, "#meta-status", "Not saved")
    assert "changed on disk" in page.locator("#meta-status").text_content()
    assert "From a text editor" in (folder(project) / f"{NAME}.meta.json").read_text(encoding="utf-8")


def test_a_malformed_meta_file_is_one_error_naming_it_and_no_file_is_the_file_name(project):
    meta = folder(project) / f"{NAME}.meta.json"
    meta.write_text('{"title": "Unclosed', encoding="utf-8")
    result = build_named(project, NAME, log=lambda _: None)
    assert result.error and result.error.startswith(f"{meta}: is not valid JSON"), result.error
    assert "\n" not in result.error
    assert "<title>jfk: video with captions</title>" in published(project, ".html")  # as if there were none
    meta.write_text('{"title": "Fine", "language": "not a code"}', encoding="utf-8")
    assert "is not a language code" in build_named(project, NAME, log=lambda _: None).error
    meta.unlink()
    assert build_named(project, NAME, log=lambda _: None).error is None
    assert json.loads(published(project, ".json"))["title"] == NAME


# --- 2. The easy read ---------------------------------------------------------------------------

def test_an_easy_read_point_and_its_picture_edited_in_the_browser(editor, project, page, axe):
    md = folder(project) / f"{NAME}.easy-read.md"
    before = md.read_bytes()
    open_video(page, editor)
    page.get_by_role("button", name="Easy read", exact=True).click()
    page.wait_for_selector("#er-text-0")
    # Each picture is shown with its alt text; each sentence with its length, live.
    picture = page.locator("#er-point-0 img")
    assert picture.get_attribute("alt") and picture.get_attribute("src").startswith("data:image/svg+xml")
    wait_for(page, "#er-figures", "Reading ease")
    long_text = ("This is a very long sentence that goes on and on with many more words than any easy read "
                 "reader should ever have to read at once.")
    page.locator("#er-text-0").fill(long_text)
    wait_for(page, "#er-sentences-0", "more than 15", timeout=20_000)
    assert page.locator("#er-sentences-0 .too-long").count() == 1
    page.locator("#er-text-0").fill("We ask what we can do. We help our country.")
    wait_for(page, "#er-sentences-0", "6 words: We ask what we can do.", timeout=20_000)
    assert page.locator("#er-sentences-0 .too-long").count() == 0
    icons = page.locator("#er-icon-0 option").evaluate_all("options => options.map(o => o.value)")
    chosen = next(name for name in icons if name != page.locator("#er-icon-0").input_value())
    page.locator("#er-icon-0").select_option(chosen)
    label = page.locator(f"#er-icon-0 option[value='{chosen}']").text_content().rsplit(" (", 1)[0]
    assert page.locator("#er-point-0 img").get_attribute("alt") == label
    assert axe(page) == []
    page.get_by_role("button", name="Save easy read and rebuild").click()
    wait_for(page, "#er-status", "rebuilt")
    text = md.read_text(encoding="utf-8")
    assert f"- [icon: {chosen}] We ask what we can do. We help our country." in text
    assert (folder(project) / f"{NAME}.easy-read.md.bak").read_bytes() == before
    html = published(project, ".easy-read.html")
    assert "We ask what we can do. We help our country." in html and label in html
    # Only the point that changed was rewritten: every other line as it was.
    old_lines, new_lines = before.decode().splitlines(), text.splitlines()
    assert len([line for line in new_lines if line not in old_lines]) == 1


def test_an_easy_read_changed_on_disk_is_not_overwritten(editor, project, page):
    md = folder(project) / f"{NAME}.easy-read.md"
    open_video(page, editor)
    page.get_by_role("button", name="Easy read", exact=True).click()
    page.wait_for_selector("#er-text-0")
    md.write_text(md.read_text(encoding="utf-8") + "\n<!-- a note from a text editor -->\n", encoding="utf-8")
    on_disk = md.read_bytes()
    page.locator("#er-text-0").fill("We help our country.")
    page.get_by_role("button", name="Save easy read and rebuild").click()
    wait_for(page, "#er-status", "Not saved")
    assert "was changed on disk" in page.locator("#er-problem").text_content()
    assert md.read_bytes() == on_disk
    assert page.locator("#er-text-0").input_value() == "We help our country."  # kept on the page


def test_rewriting_points_keeps_every_other_byte():
    from pipeline import easyread
    from pipeline.build import _easyread

    _easyread()
    text = ("# Title\n\n## Part\n\n- [icon: information] One. <!-- too long: please rewrite -->\n  more words.\n"
            "  <!-- from the transcript: \"One more words.\" -->\n- [icon: information] Two.\n\n## Words to know\n\n- CSE: abuse.\n")
    icon = next(name for name in easyread.icons() if name != "information")
    new = panels.rewrite_points(text, "x.md", [{"text": "Uno.", "icon": "information"}, {"text": "Two.", "icon": icon}])
    assert new == ("# Title\n\n## Part\n\n- [icon: information] Uno.\n"
                   "  <!-- from the transcript: \"One more words.\" -->\n"
                   f"- [icon: {icon}] Two.\n\n## Words to know\n\n- CSE: abuse.\n")
    with pytest.raises(Exception, match="unknown picture"):
        panels.rewrite_points(text, "x.md", [{"text": "Uno.", "icon": "nope"}, {"text": "Two.", "icon": icon}])


# --- 3. The caption view ----------------------------------------------------------------------------

def test_a_cue_failing_reading_speed_is_red_with_its_rule_and_its_fix_passes(project, page):
    # A style stricter than the one the captions were built with: the long cue reads too fast for it.
    vtt = folder(project) / f"{NAME}.vtt"
    strict = Profile(name="strict", max_cps=11.0, warn_cps=10.5)
    failing = [f for f in check_file(vtt, strict) if f.rule == "reading-speed" and f.error]
    assert failing, vtt.read_text(encoding="utf-8")
    config = dataclasses.replace(project, profile=strict)
    with EditorServer(config, port=0) as server:
        open_video(page, server)
        page.get_by_role("button", name="Captions", exact=True).click()
        page.wait_for_selector("#cue-table tbody tr")
        red = page.locator("#cue-table tr.cue-error")
        assert red.count() == len(failing)
        assert red.first.evaluate("tr => getComputedStyle(tr).backgroundColor") == "rgb(253, 242, 243)"
        assert "Fails: Too fast to read: give it more time or fewer words" in red.first.text_content()
        fix = red.first.get_by_role("button", name=re.compile(r"Give it more time: line \d+ starts at"))
        label = fix.text_content()
        fix.click()
        page.wait_for_function("() => document.querySelector('#status').textContent.includes('Saved') || "
                               "document.querySelector('#problem').textContent !== ''", timeout=60_000)
        assert page.locator("#problem").text_content() == ""
        moved = re.search(r"line (\d+) starts at (\d\d:\d\d\.\d)", label)
        line = next(p for p in parsed(project) if p.number == int(moved.group(1)))
        assert line.mark == f"[{moved.group(2)}]"
        wait_for(page, "#captions-status", "all pass the caption style")
    assert [f for f in check_file(vtt, strict) if f.error] == []


# --- 4. The waveform ---------------------------------------------------------------------------------

def test_dragging_a_line_start_on_the_waveform_moves_its_mark_to_a_word_boundary(editor, project, page):
    lines = parsed(project)
    assert len(lines) >= 2
    second = lines[1]
    words = json.loads((folder(project) / f"{NAME}.words.json").read_text(encoding="utf-8"))
    starts = sorted(w["start"] for s in words["segments"] for w in s["words"])
    open_video(page, editor)
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.wait_for_function("() => wave.peaks.length > 0")
    assert page.evaluate("() => Math.max(...wave.peaks)") == 1.0
    box = page.locator("#waveform").bounding_box()
    duration = page.evaluate("() => waveSeconds()")
    old = editfile.parse(edit_path(project).read_text(encoding="utf-8"), "x").marks[1]
    target = next(s for s in starts if s < old - 1.0 and s > 2.0)  # a word well before the line's start
    x_of = lambda seconds: box["x"] + seconds / duration * box["width"]  # noqa: E731
    page.mouse.move(x_of(old), box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x_of(target + 0.04), box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('Saved')", timeout=60_000)
    moved = next(p for p in parsed(project) if p.number == second.number)
    assert moved.mark == f"[{editfile_mark(target)}]" and moved.mark != second.mark
    assert "starts at" in page.locator("#waveform-status").text_content()


def editfile_mark(seconds: float) -> str:
    tenths = round(seconds * 10)
    return f"{tenths // 600:02d}:{tenths % 600 // 10:02d}.{tenths % 10}"


# --- 5. Back to the machine's words -------------------------------------------------------------------

def test_a_line_goes_back_to_the_machines_words(editor, project, page):
    first = parsed(project)[0]
    original = first.text
    edit_path(project).write_text(edit_path(project).read_text(encoding="utf-8").replace(original, "Something else entirely"),
                                  encoding="utf-8")
    assert build_named(project, NAME, log=lambda _: None).error is None
    open_video(page, editor)
    page.locator(f"#text-{first.number}").click()
    page.get_by_role("button", name="Revert to the machine's words").click()
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('Saved')", timeout=60_000)
    assert next(p for p in parsed(project) if p.number == first.number).text == original
    assert "Something else entirely" in (folder(project) / f"{NAME}.edit.txt.bak").read_text(encoding="utf-8")


def test_no_serious_accessibility_violations_in_the_other_views(editor, project, page, axe):
    open_video(page, editor)
    page.locator("#meta summary").click()
    assert axe(page) == []
    page.get_by_role("button", name="Captions", exact=True).click()
    page.wait_for_selector("#cue-table tbody tr")
    assert axe(page) == []
    page.get_by_role("button", name="Easy read", exact=True).click()
    page.wait_for_selector("#er-text-0")
    assert axe(page) == []


def test_the_other_views_fit_375_pixels_without_scrolling_sideways(editor, project, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{editor.url}#/{NAME}")
        page.wait_for_selector("textarea.text")
        page.locator("#meta summary").click()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        page.get_by_role("button", name="Captions", exact=True).click()
        page.wait_for_selector("#cue-table tbody tr")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        page.get_by_role("button", name="Easy read", exact=True).click()
        page.wait_for_selector("#er-text-0")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        assert page.locator("#waveform").bounding_box()["width"] <= 375
    finally:
        context.close()


@pytest.mark.parametrize("path", ["meta", "easy-read"])
def test_the_new_writes_need_the_token_and_the_editors_own_origin_and_keep_to_the_limit(editor, project, path):
    from .test_editor import exchange, head, page_token, request

    md, meta = folder(project) / f"{NAME}.easy-read.md", folder(project) / f"{NAME}.meta.json"
    before = md.read_bytes()
    body = json.dumps({"base": "0" * 64, "title": "x", "description": "", "language": "", "points": []}).encode()
    url = f"/api/videos/{NAME}/{path}"
    token = page_token(editor)
    assert request(editor, "POST", url, body, {"Content-Type": "application/json"})[0] == 403
    assert request(editor, "POST", url, body, {"X-Edit-Token": token, "Origin": "http://evil.example"})[0] == 403
    assert request(editor, "POST", url, body, {"X-Edit-Token": token, "Sec-Fetch-Site": "cross-site"})[0] == 403
    statuses, received, closed = exchange(editor, head(editor, "POST", url, f"X-Edit-Token: {token}",
                                                       f"Content-Length: {editor.max_save_bytes + 1}"))
    assert statuses == [413] and closed, received[:300]  # refused before its body is read
    status, _, data = request(editor, "POST", url, body, {"X-Edit-Token": token})
    assert status == 409 and "changed on disk" in json.loads(data)["error"]  # a stale base: nothing written
    assert md.read_bytes() == before and not meta.exists()
    assert request(editor, "POST", "/api/easy-read/figures", b'{"texts": ["a"]}', {"Content-Type": "application/json"})[0] == 403


def test_the_current_line_loops(editor, project, page):
    last = parsed(project)[-1]
    open_video(page, editor)
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.locator(f"#text-{last.number}").click()
    page.keyboard.press("Alt+l")
    assert page.locator("#loop-line").is_checked()
    assert "Looping line" in page.locator("#waveform-status").text_content()
    start = editfile.parse(edit_path(project).read_text(encoding="utf-8"), "x").marks[-1]
    back = page.evaluate("""start => new Promise(resolve => {
        const v = document.querySelector('video'); let late = false;
        const seen = () => { if (v.currentTime > start + 1) late = true; else if (late) resolve(v.currentTime); };
        v.addEventListener('timeupdate', seen); v.addEventListener('seeked', seen); })""", start)
    assert start - 0.1 <= back <= start + 1  # played to the line's end, then from its start again
    page.keyboard.press("Alt+l")
    assert not page.locator("#loop-line").is_checked()
