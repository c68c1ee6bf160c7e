"""Edits rebuild little (issue 19, item 5): what a rebuild keeps between runs is kept by what it
was made from, so nothing kept is ever out of date. Behaviour only: how long a build takes is
measured by `make bench` (.bench/craft.py edit), never asserted here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline import zipf
from pipeline.batch import build_all
from pipeline.build import BuildConfig, LazyAligner
from pipeline.review import review_list
from pipeline.transcript import Transcript
from pipeline.transcribe.engines import DecodeOptions

NAME = "jfk"


def _config(media: Path, transcripts: Path) -> BuildConfig:
    return BuildConfig(media, transcripts, model="tiny.en", options=DecodeOptions(), progress_bars=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata) -> tuple[Path, Path]:
    """The JFK clip built once with tiny.en: (media folder, transcripts folder)."""
    root = tmp_path_factory.mktemp("incremental")
    media = root / "media"
    media.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", media / f"{NAME}.flac")
    build_all(_config(media, root / "transcripts"), log=lambda _: None)
    return media, root / "transcripts"


@pytest.fixture
def copy(built, tmp_path) -> tuple[Path, Path]:
    media, transcripts = built
    shutil.copytree(transcripts, tmp_path / "transcripts")
    return media, tmp_path / "transcripts"


def _to_check(transcripts: Path) -> int:
    return json.loads((transcripts / NAME / f"{NAME}.json").read_text(encoding="utf-8"))["to_check"]


def test_the_kept_risks_give_the_list_a_fresh_count_gives(copy):
    media, transcripts = copy
    folder = transcripts / NAME
    assert (folder / f"{NAME}.risks.json").is_file()  # the build kept them
    assert review_list(folder, cached=True) == review_list(folder)
    assert _to_check(transcripts) == len(review_list(folder))


def test_kept_risks_are_not_used_once_the_machine_words_change(copy):
    media, transcripts = copy
    folder = transcripts / NAME
    machine_path = folder / f"{NAME}.machine.json"
    before = len(review_list(folder, cached=True))
    machine = json.loads(machine_path.read_text(encoding="utf-8"))
    for segment in machine["segments"]:  # the machine now doubts every word
        for word in segment["words"]:
            word["probability"] = 0.01
    machine_path.write_text(json.dumps(machine), encoding="utf-8")
    fresh = review_list(folder)  # counted without the kept risks
    assert len(fresh) > before
    assert review_list(folder, cached=True) == fresh


def test_kept_risks_are_not_used_once_the_glossary_changes(copy):
    media, transcripts = copy
    folder = transcripts / NAME
    word = Transcript.from_json((folder / f"{NAME}.machine.json").read_text(encoding="utf-8")).words[3]
    kept = (folder / f"{NAME}.risks.json").read_text(encoding="utf-8")
    (transcripts / "glossary.txt").write_text(word.text.strip(".,") + "\n", encoding="utf-8")
    assert review_list(folder, cached=True) == review_list(folder)
    assert (folder / f"{NAME}.risks.json").read_text(encoding="utf-8") != kept


def test_an_edit_counts_the_list_of_the_edited_words(copy):
    media, transcripts = copy
    edit = transcripts / NAME / f"{NAME}.edit.txt"
    lines = edit.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(k for k, line in enumerate(lines) if line.startswith("["))
    lines[first] = lines[first].rstrip("\n") + " indeed\n"
    edit.write_text("".join(lines), encoding="utf-8")
    [result] = build_all(_config(media, transcripts), log=lambda _: None)
    assert result.status == "updated", result
    assert _to_check(transcripts) == len(review_list(transcripts / NAME))


def test_the_easy_read_is_made_again_from_the_edited_words(copy):
    from pipeline.easyread.summary import transcript_sha

    media, transcripts = copy
    folder = transcripts / NAME
    edit = folder / f"{NAME}.edit.txt"
    text = edit.read_text(encoding="utf-8")
    assert "Americans" in text
    edit.write_text(text.replace("Americans", "citizens", 1), encoding="utf-8")
    build_all(_config(media, transcripts), log=lambda _: None)
    words = Transcript.from_json((folder / f"{NAME}.words.json").read_text(encoding="utf-8"))
    assert "citizens" in " ".join(w.text for w in words.words)
    easy_read = (folder / f"{NAME}.easy-read.md").read_text(encoding="utf-8")
    assert f"transcript: {transcript_sha(words)}" in easy_read  # made from the words as edited


def test_the_zipf_index_gives_wordfreq_s_figures():
    from wordfreq import iter_wordlist, zipf_frequency

    plain = [w for w in iter_wordlist("en") if w.isascii() and w.isalpha() and w.islower()]
    sample = plain[::997] + ["qzxvbnm", "nurse", "a", "zzzzzzzzzzzz"]  # common to rare, and unknown
    assert all(zipf.zipf_en(w) == zipf_frequency(w, "en") for w in sample)
    for token in ("don't", "covid-19", "naïve", "Paris", "1961", ""):  # wordfreq's own rules
        assert zipf.zipf_en(token) == zipf_frequency(token, "en")


def test_readability_figures_kept_between_builds_are_textstat_s(tmp_path, monkeypatch):
    from pipeline.easyread import page

    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path))
    text = "Health staff can help. They can spot the signs. Tell someone you trust."
    first = page.readability(text)
    kept = json.loads(next(tmp_path.glob("textstat-*.json")).read_text(encoding="utf-8"))
    assert len(kept) == 1
    textstat = page._textstat()
    assert (first.flesch_reading_ease, first.flesch_kincaid_grade, first.smog_index) == (
        round(textstat.flesch_reading_ease(text), 1), round(textstat.flesch_kincaid_grade(text), 1),
        round(textstat.smog_index(text), 1))
    assert page.readability(text) == first  # read back the same
    next(tmp_path.glob("textstat-*.json")).write_text("{damaged", encoding="utf-8")
    assert page.readability(text) == first  # a damaged file is only slower


def test_a_stretch_too_short_to_hear_needs_no_model(built):
    """An insertion between two words the machine heard back to back is spread evenly; the
    model is not even looked for."""
    media, transcripts = built
    state = json.loads((transcripts / NAME / ".build.json").read_text(encoding="utf-8"))

    class NoModel:
        def model_sha256(self) -> str:
            return "0" * 64

        def model(self):
            raise AssertionError("the model was asked for")

    class Source:
        audio_sha256 = state["audio_sha256"]

    aligner = LazyAligner(NoModel(), Source(), "en")
    assert aligner.align(["real", "legal"], 3.0, 3.05) is None
    assert aligner.align([], 3.0, 5.0) is None


def test_icon_keywords_are_counted_as_their_patterns_count_them():
    import random
    import re

    from pipeline.build import _easyread
    from pipeline.easyread import summary
    from pipeline.easyread.lexicon import folded, icons, words

    _easyread()
    keywords = [k for icon in icons().values() for k in icon.keywords]
    chooser = random.Random(19)
    texts = [" ".join(chooser.choice(keywords) + chooser.choice(["", "s", "es", "ing", "ers", "ful", "x", "-care", "'s"])
                      for _ in range(30)) for _ in range(200)]
    for text in texts + ["Health-care workers, a health visitor's advice; young people and young persons."]:
        lowered = " ".join(folded(w) for w in words(text))
        runs = summary.Counter(re.findall(r"\w+", lowered))
        for keyword in keywords:
            pattern = rf"\b{re.escape(keyword)}(?:s|es|d|ed|ing|er|ers|ful)?\b"
            assert summary._keyword_count(keyword, runs, lowered) == len(re.findall(pattern, lowered)), keyword


def test_make_s_model_check_imports_nothing_of_the_build():
    """`make` runs `pipeline models --quiet` before every build: it parses its own arguments."""
    import subprocess
    import sys

    from .conftest import REPO

    child = ("import runpy, sys\n"
             "sys.argv = ['pipeline', 'models', '--quiet', 'tiny.en']\n"
             "try:\n    runpy.run_module('pipeline', run_name='__main__')\n"
             "except SystemExit as done:\n    assert not done.code, done.code\n"
             "print(sorted(m for m in ('pipeline.build', 'pipeline.transcribe.engines', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", child], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
