"""Caption cues from timed words, laid out the way subtitlers do it.

Breaks are chosen over a whole stretch of speech at once (dynamic programming, as TeX breaks
paragraphs): every possible cue is priced by where it breaks (after a sentence or clause,
before a conjunction; never inside "the | nurse", "of | the", "will | report", "Lisa | Cooper"),
by how fast it must be read, and by how its two lines balance; the cheapest whole is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from .transcript import Transcript, Word


@dataclass(frozen=True)
class Profile:
    """A caption style. The default follows Netflix's English rules and the research notes'
    UK defaults; `bbc` the BBC Subtitle Guidelines' 37 characters and 160-180 words a minute."""

    name: str = "default"
    max_chars: int = 42  # per line, spaces and punctuation included
    max_lines: int = 2
    max_cps: float = 20.0  # characters per second: an error above
    warn_cps: float = 17.0  # and a warning above
    max_wpm: float | None = None  # words per minute, where the style counts words
    warn_wpm: float | None = None
    min_duration: float = 5 / 6
    max_duration: float = 7.0
    gap_frames: int = 2  # at least this many frames between cues
    chain_gap: float = 0.5  # a shorter gap is closed up to gap_frames
    linger: float = 0.5  # a cue may stay up this long after its last word
    pause: float = 1.5  # a silence this long always ends a cue


PROFILES = {
    "default": Profile(),
    "bbc": Profile(name="bbc", max_chars=37, max_wpm=180.0, warn_wpm=160.0),
}


def profile_from(name: str, overrides: dict | None = None) -> Profile:
    """A named profile with any fields overridden (from [tool.pipeline] in pyproject.toml)."""
    if name not in PROFILES:
        raise ValueError(f"unknown caption profile {name!r}: use one of {', '.join(PROFILES)}")
    known = {f.name for f in fields(Profile)}
    unknown = set(overrides or {}) - known
    if unknown:
        raise ValueError(f"unknown caption profile setting(s): {', '.join(sorted(unknown))}")
    return replace(PROFILES[name], **(overrides or {}))


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: list[str]
    words: list[Word]
    speakers: list[str | None]  # one per line: a dialogue cue has two voices

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def speaker(self) -> str | None:
        return self.speakers[0] if self.speakers else None


def layout(transcript: Transcript, profile: Profile = PROFILES["default"], fps: float | None = None) -> list[Cue]:
    gap = profile.gap_frames / (fps or 25.0)
    words = _readable_times(transcript.words)
    cues: list[Cue] = []
    for block in _blocks(words, profile):
        for group in _best_groups(block, profile, gap):
            voice = None if group[0].sound else group[0].speaker
            lines = _best_lines(_texts(group), profile)
            cues.append(Cue(group[0].start, group[-1].end, lines, group, [voice] * len(lines)))
    cues = _dialogue(cues, profile)
    return _time(cues, profile, gap, transcript.duration)


SHORT_TURN = 2.0  # seconds: a turn this short can share a cue with the reply to it
MIN_WORD = 0.12  # seconds: Whisper sometimes stacks several words on one instant


def _readable_times(words: list[Word]) -> list[Word]:
    """Copies of the words where stacked words are given a little time each, borrowed from what
    follows (at most a second), so no cue has to flash several words at once."""
    out: list[Word] = []
    for word in words:
        start = word.start
        if out and not word.sound:
            start = min(max(word.start, out[-1].start + MIN_WORD), word.start + 1.0)
        out.append(replace(word, start=start, end=max(word.end, start)))
    return out


def _texts(words: list[Word]) -> list[str]:
    return [w.text for w in words]


def _blocks(words: list[Word], profile: Profile) -> list[list[Word]]:
    """Stretches no cue may cross: a change of speaker, a sound description, a long pause."""
    blocks: list[list[Word]] = []
    for word in words:
        previous = blocks[-1][-1] if blocks else None
        if (previous is None or word.speaker != previous.speaker or word.sound or previous.sound
                or word.start - previous.end >= profile.pause):
            blocks.append([])
        blocks[-1].append(word)
    return blocks


# --- where a break may fall -------------------------------------------------------------

_ARTICLES = {"a", "an", "the"}
_DETERMINERS = _ARTICLES | {"this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their",
                            "some", "any", "every", "each", "no", "another", "such", "what", "which", "whose"}
_PREPOSITIONS = {"of", "in", "on", "at", "to", "for", "with", "from", "by", "about", "into", "onto", "over",
                 "under", "between", "through", "during", "without", "within", "against", "among", "around",
                 "after", "before", "behind", "beyond", "near", "towards", "toward", "upon", "across", "like"}
_AUXILIARIES = {"is", "are", "was", "were", "be", "been", "being", "am", "have", "has", "had", "will", "would",
                "can", "could", "should", "shall", "may", "might", "must", "do", "does", "did", "not",
                "i'm", "you're", "we're", "they're", "it's", "he's", "she's", "i've", "we've", "don't",
                "doesn't", "didn't", "can't", "won't", "isn't", "aren't", "wasn't", "weren't"}
_PRONOUNS = {"i", "you", "he", "she", "it", "we", "they", "who"}
_CONJUNCTIONS = {"and", "but", "or", "nor", "so", "because", "although", "though", "while", "whereas",
                 "if", "unless", "until", "when", "where", "which", "who", "that", "whether", "since", "as"}
FORBIDDEN = 100.0
NAME_BREAK = 30.0
_NUMBERS = re.compile(r"^\d[\d,.:]*$")


def _bare(text: str) -> str:
    return re.sub(r"^[^\w']+|[^\w']+$", "", text.lower())


def break_cost(before: str, after: str) -> float:
    """How bad it is to break between two words (0: ideal, FORBIDDEN: only if nothing else fits)."""
    if before.endswith((".", "?", "!", "…", ".\"", "?\"", "!\"", ".”")):
        return 0.0
    if before.endswith((",", ";", ":", "—", "–", ")")):
        return 1.0
    a, b = _bare(before), _bare(after)
    function_word_follows = b in _PREPOSITIONS or b in _DETERMINERS or b in _CONJUNCTIONS
    if a in _DETERMINERS or a in _PREPOSITIONS or a in _CONJUNCTIONS:
        return FORBIDDEN  # article | noun, preposition | object, conjunction | its clause
    if (a in _AUXILIARIES or a in _PRONOUNS) and not function_word_follows:
        return FORBIDDEN  # auxiliary | verb, pronoun | verb (but "have | in the" is a main verb)
    if before[:1].isupper() and after[:1].isupper() and a not in {"i"}:
        return NAME_BREAK  # first name | last name, and other names of several words
    if _NUMBERS.match(a) and not _NUMBERS.match(b):
        return 8.0  # 25 | years, £3 | million
    if b in _CONJUNCTIONS:
        return 2.0
    if b in _PREPOSITIONS:
        return 3.0
    return 5.0


# --- cue breaks, over a whole block -------------------------------------------------------

def _best_groups(block: list[Word], profile: Profile, gap: float) -> list[list[Word]]:
    n = len(block)
    capacity = profile.max_chars * profile.max_lines
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        length = -1
        for i in range(j - 1, -1, -1):
            length += len(block[i].text) + 1
            span = block[j - 1].end - block[i].start
            if j - i > 1 and (length > capacity or span > profile.max_duration):
                break
            if best[i] == float("inf"):
                continue
            cost = best[i] + _cue_cost(block, i, j, length, profile, gap)
            if cost < best[j]:
                best[j], back[j] = cost, i
    groups, j = [], n
    while j > 0:
        groups.append(block[back[j]:j])
        j = back[j]
    return groups[::-1]


def _cue_cost(block: list[Word], i: int, j: int, length: int, profile: Profile, gap: float) -> float:
    cost = 10.0  # each cue costs something, so cues fill up rather than flicker
    if j < len(block):
        cost += 4 * break_cost(block[j - 1].text, block[j].text)
    # A sentence that ends inside a cue and starts another there: better to start a new cue.
    cost += 6.0 * sum(1 for w in block[i:j - 1] if break_cost(w.text, "x") == 0.0)
    if not _fits_lines(_texts(block[i:j]), profile):
        cost += 1000.0  # one word too long for a line: allowed only when nothing else is
    # The longest the cue could stay up: until just before the next word, and not long after its own.
    room_end = block[j].start - gap if j < len(block) else block[j - 1].end + profile.linger
    shown = max(min(room_end, block[j - 1].end + profile.linger), block[i].start + 0.001) - block[i].start
    # Words Whisper squeezed into no time get no room: such a cue must join its neighbours.
    cps = length / max(shown, profile.min_duration if shown >= profile.min_duration / 2 else 0.05)
    if cps > profile.max_cps:
        cost += 100.0 + 30 * (cps - profile.max_cps)
    elif cps > profile.warn_cps:
        cost += 4 * (cps - profile.warn_cps)
    if profile.max_wpm:
        wpm = 60 * (j - i) / max(shown, profile.min_duration)
        if wpm > profile.max_wpm:
            cost += 40.0 + (wpm - profile.max_wpm)
    if shown < profile.min_duration:
        cost += 30.0  # too short to read: better joined to a neighbour
    if length <= profile.max_chars:
        return cost
    return cost + _best_split(_texts(block[i:j]), profile)[1]


# --- lines within a cue ------------------------------------------------------------------

def _fits_lines(words: list[str], profile: Profile) -> bool:
    return len(" ".join(words)) <= profile.max_chars or _best_split(words, profile)[1] < 1000.0


def _best_split(words: list[str], profile: Profile) -> tuple[int, float]:
    """Where to split a cue's words into two lines, and the price of that split."""
    best = (len(words), 1000.0)
    for k in range(1, len(words)):
        top, bottom = " ".join(words[:k]), " ".join(words[k:])
        if len(top) > profile.max_chars or len(bottom) > profile.max_chars:
            continue
        imbalance = len(top) - len(bottom)
        # Balanced or bottom-heavy reads best: a long top line over a short bottom one is worst.
        shape = imbalance / profile.max_chars * (6.0 if imbalance > 0 else 2.0)
        cost = 2 * break_cost(words[k - 1], words[k]) + shape
        if cost < best[1]:
            best = (k, cost)
    return best


def _best_lines(words: list[str], profile: Profile) -> list[str]:
    text = " ".join(words)
    if len(text) <= profile.max_chars or profile.max_lines < 2:
        return [text]
    k, cost = _best_split(words, profile)
    if cost >= 1000.0:
        return [text]  # a single word longer than a line: shown as it is
    return [" ".join(words[:k]), " ".join(words[k:])]


# --- dialogue and timing -----------------------------------------------------------------

def _dialogue(cues: list[Cue], profile: Profile) -> list[Cue]:
    """Two short turns by two speakers share a cue, one line each, each starting with '- '."""
    out: list[Cue] = []
    for cue in cues:
        previous = out[-1] if out else None
        if (previous is not None and len(previous.lines) == 1 and len(cue.lines) == 1
                and previous.speaker and cue.speaker and previous.speaker != cue.speaker
                and len(previous.speakers) == 1
                and cue.start - previous.end < profile.chain_gap
                and previous.end - previous.start < SHORT_TURN
                and cue.end - previous.start <= profile.max_duration
                and max(len(previous.lines[0]), len(cue.lines[0])) + 2 <= profile.max_chars):
            out[-1] = Cue(previous.start, cue.end, [f"- {previous.lines[0]}", f"- {cue.lines[0]}"],
                          previous.words + cue.words, [previous.speaker, cue.speaker])
        else:
            out.append(cue)
    return out


def _time(cues: list[Cue], profile: Profile, gap: float, duration: float) -> list[Cue]:
    """Cues start with their first word; they stay long enough to read, close short gaps,
    never overlap, and leave at most `linger` after their last word (unless too short)."""
    ends = []
    for k, cue in enumerate(cues):
        last_word_end = cue.words[-1].end
        next_start = cues[k + 1].start if k + 1 < len(cues) else max(duration, last_word_end + profile.linger)
        limit = next_start - gap
        end = min(last_word_end + profile.linger, limit)
        needed = max(profile.min_duration, len(cue.text.replace("\n", " ")) / profile.warn_cps)
        end = max(end, min(cue.start + needed, limit, last_word_end + profile.linger))
        if next_start - last_word_end <= profile.chain_gap + gap:
            end = max(end, limit)  # close the small gap, so captions do not blink
        if end - cue.start < profile.min_duration:
            end = min(cue.start + profile.min_duration, limit)  # length to read wins over linger
        ends.append(max(min(end, cue.start + profile.max_duration, max(duration, cue.start + 0.001)),
                        cue.start + 0.001))
    return _repair([c.start for c in cues], ends, cues, profile, gap)


def _repair(starts: list[float], ends: list[float], cues: list[Cue], profile: Profile, gap: float) -> list[Cue]:
    """Where Whisper's word times leave no room (words of no length, speech too fast to read),
    the hard rules win: a cue stays up long enough to read, and the next one starts a little
    after its first word rather than overlap."""
    for k, cue in enumerate(cues):
        if k > 0 and starts[k] < ends[k - 1] + gap:
            starts[k] = ends[k - 1] + gap
        chars = len(" ".join(cue.lines))
        need = max(profile.min_duration, chars / profile.max_cps)
        if profile.max_wpm and len(cue.words) > 1:
            need = max(need, 60 * len(cue.words) / profile.max_wpm)
        need = min(need + 0.002, profile.max_duration)  # a hair over, so millisecond rounding keeps it
        ends[k] = min(max(ends[k], starts[k] + need), starts[k] + profile.max_duration)
        if k + 1 < len(cues):
            ends[k] = min(ends[k], max(cues[k + 1].start - gap, starts[k] + need))
    return [replace(cue, start=start, end=end) for cue, start, end in zip(cues, starts, ends)]
