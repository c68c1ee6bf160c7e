"""Re-timing an editor's corrections: the published words are the editor's words, in order,
each timed from the machine word it aligns with, or from the audio where the editor rewrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Protocol

from ..formats.editfile import EditDocument
from ..transcript import Segment, Transcript, Word, normalise_token

RETIME_VERSION = 3  # part of the corrected words' cache key: a change here reaches every words.json
MOVED = 0.25  # without the build's own record, a mark this far from its words was moved by hand
POOR_MATCH = 0.5  # share of a line's words found among the machine words, below which it is listed


class Aligner(Protocol):
    def align(self, words: list[str], start: float, end: float) -> list[tuple[float, float]] | None: ...


@dataclass
class Retimed:
    transcript: Transcript  # one segment per editor line
    poorly_matched: list[int]  # line numbers whose words mostly have no machine counterpart
    force_aligned: int = 0  # words timed from the audio by forced alignment
    interpolated: int = 0  # words timed between their neighbours
    matched_share: float = 1.0  # share of the editor's lines (of 3 words or more) that match the machine words


def retime(doc: EditDocument, machine: Transcript, written_marks: set[float] | None,
           aligner: Aligner | None = None) -> Retimed:
    """The corrected transcript.

    written_marks are the marks the build itself wrote into the file: any other mark was put
    there by an editor and is a fixed anchor. Without that record (None), a mark is an anchor
    when it lies more than MOVED from the machine time of its line's first word.
    """
    tokens = [(line, token) for line in doc.lines for token in line.tokens]
    spoken = [i for i, (_, token) in enumerate(tokens) if not token.sound]
    reference = machine.words
    times: list[tuple[float, float] | None] = [None] * len(tokens)
    probabilities = [1.0] * len(tokens)
    matched = [False] * len(tokens)
    gaps: list[tuple[list[int], float | None, float | None]] = []

    matcher = SequenceMatcher(None, [normalise_token(tokens[i][1].text) for i in spoken],
                              [normalise_token(w.text) for w in reference], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2)):
                times[spoken[i]] = (reference[j].start, reference[j].end)
                if op == "equal":
                    probabilities[spoken[i]] = reference[j].probability
                    matched[spoken[i]] = True
        elif op in ("replace", "delete"):  # words only the editor has ("delete" from the editor's side)
            window = (reference[j1].start, reference[j2 - 1].end) if op == "replace" else (None, None)
            gaps.append(([spoken[i] for i in range(i1, i2)], *window))

    _time_sounds(tokens, reference, times)
    result = Retimed(Transcript([], machine.language, machine.duration), [])
    for indices, start, end in gaps:
        _time_gap(indices, start, end, tokens, times, aligner, result)
    anchors = _anchors(doc, tokens, times, written_marks)
    _settle(times, anchors, [line.number for line, _ in tokens], machine.duration,
            {k for k, (_, token) in enumerate(tokens) if token.sound and times[k] is not None})

    segments: dict[int, Segment] = {}
    for k, (line, token) in enumerate(tokens):
        start, end = times[k]
        word = Word(token.text, start, end, probabilities[k], line.speaker, token.sound)
        segments.setdefault(line.number, Segment([])).words.append(word)
    result.transcript = Transcript(
        list(segments.values()), machine.language, machine.duration, machine.audio_sha256,
        machine.engine, machine.model, machine.model_sha256, machine.options,
    )
    judged = 0
    for line in doc.lines:
        line_matches = [matched[k] for k, (owner, token) in enumerate(tokens) if owner is line and not token.sound]
        if len(line_matches) >= 3:
            judged += 1
            if sum(line_matches) / len(line_matches) < POOR_MATCH:
                result.poorly_matched.append(line.number)
    result.matched_share = 1.0 - len(result.poorly_matched) / judged if judged else 1.0
    return result


def _time_sounds(tokens, reference: list[Word], times: list) -> None:
    """The editor's sound descriptions keep the span of the machine's sound words they stand for,
    in order ("[♪ music]" over 30 s of music, or the editor's "[♪ gentle piano music]" in its place)."""
    ours = [i for i, (_, token) in enumerate(tokens) if token.sound]
    machine = [w for w in reference if w.sound]
    matcher = SequenceMatcher(None, [tokens[i][1].text for i in ours], [w.text for w in machine], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2)):
                times[ours[i]] = (machine[j].start, machine[j].end)


def _time_gap(indices, start, end, tokens, times, aligner, result: Retimed) -> None:
    """Words with no machine counterpart: forced alignment over their stretch of audio."""
    if start is None:
        start = _neighbour_time(times, indices[0], -1)
        end = _neighbour_time(times, indices[-1], +1)
    if start is None or end is None or end < start:
        return  # left for _settle, which interpolates from whatever is known around them
    aligned = aligner.align([tokens[i][1].text for i in indices], start, end) if aligner else None
    if aligned:
        for i, span in zip(indices, aligned):
            times[i] = span
        result.force_aligned += len(indices)
    else:
        result.interpolated += len(indices)
        for i, span in zip(indices, _spread([tokens[i][1].text for i in indices], start, end)):
            times[i] = span


def _neighbour_time(times, index: int, step: int) -> float | None:
    k = index + step
    while 0 <= k < len(times):
        if times[k] is not None:
            return times[k][1] if step < 0 else times[k][0]
        k += step
    return None


def _spread(words: list[str], start: float, end: float) -> list[tuple[float, float]]:
    """Share a stretch of time between words in proportion to their length."""
    weights = [len(w) + 1 for w in words]
    total = sum(weights)
    spans, t = [], start
    for weight in weights:
        step = (end - start) * weight / total
        spans.append((t, t + step))
        t += step
    return spans


def _anchors(doc: EditDocument, tokens, times, written_marks: set[float] | None) -> dict[int, float]:
    """Token index -> fixed start time, for the first token of each line whose mark an editor set."""
    anchors = {}
    first_token = {}
    for k, (line, _) in enumerate(tokens):
        first_token.setdefault(line.number, k)
    for line in doc.lines:
        if line.mark is None or line.number not in first_token:
            continue
        k = first_token[line.number]
        if written_marks is not None:
            moved = round(line.mark, 1) not in written_marks
        else:
            moved = times[k] is None or abs(times[k][0] - line.mark) > MOVED
        if moved or times[k] is None:
            anchors[k] = line.mark
    return anchors


def _settle(times: list, anchors: dict[int, float], line_of: list[int], duration: float,
            spans: set[int] = frozenset()) -> None:
    """Make times whole and sane: anchors exact, unknowns interpolated, order kept, inside the audio.

    An anchored line moves as a whole to its mark, its words keeping their pace; words around
    it give way (never the mark), so the change stays local to where the editor made it. A sound
    in `spans` (one that stands for a machine sound word) keeps its end past the words after it:
    music plays on under speech, and the captions show those words as heard over music.
    """
    for k, mark in anchors.items():
        line = [i for i in range(len(times)) if line_of[i] == line_of[k] and times[i] is not None]
        if line:
            shift = mark - (times[k][0] if times[k] is not None else min(times[i][0] for i in line))
            for i in line:
                times[i] = (times[i][0] + shift, times[i][1] + shift)
        times[k] = (mark, max(mark, times[k][1]) if times[k] is not None else mark)
    _fill_unknown(times, duration)
    starts = [min(max(t[0], 0.0), duration) for t in times]
    for k in range(len(starts) - 2, -1, -1):  # earlier words give way to a later mark
        if starts[k] > starts[k + 1] and k not in anchors:
            starts[k] = starts[k + 1]
    for k in range(1, len(starts)):  # and later words to an earlier one
        starts[k] = max(starts[k], starts[k - 1])
    for k, (_, end) in enumerate(times):
        limit = starts[k + 1] if k + 1 < len(starts) and k not in spans else duration
        times[k] = (starts[k], min(max(end, starts[k]), max(limit, starts[k])))


def _fill_unknown(times: list, duration: float) -> None:
    """Runs of words with no time share the stretch between their timed neighbours."""
    k = 0
    while k < len(times):
        if times[k] is not None:
            k += 1
            continue
        run_end = k
        while run_end < len(times) and times[run_end] is None:
            run_end += 1
        left = times[k - 1][1] if k > 0 else 0.0
        right = times[run_end][0] if run_end < len(times) else duration
        for i, span in zip(range(k, run_end), _spread(["x"] * (run_end - k), left, max(left, right))):
            times[i] = span
        k = run_end
