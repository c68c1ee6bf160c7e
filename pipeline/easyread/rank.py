"""Which sentences matter most: TextRank (PageRank over TF-IDF cosine similarities) within windows of
at most WINDOW sentences, then maximal marginal relevance, so that a point said once is not crowded
out by one said three ways. The cost grows linearly with the number of sentences."""

from __future__ import annotations

import math

import numpy as np

from .lexicon import STOPWORDS, folded, words
from .sentences import OPERATIONS

WINDOW = 200  # sentences compared with each other: about 10 minutes of speech
MMR_WEIGHT = 0.7  # centrality against novelty when choosing sentences

Vector = dict[str, float]


def terms(sentence: str) -> list[str]:
    """Content words for comparing sentences: lower case, no stop words, plurals folded."""
    found = [folded(w) for w in words(sentence)]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in found if w and w not in STOPWORDS]


def tfidf_vectors(sentences: list[str]) -> list[Vector]:
    """Each sentence's TF-IDF vector (sparse, unit length; IDF over all the sentences)."""
    counted = [terms(s) for s in sentences]
    document_frequency: dict[str, int] = {}
    for ts in counted:
        for t in set(ts):
            document_frequency[t] = document_frequency.get(t, 0) + 1
    vectors = []
    for ts in counted:
        vector: Vector = {}
        for t in ts:
            vector[t] = vector.get(t, 0.0) + math.log((1 + len(sentences)) / (1 + document_frequency[t])) + 1
        norm = math.sqrt(sum(v * v for v in vector.values()))
        vectors.append({t: v / norm for t, v in vector.items()} if norm else {})
    OPERATIONS["terms"] += sum(len(ts) for ts in counted)
    return vectors


def similarity(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _pagerank(vectors: list[Vector], damping: float = 0.85) -> np.ndarray:
    n = len(vectors)
    vocabulary = {t: i for i, t in enumerate(sorted({t for v in vectors for t in v}))}
    matrix = np.zeros((n, max(1, len(vocabulary))))
    for row, vector in enumerate(vectors):
        for t, v in vector.items():
            matrix[row, vocabulary[t]] = v
    similar = matrix @ matrix.T
    OPERATIONS["similarities"] += n * n
    np.fill_diagonal(similar, 0.0)
    totals = similar.sum(axis=1, keepdims=True)
    transition = np.divide(similar, totals, out=np.full_like(similar, 1.0 / n), where=totals > 0)
    scores = np.full(n, 1.0 / n)
    for _ in range(200):
        updated = (1 - damping) / n + damping * (transition.T @ scores)
        if np.abs(updated - scores).sum() < 1e-12:
            break
        scores = updated
    return scores * n  # 1 on average, so that windows compare


def centrality(vectors: list[Vector]) -> np.ndarray:
    """TextRank scores, 1 on average: within windows of at most WINDOW neighbouring sentences."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0)
    windows = math.ceil(n / WINDOW)
    size = math.ceil(n / windows)
    scores = np.concatenate([_pagerank(vectors[i:i + size]) for i in range(0, n, size)])
    return np.round(scores, 9)  # so that ties, and so the choice, never hang on the last float bits


def point_count(sentences: int) -> int:
    """About half of a short talk, fewer of a long one: 7 points for 13 sentences, at most 12."""
    return max(3, min(12, round(2 * math.sqrt(sentences))))


def choose(vectors: list[Vector], candidates: list[int], count: int, weight: list[float] | None = None,
           scores: np.ndarray | None = None) -> list[int]:
    """`count` of the candidates by maximal marginal relevance (centrality, less likeness to one
    already chosen), in the order they are spoken. `scores`: the candidates' centrality, if known."""
    if not candidates:
        return []
    if scores is None:
        scores = centrality([vectors[i] for i in candidates])
    top = float(scores.max()) or 1.0
    relevance = {i: float(s) / top * (weight[i] if weight else 1.0) for i, s in zip(candidates, scores)}
    likeness = {i: 0.0 for i in candidates}
    chosen: list[int] = []
    while likeness and len(chosen) < count:
        best = max(likeness, key=lambda i: (round(MMR_WEIGHT * relevance[i] - (1 - MMR_WEIGHT) * likeness[i], 9),
                                            -i))
        del likeness[best]
        chosen.append(best)
        for i in likeness:
            likeness[i] = max(likeness[i], similarity(vectors[i], vectors[best]))
        OPERATIONS["comparisons"] += len(likeness)
    return sorted(chosen)
