"""The whole path, as `make` runs it: media folder -> captions, transcript and machine words."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import webvtt

from pipeline import build as build_module
from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.store import clean
from pipeline.transcribe.engines import DecodeOptions
from pipeline.evaluate import score_text
from pipeline.transcript import Transcript

from .conftest import REPO, run_ffmpeg


def config(media_dir: Path, transcripts: Path, **options) -> BuildConfig:
    return BuildConfig(media_dir, transcripts, model="tiny.en", options=DecodeOptions(**options))


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          cwd=REPO, **kwargs)


def test_build_writes_captions_transcript_and_timed_words(media_dir, tmp_path, testdata):
    transcripts = tmp_path / "transcripts"
    [result] = build_all(config(media_dir, transcripts), log=lambda _: None)
    assert result.status == "transcribed"
    out = transcripts / "jfk"
    machine = Transcript.from_json((out / "jfk.machine.json").read_text())
    assert machine.words and all(w.start <= w.end for w in machine.words)
    assert machine.audio_sha256 and machine.engine == "faster-whisper" and machine.model == "tiny.en"

    captions = webvtt.read(str(out / "jfk.vtt"))
    assert len(captions) >= 2
    assert " ".join(c.text.replace("\n", " ") for c in captions) == machine.text
    assert all(c.start_in_seconds <= c.end_in_seconds for c in captions)
    assert "not yet reviewed" in (out / "jfk.vtt").read_text()

    text = (out / "jfk.txt").read_text()
    assert score_text("jfk", (testdata / "jfk_inaugural_1961.txt").read_text(), text).wer <= 0.05
    assert "-->" not in text
    assert not list(out.glob(".*.tmp")), "no temp files are left behind"


def test_a_second_build_does_not_transcribe_or_touch_anything(media_dir, tmp_path, monkeypatch):
    transcripts = tmp_path / "transcripts"
    build_all(config(media_dir, transcripts), log=lambda _: None)
    before = {p: p.stat().st_mtime_ns for p in (transcripts / "jfk").iterdir()}

    def no_engine(*args, **kwargs):
        raise AssertionError("the engine was loaded for an unchanged file")

    monkeypatch.setattr(build_module, "load_engine", no_engine)
    [result] = build_all(config(media_dir, transcripts), log=lambda _: None)
    assert result.status == "unchanged"
    assert {p: p.stat().st_mtime_ns for p in (transcripts / "jfk").iterdir()} == before


def test_new_audio_or_new_options_transcribe_again(media_dir, tmp_path, testdata):
    transcripts = tmp_path / "transcripts"
    build_all(config(media_dir, transcripts), log=lambda _: None)
    [result] = build_all(config(media_dir, transcripts, beam_size=2), log=lambda _: None)
    assert result.status == "transcribed"
    assert Transcript.from_json((transcripts / "jfk" / "jfk.machine.json").read_text()).options["beam_size"] == 2

    editor_file = (transcripts / "jfk" / "jfk.edit.txt").read_bytes()
    (media_dir / "jfk.flac").unlink()
    run_ffmpeg("-i", str(testdata / "cmu_arctic_us_aew_a0003.wav"), str(media_dir / "jfk.flac"))
    [result] = build_all(config(media_dir, transcripts, beam_size=2), log=lambda _: None)
    assert result.status == "transcribed"
    machine = Transcript.from_json((transcripts / "jfk" / "jfk.machine.json").read_text())
    assert "americans" not in machine.text.lower()
    # The editor's file stays as it was: its lines no longer match the audio, and the build says so.
    assert (transcripts / "jfk" / "jfk.edit.txt").read_bytes() == editor_file
    assert any("few of this line's words match the new machine transcript" in w for w in result.warnings)
    assert all(w.startswith(f"{transcripts / 'jfk' / 'jfk.edit.txt'}:") for w in result.warnings)


def test_outputs_deleted_by_hand_are_written_again_without_transcribing(media_dir, tmp_path):
    transcripts = tmp_path / "transcripts"
    build_all(config(media_dir, transcripts), log=lambda _: None)
    vtt = (transcripts / "jfk" / "jfk.vtt").read_text()
    (transcripts / "jfk" / "jfk.vtt").unlink()
    [result] = build_all(config(media_dir, transcripts), log=lambda _: None)
    assert result.status == "updated"
    assert (transcripts / "jfk" / "jfk.vtt").read_text() == vtt


def test_bad_files_are_reported_in_one_line_each_and_the_rest_still_builds(media_dir, tmp_path):
    (media_dir / "empty.mp4").write_bytes(b"")
    (media_dir / "notes.mp4").write_text("not a video\n" * 10)
    run_ffmpeg("-f", "lavfi", "-i", "color=c=red:s=160x120:r=25:d=1", "-c:v", "libx264",
               str(media_dir / "no-audio.mp4"))
    (media_dir / "readme.txt").write_text("not media, ignored")
    transcripts = tmp_path / "transcripts"
    done = run_cli("build", "--media-dir", str(media_dir), "--transcripts-dir", str(transcripts),
                   "--model", "tiny.en")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert sorted(errors) == sorted([
        f"error: {media_dir / 'empty.mp4'}: is empty (0 bytes)",
        f"error: {media_dir / 'no-audio.mp4'}: has no audio stream",
        f"error: {media_dir / 'notes.mp4'}: cannot be read as media: truncated, or not really an MP4/MOV "
        "file (moov atom not found)",
    ]), done.stderr
    assert (transcripts / "jfk" / "jfk.vtt").is_file()
    assert "1 transcribed, 3 failed" in done.stdout
    assert not (transcripts / "readme").exists()


def test_a_missing_media_folder_is_one_line_and_a_failure(tmp_path):
    done = run_cli("build", "--media-dir", str(tmp_path / "nowhere"), "--transcripts-dir", str(tmp_path / "t"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: {tmp_path / 'nowhere'}: media folder does not exist"


def test_files_sharing_a_name_are_kept_apart(media_dir, tmp_path, testdata):
    shutil.copy(testdata / "cmu_arctic_us_aew_a0003.wav", media_dir / "jfk.wav")
    transcripts = tmp_path / "transcripts"
    results = build_all(config(media_dir, transcripts), log=lambda _: None)
    assert [r.status for r in results] == ["transcribed", "transcribed"]
    assert (transcripts / "jfk.flac" / "jfk.flac.vtt").is_file()
    assert (transcripts / "jfk.wav" / "jfk.wav.vtt").is_file()


def test_clean_removes_what_builds_made_and_nothing_an_editor_wrote(media_dir, tmp_path):
    transcripts = tmp_path / "transcripts"
    build_all(config(media_dir, transcripts), log=lambda _: None)
    editor_file = transcripts / "jfk" / "jfk.edit.txt"
    editor_file.write_text("[00:00.0] And so, my fellow Americans\n")
    from pipeline.store import audio_cache

    pcm = audio_cache() / f"{json.loads((transcripts / 'jfk' / '.build.json').read_text())['audio_sha256']}.pcm"
    assert pcm.is_file()
    removed = clean(transcripts)
    assert pcm.is_file()  # the shared audio cache is left alone: another checkout may use the same audio
    assert {p.name for p in removed} == {
        "jfk.vtt", "jfk.srt", "jfk.txt", "jfk.machine.json", "jfk.words.json", ".build.json",
        "jfk.html", "jfk.transcript.html", "jfk.snippet.html", "jfk.json",
        "jfk.easy-read.html", "jfk.easy-read.md", ".jfk.easy-read.orig.md", "jfk.speakers.json", "jfk.risks.json"}
    assert editor_file.read_text() == "[00:00.0] And so, my fellow Americans\n"
    assert (transcripts / "jfk" / ".jfk.edit.orig.txt").is_file()


def test_clean_never_leaves_the_transcripts_folder_or_follows_links(media_dir, tmp_path):
    transcripts = tmp_path / "transcripts"
    build_all(config(media_dir, transcripts), log=lambda _: None)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "jfk.vtt").write_text("not yours\n")
    (outside / "outside.vtt").write_text("not yours\n")
    (tmp_path / "empty").mkdir()
    (transcripts / "outside").symlink_to(outside, target_is_directory=True)  # a folder linked in
    (transcripts / "empty").symlink_to(tmp_path / "empty", target_is_directory=True)
    (transcripts / "jfk" / "jfk.srt").unlink()
    (transcripts / "jfk" / "jfk.srt").symlink_to(outside / "jfk.vtt")  # a file linked in
    removed = clean(transcripts)
    assert all(p.parent == transcripts / "jfk" for p in removed) and not any(p.name == "jfk.srt" for p in removed)
    assert sorted(p.name for p in outside.iterdir()) == ["jfk.vtt", "outside.vtt"]
    assert (outside / "jfk.vtt").read_text() == "not yours\n"
    assert (transcripts / "jfk" / "jfk.srt").is_symlink() and (tmp_path / "empty").is_dir()
    assert (transcripts / "jfk" / "jfk.edit.txt").is_file()


def test_clean_keeps_an_easy_read_an_editor_changed(media_dir, tmp_path):
    transcripts = tmp_path / "transcripts"
    build_all(config(media_dir, transcripts), log=lambda _: None)
    easy_read = transcripts / "jfk" / "jfk.easy-read.md"
    edited = easy_read.read_text().replace("# ", "# Edited: ", 1)
    easy_read.write_text(edited)
    removed = {p.name for p in clean(transcripts)}
    assert "jfk.easy-read.html" in removed and "jfk.easy-read.md" not in removed
    assert easy_read.read_text() == edited and (transcripts / "jfk" / ".jfk.easy-read.orig.md").is_file()


@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0,
                    reason="needs root and unshare to cut the network")
def test_a_build_needs_no_network(media_dir, tmp_path):
    """Run in a network namespace with no interfaces up: any download would fail the build."""
    assert subprocess.run(["unshare", "--net", "true"]).returncode == 0
    transcripts = tmp_path / "transcripts"
    done = subprocess.run(
        ["unshare", "--net", sys.executable, "-m", "pipeline", "build", "--media-dir", str(media_dir),
         "--transcripts-dir", str(transcripts), "--model", "tiny.en", "--engine", "openai-whisper"],
        capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert json.loads((transcripts / "jfk" / "jfk.machine.json").read_text())["engine"] == "openai-whisper"
