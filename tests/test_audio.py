import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline import audio
from pipeline.errors import PipelineError

from .conftest import run_ffmpeg

CONTAINERS = {
    "mp4": ["-c:v", "libx264", "-c:a", "aac"],
    "mov": ["-c:v", "libx264", "-c:a", "aac"],
    "mkv": ["-c:v", "libx264", "-c:a", "libopus"],
    "webm": ["-c:v", "libvpx-vp9", "-c:a", "libopus"],
    "mp3": ["-c:a", "libmp3lame"],
    "m4a": ["-c:a", "aac"],
    "wav": ["-c:a", "pcm_s16le"],
    "flac": ["-c:a", "flac"],
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory, testdata: Path) -> dict[str, Path]:
    """The JFK clip (44.1 kHz stereo FLAC) re-wrapped in every container we promise to read."""
    folder = tmp_path_factory.mktemp("containers")
    source = testdata / "jfk_inaugural_1961.flac"
    made = {}
    for ext, codecs in CONTAINERS.items():
        target = folder / f"jfk.{ext}"
        video = ["-f", "lavfi", "-i", "color=c=blue:s=160x120:r=25:d=11"] if "-c:v" in codecs else []
        maps = ["-map", "0:v", "-map", "1:a", "-shortest"] if video else []
        run_ffmpeg(*video, "-i", str(source), *maps, *codecs, str(target))
        made[ext] = target
    return made


def _extract(media: Path, folder: Path) -> np.ndarray:
    digest = audio.extract_pcm(media, folder)
    return audio.load_pcm(folder / f"{digest}.pcm")


def test_every_container_gives_16k_mono_of_the_same_sound(clips, testdata, tmp_path):
    reference = _extract(testdata / "jfk_inaugural_1961.flac", tmp_path)
    assert abs(len(reference) / audio.SAMPLE_RATE - 11.0) < 0.05
    for ext, clip in clips.items():
        samples = _extract(clip, tmp_path)
        seconds = len(samples) / audio.SAMPLE_RATE
        assert abs(seconds - 11.0) < 0.15, (ext, seconds)
        # Lossy codecs shift and blur the wave; its loudness envelope stays the same.
        n = min(len(samples), len(reference)) // 1600 * 1600
        envelope = np.abs(samples[:n]).reshape(-1, 1600).mean(axis=1)
        expected = np.abs(reference[:n]).reshape(-1, 1600).mean(axis=1)
        assert np.corrcoef(envelope, expected)[0, 1] > 0.95, ext


def test_the_hash_names_the_audio_not_the_container(clips, tmp_path):
    rewrapped = tmp_path / "same-sound.mkv"
    run_ffmpeg("-i", str(clips["wav"]), "-c:a", "flac", str(rewrapped))
    assert audio.extract_pcm(clips["wav"], tmp_path) == audio.extract_pcm(rewrapped, tmp_path)
    assert audio.extract_pcm(clips["wav"], tmp_path) != audio.extract_pcm(clips["mp3"], tmp_path)


def test_five_point_one_is_downmixed(testdata, tmp_path):
    samples = _extract(testdata / "bigbuckbunny_no_speech_5s.mp4", tmp_path)
    assert abs(len(samples) / audio.SAMPLE_RATE - 5.31) < 0.1
    assert np.abs(samples).max() > 0.01  # the film's sound is there, not silence


def test_video_without_audio_is_one_clear_error(tmp_path):
    silent_film = tmp_path / "no-audio.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=red:s=160x120:r=25:d=1", "-c:v", "libx264", str(silent_film))
    with pytest.raises(PipelineError) as error:
        audio.extract_pcm(silent_film, tmp_path / "cache")
    assert str(error.value) == f"{silent_film}: has no audio stream"
    assert not list((tmp_path / "cache").iterdir()), "a failed extraction leaves nothing behind"


@pytest.mark.parametrize("content, problem", [
    (b"", "is empty (0 bytes)"),
    (b"this is a text file, not a video\n" * 20, "cannot be read as media"),
])
def test_bad_files_are_named_with_their_problem(tmp_path, content, problem):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(PipelineError) as error:
        audio.extract_pcm(bad, tmp_path / "cache")
    assert str(error.value).startswith(f"{bad}: {problem}")
    assert "\n" not in str(error.value)


def test_awkward_file_names_are_read_as_files(clips, tmp_path):
    for name in ["-starts-with-dash.wav", "with space and 'quotes'.wav", "ünïcödé: colon.wav"]:
        target = tmp_path / name
        shutil.copy(clips["wav"], target)
        assert len(_extract(target, tmp_path / "cache")) > 0


def test_the_wheel_ffmpeg_is_used_when_the_system_has_none(clips, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    audio.ffmpeg_executable.cache_clear()
    try:
        executable = audio.ffmpeg_executable()
        assert "imageio_ffmpeg" in executable and os.access(executable, os.X_OK)
        assert abs(len(_extract(clips["m4a"], tmp_path)) / audio.SAMPLE_RATE - 11.0) < 0.15
    finally:
        audio.ffmpeg_executable.cache_clear()


def test_media_files_are_recognised_by_extension():
    assert audio.is_media_file(Path("talk.MP4"))
    assert audio.is_media_file(Path("talk.webm"))
    assert not audio.is_media_file(Path("talk.txt"))
    assert not audio.is_media_file(Path(".hidden.mp4"))
