"""Who is speaking: speaker turns found offline in real recordings, named once by an editor,
visible in every published file and in Chromium.

The dialogues are real recordings of different people from ../shared/testdata, decoded and
written by ffmpeg, put one after another in turns with a short pause, so where each turn starts
and who speaks it are known exactly. The voice encoder is the real one (Resemblyzer's weights).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio import SAMPLE_RATE, decode, ffmpeg_executable
from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.formats import editfile
from pipeline.formats.srt import to_srt
from pipeline.formats.vtt import to_webvtt
from pipeline.layout import PROFILES, Profile, layout, profile_from
from pipeline.transcribe import diarize
from pipeline.transcript import Segment, Transcript, Word

from .conftest import REPO, TESTDATA, chromium_cues, track_page

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
    # Made after the settings were chosen, and never tuned on (.bench/speakers.py reports them apart).
    "reader-and-listeners": [("more/librispeech_test-other_1688-142285-0000.flac", "A"),
                             ("more/librispeech_dev-clean_251-118436-0001.wav", "B"),
                             ("more/librispeech_test-other_1688-142285-0002.flac", "A"),
                             ("more/librispeech_dev-clean_251-137823-0002.wav", "B"),
                             ("more/librispeech_dev-clean_84-121550-0000.wav", "C")],
    "interview": [("more/ljspeech_LJ001-0001.wav", "A"), ("more/librispeech_dev-clean_3536-23268-0010.wav", "B"),
                  ("more/ljspeech_LJ001-0007.wav", "A"), ("more/librispeech_dev-clean_84-121550-0000.wav", "C"),
                  ("more/vctk_p301_102.wav", "D"), ("more/ljspeech_LJ001-0004.wav", "A")],
}


@dataclass(frozen=True)
class RefTurn:
    start: float
    end: float
    who: str
    speech: tuple[tuple[float, float], ...] = ()  # where in the turn the voice is heard (pauses of 0.5 s or more left out)


def reference_segments(turns: list[RefTurn]) -> list[tuple[float, float, str]]:
    """Who speaks when, as the diarisation error rate counts it: the voice, not the pauses."""
    return [(a, b, t.who) for t in turns for a, b in (t.speech or ((t.start, t.end),))]


def _loud(samples: np.ndarray) -> np.ndarray:
    """Which 20 ms frames are voice: within 35 dB of the loudest frame and 12 dB above the
    recording's noise floor."""
    frame = SAMPLE_RATE // 50
    count = len(samples) // frame
    energy = 10 * np.log10(np.mean(samples[:count * frame].reshape(count, frame) ** 2, axis=1) + 1e-10)
    return energy > max(energy.max() - 35, np.percentile(energy, 10) + 12)


def speech_span(samples: np.ndarray) -> tuple[int, int]:
    """First and last sample of speech."""
    loud = np.flatnonzero(_loud(samples))
    frame = SAMPLE_RATE // 50
    return int(loud[0] * frame), int((loud[-1] + 1) * frame)


def speech_parts(samples: np.ndarray, pause: float = 0.5) -> list[tuple[float, float]]:
    """Stretches of voice in seconds, split where it pauses for `pause` seconds or more."""
    frame = 1 / 50
    parts: list[list[float]] = []
    for k in np.flatnonzero(_loud(samples)):
        if parts and k * frame - parts[-1][1] < pause:
            parts[-1][1] = (k + 1) * frame
        else:
            parts.append([k * frame, (k + 1) * frame])
    return [(a, b) for a, b in parts]


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
        turns.append(RefTurn(t + MARGIN, t + len(piece) / SAMPLE_RATE - MARGIN, who,
                             tuple((t + a, t + b) for a, b in speech_parts(piece))))
        pieces.append(piece)
        t += len(piece) / SAMPLE_RATE
    pcm = (np.clip(np.concatenate(pieces), -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run([ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "s16le",
                    "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "-", f"file:{out}"], input=pcm, check=True)
    return turns


# --- fixtures: the dialogues, built once by the real pipeline with tiny.en --------------------------

BUILT = ("two-men-short-turns", "three-voices")
# One voice each: a meeting headset (AMI), a speech outdoors with crowd noise and a pause (JFK).
ONE_VOICE = {"ami": "ami_ES2011a_headset0_40-46s.wav", "jfk": "jfk_inaugural_1961.flac"}
NAMES = {"A": "Nicki", "B": "Lisa Cooper", "C": "Dr Okafor"}


def config(media: Path, transcripts: Path, **changes) -> BuildConfig:
    return BuildConfig(media, transcripts, model="tiny.en", progress_bars=False, **changes)


@pytest.fixture(scope="module")
def dialogues(tmp_path_factory):
    """The dialogues built from nothing: (media folder, transcripts folder, reference turns by name)."""
    root = tmp_path_factory.mktemp("dialogues")
    media = root / "media"
    media.mkdir()
    references = {name: make_dialogue(name, media / f"{name}.flac") for name in BUILT}
    for name, clip in ONE_VOICE.items():
        shutil.copy(TESTDATA / clip, media / f"{name}{Path(clip).suffix}")
    results = build_all(config(media, root / "transcripts"), log=lambda _: None)
    assert [r.status for r in results] == ["transcribed"] * len(results) and len(results) == len(BUILT) + len(
        ONE_VOICE), [r.error for r in results]
    return media, root / "transcripts", references


def machine_words(transcripts: Path, name: str) -> list[Word]:
    """The machine's words with the turns the build found (as the first draft was made from them)."""
    from pipeline.store import video_files

    files = video_files(transcripts, name)
    machine = files.load_transcript(files.machine)
    found = diarize.Diarisation.from_json(files.speakers.read_text(encoding="utf-8"),
                                          diarize.cache_key(machine.audio_sha256, machine.words, None))
    assert found is not None, "the turns are cached by the audio and the words"
    return diarize.label_words(machine, found).words


def reference_speakers(words: list[Word], name: str) -> list[str]:
    """Who says each machine word, from the recordings' own transcripts: the machine's words
    aligned with the turns' reference words (so Whisper's timing at a turn's edge does not
    count); a word the machine added belongs to the turn of the word before it."""
    from difflib import SequenceMatcher

    from pipeline.transcript import normalise_token

    said = [(normalise_token(token), who) for clip, who in DIALOGUES[name]
            for token in (TESTDATA / clip).with_suffix(".txt").read_text(encoding="utf-8").split()]
    heard = [normalise_token(w.text) for w in words]
    out: list[str | None] = [None] * len(words)
    matcher = SequenceMatcher(None, heard, [token for token, _ in said], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("equal", "replace"):  # a misheard stretch: word for word, in proportion
            for k in range(i1, i2):
                out[k] = said[j1 + (k - i1) * (j2 - j1) // (i2 - i1)][1]
    for k in range(len(out)):
        out[k] = out[k] or (out[k - 1] if k else next(w for w in out if w))
    return out


# --- turns at the right words -------------------------------------------------------------------------

@pytest.mark.parametrize("name", BUILT)
def test_each_turn_of_a_dialogue_starts_at_its_first_word(dialogues, name):
    _, transcripts, references = dialogues
    reference = references[name]
    words = [w for w in machine_words(transcripts, name) if not w.sound]
    # One voice per person, numbered in order of first appearance, and every word said by its person.
    people = {t.who for t in reference}
    voices = {f"Speaker {k + 1}": who for k, who in enumerate(dict.fromkeys(t.who for t in reference))}
    assert {w.speaker for w in words} == set(voices)
    wrong = [(w.text, round(w.start, 2), w.speaker)
             for w, who in zip(words, reference_speakers(words, name)) if voices[w.speaker] != who]
    assert wrong == [], wrong
    assert len(people) == len(voices)

    # The first draft starts a line, with the voice's placeholder, exactly where each turn starts,
    # and has a speakers table with a row for each voice.
    draft = (transcripts / name / f"{name}.edit.txt").read_text(encoding="utf-8")
    doc = editfile.parse(draft, "draft")
    assert [row.voice for row in editfile.speakers_table(draft, "draft")] == list(voices)
    starts = [line for k, line in enumerate(doc.lines) if k == 0 or line.voice != doc.lines[k - 1].voice]
    assert len(starts) == len(reference)
    for line, turn in zip(starts, reference):
        assert voices[line.voice] == turn.who
        assert turn.start - 0.5 <= line.mark <= turn.start + 0.5, (line, turn)
        assert editfile.speaker_text(line.voice) in draft.splitlines()[line.number - 1]

    # Measured as the bench measures it.
    segments = diarize.word_segments(words)
    error = diarize.diarisation_error(reference_segments(reference), segments)
    hits, total = diarize.change_recall(diarize.changes([(t.start, t.end, t.who) for t in reference]),
                                        diarize.changes(segments))
    assert error["confusion"] == 0.0 and error["der"] <= 0.15, error
    assert hits == total


def test_one_voice_is_no_turns_nothing_to_name(dialogues):
    """A recording of one voice gets no speakers table and no placeholder: nothing to name, no
    label shown (.bench/speakers.py checks all 57 single-voice clips in the test data)."""
    _, transcripts, _ = dialogues
    for name in ONE_VOICE:
        found = json.loads((transcripts / name / f"{name}.speakers.json").read_text(encoding="utf-8"))
        assert (found["voices"], found["turns"]) == (1, []), name
        draft = (transcripts / name / f"{name}.edit.txt").read_text(encoding="utf-8")
        assert "# speaker:" not in draft and {line.voice for line in editfile.parse(draft, name).lines} == {None}
        assert "[" not in (transcripts / name / f"{name}.srt").read_text(encoding="utf-8")


def test_given_two_speakers_the_overlapping_stereo_clip_has_both(testdata, tmp_path):
    """--speakers 2: two LibriSpeech readers, one per channel, talking over each other in the
    downmix until 2.5 s; the right channel's reader stops there."""
    from pipeline import audio

    sha = audio.extract_pcm(testdata / "librispeech_stereo_2speakers_overlap.wav", tmp_path)
    pcm = tmp_path / f"{sha}.pcm"
    words = [Word("word", t, t + 0.35) for t in np.arange(0.2, 4.6, 0.4)]
    found = diarize.diarize(pcm, words, speakers=2)
    assert found.voices == 2
    assert diarize.diarize(pcm, words, speakers=1) == diarize.Diarisation((), 1)


def test_the_encoder_is_resemblyzers_own(testdata):
    """The mel frames and the network here give Resemblyzer's embeddings, to float precision."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from resemblyzer import VoiceEncoder, audio as reference_audio

    samples = decode(testdata / "cmu_arctic_us_aew_a0001.wav")[:3 * SAMPLE_RATE]
    ours, theirs = diarize.mel_frames(samples), reference_audio.wav_to_mel_spectrogram(samples)
    assert ours.shape == theirs.shape and np.allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    encoder = VoiceEncoder("cpu", verbose=False)
    windows = np.stack([theirs[k:k + 150] for k in (0, 75, 150)])
    with torch.no_grad():
        expected = encoder(torch.from_numpy(windows)).numpy()
    assert np.allclose(diarize.embed(windows), expected, atol=1e-5)


# --- named once, shown everywhere -----------------------------------------------------------------------

def name_voices(folder: Path, name: str, reference: list[RefTurn]) -> Path:
    edit = folder / name / f"{name}.edit.txt"
    text = edit.read_text(encoding="utf-8")
    for k, who in enumerate(dict.fromkeys(t.who for t in reference)):
        text = editfile.set_speaker_name(text, f"Speaker {k + 1}", NAMES[who])
    edit.write_text(text, encoding="utf-8")
    return edit


@pytest.fixture(scope="module")
def named(dialogues):
    """The three-voices dialogue after an editor named each voice once in the speakers table."""
    media, transcripts, references = dialogues
    name = "three-voices"
    edit = name_voices(transcripts, name, references[name])
    results = build_all(config(media, transcripts), log=lambda _: None)
    assert {r.status for r in results} <= {"updated", "unchanged"}, [r.error for r in results]
    return transcripts / name, references[name], edit


def test_the_table_names_every_turn_in_vtt_srt_txt_and_html(named, w3c_vtt_parser):
    import srt as srt_reader
    import webvtt

    folder, reference, edit = named
    stem = folder / folder.name
    table = editfile.speakers_table(edit.read_text(encoding="utf-8"), str(edit))
    assert [(row.voice, row.name) for row in table] == [("Speaker 1", "Nicki"), ("Speaker 2", "Lisa Cooper"),
                                                        ("Speaker 3", "Dr Okafor")]
    turns = [NAMES[t.who] for t in reference]

    vtt = Path(f"{stem}.vtt").read_text(encoding="utf-8")
    assert w3c_vtt_parser(Path(f"{stem}.vtt"))[f"{stem}.vtt"]["errors"] == []
    labelled = [(m.group(1), m.group(2)) for m in re.finditer(r"<v ([^>]+)>(?:- )?\[([^\]]+)\]", vtt)]
    assert [who for who, _ in labelled] == turns and all(a == b for a, b in labelled)
    cues = webvtt.read(str(f"{stem}.vtt"))
    assert all(c.raw_text.startswith("<v ") for c in cues), "every cue keeps its voice span"

    subtitles = list(srt_reader.parse(Path(f"{stem}.srt").read_text(encoding="utf-8")))
    shown = [m.group(1) for s in subtitles for m in re.finditer(r"^(?:- )?\[([^\]]+)\] ", s.content, re.M)]
    assert shown == turns
    assert [s.content for s in subtitles] == [re.sub(r"<[^>]+>", "", c.raw_text) for c in cues]

    text = Path(f"{stem}.txt").read_text(encoding="utf-8")
    assert [p.split(": ", 1)[0] for p in text.strip().split("\n\n")] == turns

    page = Path(f"{stem}.transcript.html").read_text(encoding="utf-8")
    assert re.findall(r'<span class="speaker">([^<]+):</span>', page) == turns
    for published in (vtt, text, page, Path(f"{stem}.srt").read_text(encoding="utf-8")):
        assert not re.search(r"Speaker \d", published), "a placeholder is never published once named"


def test_chromium_shows_the_name_in_the_cue_text(named, browser, web_root):
    folder, reference, _ = named
    www, base = web_root
    shutil.copy(folder / f"{folder.name}.vtt", www / "named.vtt")
    shutil.copy(folder.parent.parent / "media" / f"{folder.name}.flac", www / "named.flac")
    page = browser.new_page()
    try:
        page.goto(f"{base}/{track_page(www, 'named', 'named.vtt', 'named.flac')}")
        cues = chromium_cues(page)
        # What Chromium renders of a cue is its HTML fragment: the voice span's annotation is not in
        # it, the visible label is.
        turns = [NAMES[t.who] for t in reference]
        shown = [m.group(1) for c in cues for m in re.finditer(r"(?:^|\n)(?:- )?\[([^\]]+)\]", c["shown"])]
        assert shown == turns
        first = cues[0]
        assert first["text"].startswith("<v Nicki>[Nicki] ") and first["shown"].startswith("[Nicki] ")
        # And on screen: play (muted, four times as fast) into the second turn; the cue showing
        # there names its speaker.
        second = next(t for t in reference if t.who == "B")
        active = page.evaluate("""(t) => new Promise((resolve, reject) => {
            const video = document.querySelector('video');
            const track = video.textTracks[0];
            track.mode = 'showing';
            video.muted = true;
            video.playbackRate = 4;
            video.addEventListener('timeupdate', () => {
                if (video.currentTime < t) return;
                video.pause();
                resolve(Array.from(track.activeCues || [], c => c.getCueAsHTML().textContent));
            });
            video.play().catch(reject);
            setTimeout(() => reject(new Error('did not play to ' + t + ' s in 20 s')), 20000);
        })""", second.start + 0.5)
        assert active and active[0].startswith("[Lisa Cooper] "), active
    finally:
        page.close()


def test_the_editors_names_survive_retranscription(named, tmp_path):
    """`build --force` transcribes and finds the turns again (here told there are 3 people); the
    editor's file is not rewritten, and its table still names every turn."""
    folder, reference, edit = named
    before = edit.read_bytes()
    media = tmp_path / "media"  # this video alone
    media.mkdir()
    shutil.copy(folder.parent.parent / "media" / f"{folder.name}.flac", media)
    done = subprocess.run([sys.executable, "-m", "pipeline", "build", "--media-dir", str(media), "--transcripts-dir",
                           str(folder.parent), "--model", "tiny.en", "--force", "--speakers", "3"],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "1 transcribed" in done.stdout
    assert edit.read_bytes() == before
    assert json.loads((folder / f"{folder.name}.speakers.json").read_text(encoding="utf-8"))["key"]["speakers"] == 3
    text = (folder / f"{folder.name}.txt").read_text(encoding="utf-8")
    assert [p.split(": ", 1)[0] for p in text.strip().split("\n\n")] == [NAMES[t.who] for t in reference]


# --- the speakers table ---------------------------------------------------------------------------------

DRAFT = """# Transcript of x.mp4. Correct it here; the captions follow your text word for word.

# speaker: Speaker 1 = Nicki
# speaker: Speaker 2 =

[00:00.0] >> Speaker 1: Who was with you?
[00:02.0] >> Speaker 2: Nobody.
[00:03.0] Nobody at all.
[00:05.0] >> Speaker 1: Then we will talk.
"""


def test_the_table_names_a_voice_once_for_all_its_turns():
    doc = editfile.parse(DRAFT, "x")
    assert [(line.voice, line.speaker) for line in doc.lines] == [
        ("Speaker 1", "Nicki"), ("Speaker 2", "Speaker 2"), ("Speaker 2", "Speaker 2"), ("Speaker 1", "Nicki")]
    # Naming the second voice rewrites its row and nothing else; two voices can be one person.
    named = editfile.set_speaker_name(DRAFT, "Speaker 2", "Lisa Cooper")
    assert named.replace("Speaker 2 = Lisa Cooper", "Speaker 2 =") == DRAFT
    assert {line.speaker for line in editfile.parse(named, "x").lines} == {"Nicki", "Lisa Cooper"}
    same = editfile.set_speaker_name(DRAFT, "Speaker 2", "Nicki")
    assert {line.speaker for line in editfile.parse(same, "x").lines} == {"Nicki"}
    # A file with no table gets one after its header.
    plain = DRAFT.replace("# speaker: Speaker 1 = Nicki\n# speaker: Speaker 2 =\n", "")
    added = editfile.set_speaker_name(plain, "Speaker 1", "Nicki")
    assert added.splitlines()[1] == "# speaker: Speaker 1 = Nicki"
    assert editfile.parse(added, "x").lines[0].speaker == "Nicki"


@pytest.mark.parametrize("row, problem", [
    ("# speaker: Speaker 1 Nicki", '"=", then its name'),
    ("# speaker: = Nicki", '"=", then its name'),
    ("# speaker: Speaker 1 = Nicki: the nurse", "no colon"),
    ("# Speaker: Speaker 1 = Lisa", "named twice"),
])
def test_a_bad_table_row_is_an_error_naming_file_and_line(row, problem):
    from pipeline.errors import PipelineError

    text = DRAFT.replace("# speaker: Speaker 2 =", row)
    with pytest.raises(PipelineError) as error:
        editfile.parse(text, "talk.edit.txt")
    assert str(error.value).startswith("talk.edit.txt:4: ") and problem in str(error.value)


def test_a_single_voice_draft_has_no_table_and_no_placeholder():
    words = [Word(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate("Hello there. I am the narrator.".split())]
    draft = editfile.render(Transcript([Segment(words)], "en", 5.0), "x.mp4")
    assert "# speaker:" not in draft and "Speaker" not in draft
    assert [line.voice for line in editfile.parse(draft, "x").lines] == [None, None]


# --- captions: the name in the text, by house style --------------------------------------------------

def turn(text: str, start: float, speaker: str | None, pace: float = 0.3) -> list[Word]:
    return [Word(w, start + pace * i, start + pace * i + pace * 0.8, 0.9, speaker) for i, w in enumerate(text.split())]


def conversation() -> Transcript:
    words = (turn("Who was with you that night?", 0.0, "Nurse") + turn("Nobody.", 2.0, "Nicki")
             + turn("Then we will talk about it now, slowly and properly, you and me.", 3.5, "Nurse")
             + [Word("door closes", 8.0, 8.8, 1.0, "Nurse", sound=True)]
             + turn("Is that all right with you?", 9.5, "Nurse"))
    return Transcript([Segment(words)], "en", 12.0)


def test_a_change_of_speaker_shows_the_name_in_the_captions_text():
    cues = layout(conversation(), PROFILES["default"])
    assert cues[0].lines == ["- [Nurse] Who was with you that night?", "- [Nicki] Nobody."]
    assert cues[1].lines[0].startswith("[Nurse] Then we will talk")
    later = [c for c in cues[2:] if "Is that all right" in c.text]
    assert later and not later[0].text.startswith("["), "a sound between two turns of one voice is no change"
    vtt = to_webvtt(cues, "NOTE")
    assert "<v Nurse>- [Nurse] Who was with you that night?</v>\n<v Nicki>- [Nicki] Nobody.</v>" in vtt
    assert "- [Nurse] Who was with you that night?\n- [Nicki] Nobody.\n" in to_srt(cues)
    assert all(len(line) <= 42 for c in cues for line in c.lines)

    bbc = layout(conversation(), PROFILES["bbc"])
    assert bbc[0].lines == ["- NURSE: Who was with you that night?", "- NICKI: Nobody."]
    assert all(len(line) <= 37 for c in bbc for line in c.lines)
    none = layout(conversation(), profile_from("default", {"speaker_style": "none"}))
    assert none[0].lines == ["- Who was with you that night?", "- Nobody."]
    with pytest.raises(ValueError):
        Profile(speaker_style="colour")


def test_one_unnamed_voice_shows_no_label():
    words = turn("Hello there, this is a narration with one voice only.", 0.0, None)
    assert not any("[" in c.text for c in layout(Transcript([Segment(words)], "en", 6.0)))
