"""The browser editor end to end, in real Chromium against the real server and build: who speaks
(the Speakers panel names a voice once; each line's speaker dropdown), the waveform's edges by
keyboard, the easy read's merge on a refused save, and a scripted session that corrects the
demo's raw machine transcript to its narration through the browser only.

The JFK clip (test_editor's fixtures) is one voice; the speaker tests give it two voices by
hand, as the first draft writes them for a diarised recording (the format README describes).
"""

from __future__ import annotations

import difflib
import json
import re
import shutil

import pytest

from pipeline.batch import build_named
from pipeline.build import BuildConfig
from pipeline.editor.server import EditorServer
from pipeline.editor.views import Change, apply_operations, content_lines
from pipeline.errors import PipelineError
from pipeline.formats import editfile

from .conftest import REPO, demo_words
from .test_editor import NAME, edit_path, pristine, project, editor, vtt_text  # noqa: F401 (fixtures)
from .test_editor_panels import editfile_mark, folder, wait_for
from .test_editor_workbench import click_save, open_video, page, parsed  # noqa: F401 (fixture)


def two_voices(config) -> list[str]:
    """The file's words in four lines, as a diarised first draft writes them: Speaker 1, Speaker 2,
    Speaker 1 again, then a line that names no one (it continues Speaker 1). Returns the texts."""
    path = edit_path(config)
    lines = parsed(config)
    words = " ".join(line.text for line in lines).split()
    n = len(words)
    texts = [" ".join(words[a:b]) for a, b in ((0, n // 4), (n // 4, n // 2), (n // 2, 3 * n // 4), (3 * n // 4, n))]
    header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True) if line.startswith("#"))
    path.write_text(f"{header}# speaker: Speaker 1 =\n# speaker: Speaker 2 =\n\n"
                    f"{lines[0].mark} >> Speaker 1: {texts[0]}\n>> Speaker 2: {texts[1]}\n"
                    f">> Speaker 1: {texts[2]}\n{texts[3]}\n", encoding="utf-8")
    return texts


def shown_speakers(page) -> list[str]:
    """What each line's speaker dropdown shows, top to bottom."""
    return page.eval_on_selector_all("select.voice", "all => all.map(s => s.options[s.selectedIndex].text)")


def cue_texts(config) -> list[str]:
    return [block.split("\n", 1)[1] for block in vtt_text(config).split("\n\n") if "-->" in block.split("\n", 1)[0]]


# --- Who speaks ----------------------------------------------------------------------------------

def test_a_voice_named_once_is_on_every_turn_in_the_page_and_the_captions(editor, project, page):
    texts = two_voices(project)
    original = edit_path(project).read_bytes()
    open_video(page, editor)
    assert shown_speakers(page) == ["Speaker 1", "Speaker 2", "Speaker 1", "Speaker 1 (continued)"]
    panel = page.get_by_role("region", name="Speakers")
    panel.get_by_label("Name of Speaker 1").fill("Nicki")
    assert shown_speakers(page) == ["Nicki (Speaker 1)", "Speaker 2", "Nicki (Speaker 1)", "Nicki (continued)"]
    # The last line gets a new speaker from its dropdown; the name is typed in the box that appears.
    last = page.locator("select.voice").nth(3)
    last.select_option(label="New speaker…")
    page.keyboard.type("Lisa Cooper")
    page.keyboard.press("Tab")
    assert shown_speakers(page)[3] == "Lisa Cooper"
    page.reload()  # unsaved: kept in this browser, the name included
    page.wait_for_selector("select.voice")
    assert shown_speakers(page) == ["Nicki (Speaker 1)", "Speaker 2", "Nicki (Speaker 1)", "Lisa Cooper"]
    click_save(page)

    written = edit_path(project).read_text(encoding="utf-8")
    assert "# speaker: Speaker 1 = Nicki\n# speaker: Speaker 2 =\n" in written
    assert written.endswith(f">> Lisa Cooper: {texts[3]}\n")
    assert edit_path(project).with_name(f"{NAME}.edit.txt.bak").read_bytes() == original
    # In the page after the save, each line shows who speaks, and the name is everywhere it holds.
    assert shown_speakers(page) == ["Nicki (Speaker 1)", "Speaker 2", "Nicki (Speaker 1)", "Lisa Cooper"]
    assert page.get_by_role("region", name="Speakers").get_by_label("Name of Speaker 1").input_value() == "Nicki"
    # In the published captions: both of Nicki's turns carry her name, as a voice and as visible text.
    cues = "\n".join(cue_texts(project))
    assert cues.count("<v Nicki>") == 2 and cues.count("[Nicki]") == 2, cues
    assert "<v Lisa Cooper>[Lisa Cooper]" in cues.replace("- ", "") and "Speaker 1" not in cues
    played = _rendered_cues(page)
    assert sum("[Nicki]" in text for text in played) == 2, played


def _rendered_cues(page) -> list[str]:
    """The cue texts Chromium parsed from the track the page loaded."""
    page.wait_for_function("() => document.querySelector('video track').track.cues.length > 0")
    return page.evaluate("() => [...document.querySelector('video track').track.cues].map(c => c.text)")


def test_every_line_shows_its_speaker_and_a_named_line_holds_for_the_lines_after(editor, project, page):
    lines = parsed(project)
    open_video(page, editor)
    assert shown_speakers(page) == ["No speaker named"] * len(lines)  # one voice: nothing to name
    assert page.get_by_role("region", name="Speakers").count() == 0
    page.locator(f"#play-{lines[0].number}").focus()
    page.keyboard.press("Tab")  # keyboard only: the dropdown, its last choice, then the name
    assert page.evaluate("() => document.activeElement.id") == f"voice-{lines[0].number}"
    page.keyboard.press("End")
    assert page.locator(f"#speaker-{lines[0].number}").is_visible()
    page.keyboard.type("Narrator")
    page.keyboard.press("Tab")
    assert shown_speakers(page) == ["Narrator"] + ["Narrator (continued)"] * (len(lines) - 1)
    assert page.locator("select.voice.continued").count() == len(lines) - 1  # greyed: carried on
    click_save(page)
    assert parsed(project)[0].speaker == "Narrator"
    assert shown_speakers(page) == ["Narrator"] + ["Narrator (continued)"] * (len(lines) - 1)


def test_naming_a_voice_rewrites_only_its_row_and_a_bad_name_is_refused():
    text = ("# A note.\n# speaker: Speaker 1 =\n# speaker: Speaker 2 =\n\n[00:01.0] >> Speaker 1: Hello there.\n"
            ">> Speaker 2: Hi.\r\n[00:03.0] >> Speaker 3: And me.\n")
    named, _ = apply_operations(text, [Change(0, "Speaker 2", "Nicki", op="name")], "f")
    assert named == text.replace("# speaker: Speaker 2 =\n", "# speaker: Speaker 2 = Nicki\n")
    # A voice without a row gets one, after the others; the lines keep their place for the page.
    named, origins = apply_operations(text, [Change(0, "Speaker 3", "Lisa Cooper", op="name"),
                                             Change(5, "Speaker 1", "Hello.")], "f")
    assert named.splitlines()[3] == "# speaker: Speaker 3 = Lisa Cooper"
    assert origins[named.splitlines().index("[00:01.0] >> Speaker 1: Hello.")] == ("line", 5)
    assert editfile.speaker_names(named, "f") == {"Speaker 3": "Lisa Cooper"}
    with pytest.raises(PipelineError, match="speaker 'dr: who'"):
        apply_operations(text, [Change(0, "Speaker 2", "dr: who", op="name")], "f")


# --- The waveform by keyboard ----------------------------------------------------------------------

def test_a_line_start_moves_to_the_previous_word_by_keyboard_on_the_waveform(editor, project, page):
    second = parsed(project)[1]
    old = editfile.parse(edit_path(project).read_text(encoding="utf-8"), "x").marks[1]
    words = json.loads((folder(project) / f"{NAME}.words.json").read_text(encoding="utf-8"))
    edges = sorted({t for s in words["segments"] for w in s["words"] for t in (w["start"], w["end"])})
    back_one = max(e for e in edges if round(e * 10) < round(old * 10))  # word boundaries: starts and ends
    target = max(e for e in edges if round(e * 10) < round(back_one * 10))
    open_video(page, editor)
    page.wait_for_function("() => wave.peaks.length > 0")
    page.locator(f"#text-{second.number}").click()  # the line whose start the keys then move
    page.keyboard.press("Shift+Tab")
    while page.evaluate("() => document.activeElement.id") != "waveform":
        page.keyboard.press("Shift+Tab")  # keyboard only: back to the waveform
    canvas = page.locator("#waveform")
    assert canvas.get_attribute("role") == "slider" and "Left and Right" in canvas.get_attribute("aria-label")
    assert f"Start of line {second.number}" in canvas.get_attribute("aria-valuetext")
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"  # focus shows
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")  # put back
    assert "to move" not in canvas.get_attribute("aria-valuetext")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert f"to move to {editfile_mark(target)}" in canvas.get_attribute("aria-valuetext")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('Saved')", timeout=60_000)
    moved = next(p for p in parsed(project) if p.number == second.number)
    assert moved.mark == f"[{editfile_mark(target)}]"
    assert page.evaluate("() => document.activeElement.id") == "waveform"


# --- The easy read: a refused save shows the merge -------------------------------------------------

def refuse_an_easy_read_save(project, page):
    """Two easy-read points changed on the page while the first was also changed in a text
    editor: the save is refused and the merge view shown. Returns the view and the file's bytes."""
    path = folder(project) / f"{NAME}.easy-read.md"
    raw = path.read_text(encoding="utf-8")  # a second point, as an editor would add it in a text editor
    note = raw.index("\n", raw.index("<!-- from the transcript:")) + 1
    path.write_text(raw[:note] + "- [icon: people] We help each other.\n" + raw[note:], encoding="utf-8")
    page.get_by_role("button", name="Easy read").click()
    page.wait_for_selector("#er-text-1")
    page.locator("#er-text-0").fill(page.locator("#er-text-0").input_value() + " Mine first.")
    page.locator("#er-text-1").fill("My own last point.")
    raw = path.read_text(encoding="utf-8")
    first = re.search(r"^- \[icon: [^\]]+\] (.*)$", raw, re.M)
    path.write_text(raw[: first.end(1)] + " Theirs first." + raw[first.end(1):], encoding="utf-8")
    on_disk = path.read_bytes()
    page.get_by_role("button", name="Save easy read and rebuild").click()
    merge = page.get_by_role("region", name="Your points and the file as it is now")
    merge.wait_for()
    return merge, on_disk


def test_a_refused_easy_read_save_shows_a_merge_that_keeps_both_sides(editor, project, page):
    open_video(page, editor)
    merge, on_disk = refuse_an_easy_read_save(project, page)
    path = folder(project) / f"{NAME}.easy-read.md"
    assert path.read_bytes() == on_disk  # refused: nothing written
    assert "Mine first." in merge.text_content() and "Theirs first." in merge.text_content()
    assert "1 of your points merges cleanly" in merge.text_content()
    merge.get_by_label("Keep both").first.check()
    merge.get_by_role("button", name="Use the merged text").click()
    values = [page.locator(f"#er-text-{i}").input_value() for i in range(2)]
    assert "Theirs first." in values[0] and "Mine first." in values[0]
    assert values[1] == "My own last point."
    page.get_by_role("button", name="Save easy read and rebuild").click()
    wait_for(page, "#er-status", "Saved")
    saved = path.read_text(encoding="utf-8")
    assert "Theirs first." in saved and "Mine first." in saved and "My own last point." in saved


# --- The new controls: axe, and 375 px wide ---------------------------------------------------------

def test_the_speakers_and_the_easy_read_merge_have_no_serious_violations(editor, project, page, axe):
    two_voices(project)
    open_video(page, editor)
    page.locator("select.voice").nth(1).select_option(label="New speaker…")  # its name box shown
    page.locator("#waveform").focus()
    assert axe(page) == []
    refuse_an_easy_read_save(project, page)
    assert axe(page) == []


def test_the_speakers_fit_375_pixels_without_scrolling_sideways(editor, project, browser):
    two_voices(project)
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{editor.url}#/{NAME}")
        page.wait_for_selector("select.voice")
        page.locator("select.voice").first.select_option(label="New speaker…")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        for box in (page.get_by_label("Name of Speaker 1"), page.locator("select.voice").first):
            edge = box.bounding_box()
            assert edge["x"] >= 0 and edge["x"] + edge["width"] <= 375
    finally:
        context.close()


# --- The scripted session: the demo's raw machine transcript corrected to its narration ----------

DEMO = "cse-signs-demo"
WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


def normal_words(text: str) -> list[str]:
    """Words as a reader compares them: lower case, punctuation and quote marks dropped."""
    return WORD.findall(text.lower())


@pytest.fixture
def raw_demo(tmp_path):
    """The demo built by the real pipeline (its machine transcript cached by conftest.demo_words),
    copied, with the editor's file taken away: the next build writes the raw machine draft."""
    built = demo_words().parents[2]
    root = tmp_path / "demo"
    shutil.copytree(built, root)
    video = root / "transcripts" / DEMO
    for name in (f"{DEMO}.edit.txt", f".{DEMO}.edit.orig.txt"):
        (video / name).unlink()
    config = BuildConfig(root / "media", root / "transcripts", progress_bars=False)
    assert build_named(config, DEMO, log=lambda _: None).error is None
    with EditorServer(config, port=0) as server:
        yield config, server


def aligned(lines, narration: list[str]) -> tuple[list[str], difflib.SequenceMatcher]:
    """The draft's words, and their alignment with the narration's (compared as normal words)."""
    said = [w for line in lines for w in line.text.split()]
    matcher = difflib.SequenceMatcher(None, [" ".join(normal_words(w)) for w in said],
                                      [" ".join(normal_words(w)) for w in narration], autojunk=False)
    return said, matcher


def line_targets(lines, narration: list[str]) -> list[list[str]]:
    """The narration's words each draft line should hold: a word the machine missed joins the
    line of the word after it when it starts a sentence, else the line of the word before it."""
    owner = [k for k, line in enumerate(lines) for _ in line.text.split()]
    said, matcher = aligned(lines, narration)
    targets: list[list[str]] = [[] for _ in lines]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            if tag in ("equal", "replace"):
                i = i1 + min(j - j1, i2 - i1 - 1)
            else:  # "insert": words the machine did not write
                starts = j == 0 or narration[j - 1].endswith((".", ":", "?", "!"))
                i = min(i1, len(said) - 1) if starts or i1 == 0 else i1 - 1
            if tag != "delete":
                targets[owner[i]].append(narration[j])
    return targets


def a_misheard_word(lines, narration: list[str]) -> tuple[str, str]:
    """The first word the machine got wrong where the narration has one word in its place."""
    said, matcher = aligned(lines, narration)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1 and said[i1].isalpha() and narration[j1].isalpha():
            return said[i1], narration[j1]
    raise AssertionError("the machine made no one-word mistake")


def phrase_at(narration: list[str], phrase: str) -> int:
    wanted = normal_words(phrase)
    words = [" ".join(normal_words(w)) for w in narration]
    return next(j for j in range(len(words)) if words[j:j + len(wanted)] == wanted)


def mark_seconds(mark: str) -> float:
    minutes, seconds = mark.strip("[]").split(":")[-2:]
    return int(minutes) * 60 + float(seconds)


def cues(config):
    """The published captions by a third-party strict parser (webvtt-py): (start, end, text)."""
    import webvtt

    def seconds(stamp: str) -> float:
        hours, minutes, rest = stamp.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(rest)

    return [(seconds(c.start), seconds(c.end), c.raw_text)
            for c in webvtt.read(str(config.transcripts_dir / DEMO / f"{DEMO}.vtt"))]


def spoken(cue_text: str) -> str:
    """A cue's words without its voice tags, speaker labels and sounds."""
    return re.sub(r"\[[^\]]*\]", " ", re.sub(r"<[^>]+>", "", cue_text))


def wait_saved(page) -> None:
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('Saved')", timeout=120_000)
    assert page.locator("#problem").text_content() == ""


# The session's steps, each as an editor does it in the page.

def replace_everywhere(page, wrong: str, right: str) -> None:
    page.keyboard.press("Alt+f")
    page.get_by_label("Find", exact=True).fill(wrong)
    page.get_by_label("Replace with").fill(right)
    page.get_by_role("button", name="Replace all").click()
    assert re.search(r"Replaced \d+", page.locator("#find-status").text_content())


def type_every_line(page, lines, targets, turns: list[int]) -> dict[int, str]:
    """Each line typed as the narration has it; a turn inside a line split off there (Enter).
    Returns each turn's line (the id of its text box)."""
    owner_of = [k for k, words in enumerate(targets) for _ in words]  # narration word -> draft line
    turn_rows: dict[int, str] = {}
    for k, line in enumerate(lines):
        if not targets[k]:
            continue
        box = page.locator(f"#text-{line.number}")
        box.fill(" ".join(targets[k]))
        first = owner_of.index(k)
        for at in (at for at in turns if owner_of[at] == k):
            if at == first:
                turn_rows[at] = f"text-{line.number}"
                continue
            offset = len(" ".join(targets[k][: at - first])) + 1
            box.click()
            page.evaluate(f"() => document.activeElement.setSelectionRange({offset}, {offset})")
            page.keyboard.press("Enter")
            turn_rows[at] = page.evaluate("() => document.activeElement.id")
    return turn_rows


def name_speakers(page, turn_rows: dict[int, str], turns: list[tuple[int, str]]) -> None:
    """From each turn's dropdown: a new name typed once, then chosen from the list."""
    for at, name in turns:
        select = page.locator(f"#{turn_rows[at].replace('text-', 'voice-')}")
        if name in select.locator("option").all_text_contents():
            select.select_option(value=name)
            continue
        select.select_option(label="New speaker…")
        page.keyboard.type(name)
        page.keyboard.press("Tab")


def merge_and_delete(page, lines, targets, turn_lines: set[int]) -> None:
    """The shortest pair of lines that breaks a sentence merged (Alt+J); lines left empty deleted."""
    pair = min((k for k in range(len(lines) - 1) if targets[k] and targets[k + 1] and not {k, k + 1} & turn_lines
                and not targets[k][-1].endswith((".", ":", "?", "!"))),
               key=lambda k: len(targets[k]) + len(targets[k + 1]))
    page.locator(f"#text-{lines[pair].number}").click()
    page.keyboard.press("Alt+j")
    for k, line in enumerate(lines):
        if not targets[k]:
            page.locator(f"#text-{line.number}").click()
            page.keyboard.press("Alt+Shift+Delete")


def insert_sound(page, lines, at: float, label: str) -> None:
    """A sound at the playhead, as its own timed line after the line being spoken."""
    page.evaluate(f"() => {{ document.querySelector('video').currentTime = {at}; }}")
    page.wait_for_function("() => !document.querySelector('video').seeking")
    spoken_then = max((line for line in lines if line.mark and mark_seconds(line.mark) <= at), key=lambda l: l.number)
    page.locator(f"#text-{spoken_then.number}").click()
    page.get_by_role("button", name="Insert sound").click()
    page.keyboard.type(label)  # over the "music" it offers, selected


def retime_by_keyboard(page, word_start: float, expected: float) -> list[str]:
    """The line whose first word starts at `word_start`: its start moved one word boundary back
    with the waveform's keys, and set. Returns the line's first three words."""
    row_id = page.evaluate("(t) => timedWords.find(w => Math.abs(w.start - t) < 0.05).row.text.id", word_start)
    opening = normal_words(page.locator(f"#{row_id}").input_value())[:3]
    page.locator(f"#{row_id}").click()
    page.locator("#waveform").focus()
    page.keyboard.press("ArrowLeft")
    assert f"to move to {editfile_mark(expected)}" in page.locator("#waveform").get_attribute("aria-valuetext")
    page.keyboard.press("Enter")
    page.wait_for_function("(m) => document.querySelector('#waveform-status').textContent.includes(m)",
                           arg=editfile_mark(expected), timeout=120_000)
    wait_saved(page)
    return opening


def test_a_scripted_session_corrects_the_demo_to_its_narration_in_the_browser(raw_demo, page, w3c_vtt_parser):
    config, server = raw_demo
    edit = config.transcripts_dir / DEMO / f"{DEMO}.edit.txt"
    lines = content_lines(edit.read_text(encoding="utf-8"))
    narration = (REPO / "media" / f"{DEMO}.txt").read_text(encoding="utf-8").replace('"', "").split()
    assert normal_words(" ".join(line.text for line in lines)) != normal_words(" ".join(narration))  # it has mistakes
    targets = line_targets(lines, narration)
    turns = [(0, "Narrator"), (phrase_at(narration, "Healthcare professionals have the power"), "Nicki"),
             (phrase_at(narration, "Professor Lisa Bayliss-Pratt"), "Narrator")]
    owner_of = [k for k, words in enumerate(targets) for _ in words]
    machine = json.loads((config.transcripts_dir / DEMO / f"{DEMO}.words.json").read_text(encoding="utf-8"))
    heard = [w for s in machine["segments"] for w in s["words"]]
    pauses = sorted(zip(heard, heard[1:]), key=lambda pair: pair[0]["end"] - pair[1]["start"])  # longest first
    sound_at = round(pauses[1][0]["end"] + 0.3, 1)
    retimed = round(pauses[0][0]["end"], 1)  # the line after the longest pause starts as the word before ends

    page.goto(server.url)
    page.get_by_role("link", name=DEMO, exact=True).click()
    page.wait_for_selector("textarea.text")
    replace_everywhere(page, *a_misheard_word(lines, narration))
    turn_rows = type_every_line(page, lines, targets, [at for at, _ in turns])
    name_speakers(page, turn_rows, turns)
    merge_and_delete(page, lines, targets, {owner_of[at] for at, _ in turns})
    insert_sound(page, lines, sound_at, "gentle music")
    page.keyboard.press("Control+s")
    wait_saved(page)
    opening = retime_by_keyboard(page, pauses[0][1]["start"], retimed)

    # The published captions: the narration's words, every one; the speakers at their turns; the
    # sound at the time set; the retimed cue at its new start. And a valid file (W3C parser).
    published = cues(config)
    assert normal_words(" ".join(spoken(text) for _, _, text in published)) == normal_words(" ".join(narration))
    voiced = [" ".join(text.split()) for _, _, text in published if "<v " in text]
    assert voiced[0].startswith("<v Narrator>[Narrator] Helping"), voiced[0]
    assert any(text.startswith("<v Nicki>[Nicki] Healthcare professionals have the power") for text in voiced), voiced
    assert any(text.startswith("<v Narrator>[Narrator] Professor Lisa") for text in voiced), voiced
    sound = [start for start, _, text in published if text == "[gentle music]"]
    assert sound == [pytest.approx(sound_at, abs=0.001)], sound
    moved = [start for start, _, text in published if normal_words(spoken(text))[:3] == opening]
    assert moved == [pytest.approx(retimed, abs=0.001)], moved
    result = w3c_vtt_parser(config.transcripts_dir / DEMO / f"{DEMO}.vtt")
    assert [r["errors"] for r in result.values()] == [[]]
