"""Property: whatever sequence of edits an editor makes, the build publishes exactly the
edited words, in order, with sane times and every moved mark kept."""

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.formats import editfile
from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.correct.retime import retime
from pipeline.transcribe.engines import DecodeOptions
from pipeline.transcript import Transcript

VOCABULARY = ["NHS", "safeguarding", "child's", "phone-call", "Dr.", "1961", "&", "<b>", "café", "well,"]


@pytest.fixture(scope="module")
def machine(tmp_path_factory, testdata) -> Transcript:
    root = tmp_path_factory.mktemp("prop")
    (root / "media").mkdir()
    shutil.copy(testdata / "librispeech_dev-clean_2412-153948-0000.flac", root / "media" / "libri.flac")
    build_all(BuildConfig(root / "media", root / "t", model="tiny.en", options=DecodeOptions()), log=lambda _: None)
    return Transcript.from_json((root / "t" / "libri" / "libri.machine.json").read_text())


def as_lines(transcript: Transcript) -> list[dict]:
    return [{"mark": round(chunk[0].start, 1), "speaker": None, "tokens": [w.text for w in chunk]}
            for chunk in editfile.chunk_words(transcript.words)]


def render(lines: list[dict]) -> str:
    out = []
    for line in lines:
        mark = editfile.format_mark(line["mark"]) + " " if line["mark"] is not None else ""
        speaker = f">> {line['speaker']}: " if line["speaker"] else ""
        out.append(f"{mark}{speaker}{' '.join(line['tokens'])}".rstrip())
    return "\n".join(out) + "\n"


@st.composite
def edit_sequences(draw, lines: list[dict], duration: float):
    lines = [dict(line, tokens=list(line["tokens"])) for line in lines]
    moved = set()
    for _ in range(draw(st.integers(1, 12))):
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        op = draw(st.sampled_from(["replace", "insert", "delete", "merge", "split", "sound", "speaker",
                                   "move", "drop_line"]))
        n = len(line["tokens"])
        if op == "replace" and n:
            line["tokens"][draw(st.integers(0, n - 1))] = draw(st.sampled_from(VOCABULARY))
        elif op == "insert":
            line["tokens"].insert(draw(st.integers(0, n)), draw(st.sampled_from(VOCABULARY)))
        elif op == "delete" and n > 1:
            del line["tokens"][draw(st.integers(0, n - 1))]
        elif op == "merge" and i + 1 < len(lines):
            line["tokens"] += lines.pop(i + 1)["tokens"]
        elif op == "split" and n > 1:
            at = draw(st.integers(1, n - 1))
            lines.insert(i + 1, {"mark": None, "speaker": None, "tokens": line["tokens"][at:]})
            line["tokens"] = line["tokens"][:at]
        elif op == "sound":
            line["tokens"].insert(draw(st.integers(0, n)), "[door closes]")
        elif op == "speaker":
            line["speaker"] = draw(st.sampled_from(["Nicki", "Lisa Cooper", "Narrator"]))
        elif op == "move" and line["mark"] is not None:
            low = max([m["mark"] for m in lines[:i] if m["mark"] is not None], default=0.0)
            high = min([m["mark"] for m in lines[i + 1:] if m["mark"] is not None], default=duration)
            line["mark"] = round(draw(st.floats(low, high)), 1)
            line["mark"] = min(max(line["mark"], low), high)
            moved.add(id(line))
        elif op == "drop_line" and len(lines) > 1:
            lines.pop(i)
    return lines, moved


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edits_publish_exactly_the_edited_words_with_sane_times(machine, data):
    original = as_lines(machine)
    written = {line["mark"] for line in original}
    lines, moved = data.draw(edit_sequences(original, machine.duration))
    text = render(lines)
    doc = editfile.parse(text, "edit.txt")
    result = retime(doc, machine, written).transcript
    assert [w.text for w in result.words] == [tok for line in lines for tok in _tokens(line)]
    words = result.words
    assert all(0.0 <= w.start <= w.end <= machine.duration for w in words)
    assert all(a.start <= b.start and a.end <= b.start + 1e-9 for a, b in zip(words, words[1:]))
    position = 0
    for line in lines:
        count = len(_tokens(line))
        if id(line) in moved and count and line["mark"] not in written:
            assert words[position].start == pytest.approx(line["mark"]), line
        position += count


def _tokens(line: dict) -> list[str]:
    text = " ".join(line["tokens"])
    return [t.text for t in editfile.parse(text, "x").lines[0].tokens] if text.strip() else []
