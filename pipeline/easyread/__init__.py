"""Easy-read summary: the key sentences of a transcript, rewritten as UK Easy Read, as Markdown and HTML.

Made offline and deterministically, and faithful by construction:
- sentences.py  where sentences end (pysbd), who says them, run-ons cut;
- rank.py       which matter most (TextRank over TF-IDF within windows, maximal marginal relevance);
- rewrite.py    each chosen sentence in short sentences by changes that cannot change what it says,
                checked, or kept whole and marked for the editor;
- summary.py    the points, their pictures (never a friendly face beside abuse, crime, danger or
                illness) and the words to know;
- markdown.py   the editor's file, with the transcript sentence under each point and readability;
- page.py       the reader's page: no figures, links to the video and the full transcript.
Word lists are committed in data/ (see each file's header for its source and licence). The Markdown
file is the editor's: once an editor changes it, builds only publish it as HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..transcript import Transcript
from .lexicon import Icon, acronyms, glossary, icons, plain_words, word_count
from .markdown import TOO_LONG, WORDS_TO_KNOW, parse_markdown, render_markdown
from .model import EASE_TARGET, MAX_WORDS, EasyRead, Point, Readability, Section, WordToKnow
from .page import MACHINE_NOTE, readability, render_html
from .rewrite import Rewrite, clean, faithful, numbers_as_digits, plain, rewrite, spell_out_acronyms, tidy
from .sentences import split_sentences
from .summary import NO_SUMMARY, choose_icon, speech, summarise, title_from_name, transcript_sha

VERSION = 2  # part of the easy read's cache key: a change here makes every easy read again

__all__ = [
    "EASE_TARGET", "MACHINE_NOTE", "MAX_WORDS", "NO_SUMMARY", "TOO_LONG", "VERSION", "WORDS_TO_KNOW", "EasyRead",
    "EasyReadUpdate", "Icon", "Point", "Readability", "Rewrite", "Section", "WordToKnow", "acronyms",
    "choose_icon", "clean", "faithful", "glossary", "icons", "numbers_as_digits", "parse_markdown", "plain",
    "plain_words", "readability", "render_html", "render_markdown", "rewrite", "speech", "spell_out_acronyms",
    "split_sentences", "summarise", "tidy", "title_from_name", "transcript_sha", "update", "word_count",
]


@dataclass(frozen=True)
class EasyReadUpdate:
    """What a build does to one video's easy read: the store writes it."""

    markdown: str | None  # NAME.easy-read.md to write (None: the editor's, left alone)
    original: str  # the machine's latest summary, kept to tell an editor's change from the build's
    html: str
    warnings: tuple[str, ...] = ()


def update(transcript: Transcript, name: str, reviewed: bool, current: str | None, original: str | None,
           markdown_path: str, title: str | None = None) -> EasyReadUpdate:
    """The easy read for a transcript, given the Markdown on disk (current) and what the build last
    wrote (original): the machine's summary until an editor changes the Markdown, the editor's
    after. `title` is the video's title (the file name made readable when there is none). A
    malformed editor's Markdown raises PipelineError naming file and line."""
    machine = render_markdown(summarise(transcript, title or title_from_name(name)))
    warnings_: tuple[str, ...] = ()
    if current is None or current in (original, machine):  # not edited (or a build stopped between two writes)
        markdown, text = machine, machine
    else:
        markdown, text = None, current
        warnings_ = _changed_since_edit(markdown_path, current, original, transcript_sha(transcript))
    easy = parse_markdown(text, markdown_path)
    return EasyReadUpdate(markdown, machine, render_html(easy, reviewed, name), warnings_)


def _changed_since_edit(path: str, edited: str, original: str | None, sha: str) -> tuple[str, ...]:
    made_from = re.search(r"^transcript:\s*([0-9a-f]{12})\s*$", edited, re.M) or (
        original and re.search(r"^transcript:\s*([0-9a-f]{12})\s*$", original, re.M))
    if not made_from or made_from.group(1) == sha:
        return ()
    return (f"{path}: the transcript changed since this easy read was edited; check it still "
            f"matches, then set its 'transcript:' line to {sha}",)
