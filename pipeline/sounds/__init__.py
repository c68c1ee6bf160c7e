"""Sounds a deaf viewer must know about (issue 18): where music plays, where someone sings and
where a phone rings, as sound words.

    samples --detect.py--> music and ringing spans --singing.py--> the stretches of music whose
    words are sung --label_sounds--> the machine transcript with "[♪ music]", "[♪ singing]" and
    "[ringing]" sound words over each span

Pure: a transcript and its audio in, a transcript out. Words Whisper hears over music are
speech over music, kept as they are, unless the voice holds notes (singing.py): then the span is
labelled `[♪ singing]` and its words are lyrics, captioned between the profile's lyrics marks.
Whisper mishears singing far more than speech, and is often sure of what it mishears: a sung
line is published only where Whisper was fairly sure of it and the second opinion (another
model's decode of the same audio) heard mostly the same words (hold_back_unclear_lines, run by
the build once both decodes are at hand). The others go to the review list as removed, and the
`[♪ singing]` label shows in their place. Where everything Whisper heard over plain music is
unsure, it is taken for sung or garbled words in the same way. The caption
profile (layout.py) decides how the labels are written (house style) and cuts long spans into
cues. The labels are part of the cached machine transcript: a change here bumps
TRANSCRIBE_VERSION.
"""

from __future__ import annotations

import re
from dataclasses import replace
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, load_pcm
from ..transcript import Removed, Segment, Transcript, Word, is_placeholder, normalise_token
from .detect import MIN_SPAN, STEP, WINDOW, SoundEvent, detect_sounds, events, probabilities

MUSIC = "[♪ music]"  # the machine's labels; the profile may write them in its own house style
SINGING = "[♪ singing]"
RINGING = "[ringing]"  # a phone ringing, a caller's ringing tone (alarms are not found reliably)
# Below this mean word probability, what Whisper heard over a span of music is not trusted as
# words. Measured on speech over held-out music (.bench/sounds.md, `--words`): spans of 3 words or
# more have a mean of 0.80 to 0.98 with tiny.en (0.78 to 0.96 with base), and every such word is
# kept; Whisper wrote no words on the held-out music alone. No sung audio with a clear licence
# was found to measure the other side, so the threshold sits well below what speech reached.
SUNG_CONFIDENCE = 0.55
# ... and only when at least this many words are that unsure: a lone word cut at a span's edge
# ("You" at 0.007, a "." at 0.008, where speech starts just as music ends) is not singing.
MIN_SUNG_WORDS = 3
# Whisper mishears singing far more than speech, and is often sure of what it mishears. Under a
# singing label, a line (one Whisper segment) whose words' mean probability is under
# LYRICS_CONFIDENCE is held back whole; of the others, only the runs of AGREED_RUN words or more
# that the second opinion heard alike, in order, within a second of the line, are published.
# Measured on Festival's songs (.bench/singing.md): with every line published, 53% of the words
# shown were wrong; confidence alone hardly tells; the second opinion's agreement does. Words
# over other music (speech over a score, or a song the voice test missed) pass a milder gate,
# by the whole line, MUSIC_*: none of the held-out speech over music is held back by it.
LYRICS_CONFIDENCE = 0.6
AGREED_RUN = 3  # words
MUSIC_CONFIDENCE = 0.6
MUSIC_AGREEMENT = 0.6
# Words over music this far apart are judged apart (a verse, an instrumental break, a verse).
RUN_GAP = 4.0  # seconds
JUDGED = 60.0  # seconds of a run of words the pitch is tracked over, at most (pYIN: about 0.25 x real time)
UNCLEAR_LYRICS = ("sung words Whisper was unsure of, or that a second model heard otherwise: "
                  "not published, [♪ singing] shown in their place")
UNCLEAR_OVER_MUSIC = ("words heard over music that Whisper was unsure of, or that a second model heard "
                      "otherwise: not published, the music's label shown in their place")
DESCRIBED_RING = "Whisper's words for a ringing it heard, not speech: labelled [ringing]"
RING_WORDS = re.compile(r"phones?|telephones?|ring|rings|ringing|rang|bells?|alarms?")
UNSURE_OVER_MUSIC = "heard over music with little confidence (sung or unclear): labelled [♪ singing]"
# Seconds of audio judged at a time: memory stays flat however long the video (about 60 MB of
# spectra for a block, beside the Whisper model the build holds).
BLOCK = 120.0
MUSICAL = re.compile(r"\b(music|musical|singing|sings?|sung|song|melody|humming|tune)\b", re.IGNORECASE)
# Words of the other labels the machine writes: a lower-case style writes these in lower case too.
LABEL_WORDS = re.compile(r"\b(ringing|rings?|phone|telephone|alarm|bell)\b", re.IGNORECASE)


def label_sounds(transcript: Transcript, samples: np.ndarray) -> Transcript:
    """The transcript with a sound word over every span of music, singing or ringing in the
    samples."""
    def read(start: float, end: float) -> np.ndarray:
        return samples[max(0, int(start * SAMPLE_RATE)):int(end * SAMPLE_RATE)]

    return with_events(transcript, with_singing(transcript, detect_sounds(samples), read))


def label_sounds_file(transcript: Transcript, pcm: Path, ringing: bool = True) -> Transcript:
    """label_sounds for a cached PCM file of any length, read a block at a time (with or without
    the ringing label: DecodeOptions.label_ringing)."""
    def read(start: float, end: float) -> np.ndarray:
        return load_pcm(pcm, max(0, int(start * SAMPLE_RATE)), int(end * SAMPLE_RATE))

    return with_events(transcript, with_singing(transcript, detect_sounds_file(pcm, ringing), read))


def with_singing(transcript: Transcript, found: list[SoundEvent], read) -> list[SoundEvent]:
    """The events with each run of words over music that is sung (singing.is_sung, on the audio
    `read(start, end)` gives) cut out of its music span as a span of singing; what is left of the
    music around it stays music where it lasts MIN_SPAN."""
    from .singing import is_sung, words_rate

    words = [w for w in transcript.words if not w.sound]
    out: list[SoundEvent] = []
    for event in found:
        if event.kind != "music":
            out.append(event)
            continue
        sung = []
        for run in _runs([w for w in words if event.start <= _middle(w) <= event.end]):
            # The audio is read only once is_sung has checked the run's pace (a generator).
            pieces = (_piece(part, read) for part in _judged(run))
            if len(run) >= MIN_SUNG_WORDS and is_sung(pieces, words_rate([(w.start, w.end) for w in run])):
                sung.append((max(event.start, run[0].start - 0.2), min(event.end, run[-1].end + 0.2)))
        out += _cut(event, sung)
    return sorted(out, key=lambda e: e.start)


def _piece(words: list[Word], read) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The audio of some words (0.2 s either side) and their times in it."""
    start, end = words[0].start - 0.2, words[-1].end + 0.2
    return read(start, end), [(w.start - start, w.end - start) for w in words]


def _judged(run: list[Word]) -> list[list[Word]]:
    """The words a run is judged on: all of a run up to JUDGED seconds long; of a longer one (an
    hour of narration over a music bed), the words of three stretches of a third of that, at its
    start, middle and end, so the pitch tracker's cost stays bounded."""
    if run[-1].end - run[0].start <= JUDGED:
        return [run]
    step = JUDGED / 3
    starts = (run[0].start, (run[0].start + run[-1].end - step) / 2, run[-1].end - step)
    return [part for first in starts if (part := [w for w in run if first <= w.start and w.end <= first + step])]


def _runs(words: list[Word]) -> list[list[Word]]:
    """The words in runs, a new run after a pause of RUN_GAP."""
    runs: list[list[Word]] = []
    for word in words:
        if not runs or word.start - runs[-1][-1].end >= RUN_GAP:
            runs.append([])
        runs[-1].append(word)
    return runs


def _cut(event: SoundEvent, sung: list[tuple[float, float]]) -> list[SoundEvent]:
    """A music event as singing over the sung stretches and music between them. Singing reaches
    over a gap of music shorter than MIN_SPAN (a breath between two runs, the last chord)."""
    if not sung:
        return [event]
    pieces, at = [], event.start
    for start, end in sung:
        if start - at >= MIN_SPAN:
            pieces.append(SoundEvent("music", at, start, event.confidence))
        elif pieces and pieces[-1].kind == "singing":
            start = pieces.pop().start
        else:
            start = at
        pieces.append(SoundEvent("singing", round(start, 2), round(end, 2), event.confidence))
        at = end
    if event.end - at >= MIN_SPAN:
        pieces.append(SoundEvent("music", at, event.end, event.confidence))
    else:
        pieces[-1] = replace(pieces[-1], end=event.end)
    return pieces


def detect_sounds_file(pcm: Path, ringing: bool = True) -> list[SoundEvent]:
    """detect_sounds over a 16-bit PCM file, BLOCK seconds at a time: each block is read with the
    audio around it that its windows look at (the 1.5 s after it, so its last windows are whole,
    and the ringing features' context each side), and keeps only the windows that start in it."""
    from .detect import HOP, RING_CONTEXT

    total = pcm.stat().st_size // 2
    block, tail = int(BLOCK * SAMPLE_RATE), int((WINDOW - STEP) * SAMPLE_RATE)
    context = RING_CONTEXT * HOP  # samples
    centres, music, rung = [], [], []
    for first in range(0, total, block):
        before = min(first, context)
        times, m, r = probabilities(load_pcm(pcm, first - before, first + block + tail + context))
        times = times - before / SAMPLE_RATE
        keep = (times >= WINDOW / 2 - 1e-6) & ((times < BLOCK) if first + block < total else True)
        centres.append(times[keep] + first / SAMPLE_RATE)
        music.append(m[keep])
        rung.append(r[keep])
    if not centres:
        return []
    return events(np.concatenate(centres), np.concatenate(music), np.concatenate(rung), total / SAMPLE_RATE, ringing)


def detect_music_file(pcm: Path) -> list[SoundEvent]:
    """The music spans of detect_sounds_file."""
    return [e for e in detect_sounds_file(pcm) if e.kind == "music"]


def with_events(transcript: Transcript, events: list[SoundEvent]) -> Transcript:
    """The events as sound words among the transcript's segments, in time order."""
    if not events:
        return transcript
    segments = [s for s in transcript.segments if s.words]
    removed = list(transcript.removed)
    labels = []
    for event in events:
        if event.kind == "singing":
            labels.append(Segment([Word(SINGING, event.start, event.end, event.confidence, sound=True)]))
            continue
        if event.kind != "music":
            described = _describing_the_ring(segments, event)
            if described:
                segments, taken = _without(segments, set(map(id, described)), DESCRIBED_RING)
                removed += taken
            labels.append(Segment([Word(RINGING, event.start, event.end, event.confidence, sound=True)]))
            continue
        over = [w for s in segments for w in s.words if not w.sound and event.start <= _middle(w) <= event.end]
        label = MUSIC
        if _sung(over):
            segments, taken = _without(segments, set(map(id, over)))
            removed += taken
            label = SINGING
        labels.append(Segment([Word(label, event.start, event.end, event.confidence, sound=True)]))
    ordered = sorted(segments + labels, key=lambda s: (s.start, not s.words[0].sound))
    return replace(transcript, segments=ordered, removed=removed)


def _describing_the_ring(segments: list[Segment], event: SoundEvent) -> list[Word]:
    """The whole sentences Whisper wrote over a ring that name it ("The phone is ringing." is what
    tiny.en writes, again and again and sure of it, 0.65-1.0, over a phone ringing with nobody
    speaking). Over a ring means a word within a window (2 s) of the span the detector found,
    which may start late and end early."""
    sentences, current = [], []
    for word in (w for s in segments for w in s.words if not w.sound):
        current.append(word)
        if word.text.rstrip()[-1:] in ".?!":
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    start, end = event.start - WINDOW, event.end + WINDOW
    return [w for sentence in sentences
            if any(start <= _middle(w) <= end for w in sentence)
            and any(RING_WORDS.fullmatch(normalise_token(w.text)) for w in sentence) for w in sentence]


def hold_back_unclear_lines(transcript: Transcript, second: Transcript | None) -> Transcript:
    """The transcript without the unclear words heard over music, kept as removed for review:
    under a description of singing, the lines Whisper was unsure of (LYRICS_CONFIDENCE) and the
    words of the others not in a run of AGREED_RUN that the second opinion heard too; over other
    music, the lines Whisper was unsure of or the second opinion heard otherwise (MUSIC_*)."""
    singing, music = singing_spans(transcript.words), music_spans(transcript.words)
    if not music:
        return transcript
    others = [w for w in second.words if not w.sound] if second is not None else None
    unclear: set[int] = set()
    reasons: dict[int, str] = {}
    for segment in transcript.segments:
        sung = [w for w in segment.words if over_music(w, singing)]
        heard = [w for w in segment.words if over_music(w, music) and not over_music(w, singing)]
        published = _clear_lyrics(sung, others)
        gone = [w for w in sung if id(w) not in published]
        if heard and not _clear(heard, others, MUSIC_CONFIDENCE, MUSIC_AGREEMENT):
            gone += heard
        unclear |= set(map(id, gone))
        reasons[id(segment)] = UNCLEAR_LYRICS if len(published) < len(sung) else UNCLEAR_OVER_MUSIC
    if not unclear:
        return transcript
    segments, taken = [], []
    for segment in transcript.segments:
        rest, gone = _without([segment], unclear, reasons[id(segment)])
        segments += rest
        taken += gone
    return replace(transcript, segments=segments, removed=sorted(transcript.removed + taken, key=lambda r: r.start))


def _clear_lyrics(line: list[Word], others: list[Word] | None) -> set[int]:
    """The ids of a sung line's words that may be published."""
    real = [w for w in line if normalise_token(w.text)]
    if not real:
        return set(map(id, line))
    if not _sure(real, LYRICS_CONFIDENCE):
        return set()
    if others is None or AGREED_RUN == 0:  # no second opinion, or its check off (0)
        return set(map(id, line))
    agreed = set()
    for run in _heard_alike(real, others):
        if len(run) >= AGREED_RUN:
            agreed |= set(map(id, run))
    # Punctuation-only words go with the word before them.
    return agreed | {id(w) for k, w in enumerate(line) if not normalise_token(w.text) and k and id(line[k - 1]) in agreed}


def _heard_alike(words: list[Word], others: list[Word]) -> list[list[Word]]:
    """The runs of the words that the other decode has too, in order, within a second of them."""
    start, end = words[0].start - 1.0, words[-1].end + 1.0
    theirs = [normalise_token(w.text) for w in others if start <= w.start <= end]
    matcher = SequenceMatcher(None, [normalise_token(w.text) for w in words], theirs, autojunk=False)
    return [words[m.a:m.a + m.size] for m in matcher.get_matching_blocks() if m.size]


def one_voice_per_song(transcript: Transcript) -> Transcript:
    """The words under each description of singing given the speaker most of them have: a voice
    encoder made for speech takes a singer's high held note, or the band swelling under it, for
    another person (Festival's one voice over music came out as two), and a speaker's label in
    the middle of a line of a song misleads."""
    singing = singing_spans(transcript.words)
    if not singing:
        return transcript
    voice_of = {}
    for span in singing:
        sung = [w for w in transcript.words if over_music(w, [span])]
        voices = [w.speaker for w in sung if w.speaker]
        if voices:
            main = max(set(voices), key=voices.count)
            voice_of.update({id(w): main for w in sung})
    if len({voice_of.get(id(w), w.speaker) for w in transcript.words if not w.sound}) == 1:
        # One voice left: named by no one, as diarize has it.
        voice_of = {id(w): None for w in transcript.words if not w.sound and is_placeholder(w.speaker)}
    segments = [Segment([replace(w, speaker=voice_of.get(id(w), w.speaker)) for w in s.words])
                for s in transcript.segments]
    return replace(transcript, segments=segments)


def _clear(line: list[Word], others: list[Word] | None, confidence: float, agreement: float) -> bool:
    """Whether Whisper was sure enough of a line's words, and the second opinion heard enough
    of them (when there is one)."""
    real = [w for w in line if normalise_token(w.text)]
    if not real:
        return True
    if not _sure(real, confidence):
        return False
    return others is None or sum(map(len, _heard_alike(real, others))) / len(real) >= agreement


def _sure(words: list[Word], confidence: float) -> bool:
    """Whether the mean probability of the words reaches the confidence."""
    return float(np.mean([w.probability for w in words])) >= confidence


def _sung(words: list[Word]) -> bool:
    """Words heard over music too unsure to publish: sung, or speech the music drowns."""
    real = [w for w in words if any(c.isalnum() for c in w.text)]
    return len(real) >= MIN_SUNG_WORDS and float(np.mean([w.probability for w in real])) < SUNG_CONFIDENCE


def _middle(word: Word) -> float:
    return (word.start + word.end) / 2


def _without(segments: list[Segment], ids: set[int], reason: str = UNSURE_OVER_MUSIC
             ) -> tuple[list[Segment], list[Removed]]:
    """The segments without the given words, and those words as removed items: one for each run
    of them in a segment."""
    kept, taken = [], []
    for segment in segments:
        run: list[Word] = []
        for word in segment.words + [None]:
            if word is not None and id(word) in ids:
                run.append(word)
            elif run:
                taken.append(Removed(" ".join(w.text for w in run), run[0].start, run[-1].end, reason))
                run = []
        rest = [w for w in segment.words if id(w) not in ids]
        if rest:
            kept.append(Segment(rest))
    return kept, taken


LYRICS_MARKS = ("♪", "#")  # how captions mark words sung or heard over music (Netflix, BBC)
# A description of singing: the words under it are lyrics ("[♪ singing]", "[choir sings]").
SUNG = re.compile(r"\b(singing|sings?|sung|song|lyrics|vocals?|choir|chorus|chanting)\b", re.IGNORECASE)


def music_spans(words: list[Word]) -> list[tuple[float, float]]:
    """Where the transcript's sound words say music plays: the machine's "[♪ music]" and
    "[♪ singing]", or an editor's description of music ("[♪ gentle piano music]")."""
    return [(w.start, w.end) for w in words if w.sound and ("♪" in w.text or MUSICAL.search(w.text))]


def marked_as_lyrics(words: list[Word]) -> bool:
    """Whether an editor marked these words as lyrics already: a "♪" or "#" among them."""
    return any(w.text.startswith(LYRICS_MARKS) or w.text.endswith(LYRICS_MARKS) for w in words)


def singing_spans(words: list[Word]) -> list[tuple[float, float]]:
    """Where the transcript's sound words say someone sings: the words there are lyrics."""
    return [(w.start, w.end) for w in words if w.sound and SUNG.search(w.text)]


def over_music(word: Word, music: list[tuple[float, float]]) -> bool:
    """Whether a spoken word is heard over music (its middle inside a music span): shown as lyrics."""
    return not word.sound and any(a <= _middle(word) <= b for a, b in music)


def house_style(text: str, case: str) -> str:
    """A sound description as the profile writes it: "upper" ([♪ MUSIC], the BBC's capitals for
    sound effects) in capitals; "lower" ([♪ music], Netflix) and "as written" as the editor wrote
    it, since a lower-case style still keeps a name's capital ("[Nicki sighs]")."""
    return text.upper() if case == "upper" else text


def style_problem(text: str, case: str) -> str | None:
    """Why a sound description is not in the house style, or None."""
    if case == "upper" and text != text.upper():
        return "sound descriptions in capitals"
    if case == "lower" and MUSICAL.search(text) and text != text.lower():
        return "music described in lower case"
    if case == "lower" and any(m.group(0) != m.group(0).lower() for m in LABEL_WORDS.finditer(text)):
        return "sounds described in lower case"  # "[Phone rings]"; "[Nicki's phone rings]" keeps its name
    return None


def lyrics_problem(line: str, mark: str) -> str | None:
    """Why a caption line marked as lyrics is not in the house style (its mark is `mark`, or
    "" for a style that does not mark lyrics), or None. Only whole marked lines are judged: a
    "#" or "♪" inside the words is not a lyrics mark."""
    text = line.strip().removeprefix("- ")
    for other in LYRICS_MARKS:
        if text.startswith(other + " ") and other != mark:
            return f"lyrics marked with {other!r}" + (f": this style marks them with {mark!r}" if mark else "")
    if mark and text.startswith(mark + " ") and not text.endswith(" " + mark):
        return f"lyrics open with {mark!r} and do not close with it"
    return None


def split_long(word: Word, longest: float) -> list[Word]:
    """A sound word over a long span as repeated words of at most `longest` seconds each, so its
    label stays on screen for the whole span in cues the style allows."""
    span = word.end - word.start
    if not word.sound or span <= longest:
        return [word]
    count = int(np.ceil(span / longest))
    step = span / count
    return [replace(word, start=word.start + k * step, end=word.start + (k + 1) * step) for k in range(count)]
