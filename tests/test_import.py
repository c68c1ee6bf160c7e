"""Captions handed back by an editor's subtitle tool become their corrections; the reader
stays robust on the W3C web-platform-tests WebVTT files."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.transcribe.engines import DecodeOptions
from pipeline.errors import PipelineError
from pipeline.formats.importer import read_captions
from pipeline.formats.readers import read_webvtt
from pipeline.transcript import Transcript

from .conftest import REPO

WPT = "wpt-webvtt/file-parsing"


def wpt_files(testdata: Path, folder: str) -> list[Path]:
    files = sorted((testdata / WPT / folder).glob("*.vtt"))
    assert files, f"no WPT files in {testdata / WPT / folder}"
    return files


def test_files_with_a_bad_signature_are_refused_in_one_line(testdata):
    for path in wpt_files(testdata, "invalid-signature"):
        with pytest.raises(PipelineError) as error:
            read_captions(path)
        assert str(error.value) in (f"{path}: is not a WebVTT file (it must start with the line WEBVTT)",
                                    f"{path}:1: is not valid UTF-8 text (save the file as UTF-8)"), path


# What a strict reader must do with each W3C "valid input" (files a browser must not choke on;
# most hold blocks that browsers drop): read this many cues, or refuse the file at this line.
# Every refusal was checked by hand against the file: the named line is the first one that is
# not WebVTT by the grammar (or that webvtt-py's strict mode refuses, for cue settings).
WPT_VALID_INPUTS = {
    "arrows.vtt": (3, "'-->' is not a cue timing line: it needs a time on each side of '-->'"),
    "comment-in-cue-text.vtt": 2,
    "header-garbage.vtt": 1,
    "header-regions.vtt": (51, "'00:00:07.000 --> 00:00:08.000 region:': Invalid cue setting 'region:'"),
    "header-space.vtt": (3, "a cue needs an empty line before it (the line above has only spaces or tabs)"),
    "header-tab.vtt": (3, "a cue needs an empty line before it (the line above has only spaces or tabs)"),
    "header-timings.vtt": (2, "a cue needs an empty line before it"),
    "ids.vtt": 5,
    "newlines.vtt": 4,
    "nulls.vtt": (4, "a cue needs an empty line before it"),
    "regions-edge-case.vtt": (8, "'-->' is not a cue timing line: it needs a time on each side of '-->'"),
    "regions-id.vtt": 4,
    "regions-lines.vtt": 13,
    "regions-old.vtt": 2,
    "regions-regionanchor.vtt": 20,
    "regions-scroll.vtt": 6,
    "regions-viewportanchor.vtt": 20,
    "settings-align.vtt": (21, "Repeated cue setting 'align:end'"),
    "settings-line.vtt": (35, "Invalid cue setting 'line:1.5'"),
    "settings-multiple.vtt": 2,
    "settings-position.vtt": (11, "Invalid cue setting 'position:x'"),
    "settings-region.vtt": (21, "Repeated cue setting 'region:bar'"),
    "settings-size.vtt": (8, "Invalid cue setting 'size:1xx'"),
    "settings-vertical.vtt": (12, "Repeated cue setting 'vertical:lr'"),
    "signature-bom.vtt": 0,
    "signature-no-newline.vtt": 0,
    "signature-space-no-newline.vtt": 0,
    "signature-space.vtt": 0,
    "signature-tab-no-newline.vtt": 0,
    "signature-tab.vtt": 0,
    "signature-timings.vtt": (1, "cue timings on the WEBVTT line are never read"),
    "stylesheets.vtt": (14, "'.bar {': text outside any cue"),
    "timings-60.vtt": (3, "'00:00:60.000 --> 00:00:01.000' is not a cue timing line: minutes and seconds go up to 59"),
    "timings-eof.vtt": (3, "'00:00:00.000 -->' is not a cue timing line: it needs a time on each side of '-->'"),
    "timings-garbage.vtt": (3, "'x00:00:00.000 --> 00:00:01.000' is not a cue timing line"),
    "timings-negative.vtt": 4,
    "timings-omitted-hours.vtt": 3,
    "timings-too-long.vtt": (6, "'00::00:00.000 --> 00:00:01.000' is not a cue timing line"),
    "timings-too-short.vtt": (3, "'0:00:00.000 --> 00:00:01.000' is not a cue timing line"),
    "whitespace-chars.vtt": (16, r"'00:00:00.000\x0b\x0b\x0b\x0b-->\x0b\x0b00:00:01.000' is not a cue timing line"),
}


def test_every_valid_wpt_file_is_read_whole_or_refused_at_its_first_bad_line(testdata):
    files = wpt_files(testdata, "valid-inputs")
    assert sorted(p.name for p in files) == sorted(WPT_VALID_INPUTS)
    for path in files:
        expected = WPT_VALID_INPUTS[path.name]
        if isinstance(expected, tuple):
            line, problem = expected
            with pytest.raises(PipelineError) as error:
                read_captions(path)
            assert str(error.value).startswith(f"{path}:{line}: ") and problem in str(error.value), error.value
            assert "\n" not in str(error.value)
            continue
        assert len(read_webvtt(path)) == expected, path
        cues = read_captions(path)
        assert all(0 <= c.start <= c.end for c in cues), path
        assert all(words and "\n" not in words for c in cues for _, words in c.lines), path


def test_where_the_w3c_parser_sees_a_clean_file_we_read_the_same_cues(testdata, w3c_vtt_parser):
    files = wpt_files(testdata, "valid-inputs")
    reference = w3c_vtt_parser(*files)
    clean = [p for p in files if not reference[str(p)]["errors"]]
    assert len(clean) >= 8
    for path in clean:
        assert len(read_webvtt(path)) == reference[str(path)]["cues"] == WPT_VALID_INPUTS[path.name], path
    # Each file refused has something the reference parser finds wrong too.
    for path in files:
        if isinstance(WPT_VALID_INPUTS[path.name], tuple):
            assert reference[str(path)]["errors"], path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


GOOD_CUE = "00:00:01.000 --> 00:00:03.000\nThe first cue is fine.\n\n"
BROKEN_VTT = {  # a cue a lenient reader skips without a word, the line it is on, and what is said
    "one-dash arrow": ("WEBVTT\n\n" + GOOD_CUE + "00:00:04.000 -> 00:00:06.000\nLost words.\n", 6,
                       "'00:00:04.000 -> 00:00:06.000' is not a cue timing line: "
                       "the arrow between the times must be '-->'"),
    "comma typo": ("WEBVTT\n\n" + GOOD_CUE + "00:00:04.000 --> 00:00:06,000\nLost words.\n", 6,
                   "'00:00:04.000 --> 00:00:06,000' is not a cue timing line: the milliseconds must follow a '.'"),
    "short fields": ("WEBVTT\n\n" + GOOD_CUE + "0:0:7.5 --> 00:00:09.000\nLost words.\n", 6,
                     "'0:0:7.5 --> 00:00:09.000' is not a cue timing line: each time needs two digits"),
    "sixty seconds": ("WEBVTT\n\n" + GOOD_CUE + "00:00:60.000 --> 00:01:02.000\nLost words.\n", 6,
                      "minutes and seconds go up to 59"),
    "id then a bad timing": ("WEBVTT\n\n" + GOOD_CUE + "cue-2\n00:00:04.000 -> 00:00:06.000\nLost.\n", 7,
                             "'00:00:04.000 -> 00:00:06.000' is not a cue timing line"),
    "a second arrow": ("WEBVTT\n\n" + GOOD_CUE + "00:00:04.000 --> 00:00:06.000 --> 7\nLost.\n", 6,
                       "Invalid cue setting '-->'"),
    "no timing at all": ("WEBVTT\n\n" + GOOD_CUE + "Words with no cue.\n", 6,
                         "'Words with no cue.': text outside any cue"),
    "a blank line inside a cue": ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nLine one\n\nline two\n", 6,
                                  "'line two': text outside any cue"),
    "arrow in cue text": ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nLine one\nthen --> this\n", 5,
                          "'then --> this': '-->' can only be in a cue timing line"),
    "cue without a blank line": ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nOne\n00:00:04.000 --> 00:00:05.000\n"
                                 "Two\n", 5, "a cue needs an empty line before it"),
    "a cue in the header": ("WEBVTT\n00:00:01.000 -> 00:00:03.000\nLost\n", 2, "is in the header"),
    "a bad cue setting": ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000 align:middle\nOne\n", 3,
                          "Invalid cue setting 'align:middle'"),
    "not UTF-8": ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nCaf\udce9\n", 4, "is not valid UTF-8 text"),
}
BROKEN_SRT = {
    "one-dash arrow": ("1\n00:00:01,000 --> 00:00:03,000\nFine.\n\n2\n00:00:04,000 -> 00:00:06,000\nLost.\n", 6,
                       "'00:00:04,000 -> 00:00:06,000' is not a cue timing line: "
                       "the arrow between the times must be '-->'"),
    "dot typo": ("1\n00:00:01,000 --> 00:00:03,000\nFine.\n\n2\n00:00:04.000 --> 00:00:06,000\nLost.\n", 6,
                 "the milliseconds must follow a ',', not a '.'"),
    "no cue number": ("1\n00:00:01,000 --> 00:00:03,000\nFine.\n\n00:00:04,000 --> 00:00:06,000\nLost.\n", 5,
                      "the cue has no number"),
    "a blank line inside a cue": ("1\n00:00:01,000 --> 00:00:03,000\nLine one\n\nline two\n", 5,
                                  "'line two': text outside any cue"),
    "cue without a blank line": ("1\n00:00:01,000 --> 00:00:03,000\nOne\n2\n00:00:04,000 --> 00:00:05,000\nTwo\n", 4,
                                 "a cue needs a blank line before it"),
    "number without timings": ("1\n00:00:01,000 --> 00:00:03,000\nOne\n\n2\n", 5, "cue 2 has no timing line"),
    "short hours": ("1\n0:00:01,000 --> 00:00:03,000\nOne\n", 2, "is not a cue timing line"),
    "not UTF-8": ("1\n00:00:01,000 --> 00:00:03,000\nCaf\udce9\n", 3, "is not valid UTF-8 text"),
}


@pytest.mark.parametrize("kind, name", [*(("vtt", k) for k in BROKEN_VTT), *(("srt", k) for k in BROKEN_SRT)])
def test_a_cue_that_cannot_be_read_is_an_error_naming_file_and_line(tmp_path, kind, name):
    text, line, problem = (BROKEN_VTT if kind == "vtt" else BROKEN_SRT)[name]
    path = write(tmp_path, f"handed-back.{kind}", text)
    with pytest.raises(PipelineError) as error:
        read_captions(path)
    assert str(error.value).startswith(f"{path}:{line}: "), error.value
    assert problem in str(error.value) and "\n" not in str(error.value), error.value


def test_what_is_well_formed_is_read_whole(tmp_path):
    vtt = write(tmp_path, "good.vtt", "\ufeffWEBVTT - a title\nKind: captions\n\nNOTE a note\n\nSTYLE\n"
                "::cue { color: lime }\n\nintro\n00:01.000 --> 00:03.000 align:start\n"
                "<v Nurse>x &lt; y &amp; <i>z</i>\n\n100:00:04.000 --> 100:00:06.000\n[music]\n")
    assert [(c.start, c.end, c.lines) for c in read_captions(vtt)] == [
        (1.0, 3.0, [("Nurse", "x < y & z")]), (360004.0, 360006.0, [(None, "[music]")])]
    srt = write(tmp_path, "good.srt", "\ufeff1\r\n00:00:01,000 --> 00:00:03,500\r\n<i>x < y and y > z</i>\r\n"
                "{\\an8}a --\u2060> b\r\n\r\n2\r\n00:00:04,000 --> 00:00:05,000\r\n- Who?\r\n- Me.\r\n")
    assert [(c.start, c.end, c.lines) for c in read_captions(srt)] == [
        (1.0, 3.5, [(None, "x < y and y > z a --> b")]), (4.0, 5.0, [(None, "Who?"), (None, "Me.")])]


def test_our_own_srt_imports_with_every_word(tmp_path):
    from pipeline.formats.srt import to_srt
    from pipeline.layout import layout

    from .test_layout_writers import speech, transcript

    said = "Is x < y and y > z? <only a tag> then a --> b and Fish &amp; chips."
    cues = layout(transcript(speech(said)))
    imported = read_captions(write(tmp_path, "ours.srt", to_srt(cues)))
    assert " ".join(words for cue in imported for _, words in cue.lines) == said
    assert [c.start for c in imported] == [round(c.start, 3) for c in cues]



def test_visible_speaker_labels_come_back_as_speakers_not_words(tmp_path):
    """Our captions show a speaker's name in the text ("[Nicki] ..." or "NICKI: ..."); a file
    corrected elsewhere and imported must give the name back as the speaker, not as words, while
    a lower-case bracket is a sound description that stays in the text."""
    vtt = write(tmp_path, "labels.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Nicki>[Nicki] I was fifteen.</v>\n\n"
                "00:02.000 --> 00:03.000\n<v Dr Patel>DR PATEL: Take one.</v>\n\n"
                "00:03.000 --> 00:04.000\n<v Nicki>[Bob] is not my name.</v>\n")
    assert [c.lines for c in read_captions(vtt)] == [
        [("Nicki", "I was fifteen.")], [("Dr Patel", "Take one.")], [("Nicki", "(Bob) is not my name.")]]
    srt = write(tmp_path, "labels.srt", "1\n00:00:01,000 --> 00:00:02,000\n[Speaker 2] Hello.\n\n"
                "2\n00:00:02,000 --> 00:00:03,000\n- NICKI: Who?\n- [Dr Patel] Me.\n\n"
                "3\n00:00:03,000 --> 00:00:04,000\n[sighs] I know.\n")
    assert [c.lines for c in read_captions(srt)] == [
        [("Speaker 2", "Hello.")], [("Nicki", "Who?"), ("Dr Patel", "Me.")], [(None, "(sighs) I know.")]]

@pytest.fixture
def built(tmp_path, testdata):
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(testdata / "librispeech_dev-clean_2412-153948-0000.flac", media / "libri.flac")
    config = BuildConfig(media, tmp_path / "transcripts", model="tiny.en", options=DecodeOptions())
    build_all(config, log=lambda _: None)
    return config


def run_import(config, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "import", "libri", str(path), "--transcripts-dir",
                           str(config.transcripts_dir)], capture_output=True, text=True, cwd=REPO)


@pytest.mark.parametrize("kind", ["vtt", "srt"])
def test_a_caption_file_corrected_elsewhere_becomes_the_corrections(built, tmp_path, kind):
    folder = built.transcripts_dir / "libri"
    handed_back = tmp_path / f"from-subtitle-edit.{kind}"
    text = (folder / f"libri.{kind}").read_text()
    # Like an editor in a subtitle tool: move the second cue's start and fix a word.
    timing = [line for line in text.splitlines() if " --> " in line][1]
    start = timing.split(" --> ")[0]
    moved = start[:-3] + ("500" if start[-3:] != "500" else "600")
    edited = text.replace(timing, timing.replace(start, moved, 1)).replace("antecedents", "forebears")
    assert "forebears" in edited
    handed_back.write_text(edited)
    previous = (folder / "libri.edit.txt").read_bytes()

    done = run_import(built, handed_back)
    assert done.returncode == 0, done.stderr
    assert (folder / "libri.edit.txt.bak").read_bytes() == previous
    build_all(built, log=lambda _: None)
    words = Transcript.from_json((folder / "libri.words.json").read_text())
    assert "forebears" in words.text and "antecedents" not in words.text
    seconds = sum(float(x) * m for x, m in zip(moved.replace(",", ".").split(":"), (3600, 60, 1)))
    assert any(abs(w.start - round(seconds, 1)) < 1e-6 for w in words.words), (moved, words.words)


def test_importing_something_that_is_not_captions_is_one_clear_error(built, tmp_path):
    junk = tmp_path / "notes.vtt"
    junk.write_text("These are my notes, not captions.\n")
    done = run_import(built, junk)
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: {junk}: is not a WebVTT file (it must start with the line WEBVTT)"


def test_importing_captions_that_lost_a_cue_fails_in_one_line_and_writes_nothing(built, tmp_path):
    folder = built.transcripts_dir / "libri"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    for kind, broken in [("vtt", BROKEN_VTT), ("srt", BROKEN_SRT)]:
        text = (folder / f"libri.{kind}").read_text()
        timing = [line for line in text.splitlines() if " --> " in line][1]
        typo = timing.replace(" --> ", " -> ") if kind == "vtt" else timing.replace(",", ".", 1)
        line = text.splitlines().index(timing) + 1
        cases = [("typo", (text.replace(timing, typo), line, "is not a cue timing line")),
                 *((name, broken[name]) for name in ("a blank line inside a cue", "not UTF-8"))]
        for name, (content, at, problem) in cases:
            path = write(tmp_path, f"{name}.{kind}", content)
            done = run_import(built, path)
            assert done.returncode == 1, (kind, name, done.stdout)
            assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"error: {path}:{at}: "), done.stderr
            assert problem in done.stderr, done.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
