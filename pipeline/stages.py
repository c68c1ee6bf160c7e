"""The pure stages after correction: lay out captions and render every published file to bytes.
Data in, data out: nothing here reads or writes a file (build.py does, through the store)."""

from __future__ import annotations

from . import publish
from .formats.srt import to_srt
from .formats.text import to_plain_text
from .formats.vtt import provenance_note, to_webvtt
from .layout import Profile, layout
from .store import EASY_READ_HTML, MANIFEST, SRT, TXT, VTT, VideoMeta
from .transcript import Transcript

__all__ = ["EASY_READ_HTML", "MANIFEST", "render_bundle", "render_captions"]


def render_captions(transcript: Transcript, reviewed: bool, profile: Profile, fps: float | None,
                    to_check: int = 0) -> dict[str, bytes]:
    """VTT, SRT and plain text, by suffix."""
    cues = layout(transcript, profile, fps)
    return {VTT: to_webvtt(cues, provenance_note(transcript, reviewed, to_check)).encode("utf-8"),
            SRT: to_srt(cues).encode("utf-8"),
            TXT: to_plain_text(transcript).encode("utf-8")}


def render_bundle(transcript: Transcript, name: str, video: str, local_video: str | None, reviewed: bool,
                  rendered: dict[str, bytes], previous_manifest: str, to_check: int = 0,
                  meta: VideoMeta | None = None) -> dict[str, bytes]:
    """The web pages, and the manifest that hashes every file as rendered (by suffix). `meta`: the
    editor's title, description and language (NAME.meta.json), where given."""
    meta = meta or VideoMeta()
    bundle = publish.Bundle(name, video, local_video, reviewed, easy_read=EASY_READ_HTML in rendered,
                            to_check=to_check, title=meta.title, description=meta.description,
                            language=meta.language)
    out = {suffix: text.encode("utf-8") for suffix, text in publish.pages(transcript, bundle).items()}
    everything = {**rendered, **out}
    contents = {bundle.file(suffix): everything[suffix] for suffix in publish.BUNDLE_SUFFIXES if suffix in everything}
    out[MANIFEST] = publish.manifest_text(transcript, bundle, contents, previous_manifest).encode("utf-8")
    return out
