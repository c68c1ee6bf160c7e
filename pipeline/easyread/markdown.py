"""The easy read as Markdown: the editor's file. Everything the editor needs to check it and nothing the
reader does not read is in notes (<!-- -->): where each point came from in the transcript, points the
machine could not shorten, how easy it reads, hard words left unexplained."""

from __future__ import annotations

import json
import re

from ..errors import PipelineError
from .lexicon import HARD_ZIPF, glossary, icons, words, zipf
from .model import EasyRead, Point, Section, WordToKnow
from .page import readability
from .sentences import split_sentences
from .summary import choose_icon

WORDS_TO_KNOW = "Words to know"
TOO_LONG = "too long: please rewrite"
FROM = "from the transcript:"
LEFT_OUT = "left out, too long to shorten safely:"

_HEADER = """<!--
Easy read summary, made by machine from the transcript.
transcript: {sha}
This file is yours to edit in any text editor: once you change it, builds never overwrite it,
and the easy-read web page (.easy-read.html) shows what it says after the next build. If the transcript
changes later, the build says so: check this file still matches, then set the line above to
the new code the build gives.
  # Title                     the title, once, first
  ## Heading                  a heading
  - [icon: NAME] Sentences.   one point per line; its picture is one of: {icons}
                              (leave out [icon: ...] and the build picks one by the words)
  ## Words to know
  - word: what it means, in easy words.
Under each point, a note gives the transcript's sentence it was made from: check the point says
the same. Notes at the end name key sentences the machine left out because it could not shorten them. A point marked "{too_long}" is that sentence as said, because the machine could not
shorten it without changing what it says: rewrite it in short sentences, then delete the mark.
Keep every sentence to 15 words or fewer. Notes like this one are not published.
-->
"""

_ICON_ITEM = re.compile(r"^-\s+\[icon:\s*([\w-]+)\s*\]\s*(.*)$")
_SHA = re.compile(r"^transcript:\s*([0-9a-f]{12})\s*$", re.M)


def _note(text: str) -> str:
    """A string inside a <!-- --> note, as JSON with no '--' in it, so it reads back the same."""
    return json.dumps(text, ensure_ascii=False).replace("--", "-\\u002d")


def _from_note(text: str) -> str:
    try:
        found = json.loads(text.strip())
    except ValueError:
        return text.strip()
    return found if isinstance(found, str) else text.strip()


def hard_words(easy: EasyRead) -> list[str]:
    """Rare words (wordfreq) the points use that 'Words to know' does not explain: for the editor."""
    explained = {w.word.lower() for w in easy.words_to_know} | set(glossary())
    found: dict[str, None] = {}
    for point in easy.points:
        if point.too_long:
            continue
        for word in words(point.text):
            lowered = word.lower()
            if word[:1].isupper() or not lowered.isalpha() or lowered in explained:
                continue
            if zipf(lowered) < HARD_ZIPF and not any(lowered.startswith(e) for e in explained):
                found[lowered] = None
    return list(found)


def render_markdown(easy: EasyRead) -> str:
    lines = [_HEADER.format(sha=easy.transcript_sha or "unknown", icons=", ".join(icons()), too_long=TOO_LONG),
             f"# {easy.title}", ""]
    for section in easy.sections:
        if section.heading:
            lines += [f"## {section.heading}", ""]
        for point in section.points:
            mark = f"<!-- {TOO_LONG} --> " if point.too_long else ""
            lines.append(f"- [icon: {point.icon}] {mark}{point.text}")
            lines += [f"  <!-- {FROM} {_note(source)} -->" for source in point.sources]
        lines.append("")
    if easy.words_to_know:
        lines += [f"## {WORDS_TO_KNOW}", ""] + [f"- {w.word}: {w.meaning}" for w in easy.words_to_know] + [""]
    lines.append(f"<!-- Readability as made: {readability(easy.reading_text).summary()}. -->")
    flagged = sum(p.too_long for p in easy.points)
    if flagged:
        lines.append(f"<!-- {flagged} point{'s are' if flagged > 1 else ' is'} marked \"{TOO_LONG}\". -->")
    for source in easy.left_out:
        lines.append(f"<!-- {LEFT_OUT} {_note(source)} -->")
    rare = hard_words(easy)
    if rare:
        lines.append(f"<!-- Hard words not explained under \"{WORDS_TO_KNOW}\": {', '.join(rare)}. -->")
    return "\n".join(lines) + "\n"


def _split_comments(text: str, path: str) -> list[tuple[int, str, list[str]]]:
    """(line number, the line outside <!-- --> notes, the notes that start on it)."""
    kept, inside, opened, note = [], False, 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        visible, notes = "", []
        while line:
            if inside:
                end = line.find("-->")
                if end < 0:
                    note, line = note + line + "\n", ""
                    continue
                notes.append((note + line[:end]).strip())
                inside, note, line = False, "", line[end + 3:]
            else:
                start = line.find("<!--")
                if start < 0:
                    visible, line = visible + line, ""
                    continue
                visible, inside, opened, line = visible + line[:start], True, number, line[start + 4:]
        kept.append((number, visible.rstrip(), notes))
    if inside:
        raise PipelineError(f"{path}:{opened}", "a note '<!--' is not closed with '-->'")
    return kept


def parse_markdown(text: str, path: str) -> EasyRead:
    sha = _SHA.search(text)
    title, sections, glossary_items = None, [], []
    in_words = False
    last: Point | None = None
    left_out: list[str] = []
    for number, line, notes in _split_comments(text, path):
        where = f"{path}:{number}"
        for note in notes:
            if note.startswith(LEFT_OUT):
                left_out.append(_from_note(note[len(LEFT_OUT):]))
            if note.startswith(FROM) and last is not None:
                last.sources.append(_from_note(note[len(FROM):]))
        if not line.strip():
            continue
        if line.startswith("# "):
            if title is not None:
                raise PipelineError(where, "a second '# ' title: the file has one title, at the top")
            title = line[2:].strip()
        elif line.startswith("## "):
            heading = line[3:].strip()
            in_words = heading.lower() == WORDS_TO_KNOW.lower()
            last = None
            if not in_words:
                sections.append(Section(heading, []))
        elif line.startswith(("- ", "* ")):
            if title is None:
                raise PipelineError(where, "a point before the '# ' title line")
            if in_words:
                glossary_items.append(_word_item(line, where))
                last = None
            else:
                if not sections:
                    sections.append(Section("", []))
                last = _point_item(line, where, TOO_LONG in notes)
                sections[-1].points.append(last)
        elif line[:1].isspace() and (sections and sections[-1].points or in_words and glossary_items):
            _continue_item(sections, glossary_items, in_words, line.strip())
        else:
            raise PipelineError(where, "expected '# title', '## heading' or a '- ' point "
                                "(a point's next line must be indented)")
    if title is None:
        raise PipelineError(path, "no '# ' title line")
    return EasyRead(title, sections, glossary_items, sha.group(1) if sha else "", left_out)


def _point_item(line: str, where: str, too_long: bool) -> Point:
    line = "- " + line[2:].strip()
    match = _ICON_ITEM.match(line)
    if match:
        if match.group(1) not in icons():
            raise PipelineError(where, f"unknown icon '{match.group(1)}' (known: {', '.join(icons())})")
        icon, text = match.group(1), match.group(2)
    elif line.startswith("- [icon"):
        raise PipelineError(where, "an icon is written '[icon: NAME]'")
    else:
        icon, text = "", line[2:]
    if not text.strip():
        raise PipelineError(where, "a point with no words")
    return Point(split_sentences(text.strip()), icon or choose_icon(text), [], too_long)


def _word_item(line: str, where: str) -> WordToKnow:
    if _ICON_ITEM.match("- " + line[2:].strip()):
        raise PipelineError(where, "a point with a picture under 'Words to know': put it under another '## ' heading")
    word, colon, meaning = line[2:].partition(":")
    if not colon or not word.strip() or not meaning.strip():
        raise PipelineError(where, "a word to know is written '- word: what it means'")
    return WordToKnow(word.strip(), meaning.strip())


def _continue_item(sections: list[Section], items: list[WordToKnow], in_words: bool, more: str) -> None:
    if in_words:
        items[-1].meaning += " " + more
    else:
        point = sections[-1].points[-1]
        point.sentences = split_sentences(point.text + " " + more)
