"""Two decodes of the same audio, combined word by word (a confidence vote, as ROVER does).

Where the build's model and the second opinion hear different words in one stretch, the stretch
whose least sure word is surer wins; where only one of them heard words, the build's model
stands. A stretch is one line of the build's model (a segment, no sound label inside it), and the
second opinion's words must lie within it (SAME_STRETCH): words the build held back (lyrics it
was unsure of) never come back through the vote, and the lines stay in time order. Measured on the clips with reference transcripts by `captions score --explain` (its *vote*
column, and the pipeline without it): see `.bench/accuracy.md`. Pure: transcripts in, transcript out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from ..transcript import Segment, Transcript, Word, normalise_token

VOTE_VERSION = 2  # part of the corrected words' cache key
# Seconds the second opinion's words may reach beyond the words of ours they would replace.
SAME_STRETCH = 1.0


@dataclass(frozen=True)
class Voted:
    transcript: Transcript
    # For each word of the result, the index of the first decode's word it stands for, and the
    # first decode's words it replaced when it came from the second opinion (else None).
    sources: tuple[tuple[int, str | None], ...]


def combine(first: Transcript, second: Transcript | None) -> Voted:
    words = first.words
    if second is None or second.audio_sha256 != first.audio_sha256:  # none, or of other audio
        return Voted(first, tuple((i, None) for i in range(len(words))))
    # Only speech takes part in the vote: the first decode's sound words ("[♪ music]") always stand.
    spoken = [i for i, w in enumerate(words) if not w.sound]
    theirs = [w for w in second.words if not w.sound]
    segment_of = [k for k, segment in enumerate(first.segments) for _ in segment.words]
    out: list[list[Word]] = [[] for _ in first.segments]
    sources: list[tuple[int, str | None]] = []
    sounds = iter([i for i, w in enumerate(words) if w.sound] + [len(words)])
    next_sound = next(sounds)

    def keep(i: int) -> None:
        out[segment_of[i]].append(words[i])
        sources.append((i, None))

    def sounds_before(i: int) -> None:
        nonlocal next_sound
        while next_sound < i:
            keep(next_sound)
            next_sound = next(sounds)

    matcher = SequenceMatcher(None, [normalise_token(words[i].text) for i in spoken],
                              [normalise_token(w.text) for w in theirs], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        ours = [words[i] for i in spoken[i1:i2]]
        ours_won = (op != "replace" or not _one_stretch(spoken[i1:i2], segment_of, theirs[j1:j2], words)
                    or _least_sure(theirs[j1:j2]) <= _least_sure(ours))
        if ours_won:
            for i in spoken[i1:i2]:
                sounds_before(i)
                keep(i)
            continue
        # The second decode's words, with its own times (the same audio, the same clock).
        first_word = spoken[i1]
        sounds_before(first_word)
        instead = " ".join(w.text for w in ours)
        for j in range(j1, j2):
            out[segment_of[first_word]].append(replace(theirs[j], speaker=words[first_word].speaker))
            sources.append((first_word, instead))
    sounds_before(len(words))
    return Voted(replace(first, segments=[Segment(ws) for ws in out]), tuple(sources))


def _least_sure(words: list[Word]) -> float:
    return min(w.probability for w in words)


def _one_stretch(ours: list[int], segment_of: list[int], theirs: list[Word], words: list[Word]) -> bool:
    """Whether our words (their indices) are one line's, with no sound word among them, and the
    second opinion's words lie within their time."""
    if segment_of[ours[0]] != segment_of[ours[-1]] or any(words[i].sound for i in range(ours[0], ours[-1] + 1)):
        return False
    return (theirs[0].start >= words[ours[0]].start - SAME_STRETCH
            and theirs[-1].end <= words[ours[-1]].end + SAME_STRETCH)
