"""The easy-read summary: made from the real demo transcript, measured, edited, opened in Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from pipeline import easyread
from pipeline.easyread import (EasyRead, Point, Section, WordToKnow, parse_markdown, readability, render_html,
                               render_markdown, summarise)
from pipeline.errors import PipelineError
from pipeline.transcript import Segment, Transcript, Word

from .conftest import REPO, demo_words, require

TITLE = "Helping health staff spot the signs of CSE"


def write_easy_read(transcript, folder, name, reviewed):
    """The build's easy-read step for one video, its page written as the build writes it."""
    from pipeline.build import write_easy_read as build_easy_read
    from pipeline.store import VideoFiles

    html, warnings = build_easy_read(transcript, VideoFiles(folder, name), reviewed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.easy-read.html").write_bytes(html)
    return warnings


@pytest.fixture(scope="module")
def demo() -> Transcript:
    return Transcript.from_json(demo_words().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def summary(demo) -> EasyRead:
    return summarise(demo, TITLE)


def transcript_of(text: str) -> Transcript:
    words = [Word(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(text.split())]
    return Transcript([Segment(words)], language="en", duration=len(words) * 0.5)


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9'&-]+", text.lower())


# ---------------------------------------------------------------- the demo summary, measured


def test_every_sentence_of_the_demo_summary_has_at_most_15_words(summary):
    sentences = [s for p in summary.points for s in p.sentences]
    sentences += [s for w in summary.words_to_know for s in easyread.split_sentences(w.meaning)]
    assert len(summary.points) >= 5
    too_long = [s for s in sentences if easyread.word_count(s) > 15]
    assert not too_long


def test_the_demo_summary_reads_easily(demo, summary):
    report = readability(summary.reading_text)
    assert report.flesch_reading_ease >= 70, report.summary()
    assert report.longest_sentence_words <= 15 and report.targets_met
    # and it is much easier than what was said
    spoken = readability(demo.text)
    assert report.flesch_reading_ease > spoken.flesch_reading_ease + 20
    assert spoken.longest_sentence_words > 15


def test_acronyms_the_transcript_uses_are_spelled_out(demo, summary):
    said = set(re.findall(r"\b[A-Z&]{2,}\b", demo.text))
    assert {"CSE", "HEE", "NHS", "GP"} <= said  # the demo speaks in acronyms...
    written = summary.title + " " + " ".join(p.text for p in summary.points)
    assert not set(re.findall(r"\b[A-Z&]{2,}\b", written)) & set(easyread.acronyms())  # ...the summary does not
    assert "child sexual exploitation" in written.lower()
    assert "Health Education England" in written


def test_the_demo_summary_carries_the_key_facts(demo, summary):
    written = " ".join(p.text for p in summary.points).lower()
    spoken = easyread.simplify(demo.text).lower()
    # the concepts the video is about, each said in the transcript, must reach the summary
    for concept in ["child sexual exploitation", "signs", "video", "advice", "report", "phone call", "crime",
                    "victim", "health staff", "young people"]:
        assert concept in spoken, f"{concept!r} is not in the transcript: the check is wrong"
        assert concept in written, f"the summary leaves out {concept!r}"
    # the terms the transcript says most, after stop words, are there too
    counts: dict[str, int] = {}
    for term in easyread._terms(spoken):
        counts[term] = counts.get(term, 0) + 1
    top = sorted(counts, key=lambda t: (-counts[t], t))[:6]
    summary_terms = set(easyread._terms(written))
    assert set(top) <= summary_terms, (top, summary_terms)


def test_the_summary_invents_no_words(demo, summary):
    """Every word comes from the (simplified) transcript or from the few words splitting adds."""
    spoken = set(words_of(easyread.simplify(demo.text)))
    glue = {"it", "this", "person", "they", "maybe", "then", "is", "because", "if", "aims", "at", "to",
            "supports", "a", "an"}
    invented = {w for p in summary.points for w in words_of(p.text)} - spoken - glue
    assert not invented


def test_points_are_in_the_order_they_are_spoken_and_have_pictures(demo, summary):
    spoken = [set(easyread._terms(easyread.simplify(s))) for s in easyread.split_sentences(demo.text)]

    def made_from(point) -> int:
        """The sentence sharing most of the point's content words (Jaccard)."""
        terms = set(easyread._terms(point.text))
        return max(range(len(spoken)), key=lambda i: len(spoken[i] & terms) / max(1, len(spoken[i] | terms)))

    sources = [made_from(p) for p in summary.points]
    assert sources == sorted(sources) and len(set(sources)) == len(sources)
    assert all(p.icon in easyread.icons() and p.alt for p in summary.points)
    assert summary.points[[i for i, p in enumerate(summary.points) if "phone" in p.text][0]].icon == "phone"


def test_hard_words_kept_are_explained(summary):
    explained = {w.word: w.meaning for w in summary.words_to_know}
    assert "exploitation" in explained and "grooming" in explained
    text = " ".join(p.text for p in summary.points).lower()
    assert all(re.search(rf"\b{re.escape(word)}", text) for word in explained)


def test_the_summary_is_deterministic(demo, tmp_path):
    first = render_markdown(summarise(demo, TITLE))
    again = render_markdown(summarise(Transcript.from_json(demo_words().read_text(encoding="utf-8")), TITLE))
    assert first == again
    for folder in ("a", "b"):
        write_easy_read(demo, tmp_path / folder, "demo", reviewed=False)
    for name in ("demo.easy-read.md", "demo.easy-read.html", ".demo.easy-read.orig.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# ---------------------------------------------------------------- the rewriting rules


def test_long_sentences_are_split_at_clauses_or_dropped():
    assert easyread.rewrite("While the police are working hard to stop this crime, staff need support "
                            "and guidance on spotting the signs.") == [
        "The police are working hard to stop this crime.", "Staff need help on spotting the signs."]
    assert easyread.rewrite("If for some reason you feel uncomfortable or suspect that something is going "
                            "on, it is your duty as a practitioner to ensure that you seek advice.") == [
        "Maybe you feel uncomfortable or think that something is going on.", "Then you must ask for advice."]
    unsplittable = "the " + " ".join(f"word{i}" for i in range(20))
    assert easyread.rewrite(unsplittable) == []


def test_words_numbers_and_acronyms():
    assert easyread.simplify("Um, you know, we utilise the GP service") == "we use the family doctor service"
    assert easyread.numbers_as_digits("one phone call, twenty-five people, two thousand and six") == \
        "1 phone call, 25 people, 2,006"
    assert easyread.numbers_as_digits("no one came; one of them; the one who") == "no one came; one of them; the one who"
    assert easyread.spell_out_acronyms("signs of child sexual exploitation (CSE) and CSE.") == \
        "signs of child sexual exploitation and child sexual exploitation."
    assert easyread.tidy("is an crime , and") == "Is a crime."


def test_centrality_ranks_the_sentence_that_shares_most_first():
    sentences = ["Staff can spot the signs of harm in children.", "The weather was cold.",
                 "Signs of harm in children are easy to miss.", "Staff should report signs of harm."]
    scores = easyread.centrality(easyread.tfidf_vectors(sentences))
    assert int(scores.argmax()) == 0 and int(scores.argmin()) == 1


def test_readability_measures_the_longest_sentence():
    report = readability("Staff can help children. " + "This sentence has far more words than any easy read "
                         "sentence should have in it, so it fails.")
    assert report.sentences == 2 and report.longest_sentence_words == 18
    assert not report.length_met and not report.targets_met
    assert "NOT MET" in report.summary()


# ---------------------------------------------------------------- Markdown


def test_markdown_round_trips(summary):
    text = render_markdown(summary)
    assert parse_markdown(text, "x.md") == summary
    assert render_markdown(parse_markdown(text, "x.md")) == text
    assert text.startswith("<!--") and "\n# " + summary.title + "\n" in text
    assert re.search(r"^- \[icon: \w+\] ", text, re.M) and "\n## Words to know\n" in text


def test_markdown_an_editor_writes_by_hand():
    easy = parse_markdown("# My title\n\n- A point with no icon about the police.\n"
                          "- [icon: phone] Call us.\n  Then wait.\n\n## Words to know\n\n- crime: against\n"
                          "  the law.\n", "x.md")
    assert easy.title == "My title" and easy.sections == [
        Section("", [Point(["A point with no icon about the police."], "police"),
                     Point(["Call us.", "Then wait."], "phone")])]
    assert easy.words_to_know == [WordToKnow("crime", "against the law.")]


@pytest.mark.parametrize("text, where, problem", [
    ("# T\n\n- [icon: unicorn] Hello.\n", "x.md:3", "unknown icon 'unicorn'"),
    ("# T\n<!-- a note\n\n- Hello.\n", "x.md:2", "not closed"),
    ("- Hello.\n", "x.md:1", "before the '# ' title"),
    ("# T\nJust some text.\n", "x.md:2", "expected '# title'"),
    ("# T\n## Words to know\n- crime\n", "x.md:3", "'- word: what it means'"),
    ("## Heading\n", "x.md", "no '# ' title line"),
])
def test_malformed_markdown_names_file_and_line(text, where, problem):
    with pytest.raises(PipelineError) as error:
        parse_markdown(text, "x.md")
    assert error.value.path == where and problem in error.value.problem
    assert "\n" not in str(error.value)


# ---------------------------------------------------------------- files: the editor's Markdown


def test_a_build_writes_the_files_and_keeps_an_editors_markdown(demo, tmp_path):
    md, orig, page = (tmp_path / "demo.easy-read.md", tmp_path / ".demo.easy-read.orig.md",
                      tmp_path / "demo.easy-read.html")
    assert write_easy_read(demo, tmp_path, "demo", reviewed=False) == []
    assert md.read_text() == orig.read_text() and "Made by machine" in page.read_text()

    edited = md.read_text().replace("# Demo\n", "# Spotting the signs\n").replace(
        "\n## Words to know", "- [icon: safe] Children must be kept safe.\n\n## Words to know")
    assert "Spotting" in edited and "kept safe" in edited
    md.write_text(edited)
    assert write_easy_read(demo, tmp_path, "demo", reviewed=True) == []
    assert md.read_text() == edited  # never overwritten
    html = page.read_text()
    assert "Spotting the signs</h1>" in html and "Children must be kept safe." in html  # published
    assert "Made by machine" not in html

    changed = transcript_of(demo.text.replace("a child's life", "a young life"))
    warnings = write_easy_read(changed, tmp_path, "demo", reviewed=True)
    assert md.read_text() == edited
    assert len(warnings) == 1 and warnings[0].startswith(f"{md}: the transcript changed since this easy read "
                                                         "was edited; check it still matches")
    assert "a young life" in orig.read_text()  # the machine's new version, to compare with
    new_sha = easyread.transcript_sha(changed)
    md.write_text(edited.replace(f"transcript: {easyread.transcript_sha(demo)}", f"transcript: {new_sha}"))
    assert write_easy_read(changed, tmp_path, "demo", reviewed=True) == []  # the editor has looked again


def test_an_unedited_summary_follows_the_transcript(demo, tmp_path):
    write_easy_read(demo, tmp_path, "demo", reviewed=False)
    changed = transcript_of(demo.text.replace("a child's life", "a young life"))
    assert write_easy_read(changed, tmp_path, "demo", reviewed=False) == []
    md = (tmp_path / "demo.easy-read.md").read_text()
    assert "a young life" in md and md == (tmp_path / ".demo.easy-read.orig.md").read_text()
    assert "a young life" in (tmp_path / "demo.easy-read.html").read_text()


def test_a_build_stopped_between_the_two_writes_recovers(demo, tmp_path):
    write_easy_read(demo, tmp_path, "demo", reviewed=False)
    (tmp_path / ".demo.easy-read.orig.md").write_text("an older machine version\n")
    changed = transcript_of(demo.text.replace("a child's life", "a young life"))
    (tmp_path / "demo.easy-read.md").write_text(render_markdown(summarise(changed, "Demo")))
    assert write_easy_read(changed, tmp_path, "demo", reviewed=False) == []
    assert (tmp_path / ".demo.easy-read.orig.md").read_text() == (tmp_path / "demo.easy-read.md").read_text()


def test_a_malformed_editors_markdown_is_one_error_and_the_page_stays(demo, tmp_path):
    write_easy_read(demo, tmp_path, "demo", reviewed=False)
    page = (tmp_path / "demo.easy-read.html").read_bytes()
    md = tmp_path / "demo.easy-read.md"
    lines = md.read_text().splitlines(keepends=True)
    line = lines.index("## Words to know\n")
    md.write_text("".join(lines[:line - 1] + ["- [icon: unicorn] A point.\n"] + lines[line - 1:]))
    with pytest.raises(PipelineError) as error:
        write_easy_read(demo, tmp_path, "demo", reviewed=False)
    assert str(error.value).startswith(f"{md}:{line}: unknown icon 'unicorn'")
    assert (tmp_path / "demo.easy-read.html").read_bytes() == page
    md.write_bytes(b"# caf\xe9\n")
    with pytest.raises(PipelineError, match="UTF-8"):
        write_easy_read(demo, tmp_path, "demo", reviewed=False)


# ---------------------------------------------------------------- offline


def test_easy_read_works_with_the_network_cut(tmp_path):
    unshare = shutil.which("unshare")
    require(unshare is not None and os.geteuid() == 0, "needs unshare and root to cut the network")
    script = ("import sys; from pathlib import Path; from pipeline.transcript import Transcript; "
              "from pipeline.easyread import readability; from tests.test_easyread import write_easy_read; "
              f"t = Transcript.from_json(Path({str(demo_words())!r}).read_text()); "
              f"print(write_easy_read(t, Path({str(tmp_path)!r}), 'demo', reviewed=False)); "
              "print(readability('Staff can help. They spot signs. One call saves lives.').flesch_reading_ease)")
    done = subprocess.run([unshare, "-n", sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "[]" and float(done.stdout.splitlines()[1]) > 70
    assert (tmp_path / "demo.easy-read.html").stat().st_size > 0


# ---------------------------------------------------------------- the page in Chromium


def test_the_page_in_chromium_is_easy_read_and_accessible(demo, browser, axe, web_root):
    folder, base = web_root
    write_easy_read(demo, folder, "demo", reviewed=False)
    page = browser.new_page()
    try:
        page.goto(f"{base}/demo.easy-read.html")
        points = page.eval_on_selector_all("li.point", """items => items.map(li => {
            const img = li.querySelector('img, svg');
            const text = li.querySelector('p');
            const picture = img.getBoundingClientRect(), words = text.getBoundingClientRect();
            return {alt: img.getAttribute('alt') || img.getAttribute('aria-label') || '',
                    loaded: img.complete && img.naturalWidth > 0,
                    left: picture.right <= words.left, size: parseFloat(getComputedStyle(text).fontSize),
                    text: text.textContent};
        })""")
        summary = summarise(demo, easyread.title_from_name("demo"))
        assert [p["text"] for p in points] == [p.text for p in summary.points]
        assert all(p["alt"].strip() and p["loaded"] and p["left"] for p in points)
        assert min(p["size"] for p in points) >= 18.66
        sizes = page.eval_on_selector_all("main p, main dd, main dt, footer p, footer summary",
                                          "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 18.66
        assert page.locator("h1").count() == 1 and page.locator("h2").count() >= 3
        assert page.locator("html").get_attribute("lang") == "en" and page.title()
        assert page.get_by_text(easyread.MACHINE_NOTE).is_visible()
        assert "OpenMoji" in page.locator("footer").inner_text()
        assert axe(page) == []
    finally:
        page.close()


def test_a_reviewed_page_has_no_machine_note(summary):
    html = render_html(summary, readability(summary.reading_text), reviewed=True)
    assert easyread.MACHINE_NOTE not in html
    assert easyread.MACHINE_NOTE in render_html(summary, readability(summary.reading_text), reviewed=False)
