"""Every caption file we write is read the same by real clients: the W3C reference parser
reports no error, and Chromium's <track> sees every cue."""

import shutil

import pytest
import webvtt

from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.transcribe.engines import DecodeOptions

from .conftest import chromium_cues, run_ffmpeg, track_page

TRICKY = """\
[00:00.0] >> Nurse: Fish & chips <b>not bold</b>, 3 > 2 -- and a "quote".
[00:02.5] >> Nicki: Yes.
[00:03.4] [phone rings]
>> Nurse: Who was with you? Nobody & nothing.
"""


@pytest.fixture(scope="module")
def built_vtts(tmp_path_factory, testdata) -> list:
    root = tmp_path_factory.mktemp("clients")
    media = root / "media"
    media.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", media / "jfk.flac")
    shutil.copy(testdata / "librispeech_dev-clean_2412-153948-0000.flac", media / "libri.flac")
    shutil.copy(testdata / "ami_ES2011a_headset0_40-46s.wav", media / "ami.wav")
    config = BuildConfig(media, root / "transcripts", model="tiny.en", options=DecodeOptions())
    build_all(config, log=lambda _: None)
    edit = root / "transcripts" / "ami" / "ami.edit.txt"
    edit.write_text(TRICKY)
    [ami, _, _] = sorted(build_all(config, log=lambda _: None), key=lambda r: r.media.name)
    assert ami.status == "updated", ami
    return sorted((root / "transcripts").glob("*/*.vtt"))


def test_the_w3c_reference_parser_finds_no_error(built_vtts, w3c_vtt_parser):
    results = w3c_vtt_parser(*built_vtts)
    for path in built_vtts:
        result = results[str(path)]
        assert result["errors"] == [], (path, result["errors"])
        assert result["cues"] == len(webvtt.read(str(path))) > 0
    tricky = next(p for p in built_vtts if p.name == "ami.vtt").read_text()
    assert "Fish &amp; chips &lt;b&gt;not bold&lt;/b&gt;," in tricky and "3 &gt; 2" in tricky
    assert "<v Nurse>" in tricky and "[phone rings]" in tricky


def test_chromium_loads_every_cue_through_a_track_element(built_vtts, browser, web_root):
    folder, base = web_root
    run_ffmpeg("-f", "lavfi", "-i", "color=c=black:s=160x90:r=25:d=12", "-f", "lavfi", "-i",
               "sine=frequency=440:duration=12", "-shortest", "-c:v", "libvpx-vp9", "-c:a", "libopus",
               str(folder / "clip.webm"))
    page = browser.new_page()
    try:
        for path in built_vtts:
            shutil.copy(path, folder / path.name)
            page.goto(f"{base}/{track_page(folder, path.stem, path.name, 'clip.webm')}")
            cues = chromium_cues(page)
            assert len(cues) == len(webvtt.read(str(path))), path
            if path.name == "ami.vtt":
                assert cues[0]["text"].startswith("<v Nurse>[Nurse] Fish &amp; chips")
    finally:
        page.close()
