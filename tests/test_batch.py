"""The batch as whoever runs `make` meets it: broken files, odd names, killed and parallel builds."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import webvtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.formats import editfile
from pipeline.errors import PipelineError
from pipeline.formats.importer import read_captions

from .conftest import REPO, run_ffmpeg


def build_cli(media: Path, transcripts: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "build", "--media-dir", str(media), "--transcripts-dir",
            str(transcripts), "--model", "tiny.en", *extra]


def test_bad_inputs_fail_one_line_each_and_the_rest_builds(tmp_path, testdata):
    media = tmp_path / "media"
    media.mkdir()
    good = {
        "jfk.flac": testdata / "jfk_inaugural_1961.flac",
        "with space and 'quotes'.wav": testdata / "cmu_arctic_us_aew_a0001.wav",
        "ünïcödé.wav": testdata / "cmu_arctic_us_aew_a0002.wav",
        "-leading-dash.wav": testdata / "cmu_arctic_us_axb_a0005.wav",
        "talk.wav": testdata / "ljspeech_LJ002-0020.wav",
    }
    for name, source in good.items():
        shutil.copy(source, media / name)
    run_ffmpeg("-i", str(testdata / "ljspeech_LJ002-0035.wav"), str(media / "talk.mp3"))  # same name, other type
    run_ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "3", str(media / "silent.wav"))
    transcripts = tmp_path / "transcripts"
    first = subprocess.run(build_cli(media, transcripts), capture_output=True, text=True, cwd=REPO)
    assert first.returncode == 0, first.stderr
    editor_file = transcripts / "jfk" / "jfk.edit.txt"
    editor_file.write_text(editor_file.read_text().replace("Americans", "citizens"))
    editor_bytes = editor_file.read_bytes()

    (media / "empty.mp4").write_bytes(b"")
    (media / "notes.mp4").write_text("a text file named like a video\n" * 5)
    (media / "cut-short.mp4").write_bytes((REPO / "media" / "cse-signs-demo.mp4").read_bytes()[:400_000])
    run_ffmpeg("-f", "lavfi", "-i", "color=c=red:s=160x120:r=25:d=1", "-c:v", "libx264", str(media / "mute.mp4"))
    (media / "folder.mov").mkdir()
    done = subprocess.run(build_cli(media, transcripts), capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1
    errors = sorted(line for line in done.stderr.splitlines() if line.startswith("error: "))
    assert len(errors) == 5, done.stderr
    expected = {"empty.mp4": "is empty (0 bytes)", "notes.mp4": "cannot be read as media",
                "cut-short.mp4": "is truncated: its audio stops after", "mute.mp4": "has no audio stream",
                "folder.mov": "is not a regular file"}
    for name, problem in expected.items():
        assert any(e.startswith(f"error: {media / name}: {problem}") for e in errors), (name, errors)
    assert editor_file.read_bytes() == editor_bytes
    for name in ["jfk", "with space and 'quotes'", "ünïcödé", "-leading-dash", "talk.wav", "talk.mp3", "silent"]:
        assert len(webvtt.read(str(transcripts / name / f"{name}.vtt"))) >= (0 if name == "silent" else 1), name
    assert (transcripts / "silent" / "silent.txt").read_text() == ""
    assert "citizens" in (transcripts / "jfk" / "jfk.txt").read_text()


def test_two_builds_at_once_take_turns(media_dir, tmp_path):
    transcripts = tmp_path / "transcripts"
    builds = [subprocess.Popen(build_cli(media_dir, transcripts), cwd=REPO, stdout=subprocess.PIPE, text=True)
              for _ in range(2)]
    outputs = [b.communicate()[0] for b in builds]
    assert [b.returncode for b in builds] == [0, 0]
    assert any("waiting for another build" in out for out in outputs), outputs
    assert sorted(out.splitlines()[-1] for out in outputs) == ["1 transcribed", "1 unchanged"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]:.#0123456789 \n\tabcXYZ-'é>&<")), max_size=200))
def test_the_editor_file_parser_fails_only_with_its_own_clear_error(text):
    try:
        doc = editfile.parse(text, "f.edit.txt")
    except PipelineError as error:
        assert str(error).startswith("f.edit.txt:") and "\n" not in str(error)
        return
    marks = doc.marks
    assert marks == sorted(marks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: ("WEBVTT\n\n" + t).encode()))
def test_the_caption_reader_fails_only_with_its_own_clear_error(tmp_path, data):
    for suffix in (".vtt", ".srt"):
        path = tmp_path / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            cues = read_captions(path)
        except PipelineError as error:
            assert str(error).startswith(str(path)) and "\n" not in str(error)
            continue
        assert all(cue.start <= cue.end for cue in cues)


def test_long_audio_is_cut_at_quiet_moments_and_read_a_block_at_a_time(tmp_path, testdata, tiny_model,
                                                                        engine_for, monkeypatch):
    """Blocks of 8 s here (600 s in real builds) over three clips joined: same words, one clock."""
    from pipeline.transcribe import engines
    from pipeline.audio import SAMPLE_RATE, extract_pcm
    from pipeline.evaluate import score_text

    joined = tmp_path / "joined.wav"
    clips = ["jfk_inaugural_1961.flac", "librispeech_dev-clean_2412-153948-0000.flac", "jfk_inaugural_1961.flac"]
    args = [arg for clip in clips for arg in ("-i", str(testdata / clip))]
    run_ffmpeg(*args, "-filter_complex", "[0:a][1:a][2:a]concat=n=3:v=0:a=1", "-ac", "1", "-ar", "16000",
               str(joined))
    pcm = tmp_path / f"{extract_pcm(joined, tmp_path)}.pcm"
    monkeypatch.setattr(engines, "BLOCK", 8.0)
    monkeypatch.setattr(engines, "QUIET_SEARCH", 3.0)
    samples = np.fromfile(pcm, dtype="<i2")
    cuts = engines.blocks(pcm)
    assert len(cuts) >= 4 and cuts[0][0] == 0 and cuts[-1][1] == len(samples)
    assert all(a[1] == b[0] for a, b in zip(cuts, cuts[1:]))
    transcript = engine_for("faster-whisper", tiny_model).transcribe_file(pcm)
    reference = " ".join((testdata / clip).with_suffix(".txt").read_text() for clip in clips)
    assert score_text("joined", reference, transcript.text).wer <= 0.12, transcript.text
    words = transcript.words
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert words[-1].end <= len(samples) / SAMPLE_RATE + 0.01 and words[-1].start > 30


def test_files_build_in_parallel_with_the_same_results(tmp_path, testdata):
    media = tmp_path / "media"
    media.mkdir()
    for name in ["jfk_inaugural_1961.flac", "cmu_arctic_us_aew_a0001.wav", "ljspeech_LJ002-0020.wav",
                 "ljspeech_LJ002-0035.wav"]:
        shutil.copy(testdata / name, media / name)
    (media / "broken.mp4").write_text("not a video")
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    one = subprocess.run(build_cli(media, serial), capture_output=True, text=True, cwd=REPO)
    two = subprocess.run(build_cli(media, parallel, "--jobs", "2"), capture_output=True, text=True, cwd=REPO)
    assert one.returncode == two.returncode == 1
    assert one.stderr.count("error: ") == two.stderr.count("error: ") == 1
    assert one.stdout.splitlines()[-1] == two.stdout.splitlines()[-1] == "4 transcribed, 1 failed"
    for vtt in serial.glob("*/*.vtt"):
        assert (parallel / vtt.relative_to(serial)).read_text() == vtt.read_text()
