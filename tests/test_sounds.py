"""Music and ringing a deaf viewer must know about (issue 18), on real audio: openly licensed
music excerpts and recordings of phones ringing (tests/data/sounds, SOURCES.md) mixed in code with
the speech and noise clips of testdata. Every expected span comes from how a clip was made (where
its music or its ring was put), never from the detector. Songs are tested in test_singing.py."""

from __future__ import annotations

import re
from dataclasses import replace
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile
import webvtt

from pipeline.audio import SAMPLE_RATE
from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.check import check_file
from pipeline.evaluate import score_text
from pipeline.formats.vtt import to_webvtt
from pipeline.formats.readers import check_webvtt, read_srt
from pipeline.layout import PROFILES, Profile, layout
from pipeline.sounds import MUSIC, RINGING, SINGING, clips, house_style, with_events
from pipeline.sounds.detect import WINDOW, SoundEvent, detect_music, detect_sounds
from pipeline.transcribe.vote import combine
from pipeline.transcribe.engines import DecodeOptions
from pipeline.transcript import Segment, Transcript, Word

from .conftest import cues_in_chromium

MUSIC_ALONE = ("asc_frontiers", "colobot_music005")  # held-out excerpts: the model never saw them
UNDER = "colobot_music005"
SPEECH = "jfk_inaugural_1961.flac"
LEAD = 2.0  # seconds of music before the speech starts, in the speech-over-music clip
NOISE_SECONDS = 30
RING = "baresip_ring"  # a held-out phone: the ringing model never saw it
RING_SPEECH = "cmu_arctic_us_axb_a0004.wav"


def _rung(name: str, testdata: Path) -> np.ndarray:
    """A phone's ring as it rings (ring, pause, ring...), over a quiet room (the kitchen noise's
    second half, which no model was fitted on, 25 dB under it)."""
    ring = clips.ringing(clips.decode(clips.SOUNDS / f"{name}.opus"))
    noise = clips.decode(testdata / "noise_doing_the_dishes.wav")
    room = np.resize(noise[len(noise) // 2:], len(ring))
    return ring + clips.at_level(room, ring, clips.ROOM_DB)


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    """Five clips built by the real pipeline with tiny.en: music alone (24 s), speech over music,
    music then speech, kitchen noise, a phone ringing then speech. (root, transcripts folder, {name: music spans made})."""
    root = tmp_path_factory.mktemp("sounds")
    media = root / "media"
    media.mkdir()
    music = np.concatenate([clips.decode(clips.SOUNDS / f"{name}.opus") for name in MUSIC_ALONE])
    speech = clips.decode(testdata / SPEECH)
    over = clips.speech_over_music(clips.decode(clips.SOUNDS / f"{UNDER}.opus"), speech, -14.0, lead=LEAD)
    then = clips.music_then_speech(clips.decode(clips.SOUNDS / f"{MUSIC_ALONE[0]}.opus"), speech)
    noise = clips.decode(testdata / "noise_doing_the_dishes.wav")[: NOISE_SECONDS * SAMPLE_RATE]
    ring = clips.music_then_speech(_rung(RING, testdata), clips.decode(testdata / RING_SPEECH))
    made = {"music": ((0.0, len(music) / SAMPLE_RATE),), "over": over.music, "then": then.music, "noise": (),
            "ring": ring.music, "ring speech": ring.speech}  # music_then_speech: its "music" is the ring
    for name, samples in (("music", 0.5 * music), ("over", over.samples), ("then", then.samples), ("noise", noise),
                          ("ring", ring.samples)):
        soundfile.write(media / f"{name}.wav", samples, SAMPLE_RATE)
    transcripts = root / "transcripts"
    # Rings are labelled only when asked for (--label-ringing): these clips are built with it on.
    config = BuildConfig(media, transcripts, model="tiny.en", progress_bars=False,
                         options=DecodeOptions(label_ringing=True))
    results = build_all(config, log=lambda _: None)
    assert all(r.status != "failed" for r in results), results
    return root, transcripts, made, then


def _words(transcripts: Path, name: str) -> Transcript:
    return Transcript.from_json((transcripts / name / f"{name}.words.json").read_text())


def _spoken(transcript: Transcript) -> list[Word]:
    return [w for w in transcript.words if not w.sound]


def _cues(transcripts: Path, name: str) -> list[tuple[float, float, str]]:
    return [(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000, c.text)
            for c in webvtt.read(str(transcripts / name / f"{name}.vtt"))]


def test_speech_over_music_keeps_its_words_and_gets_a_music_label(built, testdata):
    _, transcripts, made, _ = built
    transcript = _words(transcripts, "over")
    reference = (testdata / SPEECH).with_suffix(".txt").read_text()
    score = score_text("over", reference, " ".join(w.text for w in _spoken(transcript)))
    assert score.wer <= 0.15, score  # tiny.en on the speech alone: 1 error in 22 words
    labels = [w for w in transcript.words if w.sound]
    assert [w.text for w in labels] == [MUSIC]
    assert labels[0].start < LEAD  # where the music is heard alone, before the words
    first_cue = _cues(transcripts, "over")[0]
    assert first_cue[2] == MUSIC and first_cue[0] < LEAD


def test_music_alone_gets_label_cues_over_its_span_and_no_words(built):
    _, transcripts, made, _ = built
    assert _spoken(_words(transcripts, "music")) == []
    cues = _cues(transcripts, "music")
    (start, end), = made["music"]
    assert {text for _, _, text in cues} == {MUSIC}
    profile = PROFILES["default"]
    assert all(b - a <= profile.max_duration + 0.001 for a, b, _ in cues)
    # No stretch over 10 s of music without a caption, from its first second to its last.
    edges = [start] + [t for a, b, _ in cues for t in (a, b)] + [end]
    gaps = [edges[k + 1] - edges[k] for k in range(0, len(edges) - 1, 2)]
    assert max(gaps) <= WINDOW, cues  # the detector judges 2 s at a time: a label may start that late
    shown = sum(b - a for a, b, _ in cues)
    assert shown >= 0.9 * (end - start)


def test_music_then_speech_labels_the_music_and_keeps_the_speech(built, testdata):
    _, transcripts, made, then = built
    transcript = _words(transcripts, "then")
    (music_start, music_end), = made["then"]
    speech_start = then.speech[0][0]
    labels = [w for w in transcript.words if w.sound]
    assert labels and labels[0].start <= music_start + WINDOW
    assert all(w.end <= speech_start + 0.5 for w in labels)
    covered = sum(min(w.end, music_end) - max(w.start, music_start) for w in labels)
    assert covered >= 0.8 * (music_end - music_start)
    reference = (testdata / SPEECH).with_suffix(".txt").read_text()
    spoken = _spoken(transcript)
    assert score_text("then", reference, " ".join(w.text for w in spoken)).wer <= 0.15
    assert min(w.start for w in spoken) >= speech_start - 0.5


def test_noise_still_gives_no_words_and_no_music_label(built):
    _, transcripts, _, _ = built
    assert _words(transcripts, "noise").words == []
    assert _cues(transcripts, "noise") == []


def test_the_label_reaches_every_output_and_the_strict_reader(built):
    _, transcripts, _, _ = built
    folder = transcripts / "then"
    assert MUSIC in (folder / "then.txt").read_text()
    assert MUSIC in (folder / "then.transcript.html").read_text()
    assert MUSIC in [c.text for c in read_srt(folder / "then.srt")]
    assert MUSIC in (folder / "then.edit.txt").read_text()  # an ordinary sound line the editor can change
    for name in ("music", "over", "then"):
        captions, problems = check_webvtt(transcripts / name / f"{name}.vtt")
        assert problems == [] and MUSIC in [c.text for c in captions]
        assert check_file(transcripts / name / f"{name}.vtt", PROFILES["default"]) == []


def test_the_w3c_parser_and_chromium_read_every_music_cue(built, w3c_vtt_parser, browser, web_root):
    _, transcripts, _, _ = built
    paths = [transcripts / name / f"{name}.vtt" for name in ("music", "over", "then")]
    results = w3c_vtt_parser(*paths)
    for path in paths:
        assert results[str(path)]["errors"] == [] and results[str(path)]["cues"] == len(webvtt.read(str(path)))
    path = paths[0]
    texts = [cue["text"] for cue in cues_in_chromium(browser, web_root, path, "sounds-music")]
    assert texts == [MUSIC] * len(webvtt.read(str(path)))


def test_an_editor_s_description_keeps_the_music_s_span(built, tmp_path):
    root, transcripts, made, _ = built
    shutil.copytree(root, tmp_path / "copy")
    copy = tmp_path / "copy" / "transcripts"
    edit = copy / "then" / "then.edit.txt"
    edit.write_text(edit.read_text().replace(MUSIC, "[♪ gentle synth music]"))
    build_all(BuildConfig(tmp_path / "copy" / "media", copy, model="tiny.en", progress_bars=False,
                          options=DecodeOptions(label_ringing=True)), log=lambda _: None)
    before = [c for c in _cues(transcripts, "then") if c[2] == MUSIC]
    after = [c for c in _cues(copy, "then") if c[2] == "[♪ gentle synth music]"]
    assert [(a, b) for a, b, _ in after] == [(a, b) for a, b, _ in before]


def test_house_style_is_the_profile_s_and_make_check_holds_captions_to_it(built, tmp_path):
    _, transcripts, _, _ = built
    bbc = PROFILES["bbc"]
    labels = [w.text for cue in layout(_words(transcripts, "music"), bbc) for w in cue.words]
    assert set(labels) == {"[♪ MUSIC]"}
    findings = check_file(transcripts / "music" / "music.vtt", bbc)
    assert findings and {f.rule for f in findings} == {"sound-label"}
    vtt = tmp_path / "styled.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n[Music]\n\n00:00:05.000 --> 00:00:08.000\n"
                   "[music playing]\n\n00:00:09.000 --> 00:00:12.000\n[door slams]\n")
    found = {f.start: f.detail for f in check_file(vtt, PROFILES["default"]) if f.rule == "sound-label"}
    assert sorted(found) == [1.0, 5.0]  # a capital in a lower-case style; music without its note
    assert "lower case" in found[1.0] and "♪" in found[5.0]
    with pytest.raises(ValueError, match="sound_case"):
        Profile(sound_case="shouting")
    assert house_style("[♪ music]", "upper") == "[♪ MUSIC]"


def test_unsure_words_over_music_are_labelled_singing_not_published_and_sure_ones_kept():
    sure = [Word(t, 2 + k, 2.5 + k, 0.9) for k, t in enumerate("we will go on".split())]
    unsure = [Word(t, 12 + k, 12.5 + k, 0.2) for k, t in enumerate("oh sunday was christian".split())]
    transcript = Transcript([Segment(sure), Segment(unsure)], "en", 20.0)
    events = [SoundEvent("music", 0.0, 8.0, 0.9), SoundEvent("music", 11.0, 18.0, 0.9)]
    labelled = with_events(transcript, events)
    assert [w.text for w in labelled.words] == [MUSIC, "we", "will", "go", "on", SINGING]
    assert [r.text for r in labelled.removed] == ["oh sunday was christian"]
    assert re.search("music", labelled.removed[0].reason)


def test_the_vote_never_drops_a_music_label():
    ours = Transcript([Segment([Word(MUSIC, 0, 6, 0.8, sound=True)]), Segment([Word("hello", 6, 7, 0.3)])],
                      "en", 8.0, audio_sha256="x")
    theirs = Transcript([Segment([Word("yellow", 6, 7, 0.9)])], "en", 8.0,
                        audio_sha256="x")
    voted = combine(ours, theirs)
    assert [w.text for w in voted.transcript.words] == [MUSIC, "yellow"]
    assert [s[0] for s in voted.sources] == [0, 1]


def test_detection_on_a_made_clip_finds_the_music_and_not_the_speech(testdata):
    clip = clips.music_then_speech(clips.decode(clips.SOUNDS / "colobot_Proton.opus"),
                                   clips.decode(testdata / "librispeech_dev-clean_2412-153948-0000.flac"))
    found = [(e.start, e.end) for e in detect_music(clip.samples)]
    music_seconds = sum(b - a for a, b in clip.music)
    assert clips.overlap(found, clip.music) >= 0.9 * music_seconds
    assert clips.overlap(found, clip.speech) <= 1.0  # at most a second of the speech


def test_a_long_file_is_judged_in_blocks_as_if_whole(tmp_path):
    """Music across the 120 s block boundary: the same spans as from the samples in one piece."""
    from pipeline.sounds import BLOCK, detect_music_file

    music = np.concatenate([clips.decode(p) for p in clips.music_files(held_out=True)])
    samples = np.resize(music, int((BLOCK + 10) * SAMPLE_RATE))
    pcm = tmp_path / "long.pcm"
    (samples * 32767).astype("<i2").tofile(pcm)
    whole = detect_music((samples * 32767).astype("<i2").astype(np.float32) / 32768.0)
    blocks = detect_music_file(pcm)
    assert [(e.start, e.end) for e in blocks] == [(e.start, e.end) for e in whole]
    assert [e.confidence for e in blocks] == pytest.approx([e.confidence for e in whole], abs=0.01)
    assert whole[-1].end == pytest.approx(BLOCK + 10, abs=0.01)


def test_a_phone_ringing_gets_a_ringing_label_and_the_speech_after_it_keeps_its_words(built, testdata):
    _, transcripts, made, _ = built
    transcript = _words(transcripts, "ring")
    (ring_start, ring_end), = made["ring"]
    (speech_start, _), = made["ring speech"]
    labels = [w for w in transcript.words if w.sound]
    assert labels and {w.text for w in labels} == {RINGING}  # and not music
    covered = sum(max(0.0, min(w.end, ring_end) - max(w.start, ring_start)) for w in labels)
    assert covered >= 0.6 * (ring_end - ring_start)
    assert all(w.end <= speech_start + 0.5 for w in labels)
    reference = (testdata / RING_SPEECH).with_suffix(".txt").read_text()
    spoken = _spoken(transcript)
    assert score_text("ring", reference, " ".join(w.text for w in spoken)).wer <= 0.15
    assert min(w.start for w in spoken) >= speech_start - 0.5
    folder = transcripts / "ring"
    assert RINGING in [c[2] for c in _cues(transcripts, "ring")]
    assert RINGING in (folder / "ring.edit.txt").read_text()  # a sound line the editor can correct
    assert RINGING in (folder / "ring.txt").read_text() and RINGING in [c.text for c in read_srt(folder / "ring.srt")]
    findings = check_file(folder / "ring.vtt", PROFILES["default"])
    assert [f for f in findings if f.error or f.rule in ("sound-label", "lyrics")] == []
    # tiny.en writes "The phone is ringing." over the ring, sure of it: not speech, so not shown,
    # but kept for review with why it went.
    machine = Transcript.from_json((folder / "ring.machine.json").read_text())
    described = [r for r in machine.removed if "[ringing]" in r.reason]
    assert all(r.end <= speech_start + 0.5 for r in described)
    assert not any("ringing" in w.text.lower() for w in spoken)
    bbc = [w.text for cue in layout(transcript, PROFILES["bbc"]) for w in cue.words if w.sound]
    assert set(bbc) == {"[RINGING]"}



def test_without_label_ringing_a_ring_gets_no_label_at_all(testdata, tmp_path):
    """The default build does not label rings (DecodeOptions.label_ringing): a held-out phone then
    gets neither [ringing] nor a music label, since the music model's windows there are the ring's."""
    from pipeline.sounds import detect_sounds_file

    ring = clips.music_then_speech(_rung(RING, testdata), clips.decode(testdata / RING_SPEECH))
    pcm = tmp_path / "ring.pcm"
    pcm.write_bytes((np.clip(ring.samples, -1, 1) * 32767).astype("<i2").tobytes())
    (ring_start, ring_end), = ring.music
    labelled = detect_sounds_file(pcm, ringing=True)
    assert any(e.kind == "ringing" and e.start < ring_end and e.end > ring_start for e in labelled), labelled
    assert not [e for e in detect_sounds_file(pcm, ringing=False) if e.start < ring_end - 1 and e.end > ring_start + 1]

def test_ringing_is_found_on_held_out_phones_and_not_on_speech_music_or_noise(testdata):
    """Two held-out recordings rung alone (a phone, a caller's ringing tone); none of the held-out
    speech clips, music excerpts or the kitchen noise gets a ringing label."""
    for name in ("baresip_ring", "linphone_ringback"):
        samples = _rung(name, testdata)
        found = [(e.start, e.end) for e in detect_sounds(samples) if e.kind == "ringing"]
        truth = ((0.0, len(samples) / SAMPLE_RATE),)
        assert clips.overlap(found, truth) >= 0.75 * truth[0][1], (name, found)
    others = [clips.decode(p) for p in clips.speech_files(testdata, held_out=True)[:6]]
    others += [clips.decode(p) for p in clips.music_files(held_out=True)[:5]]
    noise = clips.decode(testdata / "noise_doing_the_dishes.wav")
    others.append(noise[len(noise) // 2:])
    assert [e for samples in others for e in detect_sounds(samples) if e.kind == "ringing"] == []


def test_words_over_music_keep_their_words_and_are_marked_as_lyrics_only_where_the_profile_asks(built, testdata):
    """Speech mixed over music is not sung: by default it is captioned without lyrics marks; a
    profile with lyrics_over_music marks every line; the words themselves, the editor's file and
    the reference score are as they were."""
    _, transcripts, made, _ = built
    transcript = _words(transcripts, "over")
    spoken = _spoken(transcript)
    assert spoken and not any("♪" in w.text or "#" in w.text for w in spoken)
    assert "♪ " not in (transcripts / "over" / "over.edit.txt").read_text().replace("[♪", "")
    (music_start, music_end), = made["over"]
    assert all(music_start <= w.start and w.end <= music_end for w in spoken)  # over music, as mixed
    cues = [c for c in _cues(transcripts, "over") if c[2] != MUSIC]
    assert cues
    # Published by default without marks: the voice does not hold notes (pipeline/sounds/singing.py),
    # and speech shown as lyrics would mislead a viewer.
    published = [line for _, _, text in cues for line in text.split("\n")]
    assert not any("♪" in line or "#" in line for line in published), published
    reference = (testdata / SPEECH).with_suffix(".txt").read_text()
    assert score_text("over", reference, " ".join(published)).wer <= 0.15
    first_word = min(w.start for w in spoken)
    assert cues[0][0] <= first_word + 0.5  # shown when said, not after the music label
    lyrics = replace(PROFILES["default"], lyrics_over_music=True)
    lines = [line for c in layout(transcript, lyrics) if not c.words[0].sound for line in c.lines]
    assert lines and all(line.startswith("♪ ") and line.endswith(" ♪") for line in lines), lines
    for profile, mark in ((replace(PROFILES["bbc"], lyrics_over_music=True), "#"),
                          (Profile(lyrics_mark="", lyrics_over_music=True), "")):
        laid = [c for c in layout(transcript, profile) if not c.words[0].sound]
        for cue in laid:
            for line in cue.lines:
                assert (line.startswith(f"{mark} ") and line.endswith(f" {mark}")) if mark else "♪" not in line
        assert all(line.count(mark) == 2 for c in laid for line in c.lines) if mark else True
    netflix_style = transcripts / "over" / "lyrics.vtt"
    netflix_style.write_text(to_webvtt(layout(transcript, lyrics), "A test of the house style."), encoding="utf-8")
    findings = check_file(netflix_style, PROFILES["bbc"])
    assert "lyrics" in {f.rule for f in findings}  # ♪ where the BBC writes #


def test_an_editor_s_own_lyrics_marks_are_not_doubled_and_make_check_knows_the_marks(tmp_path):
    words = [Word(t, 1 + 0.4 * k, 1.3 + 0.4 * k, 0.9) for k, t in enumerate("♪ oh sunday was christian day ♪".split())]
    transcript = Transcript([Segment([Word(MUSIC, 0.0, 9.0, 0.9, sound=True)]), Segment(words)], "en", 9.0)
    lines = [line for cue in layout(transcript) if not cue.words[0].sound for line in cue.lines]
    assert " ".join(lines) == "♪ oh sunday was christian day ♪"
    vtt = tmp_path / "lyrics.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n# we will go on #\n\n"
                   "00:00:05.000 --> 00:00:08.000\n♪ we will go on\n\n00:00:09.000 --> 00:00:12.000\n"
                   "♪ we will go on ♪\n\n00:00:13.000 --> 00:00:16.000\nnumber #1 hit\n")
    found = {f.start: f.detail for f in check_file(vtt, PROFILES["default"]) if f.rule == "lyrics"}
    assert sorted(found) == [1.0, 5.0] and "'#'" in found[1.0] and "close" in found[5.0]
    found = {f.start for f in check_file(vtt, PROFILES["bbc"]) if f.rule == "lyrics"}
    assert found == {5.0, 9.0}
    labels = tmp_path / "labels.vtt"
    labels.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n[Phone rings]\n\n00:00:05.000 --> 00:00:08.000\n"
                      "[Nicki's phone rings]\n\n00:00:09.000 --> 00:00:12.000\n[ringing]\n")
    assert {f.start for f in check_file(labels, PROFILES["default"]) if f.rule == "sound-label"} == {1.0}
    assert {f.start for f in check_file(labels, PROFILES["bbc"]) if f.rule == "sound-label"} == {1.0, 5.0, 9.0}
    with pytest.raises(ValueError, match="lyrics_mark"):
        Profile(lyrics_mark="*")


def test_a_ring_across_a_block_boundary_is_found_as_in_one_piece(tmp_path, testdata):
    """The ringing features look 2 s either side of a window: a block is read with that context,
    so a ring rung across the 120 s boundary gives the same span as the samples in one piece."""
    from pipeline.sounds import BLOCK, detect_sounds_file

    ring = _rung("linphone_ringback", testdata)
    noise = clips.decode(testdata / "noise_doing_the_dishes.wav")
    samples = clips.at_level(np.resize(noise, int((BLOCK + 15) * SAMPLE_RATE)), ring, clips.ROOM_DB)
    at = int((BLOCK - 4) * SAMPLE_RATE)
    samples[at:at + len(ring)] += ring
    pcm = tmp_path / "ring.pcm"
    (samples * 32767).astype("<i2").tofile(pcm)
    whole = detect_sounds((samples * 32767).astype("<i2").astype(np.float32) / 32768.0)
    blocks = detect_sounds_file(pcm)
    assert [(e.kind, e.start, e.end) for e in blocks] == [(e.kind, e.start, e.end) for e in whole]
    rings = [(e.start, e.end) for e in whole if e.kind == "ringing"]
    truth = ((BLOCK - 4, BLOCK - 4 + len(ring) / SAMPLE_RATE),)
    assert clips.overlap(rings, truth) >= 0.75 * (truth[0][1] - truth[0][0])
