"""The editor as a caption workbench, in real Chromium against the real server and build: the
review list (one count everywhere), structure edits, find and replace, undo across saves, no
lost work (drafts, leaving, the merge on a conflicting save), keyboard-only use, axe, 375 px.

Uses the JFK clip built once with tiny.en (test_editor's fixtures). Line numbers and texts are
read from the file the build wrote, whose first draft may change (speakers, line breaks).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import pytest

from pipeline.correct.glossary import parse_glossary
from pipeline.editor.views import Change, apply_operations, content_lines
from pipeline.errors import PipelineError
from pipeline.review import review_list
from pipeline.review import risk as risk_model

from .conftest import REPO
from .test_editor import NAME, desktop_page, edit_path, first_line, pristine, project, editor  # noqa: F401 (fixtures)


@pytest.fixture
def page(browser):
    """A page that answers "OK" to the editor's questions ("Leave this video?"), and records them."""
    yield from desktop_page(browser, accept_dialogs=True)


def open_video(page, server) -> None:
    page.goto(server.url)
    page.get_by_role("link", name=NAME, exact=True).click()
    page.wait_for_selector("textarea.text")


def parsed(config):
    """The editor's file's transcript lines, as the page numbers them (they depend on the build)."""
    return content_lines(edit_path(config).read_text(encoding="utf-8"))


def lines_of(config) -> list[str]:
    return edit_path(config).read_text(encoding="utf-8").splitlines(keepends=True)


def content(config) -> list[str]:
    return [line for line in lines_of(config) if line.strip() and not line.startswith("#")]


def click_save(page, expected: str = "Saved") -> None:
    page.locator("#save").click()
    page.wait_for_function("text => document.querySelector('#status').textContent.includes(text) || "
                           "document.querySelector('#problem').textContent !== ''", arg=expected, timeout=60_000)
    assert page.locator("#problem").text_content() == "", page.locator("#problem").text_content()


def counts_outside_the_page(config) -> dict[str, int]:
    """The review list's size as `make review`, the manifest and the VTT NOTE say it."""
    listed = subprocess.run([sys.executable, "-m", "pipeline", "review", "--transcripts-dir",
                             str(config.transcripts_dir), NAME], capture_output=True, text=True, cwd=REPO,
                            check=True).stdout
    cli = re.search(rf"^{NAME}: (\d+) words? to check$", listed, re.M)
    item_lines = [line for line in listed.splitlines() if line.startswith(str(edit_path(config)))]
    folder = config.transcripts_dir / NAME
    manifest = json.loads((folder / f"{NAME}.json").read_text(encoding="utf-8"))
    note = re.search(r"(\d+) words? to check", (folder / f"{NAME}.vtt").read_text(encoding="utf-8"))
    return {"cli": int(cli.group(1)) if cli else 0, "cli_items": len(item_lines), "manifest": manifest["to_check"],
            "vtt": int(note.group(1)) if note else 0}


# --- A. The review list --------------------------------------------------------------------------

def test_the_count_agrees_everywhere_and_marking_a_word_checked_drops_it_everywhere(editor, project, page):
    before_file = edit_path(project).read_bytes()
    outside = counts_outside_the_page(project)
    n = outside["cli"]
    assert n >= 2 and outside == {"cli": n, "cli_items": n, "manifest": n, "vtt": n}
    page.goto(editor.url)
    assert page.locator("#videos .status").text_content().endswith(f"{n} words to check")
    page.get_by_role("link", name=NAME, exact=True).click()
    page.wait_for_selector("textarea.text")
    assert page.locator("#review-count").text_content() == f"{n} words to check, riskiest first."
    assert page.locator("#lines .word.unsure").count() == n == page.locator("#review-list > li").count()
    # Ranked by risk, and each says why.
    risks = [int(re.match(r"(\d+)% risk: .+", t).group(1)) for t in page.locator(".review-item .why").all_text_contents()]
    assert risks == sorted(risks, reverse=True) and risks[0] > 0
    first = review_list(project.transcripts_dir / NAME).items[0]
    assert page.locator(".review-item .why").first.text_content().endswith("; ".join(first.reasons))

    page.get_by_role("button", name=f"Mark checked: {first.word} at {first.key.split()[0][1:-1]}").click()
    page.wait_for_function("n => document.querySelector('#review-count').textContent.startsWith(`${n} word`)",
                           arg=n - 1, timeout=60_000)
    assert page.locator("#lines .word.unsure").count() == n - 1
    assert first.key in (project.transcripts_dir / NAME / f"{NAME}.checked.txt").read_text(encoding="utf-8")
    assert counts_outside_the_page(project) == {"cli": n - 1, "cli_items": n - 1, "manifest": n - 1, "vtt": n - 1}
    assert edit_path(project).read_bytes() == before_file  # checked, not changed
    page.goto(editor.url)
    assert page.locator("#videos .status").text_content().endswith(f"{n - 1} words to check")


def test_next_and_previous_word_keys_work_while_typing(editor, project, page):
    items = review_list(project.transcripts_dir / NAME).items
    open_video(page, editor)
    assert "Next word to check" in page.locator(".keys").text_content()
    line = first_line(project)
    page.locator(f"#text-{line.number}").click()
    page.keyboard.type("x")  # typing, then the keys
    page.keyboard.press("Backspace")
    selected = "() => { const a = document.activeElement; return a.value.slice(a.selectionStart, a.selectionEnd); }"
    for key, index in (("Alt+n", 0), ("Alt+n", 1), ("Alt+Shift+n", 0)):
        page.keyboard.press(key)
        assert page.evaluate(selected) == items[index].word
        assert page.evaluate("() => document.activeElement.id") == f"text-{items[index].line}"
        status = page.locator("#review-status").text_content()
        assert status.startswith(f"Word {index + 1} of {len(items)}: “{items[index].word}”")
        assert "; ".join(items[index].reasons) in status
    page.keyboard.type("Fixed")  # the word is selected: typing replaces it
    typed = page.locator(f"#text-{items[0].line}").input_value()
    assert "Fixed" in typed and typed != next(p.text for p in parsed(project) if p.number == items[0].line)
    assert "Not saved: 1 change" in page.locator("#status").text_content()


def test_an_alternative_is_offered_and_used_with_one_click(project, page, monkeypatch):
    assess = risk_model.assess

    def with_alternative(words, second, *args, **kwargs):
        risks = assess(words, second, *args, **kwargs)
        riskiest = max(range(len(risks)), key=lambda i: risks[i].probability)
        risks[riskiest] = dataclasses.replace(risks[riskiest], reasons=("the second model heard 'spot'",),
                                              alternative="spot")
        return risks

    monkeypatch.setattr(risk_model, "assess", with_alternative)
    from pipeline.editor.server import EditorServer

    item = review_list(project.transcripts_dir / NAME).items[0]
    assert item.alternative == "spot"
    line = next(p for p in parsed(project) if p.number == item.line)
    before = lines_of(project)
    with EditorServer(project, port=0) as server:
        open_video(page, server)
        why = page.locator(".review-item .why").first.text_content()
        assert why.endswith("the second model heard 'spot'")
        page.get_by_role("button", name=f"Use “spot” for {item.word}").click()
        page.wait_for_function("() => document.querySelector('#status').textContent.includes('Saved')", timeout=60_000)
    after = lines_of(project)
    tokens = line.text.split()
    assert tokens[item.index] == item.word
    tokens[item.index] = "spot"
    assert after[line.number - 1] == line.render(line.speaker, " ".join(tokens))
    assert [a for a, b in zip(before, after) if a != b] == [before[line.number - 1]]


# --- B3. Structure edits, saved safely ---------------------------------------------------------------

def test_split_merge_insert_and_delete_lines_in_the_browser(editor, project, page):
    original = edit_path(project).read_bytes()
    before = lines_of(project)
    line = max(parsed(project), key=lambda p: len(p.text.split()))  # the longest line
    n = line.number
    words = line.text.split()
    at = len(" ".join(words[:2]))
    open_video(page, editor)
    page.locator(f"#text-{n}").click()
    page.evaluate(f"() => document.activeElement.setSelectionRange({at}, {at})")
    page.keyboard.press("Enter")  # split at the cursor
    assert page.evaluate("() => document.activeElement.value") == " ".join(words[2:])
    assert page.locator(".line .number").filter(has_text="new line").count() == 1
    click_save(page)
    after = lines_of(project)
    assert after[: n - 1] == before[: n - 1] and after[n + 1:] == before[n:]  # every other line, byte for byte
    assert after[n - 1: n + 1] == [line.render(line.speaker, " ".join(words[:2])), " ".join(words[2:]) + "\n"]
    assert edit_path(project).with_name(f"{NAME}.edit.txt.bak").read_bytes() == original

    page.locator(f"#text-{n}").click()
    page.keyboard.press("Alt+j")  # merge with the next line (it names no speaker)
    page.keyboard.press("Alt+Enter")  # a new line after it
    page.keyboard.type("Thank you.")
    click_save(page)
    assert lines_of(project)[: n] == before[: n] and lines_of(project)[n] == "Thank you.\n"

    page.locator(f"#text-{n + 1}").click()
    page.get_by_role("button", name="Delete line").click()
    click_save(page)
    assert edit_path(project).read_bytes() == original  # back byte for byte


def test_a_sound_line_and_a_moved_time_mark(editor, project, page):
    first, second = parsed(project)[:2]
    low, high = (sum(float(x) * 60 ** i for i, x in enumerate(reversed(p.mark[1:-1].split(":")))) for p in (first, second))
    sound_at = round((low + high) / 2, 1)
    moved = round(min(high + 0.2, sound_at + 1), 1)
    open_video(page, editor)
    page.evaluate(f"() => {{ document.querySelector('video').currentTime = {sound_at}; }}")
    page.wait_for_function("() => !document.querySelector('video').seeking")
    page.locator(f"#text-{first.number}").click()
    page.get_by_role("button", name="Insert sound").click()
    page.keyboard.type("applause")  # "music" is selected: typed over
    page.locator(f"#text-{second.number}").click()
    mark = page.get_by_label("Time mark", exact=True)
    mark.fill(f"00:{moved:04.1f}")
    mark.press("Tab")
    click_save(page)
    after = lines_of(project)
    assert after[first.number] == f"[00:{sound_at:04.1f}] [applause]\n"
    assert after[second.number] == second.render(second.speaker, second.text, f"[00:{moved:04.1f}]")
    assert "[applause]" in (project.transcripts_dir / NAME / f"{NAME}.vtt").read_text(encoding="utf-8")
    # A mark out of order is refused on the page, before any save.
    page.locator(f"#text-{first.number}").click()
    mark.fill("09:00.0")
    mark.press("Tab")
    assert f"between 00:00.0 and 00:{sound_at:04.1f}" in page.locator("#status").text_content()


def test_a_problem_points_at_its_line_on_screen(editor, project, page):
    n = parsed(project)[-1].number
    open_video(page, editor)
    page.locator(f"#text-{n}").fill("an [unclosed sound")
    page.locator("#save").click()
    page.wait_for_function("() => document.querySelector('#problem').textContent !== ''", timeout=30_000)
    assert f"{edit_path(project)}:{n}: a '[' is not closed" in page.locator("#problem").text_content()
    assert page.locator(f"#line-{n}").get_attribute("class").split().count("has-problem") == 1
    assert page.locator(f"#line-{n} .number").text_content() == f"line {n}"
    assert page.evaluate("() => document.activeElement.id") == f"text-{n}"


def test_operations_keep_every_untouched_byte_and_name_the_line_of_a_problem():
    text = "# note\r\n[00:01.0] one two\r\n\r\n# between\r\n[00:02.0] three\r\n[00:03.0] four"
    new, _ = apply_operations(text, [Change(2, "", "one", op="edit"), Change(0, "", "two", op="insert", after=2),
                                     Change(5, op="delete"), Change(6, "", "four", mark="00:03.5"),
                                     Change(0, "", "[music]", mark="00:04.0", op="insert", after=6)], "f")
    assert new == ("# note\r\n[00:01.0] one\r\ntwo\r\n\r\n# between\r\n[00:03.5] four\r\n[00:04.0] [music]\r\n")
    first, _ = apply_operations(text, [Change(0, "", "hi", op="insert", after=0)], "f")
    assert first.startswith("# note\r\nhi\r\n[00:01.0]")
    with pytest.raises(PipelineError, match="a new line needs some text"):
        apply_operations(text, [Change(0, "", "  ", op="insert", after=2)], "f")
    with pytest.raises(PipelineError, match="is not a time"):
        apply_operations(text, [Change(2, "", "one", mark="1:2:3:4")], "f")


# --- B4. Find and replace, and a glossary rule ------------------------------------------------------

def test_find_and_replace_whole_words_and_add_a_glossary_rule(editor, project, page):
    open_video(page, editor)
    page.keyboard.press("Alt+f")
    assert page.evaluate("() => document.activeElement.id") == "find-text"
    page.keyboard.type("YOU")
    assert page.locator("#find-status").text_content() == "2 matches."  # whole words, any case: not "your"
    page.get_by_label("Match case").check()
    page.locator("#find-text").dispatch_event("input")
    assert page.locator("#find-status").text_content() == "0 matches."
    page.get_by_label("Match case").uncheck()
    page.get_by_label("Whole words").uncheck()
    page.locator("#find-text").dispatch_event("input")
    assert page.locator("#find-status").text_content() == "4 matches."  # and "your" twice
    page.get_by_label("Whole words").check()
    page.locator("#find-text").fill("country")
    page.locator("#replace-text").fill("nation")
    page.get_by_role("button", name="Replace all").click()
    assert page.locator("#find-status").text_content() == "Replaced 2 matches; save to keep them."
    click_save(page)
    assert "country" not in "".join(content(project)) and "".join(content(project)).count("nation") == 2
    page.get_by_role("button", name="Add as a glossary rule").click()
    page.wait_for_function("() => document.querySelector('#find-status').textContent.startsWith('Added')")
    glossary = project.transcripts_dir / "glossary.txt"
    assert glossary.read_text(encoding="utf-8") == "country -> nation\n"
    assert len(parse_glossary(glossary.read_text(encoding="utf-8"), "g").rules) == 1


# --- B5. Undo and redo across saves -----------------------------------------------------------------

def test_undo_and_redo_across_a_save(editor, project, page):
    original = edit_path(project).read_bytes()
    last = parsed(project)[-1]
    open_video(page, editor)
    page.locator(f"#text-{last.number}").fill("can do for your nation.")
    click_save(page)
    saved = edit_path(project).read_bytes()
    assert saved != original
    page.locator("#versions summary").click()
    page.wait_for_selector("#version-list li button")
    page.get_by_role("button", name="Undo last save").click()
    page.wait_for_function("() => document.querySelector('#versions-status').textContent.startsWith('Undid')",
                           timeout=60_000)
    assert edit_path(project).read_bytes() == original
    assert page.locator(f"#text-{last.number}").input_value() == last.text
    page.get_by_role("button", name="Redo").click()
    page.wait_for_function("() => document.querySelector('#versions-status').textContent === 'Redone.'",
                           timeout=60_000)
    assert edit_path(project).read_bytes() == saved
    history = sorted((project.transcripts_dir / NAME / f".{NAME}.edit.history").glob("*.txt"))
    assert len(history) == 3 and history[0].read_bytes() == original


# --- B6. No lost work -------------------------------------------------------------------------------

def test_unsaved_work_comes_back_after_navigation_and_a_reload(editor, project, page):
    first, last = parsed(project)[0], parsed(project)[-1]
    open_video(page, editor)
    page.locator(f"#text-{last.number}").fill("can do for your planet.")
    page.locator(f"#text-{first.number}").click()
    page.keyboard.press("Alt+Enter")
    page.keyboard.type("An added line.")
    assert "Not saved: 2 changes" in page.locator("#status").text_content()
    page.get_by_role("link", name="All videos").click()  # asks first
    page.wait_for_selector("#list-view:not([hidden])")
    assert page.dialogs and "unsaved changes" in page.dialogs[-1]
    assert "unsaved changes kept" in page.locator("#videos li").text_content()
    page.get_by_role("link", name=NAME, exact=True).click()
    page.wait_for_selector("textarea.text")
    assert page.locator(f"#text-{last.number}").input_value() == "can do for your planet."
    assert [t.input_value() for t in page.locator("textarea.text").all()][1] == "An added line."
    page.reload()  # a crash or a closed tab: the same
    page.wait_for_selector("textarea.text")
    assert page.locator(f"#text-{last.number}").input_value() == "can do for your planet."
    assert "restored" in page.locator("#review-status").text_content()
    click_save(page)
    after = lines_of(project)
    assert after[first.number] == "An added line.\n"
    assert after[last.number] == last.render(last.speaker, "can do for your planet.")
    assert page.evaluate(f"() => localStorage.getItem('captions-editor:draft:{NAME}')") is None


def test_a_refused_save_shows_a_merge_that_keeps_both_sides(editor, project, page):
    path = edit_path(project)
    first, last = parsed(project)[0], parsed(project)[-1]
    open_video(page, editor)
    page.locator(f"#text-{first.number}").fill(first.text + " indeed")
    page.locator(f"#text-{last.number}").fill("can do for your nation.")
    # Meanwhile, in a text editor: the last line changed too, and a note added at the end.
    raw = lines_of(project)
    raw[last.number - 1] = last.render(last.speaker, last.text + " Thank you.")
    path.write_text("".join(raw) + "# a note\n", encoding="utf-8")
    page.locator("#save").click()
    page.wait_for_selector("#merge:not([hidden])", timeout=30_000)
    assert "changed on disk" in page.locator("#problem").text_content()
    assert page.locator("#merge-summary").text_content().startswith("1 of your changes merges cleanly")
    conflict = page.locator(".merge-conflict")
    assert conflict.count() == 1
    assert "can do for your nation." in conflict.locator(".merge-mine").text_content()
    assert last.text + " Thank you." in conflict.locator(".merge-theirs").text_content()
    assert page.locator(f"#text-{last.number}").input_value() == "can do for your nation."  # nothing typed is lost
    conflict.get_by_label("Keep mine").check()
    page.get_by_role("button", name="Use the merged text").click()
    click_save(page)
    after = lines_of(project)
    assert after[first.number - 1] == first.render(first.speaker, first.text + " indeed")
    assert after[last.number - 1] == last.render(last.speaker, "can do for your nation.")
    assert after[-1] == "# a note\n" and len(after) == len(raw) + 1


# --- Keyboard only, accessibility, narrow screens ----------------------------------------------------

def test_a_correction_with_the_keyboard_only(editor, project, page):
    page.goto(editor.url)
    page.wait_for_selector("#videos a")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == NAME:
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("textarea.text")
    page.keyboard.press("Alt+n")
    word = page.evaluate("() => { const a = document.activeElement; return a.value.slice(a.selectionStart, a.selectionEnd); }")
    assert word == review_list(project.transcripts_dir / NAME).items[0].word
    page.keyboard.type("Quokka")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('Saved')", timeout=60_000)
    assert "Quokka" in edit_path(project).read_text(encoding="utf-8")


def test_no_serious_accessibility_violations_with_every_panel_open(editor, project, page, axe):
    last = parsed(project)[-1]
    open_video(page, editor)
    page.locator("#find summary").click()
    page.locator("#versions summary").click()
    page.locator(f"#text-{last.number}").click()
    page.keyboard.press("Alt+n")
    assert axe(page) == []
    edit_path(project).write_text(edit_path(project).read_text(encoding="utf-8").replace("country.", "land."),
                                  encoding="utf-8")
    page.locator(f"#text-{last.number}").fill("can do for your nation.")
    page.locator("#save").click()
    page.wait_for_selector("#merge:not([hidden])", timeout=30_000)
    assert axe(page) == []


@pytest.mark.parametrize("where", ["list", "video"])
def test_375_pixels_wide_without_scrolling_sideways(editor, project, browser, where):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(editor.url if where == "list" else f"{editor.url}#/{NAME}")
        page.wait_for_selector("#videos a" if where == "list" else "textarea.text")
        page.evaluate("() => { for (const d of document.querySelectorAll('details')) d.open = true; }")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        if where == "video":
            box = page.locator(f"#text-{parsed(project)[0].number}").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["width"] > 250
    finally:
        context.close()


# --- B8. make preview: the bundle with byte ranges ---------------------------------------------------

def test_make_preview_serves_the_bundle_with_ranges_so_the_video_seeks(project, browser):
    import http.client
    import os

    process = subprocess.Popen([sys.executable, "-m", "pipeline.editor.preview", "--port", "0", "--media-dir",
                                str(project.media_dir), "--transcripts-dir", str(project.transcripts_dir)],
                               stdout=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    context = browser.new_context()
    try:
        match = re.fullmatch(r"Preview running at (http://127\.0\.0\.1:(\d+)/) \(Ctrl\+C to stop\)\n",
                             process.stdout.readline())
        assert match
        assert process.stdout.readline() == f"  {match.group(1)}{NAME}/{NAME}.html\n"
        port = int(match.group(2))
        media = project.media_dir / f"{NAME}.webm"
        for path, expected in ((f"/media/{NAME}.webm", media.read_bytes()[10:20]),
                               (f"/{NAME}/{NAME}.vtt", (project.transcripts_dir / NAME / f"{NAME}.vtt").read_bytes()[10:20])):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers={"Range": "bytes=10-19"})
            response = connection.getresponse()
            assert (response.status, response.read()) == (206, expected), path
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", f"/{NAME}/.build.json")
        assert connection.getresponse().status == 404
        page = context.new_page()
        page.goto(f"{match.group(1)}{NAME}/{NAME}.html")
        page.wait_for_function("() => { const v = document.querySelector('video'); const t = v.textTracks[0]; "
                               "return v.readyState >= 1 && t && t.cues && t.cues.length > 0; }", timeout=20_000)
        page.evaluate("() => { document.querySelector('video').currentTime = 6; }")
        page.wait_for_function("() => !document.querySelector('video').seeking && "
                               "Math.abs(document.querySelector('video').currentTime - 6) < 0.5", timeout=20_000)
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)
