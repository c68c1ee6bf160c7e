"""Who is speaking: speaker turns found offline in real recordings, named once by an editor,
visible in every published file and in Chromium.

The dialogues are real recordings of different people from ../shared/testdata, decoded and
written by ffmpeg, put one after another in turns with a short pause, so where each turn starts
and who speaks it are known exactly. The voice encoder is the real one (Resemblyzer's weights).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.audio import SAMPLE_RATE, ffmpeg_executable

TESTDATA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
PAUSE = 0.35  # seconds between two turns: a quick reply
MARGIN = 0.1  # seconds of each recording's own silence kept before and after its speech

# Each dialogue: (recording, who) per turn. Different people, several recordings of each.
DIALOGUES = {
    "woman-and-man": [("ljspeech_LJ050-0131.wav", "A"), ("librispeech_dev-clean_2412-153948-0000.flac", "B"),
                      ("more/ljspeech_LJ001-0004.wav", "A"), ("more/librispeech_dev-clean_2412-153948-0001.flac", "B"),
                      ("more/ljspeech_LJ001-0005.wav", "A")],
    "two-men-short-turns": [("more/librispeech_dev-clean_1988-24833-0000.flac", "A"),
                            ("more/librispeech_dev-clean_3752-4944-0000.flac", "B"),
                            ("more/librispeech_dev-clean_1988-24833-0003.flac", "A"),
                            ("more/librispeech_dev-clean_3752-4944-0002.flac", "B"),
                            ("more/librispeech_dev-clean_1988-24833-0001.flac", "A")],
    "three-voices": [("cmu_arctic_us_aew_a0001.wav", "A"), ("more/librivox_sense_and_sensibility_01_austen_64kb-0870.wav", "B"),
                     ("cmu_arctic_us_axb_a0004.wav", "C"), ("cmu_arctic_us_aew_a0002.wav", "A"),
                     ("more/librivox_sense_and_sensibility_01_austen_64kb-0890.wav", "B"),
                     ("cmu_arctic_us_axb_a0006.wav", "C"), ("cmu_arctic_us_aew_a0003.wav", "A")],
    "four-accents": [("more/vctk_p238_165.wav", "A"), ("more/vctk_p301_102.wav", "B"), ("more/vctk_p314_272.wav", "C"),
                     ("more/vctk_p376_193.wav", "D")],
}


@dataclass(frozen=True)
class RefTurn:
    start: float
    end: float
    who: str


def decode(path: Path) -> np.ndarray:
    """A recording as 16 kHz mono float samples, decoded by ffmpeg."""
    done = subprocess.run([ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i",
                           f"file:{path}", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"],
                          capture_output=True, check=True)
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / 32768.0


def speech_span(samples: np.ndarray) -> tuple[int, int]:
    """First and last sample of speech: 20 ms frames within 35 dB of the loudest frame."""
    frame = SAMPLE_RATE // 50
    count = len(samples) // frame
    energy = 10 * np.log10(np.mean(samples[:count * frame].reshape(count, frame) ** 2, axis=1) + 1e-10)
    loud = np.flatnonzero(energy > energy.max() - 35)
    return int(loud[0] * frame), int((loud[-1] + 1) * frame)


def make_dialogue(name: str, out: Path, testdata: Path = TESTDATA) -> list[RefTurn]:
    """The dialogue as a FLAC file (written by ffmpeg) and who speaks when: each turn from the
    start of its speaker's first sound to the end of their last."""
    pieces, turns, t = [], [], 0.0
    pause = np.zeros(int(PAUSE * SAMPLE_RATE), dtype=np.float32)
    margin = int(MARGIN * SAMPLE_RATE)
    for k, (clip, who) in enumerate(DIALOGUES[name]):
        samples = decode(testdata / clip)
        first, last = speech_span(samples)
        first, last = max(0, first - margin), min(len(samples), last + margin)
        piece = samples[first:last]
        if k:
            pieces.append(pause)
            t += PAUSE
        turns.append(RefTurn(t + MARGIN, t + len(piece) / SAMPLE_RATE - MARGIN, who))
        pieces.append(piece)
        t += len(piece) / SAMPLE_RATE
    pcm = (np.clip(np.concatenate(pieces), -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run([ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "s16le",
                    "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "-", f"file:{out}"], input=pcm, check=True)
    return turns
