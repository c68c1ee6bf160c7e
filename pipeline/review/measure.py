"""How well the review list finds the machine's mistakes, judged against a reference transcript
with an independent alignment (jiwer, after Whisper's English normaliser).

Each mistake counts once: a substituted or inserted word is found by flagging it; a reference
word the machine left out, by flagging either machine word beside the gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..evaluate import normalise


def error_events(reference: str, words: list[str]) -> list[frozenset[int]]:
    """The machine's mistakes against the reference, each as the machine words an editor may check
    to find it: a wrong or extra word is itself; a left-out word is either word beside the gap."""
    import jiwer

    pieces = [normalise(w).split() for w in words]
    tokens = [t for piece in pieces for t in piece]
    owner = [i for i, piece in enumerate(pieces) for _ in piece]
    ref = normalise(reference)
    if not tokens:
        return []
    if not ref:
        return [frozenset({i}) for i, piece in enumerate(pieces) if piece]
    events = []
    [chunks] = jiwer.process_words(ref, " ".join(tokens)).alignments
    for chunk in chunks:
        if chunk.type in ("substitute", "insert"):
            events += [frozenset({owner[h]}) for h in range(chunk.hyp_start_idx, chunk.hyp_end_idx)]
        elif chunk.type == "delete":
            around = {owner[h] for h in (chunk.hyp_start_idx - 1, chunk.hyp_start_idx) if 0 <= h < len(tokens)}
            events += [frozenset(around)] * (chunk.ref_end_idx - chunk.ref_start_idx)
    return events


def error_labels(reference: str, words: list[str]) -> list[bool]:
    """For each machine word, whether checking it finds one of the machine's mistakes."""
    bad = [False] * len(words)
    for event in error_events(reference, words):
        for i in event:
            bad[i] = True
    return bad


@dataclass(frozen=True)
class Recall:
    errors: int  # machine words that are wrong
    flagged: int  # words the review list shows
    caught: int  # mistakes a flagged word finds
    minutes: float
    useful: int = 0  # flagged words that find a mistake

    @property
    def recall(self) -> float:
        return self.caught / self.errors if self.errors else 1.0

    @property
    def precision(self) -> float:
        return self.useful / self.flagged if self.flagged else 1.0

    @property
    def per_minute(self) -> float:
        return self.flagged / self.minutes if self.minutes else 0.0

    def __add__(self, other: Recall) -> Recall:
        return Recall(self.errors + other.errors, self.flagged + other.flagged, self.caught + other.caught,
                      self.minutes + other.minutes, self.useful + other.useful)

    def __str__(self) -> str:
        return (f"recall {self.recall:.0%} ({self.caught}/{self.errors} errors), precision {self.precision:.0%} "
                f"({self.flagged} flagged, {self.per_minute:.1f} a minute)")


def recall_of(events: list[frozenset[int]], flagged: list[bool], minutes: float) -> Recall:
    """How many of the mistakes the flagged words find, and how many flagged words find one."""
    useful = set().union(*events) if events else set()
    return Recall(len(events), sum(flagged), sum(1 for event in events if any(flagged[i] for i in event)),
                  minutes, sum(1 for i, f in enumerate(flagged) if f and i in useful))
