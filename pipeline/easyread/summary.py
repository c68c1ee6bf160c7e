"""The summary: the key sentences of a transcript (rank.py), each rewritten as Easy Read (rewrite.py),
with a picture that fits what it says and the hard words it keeps explained."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from functools import cache
from pathlib import Path

from ..transcript import Transcript
from .lexicon import acronyms, folded, glossary, icons, sensitive_words, word_count, words
from .model import EasyRead, Point, Section, WordToKnow
from .rank import centrality, choose, point_count, tfidf_vectors
from .rewrite import Rewrite, clean, rewrite, spell_out_acronyms, tidy
from .sentences import split_sentences, spoken_sentences

NO_SUMMARY = "There is no easy read summary of this video yet."
FLAGGED_WEIGHT = 0.3  # a sentence that cannot be made short counts less when choosing (it is kept if chosen)
ROUNDS = 4  # choices made again, each time with the sentences found too long counting less
_ENDING_LIST = ("", "s", "es", "d", "ed", "ing", "er", "ers", "ful")
_ENDINGS = rf"(?:{'|'.join(_ENDING_LIST[1:])})?"
_WORD_CHARACTERS = re.compile(r"\w+")


def speech(transcript: Transcript) -> str:
    """What is said: the words, without sound descriptions such as [music]."""
    return " ".join(w.text for w in transcript.words if not w.sound)


def transcript_sha(transcript: Transcript) -> str:
    return hashlib.sha256(speech(transcript).encode("utf-8")).hexdigest()[:12]


def is_sensitive(text: str) -> bool:
    """Whether a point speaks of abuse, crime, danger or illness."""
    return any(_sensitive_pattern().fullmatch(folded(w)) for w in words(text))


# The patterns are compiled once each and kept here, not in re's own cache of 512: with pysbd's and
# the rewriting's patterns, the icons' 196 keywords overflowed it, and every point compiled them again.
@cache
def _sensitive_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?:{'|'.join(map(re.escape, sensitive_words()))}){_ENDINGS}")


@cache
def _word_pattern(word: str) -> re.Pattern[str]:
    """A word with or without a common ending, as a whole word."""
    return re.compile(rf"\b{re.escape(word)}{_ENDINGS}\b")


def _keyword_count(keyword: str, runs: Counter[str], lowered: str) -> int:
    """How often _word_pattern(keyword) is found in `lowered`, whose runs of word characters are
    counted in `runs`. A keyword of word characters only is found exactly where a whole run is the
    keyword with one of the endings (or none): counted from `runs`, with no pattern to compile
    (196 keywords: most of choose_icon's time was their compiling)."""
    if _WORD_CHARACTERS.fullmatch(keyword):
        return sum(runs[keyword + ending] for ending in _ENDING_LIST)
    return len(_word_pattern(keyword).findall(lowered))


def choose_icon(text: str) -> str:
    """The picture whose key words the point uses most (earlier rows win ties); never a picture with
    a face beside abuse, crime, danger or illness: the best neutral one, or the warning sign."""
    lowered = " ".join(folded(w) for w in words(text))
    runs = Counter(_WORD_CHARACTERS.findall(lowered))
    sensitive = is_sensitive(text)
    scores = {}
    for name, icon in icons().items():
        if sensitive and icon.tone == "face":
            continue
        scores[name] = sum(_keyword_count(k, runs, lowered) for k in icon.keywords)
    best = max(scores.values())
    if best == 0:
        return "warning" if sensitive else next(iter(icons()))
    return next(name for name, score in scores.items() if score == best)


def words_to_know(sentences: list[str]) -> list[WordToKnow]:
    text = " ".join(sentences).lower()
    found = []
    for word, meaning in glossary().items():
        match = _word_pattern(word).search(text)
        if match:
            found.append((match.start(), WordToKnow(word, meaning)))
    return [w for _, w in sorted(found, key=lambda f: f[0])]


def key_points(transcript: Transcript) -> tuple[list[tuple[str, Rewrite]], list[str]]:
    """The most central sentences, in the order they are spoken, each as (its transcript sentence,
    its rewrite), and the sentences left out because they could not be made short (for the
    editor). One that cannot be made short counts for less when choosing, and is kept, marked, if
    chosen all the same."""
    spoken = spoken_sentences(transcript)
    candidates = [i for i, s in enumerate(spoken) if not s.attribution and word_count(s.text) >= 4]
    if not candidates:
        return [], []
    vectors = tfidf_vectors([clean(s.text) for s in spoken])
    weight = [1.0] * len(spoken)
    rewrites: dict[int, Rewrite] = {}
    count = point_count(len(candidates))
    scores = centrality([vectors[i] for i in candidates])
    for _ in range(ROUNDS):
        chosen = choose(vectors, candidates, count, weight, scores)
        for i in chosen:
            if i not in rewrites:
                rewrites[i] = rewrite(spoken[i].text, spoken[i].speaker)
        flagged = [i for i in chosen if rewrites[i].too_long and weight[i] == 1.0]
        if not flagged:
            break
        for i in flagged:
            weight[i] = FLAGGED_WEIGHT
    left_out = [spoken[i].source for i in sorted(rewrites) if i not in chosen]
    return [(spoken[i].source, rewrites[i]) for i in chosen], left_out


def summarise(transcript: Transcript, title: str) -> EasyRead:
    """The easy-read summary of a transcript: same transcript, same summary."""
    points = []
    chosen, left_out = key_points(transcript)
    for source, made in chosen:
        sentences = split_sentences(" ".join(made.sentences))
        points.append(Point(sentences, choose_icon(" ".join(sentences)), [source], made.too_long))
    if not points:
        points = [Point([NO_SUMMARY], next(iter(icons())))]
    sections = [Section("About this video", points[:1]), Section("What the video says", points[1:])]
    every_sentence = [s for p in points for s in p.sentences]
    return EasyRead(title=tidy(spell_out_acronyms(title)).rstrip("."), sections=[s for s in sections if s.points],
                    words_to_know=words_to_know(every_sentence), transcript_sha=transcript_sha(transcript),
                    left_out=left_out)


def title_from_name(name: str) -> str:
    """A title from a file name, for when no title is given: 'cse-signs-demo.mp4' -> 'Cse signs demo'
    ('CSE' where the acronym table knows it)."""
    found = re.sub(r"[-_.]+", " ", Path(name).stem if "." in name else name).split()
    title = " ".join(w.upper() if w.upper() in acronyms() else w for w in found)
    return title[:1].upper() + title[1:] or "Easy read"
