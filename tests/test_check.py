"""The quality gate, and the guards that keep Whisper from inventing words."""

import subprocess
import sys

import numpy as np
import pytest

from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.check import check_file
from pipeline.transcribe.engines import DecodeOptions
from pipeline.transcribe.guards import Verdict, drop_loops, plausible
from pipeline.layout import PROFILES
from pipeline.transcript import Segment, Word

from .conftest import REPO

BAD = """WEBVTT

00:00:01.000 --> 00:00:01.500
Too short.

00:00:01.400 --> 00:00:04.000
This line is far too long to be read comfortably on a screen
and there are
three lines

00:00:05.000 --> 00:00:13.000
On screen for eight seconds.

00:00:13.020 --> 00:00:14.000
Far too many characters for one second of time on the screen.

00:00:15.000 --> 00:00:17.000
Fish & chips <i>unclosed

00:00:18.000 --> 00:00:20.000
thank you thank you thank you thank you
"""


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "check", *args], capture_output=True, text=True,
                          cwd=REPO)


def test_every_rule_is_reported_with_file_time_and_detail(tmp_path):
    vtt = tmp_path / "bad.vtt"
    vtt.write_text(BAD)
    findings = {(f"{f.start:.1f}", f.rule, f.error) for f in check_file(vtt, PROFILES["default"])}
    assert findings >= {
        ("1.0", "duration", True),
        ("1.4", "overlap", True),
        ("1.4", "line-length", True),
        ("1.4", "lines", True),
        ("5.0", "duration", True),
        ("13.0", "gap", False),
        ("13.0", "reading-speed", True),
        ("15.0", "markup", True),
        ("18.0", "repetition", False),
    }
    done = run_check(str(vtt))
    assert done.returncode == 1
    assert f"{vtt}:00:00:01.400: overlap: starts 0.100 s before the previous cue ends" in done.stdout
    assert f"{vtt}: 9 errors, 4 warnings (default profile)" in done.stdout


def test_the_bbc_profile_is_stricter():
    assert PROFILES["bbc"].max_chars == 37 and PROFILES["bbc"].max_wpm == 180


def test_words_over_silence_are_flagged(tmp_path):
    vtt = tmp_path / "quiet.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nSomething was said here.\n\n"
                   "00:00:04.000 --> 00:00:06.000\n[silence]\n")
    audio = np.zeros(16000 * 7, dtype=np.float32)
    findings = check_file(vtt, PROFILES["default"], 25.0, audio)
    assert [(f.rule, f.start) for f in findings] == [("words-in-silence", 1.0)]
    loud = (np.sin(np.arange(16000 * 7) / 5) * 0.3).astype(np.float32)
    assert check_file(vtt, PROFILES["default"], 25.0, loud) == []


def test_built_captions_pass_the_gate(media_dir, tmp_path, testdata):
    import shutil

    shutil.copy(testdata / "librispeech_dev-clean_2412-153948-0000.flac", media_dir / "libri.flac")
    shutil.copy(testdata / "noise_doing_the_dishes.wav", media_dir / "noise.wav")
    transcripts = tmp_path / "transcripts"
    build_all(BuildConfig(media_dir, transcripts, model="tiny.en", options=DecodeOptions()), log=lambda _: None)
    done = run_check("--transcripts-dir", str(transcripts))
    assert done.returncode == 0, done.stdout
    assert done.stdout.count(": 0 errors") == 3


def test_a_decoding_loop_is_cut_to_one_saying_and_what_was_cut_is_kept_for_review():
    said = "so I said thank you thank you. Thank you, thank you thank you and left".split()
    # A decoding loop: the repeats squeezed into no time (a hand-made fixture of Whisper's pattern).
    words = [Word(w, i * 0.3, i * 0.3 + (0.02 if 3 <= i < 13 else 0.2)) for i, w in enumerate(said)]
    [segment], removed = drop_loops([Segment(words)])
    assert " ".join(w.text for w in segment.words) == "so I said thank you and left"
    assert [r.text for r in removed] == ["thank you. Thank you, thank you thank you"]
    assert removed[0].start == words[5].start and removed[0].end == words[12].end
    unsure = [Word(w, i * 0.3, i * 0.3 + 0.2, 0.3) for i, w in enumerate(said)]
    assert len(drop_loops([Segment(unsure)])[0][0].words) == 7


def test_real_repetition_each_word_heard_on_its_own_is_kept():
    said = "He said no, no, no, no! and ran".split()
    words = [Word(w, i * 0.4, i * 0.4 + 0.3, 0.9) for i, w in enumerate(said)]
    segments, removed = drop_loops([Segment(words)])
    assert [w.text for w in segments[0].words] == said and removed == []
    real = [Word(w, 0, 0) for w in "no, no, no, not again".split()]
    assert len(drop_loops([Segment(real)])[0][0].words) == 5


def test_hums_and_unsure_noise_are_not_speech():
    hum = Segment([Word("Mmmmmmmmmm", 1.0, 2.0, 0.3)])
    assert not plausible(hum, Verdict(0.1, -0.3))
    assert plausible(Segment([Word("Mm-hmm.", 1.0, 1.5, 0.9)]), Verdict(0.05, -0.2))
    assert not plausible(Segment([Word("Thank", 0, 1, 0.4), Word("you.", 1, 2, 0.4)]), Verdict(0.7, -0.9))
    assert plausible(Segment([Word("Thank", 0, 1, 0.9), Word("you.", 1, 2, 0.9)]), Verdict(0.1, -0.2))


@pytest.mark.parametrize("clip", ["noise_doing_the_dishes.wav", "bigbuckbunny_no_speech_5s.mp4"])
@pytest.mark.parametrize("model_fixture", ["base_model", "tiny_model"])
def test_no_words_are_invented_from_noise_or_film_sound(clip, model_fixture, request, testdata, tmp_path,
                                                         engine_for):
    from pipeline.audio import extract_pcm, load_pcm

    samples = load_pcm(tmp_path / f"{extract_pcm(testdata / clip, tmp_path)}.pcm")
    transcript = engine_for("faster-whisper", request.getfixturevalue(model_fixture)).transcribe(samples)
    assert transcript.words == []


def test_the_profile_comes_from_pyproject_or_the_command_line(media_dir, tmp_path):
    import os

    project = tmp_path / "project"
    project.mkdir()
    transcripts = tmp_path / "transcripts"
    build = [sys.executable, "-m", "pipeline", "build", "--media-dir", str(media_dir), "--transcripts-dir",
             str(transcripts), "--model", "tiny.en"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def longest_line(*extra: str, settings: str = "") -> int:
        (project / "pyproject.toml").write_text(settings)
        done = subprocess.run([*build, *extra], cwd=project, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        body = (transcripts / "jfk" / "jfk.vtt").read_text().split("\n\n", 2)[2]
        return max(len(line) for line in body.splitlines() if line and " --> " not in line)

    assert longest_line() > 30
    assert longest_line(settings='[tool.pipeline]\nprofile = "bbc"\n') <= 37
    assert longest_line(settings='[tool.pipeline.captions]\nmax_chars = 30\n') <= 30
    assert longest_line("--profile", "bbc", settings="") <= 37
    bad = subprocess.run([*build, "--profile", "netflix"], cwd=project, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown caption profile 'netflix': use one of default, bbc" in bad.stderr
