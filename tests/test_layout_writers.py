"""Pure parts: cue layout, WebVTT and plain-text writing."""

import webvtt

from pipeline.layout import FRAME_GAP, MAX_DURATION, MAX_LINE, layout, split_lines
from pipeline.transcript import Segment, Transcript, Word
from pipeline.writers import escape_cue_text, to_plain_text, to_webvtt


def speech(text: str, start: float = 0.0, pace: float = 0.35) -> list[Word]:
    words = []
    for token in text.split():
        words.append(Word(token, start, start + pace * 0.8, 0.9))
        start += pace
    return words


def transcript(*segments: list[Word], duration: float = 60.0) -> Transcript:
    return Transcript([Segment(s) for s in segments], "en", duration, engine="faster-whisper", model="tiny.en",
                      model_sha256="0" * 64)


LONG = ("Healthcare professionals have the power to prevent situations like mine happening again. "
        "That one phone call could take just a few minutes could actually save a child's life.")


def test_cues_keep_to_two_lines_of_42_characters_and_7_seconds():
    cues = layout(transcript(speech(LONG), speech(LONG, start=20)))
    assert " ".join(" ".join(c.lines) for c in cues) == f"{LONG} {LONG}"
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2 and all(len(line) <= MAX_LINE for line in cue.lines)
        assert cue.end - cue.start <= MAX_DURATION
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start - FRAME_GAP + 1e-9


def test_a_short_text_stays_on_one_line_and_a_long_one_is_balanced():
    assert split_lines("Ask what you can do for your country.") == ["Ask what you can do for your country."]
    top, bottom = split_lines("And so my fellow Americans ask not what your country can do for you")
    assert len(top) <= MAX_LINE and len(bottom) <= MAX_LINE and abs(len(top) - len(bottom)) <= 8


def test_a_pause_starts_a_new_cue():
    cues = layout(transcript(speech("Hello there."), speech("After a long pause.", start=5)))
    assert [c.text for c in cues] == ["Hello there.", "After a long pause."]


def test_webvtt_escapes_markup_characters_and_reads_back():
    cues = layout(transcript(speech("Fish & chips <b>not bold</b> 3 > 2")))
    text = to_webvtt(cues, "Made by a test.")
    assert "Fish &amp; chips &lt;b&gt;not bold&lt;/b&gt; 3 &gt; 2" in text
    assert escape_cue_text("a&b") == "a&amp;b"
    parsed = webvtt.from_string(text)
    assert len(parsed) == len(cues)


def test_plain_text_has_paragraphs_and_no_times():
    text = to_plain_text(transcript(speech("First thought here."), speech("Second thought.", start=10)))
    assert text == "First thought here.\n\nSecond thought.\n"
    assert to_plain_text(transcript()) == ""


def test_silence_gives_a_valid_empty_caption_file():
    text = to_webvtt(layout(transcript()), "Made by a test.")
    assert text.startswith("WEBVTT") and len(webvtt.from_string(text)) == 0
