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


def test_every_valid_wpt_file_reads_without_failing(testdata):
    for path in wpt_files(testdata, "valid-inputs"):
        try:
            cues = read_captions(path)
        except PipelineError as error:
            assert str(error).startswith(f"{path}"), error
            continue
        assert all(0 <= c.start <= c.end for c in cues), path
        assert all(words and "\n" not in words for c in cues for _, words in c.lines), path


def test_where_the_w3c_parser_sees_a_clean_file_we_read_the_same_cues(testdata, w3c_vtt_parser):
    files = wpt_files(testdata, "valid-inputs")
    reference = w3c_vtt_parser(*files)
    clean = [p for p in files if not reference[str(p)]["errors"]]
    assert len(clean) >= 8
    for path in clean:
        expected = reference[str(path)]["cues"]
        cues = read_captions(path)
        # A cue with no text is nothing to import; the reference parser still counts it.
        assert len(cues) <= expected and (expected == 0) == (len(cues) == 0), path


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
