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
from pipeline.timecode import timestamp
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


# What the default style (Netflix's English rules: 42 characters a line, two lines, 20 characters
# a second with a warning above 17, 5/6 s to 7 s on screen, two frames between cues) finds in BAD,
# worked out by hand from the cues: "Too short." is 10 characters in 0.5 s, and so on.
BAD_FINDINGS = [
    ("00:00:01.000", "reading-speed", False, "20.0 characters a second > 17"),
    ("00:00:01.000", "duration", True, "0.50 s on screen < 0.83 s"),
    ("00:00:01.400", "line-length", True,
     "60 characters > 42: 'This line is far too long to be read comfortably on a screen'"),
    ("00:00:01.400", "lines", True, "3 lines > 2"),
    ("00:00:01.400", "reading-speed", True, "33.1 characters a second > 20"),  # 86 characters in 2.6 s
    ("00:00:01.400", "overlap", True, "starts 0.100 s before the previous cue ends"),
    ("00:00:05.000", "duration", True, "8.00 s on screen > 7 s"),
    ("00:00:13.020", "line-length", True,
     "61 characters > 42: 'Far too many characters for one second of time on the screen.'"),
    ("00:00:13.020", "reading-speed", True, "62.2 characters a second > 20"),  # 61 in 0.98 s
    ("00:00:13.020", "gap", False, "20 ms after the previous cue < 2 frames"),
    ("00:00:15.000", "markup", True, "an '&' is not escaped as &amp;"),
    ("00:00:18.000", "reading-speed", False, "19.5 characters a second > 17"),  # 39 in 2 s
    ("00:00:18.000", "repetition", False, "'thank you' said 4 times in a row"),
]


def test_every_rule_is_reported_with_file_time_and_detail(tmp_path):
    vtt = tmp_path / "bad.vtt"
    vtt.write_text(BAD)
    findings = [(timestamp(f.start), f.rule, f.error, f.detail) for f in check_file(vtt, PROFILES["default"])]
    assert sorted(findings) == sorted(BAD_FINDINGS)
    done = run_check(str(vtt))
    assert done.returncode == 1
    assert f"{vtt}:00:00:01.400: overlap: starts 0.100 s before the previous cue ends" in done.stdout
    assert f"{vtt}: 9 errors, 4 warnings (default profile)" in done.stdout


# Within the default style, but not the BBC's (37 characters a line, 160-180 words a minute).
BBC_ONLY = """WEBVTT

00:00:01.000 --> 00:00:04.000
These forty characters make a long line.

00:00:05.000 --> 00:00:07.500
I am so very sure it is all right.

00:00:09.000 --> 00:00:11.200
Six words said in this cue.
"""


def test_the_bbc_profile_is_stricter(tmp_path):
    vtt = tmp_path / "bbc.vtt"
    vtt.write_text(BBC_ONLY)
    assert check_file(vtt, PROFILES["default"]) == []
    assert [(timestamp(f.start), f.rule, f.error, f.detail) for f in check_file(vtt, PROFILES["bbc"])] == [
        ("00:00:01.000", "line-length", True, "40 characters > 37: 'These forty characters make a long line.'"),
        ("00:00:05.000", "reading-speed", True, "216 words a minute > 180"),  # 9 words in 2.5 s
        ("00:00:09.000", "reading-speed", False, "164 words a minute > 160"),  # 6 words in 2.2 s
    ]
    done = run_check("--profile", "bbc", str(vtt))
    assert done.returncode == 1 and f"{vtt}: 2 errors, 1 warning (bbc profile)" in done.stdout


# Cues a lenient reader skips without a word: a one-dash arrow, fields too short, a comma.
TYPOS = """WEBVTT

00:00:01.000 --> 00:00:03.000
This cue is fine.

00:00:04.000 -> 00:00:06.000
This cue has a one-dash arrow.

0:0:7.5 --> 00:00:09.000
This one has fields too short.

00:00:10.000 --> 00:00:12,000
And this one a comma.

00:00:13.000 --> 00:00:15.000
This cue is fine too.
"""


def test_a_cue_that_is_not_webvtt_is_an_error_at_its_line(tmp_path):
    vtt = tmp_path / "typos.vtt"
    vtt.write_text(TYPOS)
    findings = check_file(vtt, PROFILES["default"])
    assert [(f.line, f.rule, f.error) for f in findings] == [(6, "invalid-webvtt", True), (9, "invalid-webvtt", True),
                                                            (12, "invalid-webvtt", True)]
    assert [str(f) for f in findings] == [
        f"{vtt}:6: invalid-webvtt: '00:00:04.000 -> 00:00:06.000' is not a cue timing line: the arrow between "
        "the times must be '-->' (HH:MM:SS.mmm --> HH:MM:SS.mmm, the hours optional)",
        f"{vtt}:9: invalid-webvtt: '0:0:7.5 --> 00:00:09.000' is not a cue timing line: each time needs two "
        "digits for hours (if any), minutes and seconds, and three for milliseconds (HH:MM:SS.mmm --> "
        "HH:MM:SS.mmm, the hours optional)",
        f"{vtt}:12: invalid-webvtt: '00:00:10.000 --> 00:00:12,000' is not a cue timing line: the milliseconds "
        "must follow a '.', not a ',' (HH:MM:SS.mmm --> HH:MM:SS.mmm, the hours optional)",
    ]
    done = run_check(str(vtt))
    assert done.returncode == 1
    assert done.stdout.splitlines()[:3] == [str(f) for f in findings]
    assert f"{vtt}: 3 errors, 0 warnings (default profile)" in done.stdout
    # The cues that are well formed are still checked by every rule.
    vtt.write_text(TYPOS + "\n00:00:14.900 --> 00:00:15.400\nToo short.\n")
    assert [(timestamp(f.start), f.rule) for f in check_file(vtt, PROFILES["default"]) if not f.line] == [
        ("00:00:14.900", "reading-speed"), ("00:00:14.900", "duration"), ("00:00:14.900", "overlap")]


@pytest.mark.parametrize("text, line, problem", [
    ("Not captions at all.\n", 1, "is not a WebVTT file (it must start with the line WEBVTT)"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nCaf\udce9\n", 4, "is not valid UTF-8 text"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n\nstray words\n", 6, "'stray words': text outside any cue"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align:middle\nOne\n", 3, "Invalid cue setting 'align:middle'"),
], ids=["no-signature", "not-utf8", "stray-text", "bad-setting"])
def test_a_file_that_is_not_webvtt_is_an_error_at_its_line(tmp_path, text, line, problem):
    vtt = tmp_path / "odd.vtt"
    vtt.write_bytes(text.encode("utf-8", "surrogateescape"))
    [finding] = check_file(vtt, PROFILES["default"])
    assert (finding.line, finding.rule, finding.error) == (line, "invalid-webvtt", True)
    assert str(finding).startswith(f"{vtt}:{line}: invalid-webvtt: ") and problem in str(finding), finding


def test_words_over_silence_are_flagged(tmp_path):
    vtt = tmp_path / "quiet.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nSomething was said here.\n\n"
                   "00:00:04.000 --> 00:00:06.000\n[silence]\n")
    audio = np.zeros(16000 * 7, dtype=np.float32)
    findings = check_file(vtt, PROFILES["default"], 25.0, audio)
    assert [(f.rule, f.start) for f in findings] == [("words-in-silence", 1.0)]
    loud = (np.sin(np.arange(16000 * 7) / 5) * 0.3).astype(np.float32)
    assert check_file(vtt, PROFILES["default"], 25.0, loud) == []



def test_a_voice_never_named_is_a_warning_at_its_first_cue(tmp_path):
    vtt = tmp_path / "voices.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Speaker 2>[Speaker 2] I was fifteen.\n\n"
                   "00:00:04.000 --> 00:00:06.000\n<v Nicki>[Nicki] Nobody noticed.\n\n"
                   "00:00:07.000 --> 00:00:09.000\n<v Speaker 2>[Speaker 2] Then it got worse.\n\n"
                   "00:00:10.000 --> 00:00:12.000\n<v.loud Speaker 10>[Speaker 10] Stop.\n")
    findings = check_file(vtt, PROFILES["default"])
    assert [(f.rule, f.start, f.error) for f in findings] == [
        ("unnamed-speaker", 1.0, False), ("unnamed-speaker", 10.0, False)]
    assert "# speaker: Speaker 2 = Name" in findings[0].detail

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
