"""The glossary: terms Whisper should know, and replacements for what it keeps getting wrong.

    # transcripts/glossary.txt (and transcripts/NAME/NAME.glossary.txt for one video)
    CSE
    Health Education England
    see SE -> CSE

A plain line is a term, given to the engine as a hint (its initial prompt). ``wrong -> right``
is a replacement, applied to the machine words before the editor's file is made; its right side
is checked when the glossary is read, so it can only put in what the editor's file can hold.
A glossary that is not UTF-8, or a replacement that is refused, is an error naming its line.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from ..errors import PipelineError
from ..formats import editfile
from ..transcript import Segment, Transcript, Word, normalise_token

ARROW = "->"
_RIGHT_WORD = re.compile(r"\[[^\[\]]*\](?=\s|$)|\S+")  # a word, or a whole [sound description]


@dataclass
class Rule:
    wrong: list[str]  # normalised tokens to find
    right: list[str]  # the words to put instead, as written


@dataclass
class Glossary:
    terms: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def known_words(self) -> frozenset[str]:
        """Every word the glossary vouches for (its terms and what its rules write), as written and
        as normalised: the review list does not call them rare or unknown."""
        words = [w for term in self.terms for w in term.split()] + [w for rule in self.rules for w in rule.right]
        return frozenset(words) | frozenset(normalise_token(w) for w in words)

    def prompt(self) -> str | None:
        return ", ".join(self.terms) + "." if self.terms else None

    def __add__(self, other: Glossary) -> Glossary:
        return Glossary(self.terms + [t for t in other.terms if t not in self.terms], self.rules + other.rules)


def parse_glossary(text: str, path: str) -> Glossary:
    glossary = Glossary()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if ARROW in line:
            wrong, _, right = (part.strip() for part in line.partition(ARROW))
            wrong_tokens = [normalise_token(t) for t in wrong.split() if normalise_token(t)]
            if not wrong_tokens or not right:
                raise PipelineError(f"{path}:{number}", f"a replacement needs words on both sides of '{ARROW}'")
            glossary.rules.append(Rule(wrong_tokens, _right_words(right, f"{path}:{number}")))
        else:
            glossary.terms.append(line)
    return glossary


def _right_words(right: str, where: str) -> list[str]:
    """The words a rule puts in, each one the editor's file can hold as it is: plain words and
    whole [sound descriptions], so a rule can never make an editor's file that cannot be read."""
    words = _RIGHT_WORD.findall(right)
    for word in words:
        if _is_sound(word):
            continue
        if "[" in word or "]" in word:
            raise PipelineError(where, f"the replacement '{right}': square brackets are only for a whole "
                                       f"sound description such as [phone rings], not '{word}'")
        if word.startswith((">>", "#", editfile.ESCAPE)):
            start = ">>" if word.startswith(">>") else word[0]
            raise PipelineError(where, f"the replacement '{right}': a word cannot start with '{start}' (in "
                                       "the editor's file it would read as a speaker, a note or an escape)")
    return words


def _is_sound(word: str) -> bool:
    return bool(re.fullmatch(r"\[[^\[\]]*[^\s\[\]][^\[\]]*\]", word))


def load_glossary(*paths: Path) -> Glossary:
    glossary = Glossary()
    for path in paths:
        if path.is_file():
            text = editfile.decode(path.read_bytes(), str(path))
            glossary = glossary + parse_glossary(text, str(path))
    return glossary


def apply_rules(transcript: Transcript, rules: list[Rule]) -> Transcript:
    """A copy of the transcript with every replacement made, times kept from the words replaced."""
    segments = []
    for segment in transcript.segments:
        words = list(segment.words)
        for rule in rules:
            words = _replace_in(words, rule)
        segments.append(Segment(words))
    return dataclasses.replace(transcript, segments=segments)


def _replace_in(words: list[Word], rule: Rule) -> list[Word]:
    out: list[Word] = []
    i = 0
    n = len(rule.wrong)
    while i < len(words):
        window = words[i:i + n]
        if len(window) == n and [normalise_token(w.text) for w in window] == rule.wrong:
            out.extend(_replacement(window, rule.right))
            i += n
        else:
            out.append(words[i])
            i += 1
    return out


def _replacement(matched: list[Word], right: list[str]) -> list[Word]:
    first, last = matched[0], matched[-1]
    lead = first.text[: len(first.text) - len(first.text.lstrip("\"'“(["))]
    trail = last.text[len(last.text.rstrip(".,;:!?\"'”)]")):]
    step = (last.end - first.start) / len(right)
    probability = min(w.probability for w in matched)
    texts = list(right)
    if not _is_sound(texts[0]):  # a [sound description] stays whole, without the words' punctuation
        texts[0] = lead + texts[0]
    if not _is_sound(texts[-1]):
        texts[-1] += trail
    return [Word(text, first.start + k * step, first.start + (k + 1) * step, probability,
                 None if _is_sound(text) else first.speaker, _is_sound(text))
            for k, text in enumerate(texts)]


def propose_rules(pairs: list[tuple[str, str]], known: Glossary, at_least: int = 1) -> list[tuple[str, str, int]]:
    """Replacements editors keep making: (machine text, editor text) pairs in, rules out.

    Each pair is the text the build first wrote and the text an editor saved. A stretch the
    editor rewrote (a few words for a few words) is a candidate; already-known rules are left out.
    """
    known_wrong = {tuple(rule.wrong) for rule in known.rules}
    counts: Counter[tuple[str, str]] = Counter()
    for machine, edited in pairs:
        before, after = machine.split(), edited.split()
        matcher = SequenceMatcher(None, [normalise_token(w) for w in before],
                                  [normalise_token(w) for w in after], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "replace" or i2 - i1 > 3 or j2 - j1 > 3:
                continue
            wrong = " ".join(normalise_token(w) for w in before[i1:i2])
            right = " ".join(w.strip(".,;:!?\"'“”()") for w in after[j1:j2])
            if tuple(wrong.split()) not in known_wrong:
                counts[(wrong, right)] += 1
    return [(wrong, right, n) for (wrong, right), n in counts.most_common() if n >= at_least]
