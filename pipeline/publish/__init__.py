"""The web bundle: an HTML transcript, a preview page, a snippet to paste and a manifest, beside the
captions in transcripts/NAME/, ready for a web team to copy as they are.

Pages are rendered from Jinja templates in pipeline/publish/templates/ with every value escaped; they are
standalone (inline CSS and a little JavaScript, nothing fetched from elsewhere) and readable
without JavaScript.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

import jinja2

from .. import __version__, store
from ..timecode import clock, spoken_duration
from ..transcript import Transcript
from ..formats.text import paragraphs, word_text

MACHINE_STATUS = "Machine transcript — not yet checked by an editor"
REVIEWED_STATUS = "Checked by an editor"

# The bundle's files, in the order the manifest lists them: suffix, manifest key, what it is, type.
BUNDLE_FILES = [
    (store.VTT, "vtt", "captions (WebVTT)", "text/vtt"),
    (store.SRT, "srt", "captions (SubRip)", "application/x-subrip"),
    (store.TXT, "txt", "transcript (plain text)", "text/plain"),
    (store.TRANSCRIPT_PAGE, "transcript", "transcript (web page)", "text/html"),
    (store.EASY_READ_HTML, "easy_read", "easy read summary (web page)", "text/html"),
    (store.PREVIEW_PAGE, "preview", "preview page: the video with captions and transcript", "text/html"),
    (store.SNIPPET, "snippet", "HTML to paste into a page: the video with captions", "text/html"),
]
BUNDLE_SUFFIXES = [suffix for suffix, *_ in BUNDLE_FILES]
WEB_PAGES = [store.TRANSCRIPT_PAGE, store.PREVIEW_PAGE, store.SNIPPET]


@dataclass(frozen=True)
class Bundle:
    """One video's web bundle: its file names and where its video is."""

    name: str  # the files are NAME.vtt, NAME.html, ...
    video: str  # the video's file name: published beside the pages
    local_video: str | None = None  # the video where it is now, relative to the pages (for previewing)
    reviewed: bool = False
    easy_read: bool = False  # NAME.easy-read.html is there to link
    to_check: int = 0  # words on the review list (`make review`)
    title: str = ""  # the editor's title (NAME.meta.json); "" : the file name is the title
    description: str = ""
    language: str = ""  # the editor's language code; "" : the transcript's

    @property
    def heading(self) -> str:
        return self.title or self.name

    def language_of(self, transcript: Transcript) -> str:
        return self.language or transcript.language

    def file(self, suffix: str) -> str:
        return f"{self.name}{suffix}"

    def urls(self) -> dict[str, str]:
        """Relative URLs of the bundle's files, by manifest key (the easy read "" if there is none)."""
        return {key: quote(self.file(suffix)) if key != "easy_read" or self.easy_read else ""
                for suffix, key, _, _ in BUNDLE_FILES}

    def video_sources(self) -> list[str]:
        """The video beside the page first (as published); then where it is now, which the browser
        tries only if the first is missing."""
        sources = [quote(self.video)]
        if self.local_video and quote(self.local_video) not in sources:
            sources.append(quote(self.local_video))
        return sources


def transcript_page(transcript: Transcript, bundle: Bundle) -> str:
    """NAME.transcript.html: the full text alternative, each paragraph linking to the video there."""
    return _render("transcript.html", transcript, bundle)


def preview_page(transcript: Transcript, bundle: Bundle) -> str:
    """NAME.html: the video with its captions track, links to the other files, and the transcript,
    whose paragraphs play the video from where they start."""
    return _render("preview.html", transcript, bundle)


def snippet(transcript: Transcript, bundle: Bundle) -> str:
    """NAME.snippet.html: the HTML a web team pastes into their own page."""
    return _render("snippet.html", transcript, bundle)


def manifest(transcript: Transcript, bundle: Bundle, contents: dict[str, bytes], made_at: str) -> dict:
    """NAME.json: what the bundle holds (files with size and sha256) and how it was made."""
    kinds = {bundle.file(suffix): (what, kind) for suffix, _, what, kind in BUNDLE_FILES}
    return {
        "name": bundle.name,
        "title": bundle.heading,
        "description": bundle.description,
        "video": bundle.video,
        "language": bundle.language_of(transcript),
        "duration": round(transcript.duration, 3),
        "reviewed": bundle.reviewed,
        "status": REVIEWED_STATUS if bundle.reviewed else MACHINE_STATUS,
        "to_check": bundle.to_check,
        "engine": transcript.engine,
        "model": transcript.model,
        "model_sha256": transcript.model_sha256,
        "audio_sha256": transcript.audio_sha256,
        "pipeline_version": __version__,
        "made_at": made_at,
        "files": [{"name": name, "what": kinds[name][0], "type": kinds[name][1], "bytes": len(data),
                   "sha256": hashlib.sha256(data).hexdigest()} for name, data in contents.items()],
    }


def pages(transcript: Transcript, bundle: Bundle) -> dict[str, str]:
    """The bundle's web pages, by suffix."""
    return {suffix: render(transcript, bundle)
            for suffix, render in zip(WEB_PAGES, (transcript_page, preview_page, snippet))}


def manifest_text(transcript: Transcript, bundle: Bundle, contents: dict[str, bytes], previous: str) -> str:
    """NAME.json for the files as rendered (by file name). It keeps the previous manifest's made_at
    while nothing else in it changes, so a build with nothing new rewrites nothing."""
    text = _manifest_text(manifest(transcript, bundle, contents, _made_at(previous)))
    if text != previous:
        text = _manifest_text(manifest(transcript, bundle, contents, _now()))
    return text


def _manifest_text(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _made_at(manifest_text: str) -> str:
    try:
        return str(json.loads(manifest_text).get("made_at", ""))
    except (ValueError, AttributeError):
        return ""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _render(template: str, transcript: Transcript, bundle: Bundle) -> str:
    language = bundle.language_of(transcript)
    return _templates().get_template(template).render(
        name=bundle.name, title=bundle.heading, description=bundle.description, video=bundle.video,
        sources=bundle.video_sources(), files=bundle.urls(),
        reviewed=bundle.reviewed, status_line=REVIEWED_STATUS if bundle.reviewed else MACHINE_STATUS,
        language=language or "und", language_label=language_name(language),
        duration=spoken_duration(transcript.duration), paragraphs=paragraphs(transcript),
        version=__version__, engine=transcript.engine or "an unknown engine", model=transcript.model or "unknown",
    )


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader(__package__, "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.globals.update(MACHINE_STATUS=MACHINE_STATUS, clock=clock, seconds=lambda s: f"{s:.2f}",
                       word_text=word_text)
    return env


def language_name(code: str) -> str:
    """A caption track's label: the language's name in that language ("English", "Français")."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return code or "Unknown language"
    return name[:1].upper() + name[1:]


