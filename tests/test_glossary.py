"""The glossary's replacements: refused at their line when the editor's file could not hold them,
and a glossary file that is not UTF-8 is an error naming its line, not an internal error."""

import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.correct.glossary import apply_rules, load_glossary, parse_glossary
from pipeline.errors import PipelineError
from pipeline.formats import editfile
from pipeline.transcript import Segment, Transcript, Word

from .conftest import REPO


def machine(*texts: str) -> Transcript:
    words = [Word(text, k * 0.5, k * 0.5 + 0.4, 0.9) for k, text in enumerate(texts)]
    return Transcript([Segment(words)], "en", 10.0, engine="faster-whisper", model="tiny.en", model_sha256="0" * 64)


def edit_file_tokens(glossary_text: str, *said: str) -> list[str]:
    """The tokens of the editor's file a build makes after the glossary's replacements."""
    rules = parse_glossary(glossary_text, "glossary.txt").rules
    text = editfile.render(apply_rules(machine(*said), rules), "talk.mp4")
    return [token.text for line in editfile.parse(text, "talk.edit.txt").lines for token in line.tokens]


@pytest.mark.parametrize("right, problem", [
    ("[", "square brackets are only for a whole sound description such as [phone rings], not '['"),
    ("a]b", "not 'a]b'"),
    ("[music]x", "not '[music]x'"),
    ("[ ]", "not '[ ]'"),
    ("[[]", "not '[[]'"),
    (">> Nurse: hello", "a word cannot start with '>>'"),
    ("#hashtag", "a word cannot start with '#'"),
    ("\\n", "a word cannot start with '\\'"),
])
def test_a_replacement_the_editors_file_cannot_hold_is_refused_at_its_line(right, problem):
    with pytest.raises(PipelineError) as error:
        parse_glossary(f"CSE\never -> {right}\n", "transcripts/glossary.txt")
    assert str(error.value).startswith(f"transcripts/glossary.txt:2: the replacement '{right}': "), error.value
    assert problem in str(error.value), error.value


def test_replacements_reach_the_editors_file_word_for_word():
    assert edit_file_tokens("see SE -> CSE\n", "to", "see", "SE.", "now") == ["to", "CSE.", "now"]
    assert edit_file_tokens("ever -> C# & co\n", "ever", "so") == ["C#", "&", "co", "so"]
    assert edit_file_tokens("bang -> [door slams]\n", "a", "bang,", "then") == ["a", "[door slams]", "then"]


WORDS = st.text(st.sampled_from(list("ab#>\\[]():&- é")), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(right=WORDS)
def test_a_rule_can_never_make_an_editors_file_that_cannot_be_read(right):
    try:
        glossary = parse_glossary(f"ever -> {right}\n", "glossary.txt")
    except PipelineError as error:
        assert str(error).startswith("glossary.txt:1: ") and "\n" not in str(error)
        return
    said = edit_file_tokens(f"ever -> {right}\n", "so", "ever", "more")  # parses, or this raises
    assert said == ["so", *glossary.rules[0].right, "more"]


def test_a_glossary_not_saved_as_utf8_is_an_error_naming_its_line(tmp_path):
    glossary = tmp_path / "glossary.txt"
    glossary.write_bytes("CSE\nHealth Education England\ncaf\u00e9 -> cafe\n".encode("latin-1"))
    with pytest.raises(PipelineError) as error:
        load_glossary(glossary)
    assert str(error.value) == f"{glossary}:3: is not valid UTF-8 text (save the file as UTF-8)"


def test_a_latin1_glossary_fails_each_video_with_that_line_not_an_internal_error(media_dir, tmp_path):
    transcripts = tmp_path / "transcripts"
    transcripts.mkdir()
    glossary = transcripts / "glossary.txt"
    glossary.write_bytes("# terms\nna\u00efve -> naive\n".encode("latin-1"))
    done = subprocess.run([sys.executable, "-m", "pipeline", "build", "--media-dir", str(media_dir),
                           "--transcripts-dir", str(transcripts), "--model", "tiny.en"],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {glossary}:2: is not valid UTF-8 text (save the file as UTF-8)"], done.stderr
