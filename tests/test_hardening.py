"""What an editor, a viewer or an attacker finds when they look hard: replaced recordings, text
that looks like a speaker, hostile file names, long rewrites, files sharing a name, guards that
cut real speech, caches that outlive the code that made them, builds killed mid-write."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import webvtt

from pipeline import build as build_module
from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.formats import editfile
from pipeline.transcribe.engines import DecodeOptions
from pipeline.transcript import Removed, Transcript

from .conftest import REPO, run_ffmpeg

NAME = "talk"


def config(media: Path, transcripts: Path) -> BuildConfig:
    return BuildConfig(media, transcripts, model="tiny.en", options=DecodeOptions(), progress_bars=False)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=REPO)


def build_cli(media: Path, transcripts: Path) -> subprocess.CompletedProcess:
    return cli("build", "--media-dir", str(media), "--transcripts-dir", str(transcripts), "--model", "tiny.en")


def caption_words(vtt: Path) -> str:
    return " ".join(c.text.replace("\n", " ") for c in webvtt.read(str(vtt)))


def edit_a_word(edit: Path, old: str, new: str) -> None:
    text = edit.read_text(encoding="utf-8")
    assert old in text
    edit.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- a replaced recording -----------------------------------------------------------------------

def test_a_replaced_recording_never_keeps_the_old_reviewed_captions(tmp_path, testdata):
    media, transcripts = tmp_path / "media", tmp_path / "transcripts"
    media.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", media / f"{NAME}.flac")
    assert build_cli(media, transcripts).returncode == 0
    folder = transcripts / NAME
    edit_a_word(folder / f"{NAME}.edit.txt", "country", "nation")
    done = build_cli(media, transcripts)
    assert done.returncode == 0, done.stderr
    assert "nation" in caption_words(folder / f"{NAME}.vtt")  # the control: a correction is published
    assert json.loads((folder / f"{NAME}.json").read_text())["reviewed"] is True

    (media / f"{NAME}.flac").unlink()  # another recording under the same name
    run_ffmpeg("-i", str(testdata / "cmu_arctic_us_aew_a0003.wav"), str(media / f"{NAME}.flac"))
    done = build_cli(media, transcripts)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and f"{NAME}.edit.txt" in errors[0] and "other audio" in errors[0]
    words = caption_words(folder / f"{NAME}.vtt").lower()
    assert "nation" not in words and "americans" not in words  # the new recording's words, not the old
    assert "not yet reviewed" in (folder / f"{NAME}.vtt").read_text()
    manifest = json.loads((folder / f"{NAME}.json").read_text())
    assert manifest["reviewed"] is False
    assert "Checked by an editor" not in (folder / f"{NAME}.html").read_text()
    check = cli("check", "--transcripts-dir", str(transcripts))
    assert check.returncode == 1 and "editor-file-mismatch" in check.stdout
    assert "nation" in (folder / f"{NAME}.edit.txt").read_text()  # the editor's work is kept, untouched


# --- speakers are unambiguous -----------------------------------------------------------------

def test_text_that_looks_like_a_name_is_text_and_only_the_speaker_form_names_a_speaker():
    doc = editfile.parse(editfile.header("x.mp4") + "[00:01.0] Remember: wash your hands.\n"
                         "[00:03.0] >> Nurse Jo: Next, please.\n[00:05.0] Thank you.\n", "x")
    assert [(line.speaker, " ".join(t.text for t in line.tokens)) for line in doc.lines] == [
        (None, "Remember: wash your hands."), ("Nurse Jo", "Next, please."), ("Nurse Jo", "Thank you.")]


def test_files_written_before_the_speaker_form_keep_their_rule(tmp_path):
    demo = (REPO / "transcripts" / "cse-signs-demo" / "cse-signs-demo.edit.txt").read_text(encoding="utf-8")
    legacy = demo.split("\n\n", 1)[0] + "\n\n[00:01.0] Nicki: I was fifteen.\n"
    assert [line.speaker for line in editfile.parse(legacy, "x").lines] == ["Nicki"]


def test_a_first_draft_never_turns_the_machines_words_into_a_speaker_or_a_note():
    from pipeline.transcript import Segment, Word

    said = [">>", "Remember:", "#1", "wash", "up.", "\\o/", "[cough", "ok]"]
    machine = Transcript([Segment([Word(w, i, i + 0.5) for i, w in enumerate(said)])], "en", 10.0)
    draft = editfile.render(machine, "x.mp4")
    doc = editfile.parse(draft, "x")
    assert [line.speaker for line in doc.lines] == [None] * len(doc.lines)
    assert not any(t.sound for line in doc.lines for t in line.tokens)
    published = [t.text for line in doc.lines for t in line.tokens]
    assert published[:6] == said[:6] and len(published) == len(said)


# --- hostile names ---------------------------------------------------------------------------

def test_a_newline_in_a_media_name_cannot_break_the_header_or_the_terminal(tmp_path, testdata):
    media, transcripts = tmp_path / "media", tmp_path / "transcripts"
    media.mkdir()
    hostile = "evil\n[00:00.0] >> Mallory: injected words\x1b[2J.flac"
    shutil.copy(testdata / "jfk_inaugural_1961.flac", media / hostile)
    done = build_cli(media, transcripts)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr and "injected words\n" not in done.stdout
    [folder] = [p for p in transcripts.iterdir() if p.is_dir()]
    edit = next(folder.glob("*.edit.txt"))
    doc = editfile.parse(edit.read_text(encoding="utf-8"), str(edit))
    published = " ".join(t.text for line in doc.lines for t in line.tokens)
    assert "injected" not in published and "Mallory" not in published
    assert not any("Mallory" in (line.speaker or "") for line in doc.lines)
    assert "injected" not in caption_words(next(folder.glob("*.vtt")))


# --- a long rewrite --------------------------------------------------------------------------

def test_a_long_rewritten_stretch_is_aligned_in_pieces_not_a_crash(tmp_path, testdata):
    media, transcripts = tmp_path / "media", tmp_path / "transcripts"
    media.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", media / f"{NAME}.flac")
    build_all(config(media, transcripts), log=lambda _: None)
    edit = transcripts / NAME / f"{NAME}.edit.txt"
    lines = edit.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("["))
    rewrite = " ".join(f"word{k}" for k in range(450))
    lines[first] = lines[first].split("]", 1)[0] + "] " + rewrite
    edit.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [result] = build_all(config(media, transcripts), log=lambda _: None)
    assert result.error is None, result.error
    published = Transcript.from_json((transcripts / NAME / f"{NAME}.words.json").read_text()).words
    assert [w.text for w in published][:450] == rewrite.split()
    assert all(a.start <= b.start for a, b in zip(published, published[1:]))


# --- two media files, one name -----------------------------------------------------------------

def test_a_file_added_beside_another_of_the_same_name_never_takes_its_folder(tmp_path, testdata):
    media, transcripts = tmp_path / "media", tmp_path / "transcripts"
    media.mkdir()
    run_ffmpeg("-i", str(testdata / "jfk_inaugural_1961.flac"), str(media / "plain.wav"))
    assert build_cli(media, transcripts).returncode == 0
    edit_a_word(transcripts / "plain" / "plain.edit.txt", "country", "nation")
    shutil.copy(testdata / "cmu_arctic_us_aew_a0003.wav", media / "plain.flac")
    done = build_cli(media, transcripts)
    assert done.returncode == 0, done.stderr
    assert "nation" in caption_words(transcripts / "plain" / "plain.vtt")  # the editor's work still published
    assert (transcripts / "plain.flac" / "plain.flac.vtt").is_file() and not (transcripts / "plain.wav").exists()
    notes = [line for line in done.stderr.splitlines() if "plain.flac" in line]
    assert notes and "shares its name" in notes[0] and "plain.wav" in notes[0]


# --- nothing the machine heard vanishes ---------------------------------------------------------

def test_what_a_guard_removed_is_in_the_review_list_with_its_time(tmp_path, testdata):
    media, transcripts = tmp_path / "media", tmp_path / "transcripts"
    media.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", media / f"{NAME}.flac")
    build_all(config(media, transcripts), log=lambda _: None)
    machine_path = transcripts / NAME / f"{NAME}.machine.json"
    machine = Transcript.from_json(machine_path.read_text())
    machine.removed.append(Removed("no, no, no", 6.2, 7.0, "a decoding loop (the same words over and over)"))
    machine_path.write_text(machine.to_json())  # what the engine reports when a guard cuts words
    done = cli("review", "--transcripts-dir", str(transcripts))
    assert done.returncode == 0
    [line] = [line for line in done.stdout.splitlines() if "[removed:" in line]
    assert "[00:06.2] '[removed: no, no, no]'" in line and f"{NAME}.edit.txt:" in line


# --- caches follow the code --------------------------------------------------------------------

def test_a_new_version_of_the_retiming_code_reaches_existing_words(tmp_path, testdata, monkeypatch):
    media, transcripts = tmp_path / "media", tmp_path / "transcripts"
    media.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", media / f"{NAME}.flac")
    build_all(config(media, transcripts), log=lambda _: None)
    calls = []
    real = build_module.retime
    monkeypatch.setattr(build_module, "retime", lambda *a, **k: calls.append(1) or real(*a, **k))
    build_all(config(media, transcripts), log=lambda _: None)
    assert calls == []  # nothing changed: the cached words stand
    monkeypatch.setattr(build_module, "RETIME_VERSION", build_module.RETIME_VERSION + 1)
    build_all(config(media, transcripts), log=lambda _: None)
    assert calls == [1]


def test_alignment_uses_the_transcripts_language(tmp_path, testdata, monkeypatch):
    from pipeline.transcribe import align

    media, transcripts = tmp_path / "media", tmp_path / "transcripts"
    media.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", media / f"{NAME}.flac")
    build_all(config(media, transcripts), log=lambda _: None)
    machine_path = transcripts / NAME / f"{NAME}.machine.json"
    machine_path.write_text(machine_path.read_text().replace('"language": "en"', '"language": "de"', 1))
    languages = []
    real_init = align.WhisperAligner.__init__

    def spy(self, model, pcm, language="en"):
        languages.append(language)
        real_init(self, model, pcm, language)

    monkeypatch.setattr(align.WhisperAligner, "__init__", spy)
    edit_a_word(transcripts / NAME / f"{NAME}.edit.txt", "fellow Americans", "fellow citizens of the world")
    build_all(config(media, transcripts), log=lambda _: None)
    assert languages == ["de"]


# --- killed at every write -------------------------------------------------------------------

KILLER = """
import os, signal, sys
from pipeline import atomic
from pipeline.cli import main
calls, real = [0], os.replace
def replace(src, dst):
    calls[0] += 1
    if calls[0] == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)  # the temp file is whole; the rename never happens
    return real(src, dst)
atomic.os.replace = replace
sys.exit(main(sys.argv[2:]))
"""


def test_a_build_killed_at_every_write_leaves_every_output_whole(tmp_path, testdata):
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(testdata / "cmu_arctic_us_aew_a0003.wav", media / f"{NAME}.wav")
    reference = tmp_path / "reference"
    assert build_cli(media, reference).returncode == 0
    killed = []
    for n in range(1, 80):  # a fresh build each time, its n-th write cut short
        transcripts = tmp_path / f"killed-at-{n}"
        args = ["build", "--media-dir", str(media), "--transcripts-dir", str(transcripts), "--model", "tiny.en"]
        done = subprocess.run([sys.executable, "-c", KILLER, str(n), *args], cwd=REPO, capture_output=True)
        if done.returncode == 0:
            break
        assert done.returncode == -9, done.stderr
        killed.append(transcripts)
        for path in (transcripts / NAME).iterdir() if (transcripts / NAME).is_dir() else []:
            if path.name.endswith(".tmp"):
                continue
            if path.name == ".build.json":
                json.loads(path.read_text())  # whole, whatever it holds yet
            elif path.name == f"{NAME}.json":
                assert _without_made_at(path) == _without_made_at(reference / NAME / path.name)
            else:
                assert path.read_bytes() == (reference / NAME / path.name).read_bytes(), path.name
    # Every file the build writes was cut short once: the audio, notes, json, txt, vtt, srt, html, md.
    assert len(killed) >= len(list((reference / NAME).iterdir()))
    for transcripts in killed[1::4]:  # and the next build finishes the job
        assert build_cli(media, transcripts).returncode == 0
        for path in (reference / NAME).iterdir():
            if path.name not in (".build.json", f"{NAME}.json"):
                assert (transcripts / NAME / path.name).read_bytes() == path.read_bytes(), path.name
        assert not list(transcripts.rglob("*.tmp"))


def _without_made_at(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("made_at")
    return data
