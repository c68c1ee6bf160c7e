"""Audio extraction: any container ffmpeg reads -> 16 kHz mono 16-bit PCM, streamed to disk."""

from __future__ import annotations

import contextlib
import re
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import ffmpeg
import numpy as np

from .errors import PipelineError
from .atomic import sha256_of_file

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2
# A long, high-quality resampling filter: it keeps Whisper's input the same across ffmpeg
# versions (the system's or the wheel's), where the short default filter flipped words.
RESAMPLER = f"aresample={SAMPLE_RATE}:filter_size=64:phase_shift=10:cutoff=0.97"
MEDIA_EXTENSIONS = frozenset(
    ".mp4 .m4v .mov .mkv .webm .avi .mpg .mpeg .ts .mts .wmv .flv .3gp .ogv "
    ".mp3 .m4a .aac .wav .flac .ogg .oga .opus .wma .aiff .aif .amr".split()
)


@cache
def ffmpeg_executable() -> str:
    """The system ffmpeg when there is one, else the binary inside the imageio-ffmpeg wheel."""
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def is_media_file(path: Path) -> bool:
    return path.suffix.lower() in MEDIA_EXTENSIONS and not path.name.startswith(".")


def extract_pcm(media: Path, folder: Path) -> str:
    """Write the first audio stream of media as raw PCM to folder/SHA256.pcm; return the sha256.

    ffmpeg streams from file to file, so a long video is never held in memory. The hash
    covers the samples only, so it names the audio content, not the container.
    """
    if media.stat().st_size == 0:
        raise PipelineError(media, "is empty (0 bytes)")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".extract.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # "file:" stops ffmpeg reading a name with a colon or a leading "-" as something else.
        stream = (
            ffmpeg.input(f"file:{media.resolve()}")
            .output(f"file:{tmp}", map="0:a:0", vn=None, sn=None, dn=None, ac=1, af=RESAMPLER,
                    acodec="pcm_s16le", f="s16le")
            .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
            .overwrite_output()
        )
        try:
            _, stderr = stream.run(cmd=ffmpeg_executable(), capture_stdout=True, capture_stderr=True)
        except ffmpeg.Error as error:
            raise PipelineError(media, describe_ffmpeg_failure(error.stderr)) from None
        if b"partial file" in stderr:  # ffmpeg decodes what is there and exits 0: captions would stop short
            seconds = tmp.stat().st_size / (SAMPLE_RATE * BYTES_PER_SAMPLE)
            raise PipelineError(media, f"is truncated: its audio stops after {seconds:.1f} s (partial file)")
        digest = sha256_of_file(tmp)
        os.replace(tmp, folder / f"{digest}.pcm")
        return digest
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def describe_ffmpeg_failure(stderr: bytes) -> str:
    """Turn ffmpeg's error output into one plain line."""
    text = stderr.decode("utf-8", "replace")
    lowered = text.lower()
    if "matches no streams" in lowered:
        return "has no audio stream"
    if "moov atom not found" in lowered:
        return "cannot be read as media: truncated, or not really an MP4/MOV file (moov atom not found)"
    if "invalid data found when processing input" in lowered:
        return "cannot be read as media: ffmpeg found invalid data"
    if "permission denied" in lowered:
        return "cannot be read (permission denied)"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return f"ffmpeg failed: {lines[-1] if lines else 'no message'}"


def load_pcm(path: Path, first: int = 0, last: int | None = None) -> np.ndarray:
    """The float32 samples Whisper expects, in [-1, 1]: samples first..last of the file (all by
    default), reading only those bytes."""
    with open(path, "rb") as f:
        f.seek(first * BYTES_PER_SAMPLE)
        samples = np.fromfile(f, dtype="<i2", count=-1 if last is None else max(0, last - first))
    return samples.astype(np.float32) / 32768.0


def decode(path: Path) -> np.ndarray:
    """Any file ffmpeg reads (its first audio stream) as 16 kHz mono float samples, in memory: for
    short clips made and measured in tests and benches, where no PCM cache is wanted."""
    out = subprocess.run([ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i",
                          f"file:{path}", "-map", "0:a:0", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float32) / 32768.0


def pcm_duration(path: Path) -> float:
    return path.stat().st_size / (SAMPLE_RATE * BYTES_PER_SAMPLE)


def frame_rate(media: Path) -> float | None:
    """The video's frame rate as ffmpeg reports it, or None for audio-only media.

    ffmpeg with no output names the streams and exits non-zero; that is all we need (and
    unlike ffprobe it is always there).
    """
    done = subprocess.run([ffmpeg_executable(), "-nostdin", "-hide_banner", "-i", f"file:{media.resolve()}"],
                          capture_output=True, text=True, errors="replace")
    for line in done.stderr.splitlines():
        if "Video:" in line and "attached pic" not in line:
            match = re.search(r"(\d+(?:\.\d+)?) fps", line)
            if match:
                return float(match.group(1))
    return None
