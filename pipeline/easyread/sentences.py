"""A transcript's sentences: where they end (pysbd), who says them, and run-ons cut to size.

pysbd's time grows with the square of the text it is given, so it is given the text in pieces of
about CHUNK_CHARS, cut only where a sentence certainly ends; a "sentence" of more than
MAX_SENTENCE_WORDS words (speech transcribed without punctuation) is cut into pieces before anything
else looks at it. Both keep the cost linear in the transcript's length."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

import pysbd

from ..sounds import over_music, singing_spans
from ..transcript import Transcript, is_placeholder
from .lexicon import WORD, word_count

CHUNK_CHARS = 1000
MAX_SENTENCE_WORDS = 60
RUN_ON_PIECE_WORDS = 40
NARRATORS = frozenset({"narrator", "voiceover", "voice-over", "voice over", "vo", "presenter"})

OPERATIONS: Counter[str] = Counter()  # work done, for tests that the cost grows linearly

# A sentence surely ends here: a word of 3 lower-case letters or more (not an abbreviation) or a
# number, then . ! or ?, then a capital.
_SURE_END = re.compile(r"(?<!\S)(?!(?:etc|approx|incl|dept|est|vol|vs|fig|cf|misc|ibid)\.)(?:[a-z]{3,}|\d+)[.!?]"
                       r"[\"'”’)]*\s+(?=[\"“‘(]?[A-Z])")
_ATTRIBUTION = re.compile(
    r"^(?P<who>[^:]{2,160}?),?\s+(?:said|says|explained|explains|added|adds|told us|tells us|commented|comments)"
    r"(?P<colon>\s*:\s*(?P<quote>.+)|[.:,]?\s*)$", re.S)
_FIRST_OR_SECOND_PERSON = re.compile(r"\b(?:I|me|my|mine|we|us|our|ours|you|your|yours)\b", re.I)
_FIRST_PERSON = re.compile(r"\b(?:I|me|my|mine|myself)\b")
# 'In the film Nicki, a victim, gives advice ...': someone named as about to speak
_INTRODUCES = re.compile(r"(?:^|\s)(?P<name>[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){0,2})(?:, [^,]{1,60},)? "
                         r"(?:says|said|tells|told|explains|explained|talks|talked|describes|described|shares|shared|"
                         r"provides|provided|gives|gave|offers|offered|remembers|remembered)\b")
_NOT_NAMES = frozenset("the a an in on at this that these those it he she they we you i there here".split())


@cache
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def _chunks(text: str) -> list[str]:
    """The text in pieces of about CHUNK_CHARS, cut only where a sentence surely ends (or, in a run
    with no such place, at a space)."""
    pieces, start = [], 0
    for match in _SURE_END.finditer(text):
        if match.end() - start >= CHUNK_CHARS:
            pieces.append(text[start:match.end()])
            start = match.end()
    pieces.append(text[start:])
    chunks = []
    for piece in pieces:
        while len(piece) > 4 * CHUNK_CHARS:  # no sentence end for a long way: cut at a space
            cut = piece.rfind(" ", 0, 2 * CHUNK_CHARS)
            cut = cut if cut > 0 else 2 * CHUNK_CHARS
            chunks.append(piece[:cut])
            piece = piece[cut:]
        chunks.append(piece)
    return [c for c in chunks if c.strip()]


def _cut_run_on(sentence: str) -> list[str]:
    """A sentence of more than MAX_SENTENCE_WORDS words as pieces of about RUN_ON_PIECE_WORDS, cut at a
    comma or before and/but/so/then where there is one near."""
    tokens = sentence.split()
    if word_count(sentence) <= MAX_SENTENCE_WORDS:
        return [sentence]
    pieces, start = [], 0
    while len(tokens) - start > MAX_SENTENCE_WORDS:
        cut = start + RUN_ON_PIECE_WORDS
        for i in range(start + RUN_ON_PIECE_WORDS, start + RUN_ON_PIECE_WORDS // 2, -1):
            if tokens[i - 1].endswith((",", ";", ":")) or tokens[i].lower() in ("and", "but", "so", "then"):
                cut = i
                break
        pieces.append(" ".join(tokens[start:cut]).rstrip(",;:"))
        start = cut
    pieces.append(" ".join(tokens[start:]))
    return pieces


def split_sentences(text: str) -> list[str]:
    """Sentences (pysbd: 'U.K.', '3 p.m.', 'Dr.' do not end one; 'Stop!' and a line break do), run-ons cut."""
    sentences = []
    for chunk in (c for line in text.splitlines() for c in _chunks(line)):  # a line break ends a sentence
        OPERATIONS["segmenter characters²"] += len(chunk) ** 2
        for sentence in _segmenter().segment(chunk):
            sentence = sentence.strip()
            if WORD.search(sentence):
                sentences += _cut_run_on(sentence)
    return sentences


# ---------------------------------------------------------------------------- who says what


@dataclass(frozen=True)
class Spoken:
    """One sentence of a transcript: what is said, by whom where the transcript says so."""

    text: str  # the sentence as said (a quote without the 'X said:' before it)
    source: str  # the transcript's sentence, whole
    speaker: str | None = None  # whose words these are: the transcript's speaker name, or an attribution
    attribution: bool = False  # 'Jane Smith, Director of Nursing, said:' alone: who speaks next, not a point


def _name_of(who: str) -> str | None:
    """'Professor Lisa Bayliss-Pratt, Director of Nursing at Health Education England' -> 'Professor
    Lisa Bayliss-Pratt'; a pronoun is not a name."""
    name = who.split(",", 1)[0].strip()
    if word_count(name) > 5 or not name[:1].isupper() or name.lower() in ("he", "she", "they", "it", "i", "we"):
        return None
    return name


def _is_a_name(speaker: str | None) -> bool:
    """Whether a speaker is someone a reader can be told about: not the narrator (nobody's quote)
    and not a placeholder the machine gave an unnamed voice ("Speaker 2 says:" tells a reader
    nothing, and an easy read is published: only an editor's name is shown as a name)."""
    return bool(speaker) and speaker.strip().lower() not in NARRATORS and not is_placeholder(speaker)


def spoken_sentences(transcript: Transcript) -> list[Spoken]:
    """The transcript's sentences, each with its speaker: from the transcript's speaker names (the
    editor's 'Name:' lines; a narrator is nobody's quote), or from 'Name, role, said:' before a
    quote. A quote goes on after its first sentence while the sentences speak as 'I', 'we' or 'you'.
    A song's lyrics (the words under a description of singing) are not what the video says."""
    singing = singing_spans(transcript.words)
    runs: list[tuple[str | None, list[str]]] = []
    for word in transcript.words:
        if word.sound or over_music(word, singing):
            continue
        speaker = word.speaker if _is_a_name(word.speaker) else None
        if not runs or runs[-1][0] != speaker:
            runs.append((speaker, []))
        runs[-1][1].append(word.text)
    found: list[Spoken] = []
    for speaker, texts in runs:
        quoting, quoted = None, 0  # whose quote goes on, and how many of its sentences were seen
        for sentence in split_sentences(" ".join(texts)):
            match = _ATTRIBUTION.match(sentence)
            name = _name_of(match.group("who")) if match else None
            if match and name and not match.group("quote"):
                found.append(Spoken(sentence, sentence, speaker, attribution=True))
                quoting, quoted = name, 0
            elif match and name and word_count(match.group("quote")) >= 3:
                found.append(Spoken(match.group("quote").strip(), sentence, speaker or name))
                quoting, quoted = name, 1
            else:
                if quoting and quoted and not _FIRST_OR_SECOND_PERSON.search(sentence):
                    quoting = None  # the quote has ended: this sentence speaks of others
                introduced = _INTRODUCES.search(found[-1].text) if found and not quoting else None
                if introduced and _FIRST_PERSON.search(sentence) and \
                        introduced.group("name").split()[0].lower() not in _NOT_NAMES:
                    quoting, quoted = introduced.group("name"), 0  # 'I' right after 'Nicki gives advice': Nicki
                found.append(Spoken(sentence, sentence, speaker or quoting))
                quoted += 1
    return found
