"""One transcript sentence as Easy Read sentences of at most MAX_WORDS words, faithful by construction.

Every change is one of a few kinds that cannot change what is said:
- words: fillers out, acronyms spelled out, a hard word or phrase for its plain word from the committed
  table (data/easyread-plain-words.tsv), number words for digits before a plural noun, 'a'/'an' by
  inflect;
- sentences: a sentence cut where two clauses meet, each part a sentence of its own with its own
  subject: the subject repeated (never a new pronoun), the auxiliary and 'not' carried over
  ('must not shout and frighten' -> 'must not shout. You must not frighten'), 'but' and 'so' kept;
  'If X, Y' as 'Do X? Then Y.'; a clause between commas ('which ...', 'who ...', ', a victim of
  ...,') as a sentence about the words it describes.
Nothing is cut where a condition ('if', 'unless', 'when'), a negation or a modal would lose its reach,
and each result is checked: its content words come from the sentence or the plain-word table, its
'not's, modals and conditions are those of the sentence. A sentence that cannot be made short this
way is kept whole and marked for the editor ("too long: please rewrite"), never dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .lexicon import (ADVERBS, ANAPHORS, AUXILIARIES, DETERMINERS, FEMALE, MALE, MODALS, NEGATIONS, OBJECT_STARTS,
                      PEOPLE, PERSONAL, PREPOSITIONS, STOPWORDS, acronyms, article_for, folded, is_finite, is_plural,
                      is_verb, plain_words, verbs, word_count, words, zipf)

from .model import MAX_WORDS
GLUE = frozenset({"says", "is", "are", "was", "were", "then", "but", "so", "yet", "do", "does", "the", "this",
                  "because"})  # the only words the rewriting adds; every other word comes from the sentence

_FILLERS = re.compile(r"(?:\b(?:um+|uh+|erm+|er|ah+|hmm+)\b,?\s*|,\s*you know,|\b(?:basically|actually|literally),?\s*)",
                      re.I)
_CONDITIONS = re.compile(r"\b(?:if|unless|when|whenever|until|provided|providing|in case|as long as|only)\b", re.I)
_SUBORDINATORS = {"although": "But", "though": "But", "even though": "But", "while": "", "whilst": ""}
_REDUCED_RELATIVE = frozenset("aimed designed intended meant made written produced funded supported created based "
                              "published filmed developed commissioned".split())
_CONNECTORS = {"and": "", "but": "But", "so": "So", "yet": "Yet"}
_PRONOUN_SUBJECTS = PERSONAL | ANAPHORS | {"this", "that", "there"}


@dataclass(frozen=True)
class Rewrite:
    source: str  # the transcript sentence
    sentences: tuple[str, ...]  # the Easy Read sentences (the source, tidied, when too long)
    too_long: bool = False  # it could not be made short safely: the editor is asked to rewrite it


# ---------------------------------------------------------------------------- words


def _sub_words(text: str, table: dict[str, str], flags: int = 0, keep_capital: bool = True) -> str:
    """Replace whole words and phrases, the longest first where two overlap, keeping a capital
    first letter; a replacement is never replaced again."""
    lookup = {k.lower(): v for k, v in table.items()} if flags & re.I else table
    spans: list[tuple[int, int, str]] = []
    lowered = text.lower() if flags & re.I else text
    for phrase in sorted(table, key=lambda k: (-len(k), k)):
        key = phrase.lower() if flags & re.I else phrase
        if key not in lowered:
            continue
        for match in re.finditer(rf"(?<![\w&]){re.escape(phrase)}(?![\w&])", text, flags):
            if all(match.end() <= start or match.start() >= end for start, end, _ in spans):
                found, new = match.group(0), lookup[key]
                if keep_capital and found[:1].isupper() and new:
                    new = new[:1].upper() + new[1:]
                spans.append((match.start(), match.end(), new))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return re.sub(r"\s{2,}", " ", text)


def spell_out_acronyms(text: str) -> str:
    expanded = _sub_words(text, acronyms(), keep_capital=False)
    for full in sorted(set(acronyms().values()), key=len, reverse=True):
        if full.lower() not in expanded.lower():
            continue
        # "child sexual exploitation (CSE)" is now said twice: once is enough
        twice = rf"({re.escape(full)})\s*(?:,\s*|\(\s*){re.escape(full)}\s*(?:\)|,(?=\s))?"
        expanded = re.sub(twice, r"\1", expanded, flags=re.I)
    return expanded


_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
         "sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_VALUES = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_NUMBER_WORD = "|".join(list(_NUMBER_VALUES) + ["hundred", "thousand", "million"])
_NUMBER_RUN = re.compile(rf"\b(?:{_NUMBER_WORD})(?:(?:[\s-]+|(?:(?<=hundred)|(?<=thousand)|(?<=million))\s+and\s+)"
                         rf"(?:{_NUMBER_WORD}))*\b", re.I)
_UNIT_WORDS = frozenset("per percent times".split())


def _number_value(number_words: list[str]) -> int | None:
    """'twenty five' -> 25, 'two hundred and six' -> 206; None for words that are not one number
    ('five six', 'fifteen and ninety')."""
    total, group, last = 0, 0, ""  # last: "unit", "teen", "tens", "hundred", "scale", "and"
    for word in number_words:
        if word == "and":
            if last != "hundred" and last != "scale":
                return None
            last = "and"
        elif word == "hundred":
            if last not in ("unit", "teen") or group >= 100:
                return None
            group *= 100
            last = "hundred"
        elif word in ("thousand", "million"):
            if last in ("", "scale", "and"):
                return None
            total += group * (1000 if word == "thousand" else 1_000_000)
            group, last = 0, "scale"
        else:
            value = _NUMBER_VALUES[word]
            kind = "tens" if value >= 20 else "teen" if value >= 10 else "unit"
            if last in ("unit", "teen") or last == "tens" and kind != "unit" or last == "hundred" and kind and \
                    group % 100:
                return None
            group += value
            last = kind
    return None if last == "and" else total + group


def numbers_as_digits(text: str) -> str:
    """'twenty-five people' -> '25 people', 'two to three days' -> '2 to 3 days': a number said in words
    becomes digits only where a plural noun (or 'per cent', 'times') follows it. 'one' stays a word
    ('one phone call', 'at one point', 'no one', 'one of them'), and so does a number with a hyphen
    after it ('two-way')."""
    runs = list(_NUMBER_RUN.finditer(text))
    values = [_number_value(re.split(r"[\s-]+", m.group(0).lower())) for m in runs]

    def counts(k: int) -> bool:
        """Whether what follows run k is a plural noun or a unit."""
        after = re.match(r"\s+([A-Za-z']+)", text[runs[k].end():])
        following = after.group(1).lower() if after else ""
        return following in _UNIT_WORDS or bool(following) and following not in STOPWORDS and is_plural(following)

    def convertible(k: int) -> bool:
        match = runs[k]
        return values[k] is not None and match.group(0).split()[0].lower() not in ("hundred", "thousand", "million") \
            and text[match.end():match.end() + 1] != "-" and text[max(0, match.start() - 1):match.start()] != "-"

    converted: dict[int, str] = {}
    for k, match in enumerate(runs):
        if k in converted or not convertible(k):
            continue
        later = k + 1 if k + 1 < len(runs) else None
        if later is not None and convertible(later) and counts(later) \
                and re.fullmatch(r"\s+(?:to|or|and|in|out of)\s+", text[match.end():runs[later].start()], re.I):
            converted[k], converted[later] = f"{values[k]:,}", f"{values[later]:,}"  # 'two to three days', '1 in 4'
        elif match.group(0).lower() != "one" and counts(k):
            converted[k] = f"{values[k]:,}"
    for k in sorted(converted, reverse=True):
        match = runs[k]
        text = text[:match.start()] + converted[k] + text[match.end():]
    return text


def fix_articles(text: str) -> str:
    """'a'/'an' as inflect says for the word after it: 'an hour', 'a university', 'an 8-year-old'."""

    def article(match: re.Match[str]) -> str:
        found, space, word = match.groups()
        wanted = article_for(word)
        return (wanted.capitalize() if found[0].isupper() else wanted) + space + word

    return re.sub(r"\b(a|an|A|An)(\s+)([A-Za-z0-9][\w'’&-]*)", article, text)


def clean(sentence: str) -> str:
    """What was said without the way it was said: no fillers or stumbles, acronyms spelled out, and a
    note in brackets left out unless it holds a number, a 'not' or a modal."""
    text = _FILLERS.sub("", sentence)
    text = re.sub(r"\b(?!(?:that|had)\b)(\w+)(?:\s+\1\b)+", r"\1", text, flags=re.I)  # "the the": a stumble
    text = spell_out_acronyms(text)

    def bracket(match: re.Match[str]) -> str:
        inside = {folded(w) for w in words(match.group(1))}
        keep = inside & (NEGATIONS | MODALS) or any(w[:1].isdigit() for w in inside)
        return match.group(0) if keep else ""

    text = re.sub(r"\s*\(([^()]*)\)", bracket, text)
    text = re.sub(r"\bnot (?:only|just) (.+?),? but also\b", r"\1 and", text, flags=re.I)
    return re.sub(r"\s{2,}", " ", text).strip()


def plain(text: str) -> str:
    """Plain words for hard ones (the committed table), 'help them to spot' as 'help them spot',
    digits for numbers."""
    text = _sub_words(text, plain_words(), re.I)
    text = re.sub(r"\b(help|helps|helped|helping)((?:\s+[\w'-]+){1,6}?)\s+to\s+([a-z]+)\b",
                  lambda m: f"{m.group(1)}{m.group(2)} {m.group(3)}" if m.group(3) in verbs().bases else m.group(0),
                  text)
    return numbers_as_digits(text)


def tidy(sentence: str) -> str:
    """A sentence: one space between words, a capital first, a full stop (or its ? or !) last, and
    'a'/'an' right."""
    sentence = re.sub(r"\s+", " ", sentence).strip(" ,;:")
    sentence = re.sub(r"\s+([,.;:!?])", r"\1", sentence)
    sentence = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", sentence)
    sentence = re.sub(r"[\s,]+(?:and|but|or|so)[\s,.]*$", "", sentence, flags=re.I)
    sentence = fix_articles(sentence)
    end = sentence[-1:] if sentence[-1:] in "?!" else "."
    sentence = sentence.rstrip(" ,;:.!?") + end
    return sentence[:1].upper() + sentence[1:]


# ---------------------------------------------------------------------------- clauses


def _bare(token: str) -> str:
    return folded(token.strip(".,;:!?\"“”‘’()"))


def _lower_first(text: str) -> str:
    """'The police came' -> 'the police came' after 'Then', but 'I', names ('Health Education
    England', 'Amira') and acronyms stay."""
    tokens = text.split(" ", 2)
    first, bare = tokens[0], _bare(tokens[0])
    if first == "I" or first.isupper() and len(first) > 1 or len(tokens) > 1 and tokens[1][:1].isupper():
        return text
    common = bare in STOPWORDS | DETERMINERS | ADVERBS or bare in verbs().forms or zipf(bare) >= 3.5
    return text[:1].lower() + text[1:] if common else text


def _as_subject(noun_phrase: str) -> str:
    """A noun phrase said again as a sentence's subject: 'a real-life victim' -> 'The victim', 'the
    new video' -> 'The video' (the thing already named, by its noun); names and the like whole."""
    tokens = noun_phrase.split()
    first = _bare(tokens[0])
    if first in ("a", "an", "the", "this", "that", "these", "those", "another") and len(tokens) > 1:
        head = tokens.index(next(t for t in tokens[1:] if _bare(t) == "of")) - 1 if "of" in map(_bare, tokens[1:]) \
            else len(tokens) - 1
        lead = "The" if first in ("a", "an", "another") else tokens[0].capitalize()
        return " ".join([lead, *tokens[head:]])
    return noun_phrase[:1].upper() + noun_phrase[1:]


@dataclass(frozen=True)
class Subject:
    words: str  # the subject: 'The film', 'Health Education England', 'you'
    verb: int  # index (in the clause's tokens) of the finite verb after it
    chain: tuple[str, ...]  # auxiliaries, 'not' and adverbs between the subject and the main verb
    main: int  # index of the main verb

    @property
    def pronoun(self) -> bool:
        return _bare(self.words) in _PRONOUN_SUBJECTS

    @property
    def plural(self) -> bool:
        tokens = self.words.split()
        head = tokens[tokens.index("of") - 1] if "of" in tokens[1:] else tokens[-1]
        return " and " in self.words or is_plural(_bare(head))


_NOUN_PHRASE_INNER = frozenset("of and other own few more most all both such".split())
_RELATIVES = frozenset("who which that whose where whom".split())


def _head(noun_phrase: list[str]) -> str:
    """The noun a noun phrase is about: 'the voice of a victim' -> 'voice', 'people with diabetes' -> 'people'."""
    bare = [_bare(t) for t in noun_phrase]
    cut = next((i for i, b in enumerate(bare) if i > 0 and b in PREPOSITIONS), len(bare))
    return bare[cut - 1]


def _verb_agrees(noun_phrase: list[str], verb: str) -> bool:
    """Whether a finite verb can follow the noun phrase: 'the film shows', 'staff need', not 'social care'."""
    if "and" in (_bare(t) for t in noun_phrase):
        return True  # 'abuse and neglect is' is said as often as 'are'
    plural = is_plural(_head(noun_phrase))
    v = verbs()
    if verb in ("is", "was", "has", "does") or verb in v.base_of and verb not in v.bases:
        return not plural
    if verb in ("are", "were", "have", "do") or verb in v.bases and verb not in v.past:
        return plural
    return True


def subject_of(clause: str) -> Subject | None:
    """The subject a clause starts with and its verb, if they can be told apart without guessing:
    a pronoun, or up to 9 words (no commas, no 'who') before a finite verb that agrees with them."""
    tokens = clause.split()
    if len(tokens) < 2:
        return None
    first = _bare(tokens[0])
    if first in _PRONOUN_SUBJECTS:
        if is_finite(tokens[1]) or _bare(tokens[1]) in ADVERBS and len(tokens) > 2 and is_finite(tokens[2]):
            return _chain(tokens, 1)
        if first not in DETERMINERS:  # 'this video shows' goes on below
            return None
    if first in STOPWORDS and first not in DETERMINERS | _NOUN_PHRASE_INNER:
        return None
    for i in range(1, min(len(tokens), 10)):
        token, bare = tokens[i], _bare(tokens[i])
        if tokens[i - 1].endswith((",", ";", ":")) or bare in _RELATIVES:
            return None
        nxt = _bare(tokens[i + 1]) if i + 1 < len(tokens) else ""
        after_det = _bare(tokens[i - 1]) in DETERMINERS
        if bare in ADVERBS and nxt and is_finite(tokens[i + 1]) and not after_det \
                and _verb_agrees(tokens[:i], nxt):
            return _chain(tokens, i)
        if is_finite(token) and not after_det and not token.endswith(("'s", "’s")) \
                and (nxt not in AUXILIARIES or bare in AUXILIARIES):
            verb_like = (bare in AUXILIARIES or not nxt or not is_finite(tokens[i + 1])
                         or nxt in OBJECT_STARTS | PREPOSITIONS or i == 2 and first in DETERMINERS)
            if verb_like and _verb_agrees(tokens[:i], bare):
                return _chain(tokens, i)
        if bare in STOPWORDS and bare not in DETERMINERS | _NOUN_PHRASE_INNER | PREPOSITIONS or bare == "to":
            return None
    return None


def _chain(tokens: list[str], verb: int) -> Subject:
    main = verb
    while main < len(tokens) - 1 and (_bare(tokens[main]) in AUXILIARIES | NEGATIONS | ADVERBS
                                      or tokens[main].lower().endswith("n't")):
        main += 1
    return Subject(" ".join(tokens[:verb]), verb, tuple(tokens[verb:main]), main)


def _is_imperative(clause: str) -> bool:
    tokens = clause.split()
    first = _bare(tokens[0]) if tokens else ""
    return first in verbs().bases and first not in MODALS or first in ("never", "always", "please", "don't")


def _is_clause(text: str) -> bool:
    return subject_of(text) is not None or _is_imperative(text)


def _agrees(pronoun: str, subject: Subject) -> bool:
    pronoun = _bare(pronoun)
    if subject.pronoun:
        return False
    return subject.plural if pronoun == "they" else not subject.plural


def _anaphoric(clause: str) -> bool:
    """Whether a clause starts with a pronoun that stands for something said before ('it' in 'it is
    your duty to ...' stands for nothing)."""
    tokens = clause.split()
    if not tokens or _bare(tokens[0]) not in ANAPHORS:
        return False
    if _bare(tokens[0]) == "it" and len(tokens) > 2 and _bare(tokens[1]) in ("is", "was", "seems") \
            and any(_bare(t) in ("to", "that") for t in tokens[2:9]):
        return False
    return True


def _resolved(clause: str, before: str, subject: Subject | None) -> str | None:
    """A clause cut from the clause `before` it, whose subject may be a pronoun ('it', 'they', 'he',
    'she') standing for something in `before`: the pronoun replaced by the subject of `before` when
    that is surely what it stands for (it agrees, and nothing after that subject could be meant
    instead); the clause as it is when the pronoun was already said in `before` (it goes on meaning
    the same), or when it has no such pronoun; None otherwise: do not cut there."""
    if not _anaphoric(clause):
        return clause
    first, _, rest = clause.partition(" ")
    pronoun = _bare(first)
    if pronoun in (_bare(t) for t in before.split()):
        return clause
    if subject is None or subject.pronoun or not _agrees(pronoun, subject):
        return None
    after = before.split()[subject.verb:]
    if pronoun == "they":
        rival = any(is_plural(_bare(t)) or _bare(t) == "and" for t in after)
    elif pronoun in ("she", "he"):  # someone else who could be meant: a name, or a person of that sex or either
        other = MALE if pronoun == "she" else FEMALE
        rival = any(t[:1].isupper() or _bare(t) in PEOPLE - other for t in after)
    else:
        rival = any(_bare(t) in DETERMINERS | {"one", "someone", "somebody", "anyone"} or t[:1].isupper()
                    or t.endswith(("'s", "’s")) for t in after)
    return None if rival else f"{_as_subject(subject.words)} {rest}"


def _question(condition: str) -> str | None:
    """'you feel unsafe' -> 'Do you feel unsafe?'; 'a child is in danger' -> 'Is a child in danger?';
    'a child tells you' -> 'Does a child tell you?'. None for a negative or past condition."""
    tokens = condition.split()
    if len(tokens) < 2 or any(_bare(t) in NEGATIONS or t.lower().endswith("n't") for t in tokens):
        return None
    first, second = _bare(tokens[0]), _bare(tokens[1])
    if first in ("you", "we", "they"):
        main_have = second == "have" and (len(tokens) < 3 or _bare(tokens[2]) not in verbs().past)
        if second in AUXILIARIES and not main_have and second not in ("do", "did"):
            return " ".join([tokens[1].capitalize(), tokens[0].lower()] + tokens[2:]) + "?"
        verb = second if second not in ADVERBS else (_bare(tokens[2]) if len(tokens) > 2 else "")
        if verb in verbs().bases:
            return "Do " + condition[:1].lower() + condition[1:] + "?"
        return None
    subject = subject_of(condition)
    if subject is None or subject.pronoun or subject.chain and _bare(tokens[subject.verb]) not in AUXILIARIES:
        return None
    verb = _bare(tokens[subject.verb])
    words_ = _lower_first(subject.words)
    rest = tokens[subject.verb + 1:]
    main_have = verb in ("has", "have") and (not rest or _bare(rest[0]) not in verbs().past)
    if verb in AUXILIARIES and verb not in ("do", "does", "did") and not main_have:
        return " ".join([tokens[subject.verb].capitalize(), words_] + rest) + "?"
    if main_have:
        return " ".join(["Does" if verb == "has" else "Do", words_, "have"] + rest) + "?"
    if verb in verbs().base_of and not subject.plural:
        return " ".join(["Does", words_, verbs().base_of[verb]] + rest) + "?"
    if verb in verbs().bases and subject.plural:
        return " ".join(["Do", words_, verb] + rest) + "?"
    return None


def _past(condition: str) -> bool:
    subject = subject_of(condition)
    return bool(subject) and _bare(condition.split()[subject.verb]) in verbs().past | {"was", "were", "had", "did"}


def _comma_cuts(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r",\s", text)]


# ---------------------------------------------------------------------------- where a sentence may be cut
# Each rule takes a clause (no full stop) and gives the ways to cut it, each a list of clauses;
# a clause starting with "Then" or ending with "?" is not cut again (its condition would be lost).


_NOT_A_CONDITION = re.compile(r"\b(?:even|as|only|what)\s*$", re.I)  # 'even if', 'as if', 'only if', 'what if'


def _conditional(clause: str) -> list[list[str]]:
    """'If X, Y' and 'Y if X' as 'Do X? Then Y.'; 'When X, Y' and 'Y when X' the same when X is said
    in the present, and as 'X. Then Y.' when it is in the past ('When she saw X, she called Y')."""
    found = []
    lead = re.match(r"^(if|when)\s+", clause, re.I)
    if lead:
        body = clause[lead.end():]
        for cut in _comma_cuts(body):
            condition, result = body[:cut], body[cut + 1:].strip()
            if _CONDITIONS.search(condition) or _CONDITIONS.search(result) or not _is_clause(result):
                continue
            subject = subject_of(condition)
            if lead.group(1).lower() == "when" and _past(condition):
                result = _resolved(result, condition, subject)
                if result:
                    found.append([condition, "Then " + _lower_first(result)])
                continue
            question = _question(condition)
            result = _resolved(result, condition, subject) if question else None
            if question and result:
                found.append([question, "Then " + _lower_first(result)])
    for match in re.finditer(r",?\s+(if|when)\s+", clause, re.I):
        result, condition = clause[:match.start()], clause[match.end():]
        if word_count(result) < 3 or _NOT_A_CONDITION.search(result) or _CONDITIONS.search(result) \
                or _CONDITIONS.search(condition) or not _is_clause(result) or _anaphoric(result):
            continue
        if match.group(1).lower() == "when" and _past(condition):
            continue
        question = _question(condition)
        if question:
            found.append([question, "Then " + _lower_first(result)])
    return found


def _leading_subordinate(clause: str) -> list[list[str]]:
    """'Although X, Y' -> 'X. But Y.'; 'While X, Y' -> 'X. Y.' (both are said to be so)."""
    lead = re.match(r"^(even though|although|though|while|whilst)\s+", clause, re.I)
    if not lead:
        return []
    found = []
    body = clause[lead.end():]
    for cut in _comma_cuts(body):
        first, second = body[:cut], body[cut + 1:].strip()
        subject, other = subject_of(first), subject_of(second)
        if not subject or not other:
            continue
        second = _resolved(second, first, subject)
        if second is None:
            continue
        joiner = _SUBORDINATORS[lead.group(1).lower()]
        found.append([first, f"{joiner} {_lower_first(second)}" if joiner else second])
    return found


def _leading_participle(clause: str) -> list[list[str]]:
    """'Supported by X, the video shows Y' -> 'The video is supported by X. The video shows Y.'"""
    lead = re.match(r"^([A-Za-z]+)\s+by\s+", clause)
    if not lead or _bare(lead.group(1)) not in verbs().past:
        return []
    found = []
    for cut in _comma_cuts(clause):
        agent, main = clause[lead.end():cut], clause[cut + 1:].strip()
        subject = subject_of(main)
        if not subject or subject.pronoun or word_count(agent) < 1:
            continue
        be = "are" if subject.plural else "is"
        found.append([f"{_as_subject(subject.words)} {be} {lead.group(1).lower()} by {agent}", main])
    return found


def _reduced_relative(clause: str) -> list[list[str]]:
    """'A new video aimed at helping staff is launched today' -> 'A new video is launched today. The
    new video is aimed at helping staff.' (only after words such as 'aimed', 'designed', 'made')."""
    tokens = clause.split()
    if not tokens or _bare(tokens[0]) not in DETERMINERS:
        return []
    for i in range(1, min(len(tokens) - 2, 5)):
        if _bare(tokens[i]) in _REDUCED_RELATIVE and _bare(tokens[i + 1]) in PREPOSITIONS | {"to", "by"}:
            for j in range(i + 2, len(tokens)):
                bare = _bare(tokens[j])
                if tokens[j - 1].endswith((",", ";", ":")) or bare in ("who", "which", "that") \
                        or _bare(tokens[j - 1]) in ANAPHORS | PERSONAL:
                    break
                if bare in AUXILIARIES:
                    subject = " ".join(tokens[:i])
                    be = {"was": "was", "were": "were"}.get(bare, "are" if is_plural(_bare(tokens[i - 1])) else "is")
                    return [[" ".join(tokens[:i] + tokens[j:]),
                             f"{_as_subject(subject)} {be} {' '.join(tokens[i:j])}"]]
            return []
        if is_finite(tokens[i]) or tokens[i].endswith(","):
            return []
    return []


def _noun_phrase_before(text: str) -> str | None:
    """The noun phrase that ends `text`: 'a real-life victim', 'that one phone call', 'Nicki',
    'Health Education England'; None when it does not start with a determiner or a capital."""
    tokens = text.split()
    if not tokens or _bare(tokens[-1]) in STOPWORDS or tokens[-1].endswith((",", ";")):
        return None
    start = len(tokens) - 1
    while start > 0 and len(tokens) - start < 6:  # back to a determiner, over words of any kind
        bare = _bare(tokens[start - 1])
        if tokens[start - 1].endswith((",", ";", ":")) or bare in STOPWORDS and bare not in DETERMINERS:
            break
        start -= 1
        if bare in DETERMINERS:
            break
    if _bare(tokens[start]) not in DETERMINERS:  # no determiner: a name, its capitals only
        start = len(tokens) - 1
        while start > 0 and tokens[start - 1][:1].isupper() and not tokens[start - 1].endswith((",", ";", ":")):
            start -= 1
    phrase = tokens[start:]
    if start > 0 and _bare(tokens[start - 1]) in ("and", "or"):
        return None  # the last of a list: which of them is meant is not clear
    if _bare(phrase[0]) in DETERMINERS or phrase[0][:1].isupper() and start > 0:
        return " ".join(phrase)
    return None


def _relative(clause: str) -> list[list[str]]:
    """'That phone call, which could take minutes, could save a life' -> 'That phone call could save
    a life. That phone call could take minutes.' (only a clause between commas: it adds to what
    the words before it name, it does not pick them out)."""
    found = []
    for match in re.finditer(r",\s+(who|which)\s+", clause):
        before, after = clause[:match.start()], clause[match.end():]
        noun = _noun_phrase_before(before)
        if noun is None:
            continue
        if match.group(1) == "which" and noun[:1].isupper() and _bare(noun.split()[0]) not in DETERMINERS:
            continue
        end = after.find(", ")
        body, rest = (after, "") if end < 0 else (after[:end], after[end + 2:])
        tokens = body.split()
        if len(tokens) < 2 or not (is_finite(tokens[0]) or _bare(tokens[0]) in ADVERBS and is_finite(tokens[1])):
            continue
        if rest and not is_finite(rest.split()[0]) and _bare(rest.split()[0]) not in ADVERBS:
            continue  # the words after the clause do not go on from where the clause cut in
        main = f"{before} {rest}".strip() if rest else before
        found.append([main, f"{_as_subject(noun)} {body}"])
    return found


def _appositive(clause: str) -> list[list[str]]:
    """'In the film Nicki, a victim of abuse, gives advice' -> 'In the film Nicki gives advice. Nicki
    is a victim of abuse.'"""
    found = []
    pattern = r"(?P<name>\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3}),\s+(?P<what>(?:a|an|the)\s+[^,]+?),\s+(?P<rest>.+)"
    for match in re.finditer(pattern, clause):
        what = match.group("what")
        if word_count(what) > 8 or any(_bare(t) in AUXILIARIES | {"who", "which", "that"} for t in what.split()):
            continue
        if match.start("name") == 0 and _bare(match.group("name").split()[0]) in STOPWORDS:
            continue
        if not is_finite(match.group("rest").split()[0]):
            continue
        main = clause[:match.end("name")] + " " + match.group("rest")
        found.append([main, f"{match.group('name')} is {what}"])
    return found


_LEADING_CONDITION = re.compile(r"^(?:if|unless|when|whenever|until|provided|providing|in case|as long as|only)\b",
                                re.I)


def _leading_phrase(clause: str) -> bool:
    """'In an emergency, ...', 'After surgery, ...': a phrase before a comma that reaches all that follows."""
    match = re.match(r"^([^,]+),", clause)
    if not match or word_count(match.group(1)) > 6:
        return False
    first = _bare(match.group(1).split()[0])
    return first in PREPOSITIONS or not any(is_verb(_bare(t)) or _bare(t) in AUXILIARIES
                                            for t in match.group(1).split())


def _between_clauses(clause: str) -> list[list[str]]:
    """At ';' or ':' between two clauses; at 'and', 'but', 'so' and 'because' before a clause with
    its own subject, or before a verb that shares the first clause's subject (repeated, with its
    'must', 'not' and the like carried over). Not in a clause that starts with a condition or with
    a phrase such as 'In an emergency,': it reaches all that follows."""
    if _LEADING_CONDITION.match(clause) or _leading_phrase(clause):
        return []
    options: list[tuple[float, list[str]]] = []
    middle = word_count(clause) / 2
    for match in re.finditer(r"(?P<comma>[,;:])?\s+(?:(?P<joiner>and|but|so|yet|because)\s+)?", clause):
        comma, joiner = match.group("comma"), (match.group("joiner") or "").lower()
        if not joiner and comma not in (";", ":"):
            continue
        left, right = clause[:match.start()].strip(), clause[match.end():].strip()
        if word_count(left) < 3 or word_count(right) < 3:
            continue
        if _CONDITIONS.search(right):
            if subject_of(_without_adverbs(right)) is None or re.search(
                    r",\s*(?:if|unless|when|whenever|until|provided|providing|in case|as long as)\b", right, re.I):
                continue  # a condition after both clauses may reach both
        parts = _cut_between(left, right, joiner, comma)
        if parts:
            options.append((abs(word_count(left) - middle) + (0 if comma else 1.5), parts))
    return [parts for _, parts in sorted(options, key=lambda o: o[0])]


def _without_adverbs(clause: str) -> str:
    tokens = clause.split()
    while len(tokens) > 1 and _bare(tokens[0]) in ADVERBS - NEGATIONS:
        tokens = tokens[1:]
    return " ".join(tokens)


def _negative(tokens: list[str]) -> bool:
    return any(_bare(t) in NEGATIONS or t.lower().endswith("n't") for t in tokens)


def _cut_between(left: str, right: str, joiner: str, comma: str | None) -> list[str] | None:
    if not any(is_finite(t) for t in left.split()):
        return None
    left_subject = subject_of(left)
    core = _without_adverbs(right)
    right_subject = subject_of(core)
    prefix = _CONNECTORS.get(joiner, "")
    whole_left = word_count(plain(left)) <= MAX_WORDS  # the clause before stays one sentence, just before
    if right_subject is not None and not comma and not (
            _bare(core.split()[0]) in DETERMINERS | _PRONOUN_SUBJECTS or core[:1].isupper()):
        return None  # 'health and social care staff': after a bare 'and', a subject starts with 'the', 'she', a name
    if right_subject is not None:
        if _bare(right_subject.words) in ("this", "that") and not whole_left:
            return None  # 'this' means the clause before: that clause must stay whole, just before it
        if _anaphoric(core):
            if core != right:
                return None
            right = _resolved(right, left, left_subject)
            if right is None:
                return None
        if joiner == "because":
            return [left, "This is because " + _lower_first(right)] if whole_left else None
        second = right
    elif joiner == "because":
        return None
    else:
        tokens = right.split()
        verb = 1 if _bare(tokens[0]) in ADVERBS - NEGATIONS and len(tokens) > 1 else 0
        if left_subject is None:
            if not (_is_imperative(left) and _is_imperative(right)):
                return None
            if _negative(left.split()[:2]) and not (_negative(tokens[:2]) or _bare(tokens[0]) == "always"):
                return None  # "do not shout and frighten": the 'not' reaches both
            second = right
        elif is_finite(tokens[verb]) and not (verb == 0 and tokens[0][:1].isupper()):
            following = _bare(tokens[verb + 1]) if len(tokens) > verb + 1 else ""
            tensed = _bare(tokens[verb]) in verbs().base_of and not left_subject.plural \
                and not is_plural(_bare(left.split()[-1])) and not is_finite(following)
            if not (comma or verb == 1 or tensed or _bare(tokens[verb]) in AUXILIARIES
                    or following in OBJECT_STARTS | PREPOSITIONS):
                return None
            carried = _carried(left_subject, _bare(tokens[verb]))
            if carried is None:
                return None
            second = " ".join([_as_subject(left_subject.words), *carried, right])
        else:
            return None
    return [left, f"{prefix} {_lower_first(second)}" if prefix else second]


def _carried(subject: Subject, verb: str) -> tuple[str, ...] | None:
    """What of the first clause's 'must not' and the like reaches a second verb that shares its
    subject: all of it before a plain verb ('must not shout and frighten'), none before a verb that
    carries its own tense ('does not show X and gives Y')."""
    if verb in AUXILIARIES:
        return ()
    chain = [t for t in subject.chain if _bare(t) not in ADVERBS]
    if not chain:
        return ()
    if verb in verbs().bases:
        return tuple(chain)
    if any(_bare(t) in NEGATIONS or t.lower().endswith("n't") for t in chain):
        return None  # a tensed verb after 'not': whether the 'not' reaches it is not clear
    return ()


_RULES = (_conditional, _leading_subordinate, _leading_participle, _reduced_relative, _appositive, _relative,
          _between_clauses)


def _cuts(clause: str) -> list[list[str]]:
    if clause.startswith("Then ") or clause.endswith("?"):
        return []
    found = []
    for rule in _RULES:
        if _CONDITIONS.search(clause) and rule not in (_conditional, _between_clauses, _appositive, _relative):
            continue
        found += rule(clause)
    return found


def _shorten(clause: str, budget: int, tries: list[int]) -> list[str] | None:
    """The clause as clauses whose plain words number at most `budget` (the first) and MAX_WORDS
    (the others), or None."""
    said = plain(clause)
    if word_count(said) <= budget:
        return [said]
    for parts in _cuts(clause):
        tries[0] += 1
        if tries[0] > 200:
            return None
        done: list[str] = []
        for k, part in enumerate(parts):
            got = _shorten(part, budget if k == 0 else MAX_WORDS, tries)
            if got is None:
                break
            done += got
        else:
            return done
    return None


# ---------------------------------------------------------------------------- faithfulness


def _stem(word: str) -> str:
    word = verbs().base_of.get(word, word)
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def content_words(text: str) -> set[str]:
    """The words that carry meaning, each as its stem ('tells' and 'tell' are one)."""
    return {_stem(w) for w in (folded(w) for w in words(text)) if w not in STOPWORDS}


def _counted(text: str, of: frozenset[str]) -> Counter[str]:
    text = re.sub(r"\bnot (?:only|just)\b", "", text, flags=re.I)
    found = Counter(folded(w) for w in words(text) if folded(w) in of)
    found["not"] += len(re.findall(r"n't\b", text, re.I))
    return +found


def faithful(source: str, sentences: list[str], speaker: str | None = None) -> bool:
    """Whether the sentences say what the source says: no content word that is not in the source (as
    cleaned and made plain) or the glue; the same 'not's (as many); the same modals; a condition kept."""
    said = plain(clean(source))
    allowed = content_words(said) | content_words(clean(source)) | content_words(" ".join(GLUE)) \
        | content_words(speaker or "")
    written = " ".join(sentences)
    if content_words(written) - allowed:
        return False
    for kind in (NEGATIONS, MODALS):
        before, after = _counted(said, kind), _counted(written, kind)
        if set(before) != set(after) or any(after[w] < n for w, n in before.items()):
            return False
    if re.search(r"\bif\b", said, re.I) and not re.search(r"\bif\b", written, re.I) \
            and not any(a.endswith("?") and b.startswith("Then ") for a, b in zip(sentences, sentences[1:])):
        return False
    return True


def rewrite(sentence: str, speaker: str | None = None) -> Rewrite:
    """One transcript sentence as Easy Read sentences; a quote keeps its speaker ('Nicki says: ...')."""
    lead = f"{speaker} says: " if speaker else ""
    budget = MAX_WORDS - word_count(lead)
    cleaned = clean(sentence).rstrip(" .!?")
    question = sentence.rstrip().endswith("?")
    parts = _shorten(cleaned, budget, [0]) if cleaned else None
    if parts:
        sentences = [tidy(p) for p in parts]
        if question and len(sentences) == 1:
            sentences = [sentences[0].rstrip(".") + "?"]
        sentences[0] = lead + sentences[0]
        if faithful(sentence, sentences, speaker) and all(word_count(s) >= 2 for s in sentences):
            return Rewrite(sentence, tuple(sentences))
    whole = fix_articles(re.sub(r"\s+", " ", sentence).strip())
    return Rewrite(sentence, (lead + whole,), too_long=True)
