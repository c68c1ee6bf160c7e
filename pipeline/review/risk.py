"""How likely each machine word is wrong, from several signals combined by a small logistic
model fitted on real clips with reference transcripts (.bench/fit_review.py writes model.json).

Signals, each a reason an editor can read:
- Whisper's own word probability;
- a second opinion: another model's decode of the same audio, aligned to the first; where it
  heard something else, that is offered as the alternative;
- rarity (wordfreq's Zipf frequency) and spelling (a word wordfreq does not know at all, not in
  the glossary);
- a capitalised name that the glossary does not know;
- a word squeezed into almost no time (Whisper's timing gives up where it is unsure).
Pure: words in, risks out.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from importlib import resources

from ..transcript import Word, normalise_token

# Part of the cached risks' key (NAME.risks.json): a change to features() or _reasons() bumps it.
RISK_VERSION = 1
FEATURES = ("unsure", "very_unsure", "second_opinion", "rare", "unknown", "name", "squeezed", "unsure_neighbour")
SQUEEZED = 0.1  # seconds


@dataclass(frozen=True)
class Risk:
    probability: float  # that the word is wrong, calibrated on the fitting clips
    reasons: tuple[str, ...]
    alternative: str | None = None  # what the second opinion heard instead


@dataclass(frozen=True)
class Model:
    weights: tuple[float, ...]
    bias: float
    threshold: float  # flag a word at or above this risk

    def probability(self, features: list[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features))
        return 1.0 / (1.0 + math.exp(-z))


@cache
def model() -> Model:
    data = json.loads(resources.files(__package__).joinpath("model.json").read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError("pipeline/review/model.json was fitted on other features: run .bench/fit_review.py")
    return Model(tuple(data["weights"]), data["bias"], data["threshold"])


@dataclass(frozen=True)
class SecondOpinion:
    """What the second decode made of one word: the same word (and how sure it was), or another."""

    heard: str | None  # None where both agree
    probability: float  # the second model's confidence in the word, where it agrees; else 0


def second_opinions(words: list[Word], second: list[Word]) -> list[SecondOpinion]:
    """The second decode aligned to the first, word by word."""
    ours = [normalise_token(w.text) for w in words]
    theirs = [normalise_token(w.text) for w in second]
    out = [SecondOpinion("nothing", 0.0)] * len(words)
    matcher = SequenceMatcher(None, ours, theirs, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                out[i] = SecondOpinion(None, second[j].probability)
            continue
        heard = " ".join(w.text for w in second[j1:j2]) or "nothing"
        for i in range(i1, i2):
            out[i] = SecondOpinion(heard, 0.0)
    return out


def alternatives(words: list[Word], second: list[Word]) -> list[SecondOpinion]:
    return second_opinions(words, second)


def _zipf(token: str) -> float:
    from ..zipf import zipf_en

    return zipf_en(token)


def features(words: list[Word], opinions: list[SecondOpinion] | None, glossary: frozenset[str]) -> list[list[float]]:
    """One row of FEATURES for each word."""
    rows = []
    for k, word in enumerate(words):
        token = normalise_token(word.text)
        known = token in glossary or word.text.strip(".,;:!?\"'()") in glossary
        zipf = _zipf(token) if token and not token.isdigit() else 7.0
        sentence_start = k == 0 or words[k - 1].text.endswith((".", "?", "!"))
        bare = re.sub(r"^\W+|\W+$", "", word.text)
        neighbours = [words[j].probability for j in (k - 1, k + 1) if 0 <= j < len(words)]
        rows.append([
            1.0 - word.probability,
            1.0 if word.probability < 0.2 else 0.0,
            1.0 if opinions is not None and opinions[k].heard is not None else 0.0,
            0.0 if known else max(0.0, 5.0 - zipf) / 5.0,
            1.0 if zipf == 0.0 and not known else 0.0,
            1.0 if bare[:1].isupper() and not sentence_start and bare != "I" and not known else 0.0,
            1.0 if word.end - word.start < SQUEEZED else 0.0,
            1.0 - min(neighbours, default=1.0),
        ])
    return rows


def assess(words: list[Word], second: list[Word] | None, glossary: frozenset[str] = frozenset(),
           fitted: Model | None = None) -> list[Risk]:
    """The risk of every word (sound descriptions get none)."""
    fitted = fitted or model()
    opinions = second_opinions(words, second) if second is not None else None
    out = []
    for k, (word, row) in enumerate(zip(words, features(words, opinions, glossary))):
        if word.sound:
            out.append(Risk(0.0, ()))
            continue
        heard = opinions[k].heard if opinions else None
        out.append(Risk(fitted.probability(row), _reasons(word, row, heard), heard))
    return out


def _reasons(word: Word, row: list[float], heard: str | None) -> tuple[str, ...]:
    reasons = []
    if row[0] > 0.5:
        reasons.append(f"Whisper was {word.probability:.0%} sure")
    if heard is not None:
        reasons.append(f"the second model heard {heard!r}")
    named = dict(zip(FEATURES, row))
    if named["unknown"]:
        reasons.append("not a known word, not in the glossary")
    elif named["rare"] > 0.4:
        reasons.append("rare word")
    if named["name"]:
        reasons.append("a name not in the glossary")
    if named["squeezed"]:
        reasons.append("said in almost no time")
    return tuple(reasons)


# --- the risks kept between builds (NAME.risks.json) ------------------------------------------------

def inputs_key(words: list[Word], second: list[Word] | None, glossary: frozenset[str]) -> str:
    """What `assess` computes from: the words, the second opinion, the glossary, the fitted model,
    this module's version and wordfreq's (its word lists), as one hash."""
    from importlib.metadata import version

    fitted = model()
    made_from = [RISK_VERSION, version("wordfreq"), fitted.weights, fitted.bias, fitted.threshold,
                 [_word_key(w) for w in words], None if second is None else [_word_key(w) for w in second],
                 sorted(glossary)]
    return hashlib.sha256(json.dumps(made_from).encode("utf-8")).hexdigest()


def _word_key(word: Word) -> list:
    return [word.text, word.start, word.end, word.probability, word.sound]


def risks_to_json(risks: list[Risk], key: str) -> str:
    return json.dumps({"key": key, "risks": [[r.probability, list(r.reasons), r.alternative] for r in risks]},
                      ensure_ascii=False) + "\n"


def risks_from_json(data: dict, key: str) -> list[Risk] | None:
    """The kept risks when they were made from the inputs `key` names; None otherwise (or damaged)."""
    if data.get("key") != key:
        return None
    try:
        return [Risk(float(p), tuple(str(r) for r in reasons), alternative) for p, reasons, alternative in data["risks"]]
    except (KeyError, TypeError, ValueError):
        return None
