"""How common an English word is: wordfreq's Zipf frequency, without importing wordfreq for the
usual word.

Importing wordfreq and loading its English list costs about 0.4 s of CPU, more than the rest of
an edit's rebuild. So the list is written once per machine (and wordfreq version) as a sorted
text index in the shared cache, one "word<TAB>zipf" a line, and a plain lower-case word is found
there by binary search over the memory-mapped file. Any other token (capitals, digits, apostrophes,
letters beyond a-z) goes to wordfreq itself, whose tokenising rules decide its frequency. For a
plain word both give the same number (tests/test_incremental.py compares them).
"""

from __future__ import annotations

import mmap
import re
from functools import cache
from pathlib import Path

from .atomic import atomic_write_bytes
from .transcribe.models import cache_root

INDEX_VERSION = 1  # part of the index's name: a change to its format writes it again
_PLAIN = re.compile(r"[a-z]+")  # one token to wordfreq, looked up as it is


def zipf_en(token: str) -> float:
    """wordfreq.zipf_frequency(token, "en")."""
    if _PLAIN.fullmatch(token):
        index = _index()
        if index is not None:
            return index.lookup(token)
    return _wordfreq_zipf(token)


def _wordfreq_zipf(token: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(token, "en")


class _SortedIndex:
    """A memory-mapped file of "word<TAB>zipf" lines sorted by word."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    def lookup(self, word: str) -> float:
        key, data = word.encode("ascii"), self._data
        low, high = 0, len(data)  # both always at the start of a line
        while low < high:
            start = data.rfind(b"\n", 0, (low + high) // 2) + 1
            end = data.find(b"\n", start)
            found, _, zipf = data[start:end].partition(b"\t")
            if found == key:
                return float(zipf)
            if found < key:
                low = end + 1
            else:
                high = start
        return 0.0  # wordfreq's figure for a word it has never seen


def index_path() -> Path:
    from importlib.metadata import version

    return cache_root() / f"zipf-en-wordfreq-{version('wordfreq')}-v{INDEX_VERSION}.tsv"


@cache
def _index() -> _SortedIndex | None:
    """The index, written on first use; None where the cache cannot be written (wordfreq answers)."""
    path = index_path()
    try:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, _index_bytes())
        return _SortedIndex(path) if path.stat().st_size else None
    except (OSError, ValueError):
        return None


def _index_bytes() -> bytes:
    from wordfreq import get_frequency_dict

    frequencies = get_frequency_dict("en")
    plain = sorted(w for w in frequencies if _PLAIN.fullmatch(w))
    return "".join(f"{w}\t{_zipf_of(frequencies[w])!r}\n" for w in plain).encode("ascii")


def _zipf_of(frequency: float) -> float:
    """zipf_frequency's arithmetic for a word that is one token (wordfreq 3.1, __init__.py), done
    here for speed: the whole list in 0.3 s instead of 4 s."""
    import math

    from wordfreq import freq_to_zipf, zipf_to_freq

    unrounded = max(1.0 / (1.0 / frequency), zipf_to_freq(0.0))
    rounded = round(unrounded, math.floor(-math.log(unrounded, 10)) + 3)
    return round(freq_to_zipf(rounded), 2)
