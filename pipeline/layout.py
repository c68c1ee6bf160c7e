"""Caption cues from timed words, laid out the way subtitlers do it.

Breaks are chosen over a whole stretch of speech at once (dynamic programming, as TeX breaks
paragraphs): every possible cue is priced by where it breaks (after a sentence or clause,
before a conjunction; never inside "the | nurse", "of | the", "will | report", "Lisa | Cooper"),
by how fast it must be read, and by how its two lines balance; the cheapest whole is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from functools import lru_cache

from . import sounds
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
    # How a speaker's name shows in the caption text where the speaker changes: "brackets"
    # ("[Nicki] I was fifteen.", Netflix), "caps" ("NICKI: I was fifteen.", the BBC's labels),
    # or "none" (the picture always shows who speaks: a new caption or a "- " line only).
    speaker_style: str = "brackets"
    # Verbatim (True) shows every word said; clean verbatim (False, the default) leaves fillers
    # ("um", "uh", "erm") and stutters ("with with", "I I") out of the captions only: the editor's
    # file, the transcript's words and the review list keep them (see _clean_verbatim).
    verbatim: bool = False
    # Sounds (issue 18): the words of the machine's labels for music and for singing,
    # and how sound descriptions are written: "lower" ("[♪ music]", Netflix; a name keeps its
    # capital: "[Nicki sighs]"), "upper" ("[♪ MUSIC]", the BBC's capitals for sound effects) or
    # "as written". `music_note`: a description of music or singing carries "♪", as both styles
    # mark music. `make check` holds captions to all of it.
    music_label: str = "[♪ music]"
    singing_label: str = "[♪ singing]"
    sound_case: str = "lower"
    music_note: bool = True
    # The machine's label for a phone ringing (or a caller's ringing tone) it hears.
    ringing_label: str = "[ringing]"
    # Lyrics (the words under a description of singing: the machine's "[♪ singing]", where the
    # voice over music holds notes, or an editor's "[♪ choir sings]") are shown between these
    # marks, at the start and end of each caption line: "♪" (Netflix's lyrics), "#" (the BBC's),
    # "" for none. A display rule only: the words themselves and the editor's file are never
    # changed; lines an editor already marked are left as they are.
    lyrics_mark: str = "♪"
    # Whether every word heard over music, not only under singing, is marked as lyrics. Off by
    # default: narration over a background score is not sung. On for music videos; an editor's
    # own marks ("♪" typed in the editor's file) are shown whatever this says.
    lyrics_over_music: bool = False

    def __post_init__(self):
        if self.speaker_style not in SPEAKER_STYLES:
            raise ValueError(f"unknown speaker_style {self.speaker_style!r}: use one of {', '.join(SPEAKER_STYLES)}")
        if self.sound_case not in SOUND_CASES:
            raise ValueError(f"unknown sound_case {self.sound_case!r}: use one of {', '.join(SOUND_CASES)}")
        if self.lyrics_mark not in LYRICS_MARKS:
            raise ValueError(f"unknown lyrics_mark {self.lyrics_mark!r}: use one of {', '.join(map(repr, LYRICS_MARKS))}")
        for label in (self.music_label, self.singing_label, self.ringing_label):
            if not re.fullmatch(r"\[[^\[\]]*\S[^\[\]]*\]", label):
                raise ValueError(f"a sound label is a description in square brackets, not {label!r}")


SPEAKER_STYLES = ("brackets", "caps", "none")
SOUND_CASES = ("lower", "upper", "as written")
LYRICS_MARKS = ("♪", "#", "")

PROFILES = {
    "default": Profile(),
    "bbc": Profile(name="bbc", max_chars=37, max_wpm=180.0, warn_wpm=160.0, speaker_style="caps",
                   sound_case="upper", lyrics_mark="#"),
}


def speaker_label(name: str | None, profile: Profile) -> str:
    """A speaker's name as the caption text shows it, by the profile's house style ("" for none)."""
    if not name or profile.speaker_style == "none":
        return ""
    return f"{name.upper()}:" if profile.speaker_style == "caps" else f"[{name}]"


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
    """The captions' cues. Where the speaker changes, a new cue starts, and its text starts with
    the speaker's name in the profile's house style (a sound description between two turns of
    one speaker is no change)."""
    gap = profile.gap_frames / (fps or 25.0)
    words = _readable_times(transcript.words if profile.verbatim else _clean_verbatim(transcript.words))
    lyrics = _lyrics_spans(words, profile)
    words = _sound_labels(words, profile)
    cues: list[Cue] = []
    speaking = None  # who spoke the last words
    for block in _blocks(words, profile, lyrics):
        voice = None if block[0].sound else block[0].speaker
        label = speaker_label(voice, profile) if voice and voice != speaking else ""
        if not block[0].sound:
            speaking = voice
        mark = _lyrics_mark(block, lyrics, profile)
        fitting = replace(profile, max_chars=profile.max_chars - 2 * (len(mark) + 1)) if mark else profile
        for k, group in enumerate(_best_groups(block, fitting, gap, label)):
            lines = _best_lines(_texts(group, label if k == 0 else ""), fitting)
            lines = [f"{mark} {line} {mark}" for line in lines] if mark else lines
            cues.append(Cue(group[0].start, group[-1].end, lines, group, [voice] * len(lines)))
    cues = _dialogue(cues, profile)
    return _time(cues, profile, gap, transcript.duration)


def _lyrics_spans(words: list[Word], profile: Profile) -> list[tuple[float, float]]:
    """Where the words are lyrics: under a description of singing; under any music too where
    the profile marks every word over music."""
    return sounds.music_spans(words) if profile.lyrics_over_music else sounds.singing_spans(words)


def _lyrics_mark(block: list[Word], lyrics: list[tuple[float, float]], profile: Profile) -> str:
    """The profile's lyrics mark where a block's words are lyrics, else "" (also where an editor
    already marked them: a "♪" or "#" among the words)."""
    if not profile.lyrics_mark or block[0].sound or not sounds.over_music(block[0], lyrics):
        return ""
    if sounds.marked_as_lyrics(block):
        return ""
    return profile.lyrics_mark


def _sound_labels(words: list[Word], profile: Profile) -> list[Word]:
    """Sound words in the profile's house style, a long one cut into cues it allows, so a label
    stays on screen for the whole of its music (never more than max_duration without a caption)."""
    names = {sounds.MUSIC: profile.music_label, sounds.SINGING: profile.singing_label,
             sounds.RINGING: profile.ringing_label}
    spoken = [(w.start, w.end) for w in words if not w.sound]
    out: list[Word] = []
    for word in words:
        if word.sound:
            word = replace(word, text=sounds.house_style(names.get(word.text, word.text), profile.sound_case))
            for piece in _around_speech(word, spoken, profile):
                out += sounds.split_long(piece, profile.max_duration)
        else:
            out.append(word)
    return sorted(out, key=lambda w: w.start)


# Seconds a sound goes on alone between two captioned lines before its label shows again: a
# label flashed for a moment between two lines of a song (or of speech over a score) is noise.
LABEL_AGAIN = 3.0


def _around_speech(word: Word, spoken: list[tuple[float, float]], profile: Profile) -> list[Word]:
    """A long sound label over the stretches of its span where nobody speaks, so the words over
    it are captioned when they are said (marked as lyrics), not after the label: the stretch
    before the first words at least min_duration long, later ones LABEL_AGAIN. Where words start
    with the sound, its label still shows first, for min_duration, so a viewer knows it began."""
    # A word is on screen for at most max_duration however long Whisper says it lasts (a sung
    # word held for ten seconds): past that, its time is a stretch with nothing else to show.
    busy = sorted((a, min(b, a + profile.max_duration) + profile.linger)
                  for a, b in spoken if b > word.start and a < word.end)
    if not busy:
        return [word]
    pieces, at = [], word.start
    for k, (a, b) in enumerate(busy):
        shortest = profile.min_duration + profile.pause / 3 if k == 0 else LABEL_AGAIN
        if a - at >= shortest:
            pieces.append(replace(word, start=at, end=a - profile.gap_frames / 25.0))
        elif k == 0:
            pieces.append(replace(word, end=min(word.end, word.start + profile.min_duration)))
        at = max(at, b)
    if word.end - at >= LABEL_AGAIN:
        pieces.append(replace(word, start=at, end=word.end))
    return pieces


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


def _texts(words: list[Word], label: str = "") -> list[str]:
    """The words' texts; a speaker's label is joined to the first, so no line breaks after it."""
    texts = [w.text for w in words]
    if label and texts:
        texts[0] = f"{label} {texts[0]}"
    return texts


# --- clean verbatim ----------------------------------------------------------------------

FILLERS = {"um", "umm", "uh", "uhh", "uhm", "erm", "er", "err"}
# Words whose immediate repetition, with nothing between, is a stutter ("with with", "the the",
# "I I"): function words and pronouns only. Some are said twice on purpose and are never taken
# out: "that that", "had had", "is is", "her her" ("gave her her book"), "no no", "so so".
_STUTTERS = None


def _stutter_words() -> set[str]:
    global _STUTTERS
    if _STUTTERS is None:
        pronouns = _PRONOUNS | {"me", "him", "us", "them", "i'm", "it's", "you're", "we're", "they're"}
        _STUTTERS = ((_DETERMINERS | _PREPOSITIONS | _AUXILIARIES | _CONJUNCTIONS | pronouns)
                     - {"that", "had", "is", "was", "do", "her", "no", "not", "so", "what", "which", "such"})
    return _STUTTERS


def _clean_verbatim(words: list[Word]) -> list[Word]:
    """The words as clean verbatim captions show them: fillers and stuttered function words left
    out. A repetition with punctuation between ("no, no"), of a content word ("bye bye", "very
    very"), or by another speaker, stays. A filler's sentence end passes to the word before it,
    and a sentence that started with a filler or a stutter keeps its capital."""
    words, out = list(words), []
    for k, word in enumerate(words):
        following = words[k + 1] if k + 1 < len(words) else None
        bare = _bare(word.text)
        if word.sound:
            out.append(word)
            continue
        if bare in FILLERS and word.text[-1:] != "-":
            ending = word.text.rstrip()[-1:]
            if ending in ".?!" and out and not out[-1].sound and out[-1].speaker == word.speaker:
                out[-1] = replace(out[-1], text=out[-1].text.rstrip(",;:—–") + ending)
            if _starts_sentence(word, out) and following is not None and not following.sound:
                words[k + 1] = following = _capitalised(following)
            continue
        if (following is not None and not following.sound and following.speaker == word.speaker
                and bare in _stutter_words() and _bare(following.text) == bare
                and re.fullmatch(r"[\w']+", word.text)):
            if _starts_sentence(word, out):
                words[k + 1] = _capitalised(following)
            continue
        out.append(word)
    return out


def _starts_sentence(word: Word, before: list[Word]) -> bool:
    return word.text[:1].isupper() and (not before or before[-1].sound or _ends_sentence(before[-1].text))


def _capitalised(word: Word) -> Word:
    return replace(word, text=word.text[:1].upper() + word.text[1:]) if word.text[:1].islower() else word


def _blocks(words: list[Word], profile: Profile, lyrics: list[tuple[float, float]] = ()) -> list[list[Word]]:
    """Stretches no cue may cross: a change of speaker, a sound description, a long pause, the
    start or end of lyrics."""
    blocks: list[list[Word]] = []
    for word in words:
        previous = blocks[-1][-1] if blocks else None
        if (previous is None or word.speaker != previous.speaker or word.sound or previous.sound
                or word.start - previous.end >= profile.pause
                or sounds.over_music(word, lyrics) != sounds.over_music(previous, lyrics)):
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
                 "if", "unless", "until", "when", "where", "which", "who", "that", "whether", "since", "as",
                 "how", "why"}
FORBIDDEN = 100.0
NAME_BREAK = 30.0
_NUMBERS = re.compile(r"^\d[\d,.:]*$")


@lru_cache(maxsize=1 << 16)
def _bare(text: str) -> str:
    return re.sub(r"^[^\w']+|[^\w']+$", "", text.lower())


@lru_cache(maxsize=1 << 16)
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


# Verbs whose "to" starts an infinitive that belongs to them ("going | to be" splits a verb phrase).
_CATENATIVES = {"going", "gonna", "want", "wants", "wanted", "need", "needs", "needed", "try", "tries", "tried",
                "trying", "have", "has", "had", "having", "able", "used", "supposed", "got", "ought", "seem",
                "seems", "seemed", "like", "likes", "liked", "plan", "plans", "planned", "hope", "hopes",
                "decided", "learn", "learned", "started", "start", "begin", "began", "continue", "continues",
                "managed", "agreed", "refused", "helped", "help", "expect", "expected", "asked"}
_FUNCTION_WORDS = None
# Words before a noun phrase's modifier and noun ("the first | person", "one phone | call", "other | agencies").
_MODIFIED = _DETERMINERS | {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "other",
                            "several", "many", "few", "most", "all", "both", "more", "less", "same"}
_INDEFINITE = {"something", "someone", "somebody", "anything", "anyone", "anybody", "everything", "everyone",
               "everybody", "nothing", "nobody", "there"}


def _is_function_word(bare: str) -> bool:
    global _FUNCTION_WORDS
    if _FUNCTION_WORDS is None:
        _FUNCTION_WORDS = (_DETERMINERS | _PREPOSITIONS | _AUXILIARIES | _PRONOUNS | _CONJUNCTIONS
                           | {"me", "him", "us", "them", "not", "also", "then", "there", "here", "now"})
    return bare in _FUNCTION_WORDS


def _ends_sentence(text: str) -> bool:
    return break_cost(text, "x") == 0.0


def join_cost(texts: list[str], k: int) -> float:
    """How bad it is to break before texts[k]; see _join_cost."""
    first = max(0, k - 3)
    return _join_cost(tuple(texts[first:k + 2]), k - first)


@lru_cache(maxsize=1 << 16)
def _join_cost(texts: tuple[str, ...], k: int) -> float:
    """How bad it is to break before texts[k], seeing the words around the break: break_cost, and
    what a pair of words cannot tell: a verb and its infinitive ("going | to be"), a modifier and
    its noun after a determiner ("the first | person", "a community | pharmacist"), and a new
    sentence's first word or two left at the end of a line ("deal. There | you have")."""
    before, after = texts[k - 1], texts[k]
    cost = break_cost(before, after)
    if cost <= 1.0:
        return cost  # after a sentence or a clause: nothing here makes that worse
    a, b = _bare(before), _bare(after)
    if a in _CATENATIVES and b == "to":
        cost += 20.0
    if (k >= 2 and (_bare(texts[k - 2]) in _MODIFIED or _NUMBERS.match(texts[k - 2])) and not _is_function_word(a)
            and not _is_function_word(b) and not _NUMBERS.match(b)):
        cost += 8.0  # det + modifier | noun (or a subject noun | its verb: no better)
    if a in _MODIFIED and a not in _DETERMINERS and not _is_function_word(b) and not _NUMBERS.match(b):
        cost += 20.0  # a number or quantifier | its noun: "other | agencies", "three | things"
    if a in _INDEFINITE and (b in _AUXILIARIES or not _is_function_word(b)):
        cost += 15.0  # "something | is going on", "that there | is"
    if (k >= 2 and _ends_sentence(texts[k - 2])) or (k >= 3 and _ends_sentence(texts[k - 3])
                                                     and break_cost(texts[k - 2], texts[k - 1]) > 1.0):
        cost += 12.0  # the first word or two of a sentence, alone at the end of a line
    if _ends_sentence(after) and k + 1 < len(texts):
        cost += 4.0  # a sentence's last word, alone at the start of the next line
    return cost


# --- cue breaks, over a whole block -------------------------------------------------------
# --- cue breaks, over a whole block -------------------------------------------------------

def _best_groups(block: list[Word], profile: Profile, gap: float, label: str = "") -> list[list[Word]]:
    """The block's words in cues; the first cue also holds the speaker's label, if any."""
    n = len(block)
    capacity = profile.max_chars * profile.max_lines
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        length = -1
        for i in range(j - 1, -1, -1):
            length += len(block[i].text) + 1
            shown = length + (len(label) + 1 if label and i == 0 else 0)
            span = block[j - 1].end - block[i].start
            if j - i > 1 and (shown > capacity or span > profile.max_duration):
                break
            if best[i] == float("inf"):
                continue
            cost = best[i] + _cue_cost(block, i, j, shown, profile, gap, label if i == 0 else "")
            if cost < best[j]:
                best[j], back[j] = cost, i
    groups, j = [], n
    while j > 0:
        groups.append(block[back[j]:j])
        j = back[j]
    return groups[::-1]


def _cue_cost(block: list[Word], i: int, j: int, length: int, profile: Profile, gap: float,
              label: str = "") -> float:
    cost = 10.0  # each cue costs something, so cues fill up rather than flicker
    if j < len(block):
        first = max(0, j - 3)
        cost += 4 * join_cost([w.text for w in block[first:j + 2]], j - first)
    # A sentence that ends inside a cue and starts another there: better to start a new cue.
    cost += 6.0 * sum(1 for w in block[i:j - 1] if break_cost(w.text, "x") == 0.0)
    if not _fits_lines(_texts(block[i:j], label), profile):
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
    return cost + _best_split(_texts(block[i:j], label), profile)[1]


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
        cost = 2 * join_cost(words, k) + shape
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
