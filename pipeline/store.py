"""One video's files and build state: every path, the typed state kept in `.build.json`, and the
caches (extracted audio, machine transcript, corrected words, forced alignments).

This is the only module that knows file names and JSON keys. Everything it writes is written
atomically; nothing an editor owns (NAME.edit.txt, an edited NAME.easy-read.md, NAME.meta.json,
glossaries) is ever written by a build.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from .errors import PipelineError
from .atomic import atomic_write_bytes, atomic_write_text, remove_stale_temp_files
from .transcribe.models import cache_root
from .transcript import Transcript

GLOSSARY = "glossary.txt"  # transcripts/glossary.txt: the glossary every video shares
LOCK = ".lock"  # transcripts/.lock (one build of the folder at a time) and transcripts/NAME/.lock (a cluster
# worker building NAME): an flock, so a file left by a killed process holds nothing
STATE = ".build.json"

# Published files, by suffix: NAME.vtt, NAME.html, ...
VTT, SRT, TXT = ".vtt", ".srt", ".txt"
TRANSCRIPT_PAGE, PREVIEW_PAGE, SNIPPET = ".transcript.html", ".html", ".snippet.html"
EASY_READ_HTML, MANIFEST = ".easy-read.html", ".json"
EDIT, EDIT_BACKUP = ".edit.txt", ".edit.txt.bak"
EASY_READ, EASY_READ_BACKUP = ".easy-read.md", ".easy-read.md.bak"
META, META_BACKUP = ".meta.json", ".meta.json.bak"
META_KEYS = ("title", "description", "language")  # NAME.meta.json: the editor's words about the video
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


@dataclass(frozen=True)
class VideoMeta:
    """What an editor says about a video (NAME.meta.json, the editor's): its title, a description
    and the language it is spoken in. Empty strings are "not said": the file name is the title."""

    title: str = ""
    description: str = ""
    language: str = ""

    @classmethod
    def parse(cls, text: str, path: Path) -> VideoMeta:
        """The metadata in a file's text; PipelineError naming the file when it is malformed."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise PipelineError(path, f"is not valid JSON ({error.msg} at line {error.lineno})") from None
        if not isinstance(data, dict):
            raise PipelineError(path, "must be a JSON object with title, description and language")
        unknown = sorted(set(data) - set(META_KEYS))
        if unknown:
            raise PipelineError(path, f"unknown key {unknown[0]!r} (known: {', '.join(META_KEYS)})")
        if not all(isinstance(data.get(k, ""), str) for k in META_KEYS):
            raise PipelineError(path, "title, description and language must each be text")
        meta = cls(*(" ".join(data.get(k, "").split()) for k in META_KEYS))
        if meta.language and not LANGUAGE_TAG.fullmatch(meta.language):
            raise PipelineError(path, f"language {meta.language!r} is not a language code such as en or fr-CA")
        return meta

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n"


@dataclass(frozen=True)
class BuildState:
    """What the build remembers about one video between runs (`.build.json`)."""

    media: str | None = None  # the media file's name, size and time: when they match, the audio is known
    size: int | None = None
    mtime_ns: int | None = None
    audio_sha256: str | None = None  # of the extracted 16 kHz PCM: names the audio, not the container
    fps: float | None = None
    corrected_key: dict | None = None  # what the corrected words were made from
    poorly_matched: list[int] = field(default_factory=list)  # editor's lines with few machine words
    # The audio the editor's file was written for (its first draft), or last found to fit.
    edit_audio_sha256: str | None = None
    # Set when the editor's file no longer fits the audio (a replaced recording): its words are
    # not published, and the video is unreviewed until the editor fixes or removes the file.
    mismatch: str | None = None
    easy_read_key: str | None = None  # what the published easy read was made from

    @classmethod
    def from_json(cls, data: dict) -> BuildState:
        known = {f.name for f in fields(cls)}
        state = cls(**{k: v for k, v in data.items() if k in known})
        return replace(state, poorly_matched=list(state.poorly_matched or []))

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, indent=1) + "\n"


@dataclass(frozen=True)
class VideoFiles:
    """Where one video's files live: transcripts/NAME/NAME.*"""

    folder: Path
    name: str

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.name}{suffix}"

    @property
    def machine(self) -> Path:
        """The machine transcript, as the engine wrote it (a cache)."""
        return self.path(".machine.json")

    @property
    def second_opinion(self) -> Path:
        """A second decode of the audio by another model, for the review list (a cache)."""
        return self.path(".second.json")

    @property
    def speakers(self) -> Path:
        """Who speaks when in the audio: the speaker turns of the machine's words (a cache)."""
        return self.path(".speakers.json")

    @property
    def risks(self) -> Path:
        """Each machine word's risk for the review list, with what it was computed from (a cache:
        the risks change only when the machine words, the second opinion or the glossary do)."""
        return self.path(".risks.json")

    @property
    def checked(self) -> Path:
        """Words an editor marked checked without changing them (the editor's)."""
        return self.path(".checked.txt")

    @property
    def words(self) -> Path:
        """The published words: the editor's file re-timed (a cache)."""
        return self.path(".words.json")

    @property
    def edit(self) -> Path:
        return self.path(EDIT)

    @property
    def edit_backup(self) -> Path:
        return self.path(EDIT_BACKUP)

    @property
    def edit_original(self) -> Path:
        """The editor's file exactly as the build first wrote it: what the editor changed is the
        difference. Kept with the editor's file and never rewritten."""
        return self.folder / f".{self.name}.edit.orig.txt"

    @property
    def glossary(self) -> Path:
        return self.path(".glossary.txt")

    @property
    def edit_history(self) -> Path:
        """Earlier versions of the editor's file, one per save from the browser editor, newest
        last (the editor's: a build never writes or cleans it)."""
        return self.folder / f".{self.name}.edit.history"

    @property
    def easy_read(self) -> Path:
        return self.path(EASY_READ)

    @property
    def easy_read_original(self) -> Path:
        return self.folder / f".{self.name}.easy-read.orig.md"

    @property
    def easy_read_backup(self) -> Path:
        """The editor's easy read before its last save from the browser editor (the editor's)."""
        return self.path(EASY_READ_BACKUP)

    @property
    def meta(self) -> Path:
        """Title, description and language of the video (the editor's: a build only reads it)."""
        return self.path(META)

    @property
    def meta_backup(self) -> Path:
        return self.path(META_BACKUP)

    def read_meta(self) -> VideoMeta | None:
        """The editor's metadata, None when there is none; PipelineError when it is malformed."""
        try:
            data = self.meta.read_bytes()
        except FileNotFoundError:
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PipelineError(self.meta, "is not saved as UTF-8") from None
        return VideoMeta.parse(text, self.meta)

    @property
    def state_file(self) -> Path:
        return self.folder / STATE

    def read_state(self) -> BuildState:
        return BuildState.from_json(read_json_object(self.state_file))

    def write_state(self, state: BuildState) -> None:
        atomic_write_text(self.state_file, state.to_json())

    def edited(self) -> bool:
        """The editor's file differs from the build's first draft: an editor has reviewed it."""
        return changed_by_editor(self.edit, self.edit_original)

    def easy_read_edited(self) -> bool:
        return changed_by_editor(self.easy_read, self.easy_read_original)

    def write(self, suffix: str, data: bytes) -> bool:
        """Write one published file; True when it changed."""
        return atomic_write_bytes(self.path(suffix), data)

    def derived(self) -> list[Path]:
        """Every file a build writes for this video, and nothing an editor owns."""
        published = [self.path(s) for s in (VTT, SRT, TXT, TRANSCRIPT_PAGE, PREVIEW_PAGE, SNIPPET, EASY_READ_HTML,
                                            MANIFEST)]
        easy_read = [] if self.easy_read_edited() else [self.easy_read, self.easy_read_original]
        return [*published, *easy_read, self.machine, self.second_opinion, self.speakers, self.words, self.risks,
                self.state_file]

    def load_transcript(self, path: Path) -> Transcript | None:
        """A cached transcript, or None when it is missing or unreadable (it is made again)."""
        try:
            return Transcript.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def media_named_in_edit_file(self) -> str | None:
        """The media file an editor's file was written for, from its first line."""
        try:
            with open(self.edit, encoding="utf-8-sig", errors="replace") as f:
                first = f.readline()
        except OSError:
            return None
        prefix = "# Transcript of "
        if first.startswith(prefix) and ". Correct it here" in first:
            return first[len(prefix):first.rindex(". Correct it here")]
        return None


def video_files(transcripts_dir: Path, name: str) -> VideoFiles:
    return VideoFiles(transcripts_dir / name, name)


def read_json_object(path: Path) -> dict:
    """A JSON object from a file the build wrote; {} when it is missing or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def changed_by_editor(path: Path, as_written: Path) -> bool:
    """An editor's file differs from what the build first wrote (or has nothing to compare with)."""
    try:
        return path.read_bytes() != as_written.read_bytes()
    except OSError:
        return path.exists()


# --- the audio cache, shared by every checkout on this machine ---------------------------------

def audio_cache() -> Path:
    return cache_root() / "audio"


def pcm_path(audio_sha256: str) -> Path:
    return audio_cache() / f"{audio_sha256}.pcm"


def alignment_cache(audio_sha256: str, model_sha256: str, version: int) -> Path:
    """Forced alignments of one audio with one model, by the aligner's version."""
    return audio_cache() / f"{audio_sha256}.align-{model_sha256[:16]}-v{version}.json"


def textstat_cache() -> Path:
    """textstat's readability figures of easy-read texts, by text and textstat version."""
    from importlib.metadata import version

    return cache_root() / f"textstat-{version('textstat')}.json"


def clear_abandoned_extractions(older_than: float = 3600.0) -> None:
    """Extractions cut short by a killed build; an hour old, no running build owns them."""
    for tmp in audio_cache().glob(".extract.*.tmp"):
        try:
            if time.time() - tmp.stat().st_mtime > older_than:
                tmp.unlink()
        except OSError:
            pass


# --- clean ---------------------------------------------------------------------------------------

def clean(transcripts_dir: Path) -> list[Path]:
    """Remove what builds made in these transcripts: published files, machine transcripts and
    build notes. Never anything an editor wrote, never anything outside the folder (symlinks are
    not followed), and never the shared audio cache, which other checkouts may be using."""
    removed: list[Path] = []
    if not transcripts_dir.is_dir() or transcripts_dir.is_symlink():
        return removed
    for folder in sorted(transcripts_dir.iterdir()):
        if folder.is_symlink() or not folder.is_dir():
            continue
        remove_stale_temp_files(folder)
        for path in VideoFiles(folder, folder.name).derived():
            if path.is_symlink() or not path.is_file():
                continue  # a link is not ours to delete, nor is what it points at
            path.unlink()
            removed.append(path)
        try:
            os.rmdir(folder)  # only when empty
        except OSError:
            pass
    return removed
