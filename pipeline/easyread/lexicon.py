"""Words: the committed word lists in data/ (each file's header gives its source and licence), word
difficulty (wordfreq's Zipf frequency), a/an (inflect) and the few closed word classes the rewriting
needs to tell a subject from its verb."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import inflect

WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[£$€]?\d+(?:[.,:]\d+)*%?|[A-Za-z0-9][A-Za-z0-9'’&-]*")

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself yourselves
""".split())

DETERMINERS = frozenset("a an the this that these those my your his her our their its every each any some "
                        "another".split())
AUXILIARIES = frozenset("is are was were am be been being has have had do does did can could will would shall "
                        "should must may might".split())
MODALS = frozenset("can could will would shall should must may might".split())
NEGATIONS = frozenset("not never no nobody nothing none neither nor without cannot".split())
HEDGES = frozenset("maybe perhaps possibly potentially probably likely might may could".split())
ADVERBS = frozenset("also then now often still always never usually sometimes really even only just already "
                    "quickly carefully soon first".split())
PERSONAL = frozenset("i you we".split())  # who they mean is plain wherever the sentence stands
ANAPHORS = frozenset("he she it they".split())  # who they mean depends on the sentence before
PREPOSITIONS = frozenset("about above across after against along among around at before behind below beside "
                         "between beyond by during for from in inside into like near of off on onto out outside "
                         "over past since through throughout to towards under until up upon with within "
                         "without".split())
# Nouns for people, by the pronoun that can stand for them: who 'she' or 'he' might mean.
FEMALE = frozenset("woman women girl girls mother mum mum's sister daughter wife girlfriend aunt grandmother gran "
                   "lady niece".split())
MALE = frozenset("man men boy boys father dad brother son husband boyfriend uncle grandfather grandad "
                 "gentleman nephew".split())
PEOPLE = FEMALE | MALE | frozenset("""child children baby babies person people parent parents carer carers
teenager teenagers pupil pupils student students patient patients nurse nurses doctor doctors midwife
paramedic pharmacist teacher teachers worker workers officer officers victim victims friend friends
someone somebody anyone anybody everyone colleague colleagues manager managers lead adult adults
neighbour partner relative relatives visitor consultant surgeon therapist""".split())
OBJECT_STARTS = DETERMINERS | frozenset("me you him her us them it what how why when where whether that".split())


def words(text: str) -> list[str]:
    return WORD.findall(text)


def word_count(text: str) -> int:
    return len(WORD.findall(text))


def folded(word: str) -> str:
    """A word as compared: lower case, straight apostrophe, no possessive."""
    return word.lower().replace("’", "'").removesuffix("'s").strip("'")


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
def sensitive_words() -> frozenset[str]:
    return frozenset(row[0].strip().lower() for row in _data_rows("easyread-sensitive-words.tsv"))


@dataclass(frozen=True)
class Icon:
    name: str
    code: str  # OpenMoji file name (Unicode code points)
    label: str  # what the picture stands for
    tone: str  # "neutral", "warning" or "face"
    keywords: tuple[str, ...]

    @property
    def alt(self) -> str:
        return self.label


@cache
def icons() -> dict[str, Icon]:
    """Pictures in table order; the first is the one for a point no key word matches."""
    table = {}
    for name, code, label, tone, *keywords in _data_rows("easyread-icons.tsv"):
        found = tuple(k.strip().lower() for k in (keywords[0] if keywords else "").split(",") if k.strip())
        table[name] = Icon(name, code, label, tone, found)
    return table


WORDS_ICON = Icon("book", "1F4D6", "Words to know", "neutral", ())


# ---------------------------------------------------------------------------- verbs


@dataclass(frozen=True)
class Verbs:
    forms: frozenset[str]  # every form of every known verb
    finite: frozenset[str]  # forms that can follow a subject: base, -s, past
    past: frozenset[str]  # past tense and past participles
    bases: frozenset[str]  # base forms
    base_of: dict[str, str]  # -s form -> base


def _third_person(base: str) -> str:
    if re.search(r"(?:s|x|z|ch|sh|o)$", base):
        return base + "es"
    if re.search(r"[^aeiou]y$", base):
        return base[:-1] + "ies"
    return base + "s"


def _regular_past(base: str) -> str:
    if base.endswith("e"):
        return base + "d"
    if re.search(r"[^aeiou]y$", base):
        return base[:-1] + "ied"
    if re.search(r"^[^aeiou]*[aeiou][bdgmnpt]$", base):  # stop -> stopped (one syllable)
        return base + base[-1] + "ed"
    return base + "ed"


def _present_participle(base: str) -> str:
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")) and base != "be":
        return base[:-1] + "ing"
    if re.search(r"^[^aeiou]*[aeiou][bdgmnpt]$", base):
        return base + base[-1] + "ing"
    return base + "ing"


@cache
def verbs() -> Verbs:
    forms, finite, past, bases, base_of = set(), set(), set(), set(), {}
    for base, *irregular in _data_rows("easyread-verbs.tsv"):
        third = {"be": "is", "have": "has", "do": "does"}.get(base, _third_person(base))
        if base in MODALS or base == "must":
            forms.add(base)
            finite.add(base)
            for form in irregular:
                if form:
                    forms.add(form)
                    finite.add(form)
            continue
        simple_past, participle = (irregular + ["", ""])[:2] if irregular else ("", "")
        simple_past = simple_past or _regular_past(base)
        participle = participle or simple_past
        made = {base, third, simple_past, participle, _present_participle(base)}
        forms |= made
        bases.add(base)
        finite |= {base, third, simple_past}
        past |= {simple_past, participle}
        base_of[third] = base
    forms |= {"am", "are", "were", "being"}
    finite |= {"am", "are", "were"}
    past |= {"were"}
    base_of["is"] = "be"
    return Verbs(frozenset(forms), frozenset(finite), frozenset(past), frozenset(bases), base_of)


def is_verb(word: str) -> bool:
    return folded(word) in verbs().forms


def is_finite(word: str) -> bool:
    w = folded(word)
    return w in AUXILIARIES or w in verbs().finite


# ---------------------------------------------------------------------------- articles, difficulty


@cache
def _inflect() -> inflect.engine:
    return inflect.engine()


def article_for(word: str) -> str:
    """'a' or 'an' before a word (inflect), numbers by how they are said: 'an 8-year-old', 'an 11'."""
    number = re.match(r"[0-9][0-9,]*(?:\.[0-9]+)?", word)
    if number:
        said = _inflect().number_to_words(number.group(0).replace(",", ""))
        return _inflect().a(str(said)).split(" ", 1)[0]
    return _inflect().a(word).split(" ", 1)[0]


def is_plural(noun: str) -> bool:
    noun = folded(noun)
    if noun in ("staff", "police", "people", "children", "you", "we", "they"):
        return True
    if not re.fullmatch(r"[a-z]+", noun) or noun.endswith("ss"):
        return False
    singular = _inflect().singular_noun(noun)
    return bool(singular) and singular != noun


def zipf(word: str) -> float:
    """How common a word is (wordfreq's Zipf scale: 7 'the', 5 'phone', 3 'grooming', 0 unknown)."""
    from ..zipf import zipf_en  # wordfreq's figure, mostly without importing it (zipf.py)

    return zipf_en(folded(word))


HARD_ZIPF = 3.5  # rarer than this is a hard word for an Easy Read reader
