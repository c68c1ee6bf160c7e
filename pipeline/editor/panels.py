"""The editor's other views of one video, apart from HTTP: its metadata (NAME.meta.json), its easy
read's points (NAME.easy-read.md, rewritten point by point), the caption cues as published (the
caption view), the audio's peaks (the waveform) and the machine's first draft of each line.

Saving goes through views.Saver, which checks the base, keeps a backup, writes atomically and rebuilds.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE
from ..check import check_file
from ..errors import PipelineError
from ..formats import editfile
from ..formats.readers import check_webvtt
from ..layout import Profile
from ..store import VideoFiles, VideoMeta, pcm_path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _easyread():
    from ..build import _easyread as load  # imported on first use: it takes seconds

    return load()


# --- Metadata ------------------------------------------------------------------------------------

def meta_view(outputs: VideoFiles) -> dict:
    """The editor's title, description and language, the file's hash (of b"" when there is none)
    and its problem when it cannot be read."""
    data = outputs.meta.read_bytes() if outputs.meta.is_file() else b""
    view = {"file": str(outputs.meta), "sha256": sha256(data), "title": "", "description": "", "language": "",
            "error": None}
    try:
        meta = outputs.read_meta()
    except PipelineError as error:
        view["error"] = str(error)
        return view
    if meta is not None:
        view.update(title=meta.title, description=meta.description, language=meta.language)
    return view


def meta_bytes(outputs: VideoFiles, title: str, description: str, language: str) -> bytes:
    """NAME.meta.json for these fields; PipelineError when one cannot be kept."""
    meta = VideoMeta(" ".join(title.split()), " ".join(description.split()), language.strip())
    if len(meta.title) > 300 or len(meta.description) > 5000:
        raise PipelineError(outputs.meta, "the title is limited to 300 characters, the description to 5000")
    text = meta.to_json()
    VideoMeta.parse(text, outputs.meta)  # the language code, as a build reads it
    return text.encode("utf-8")


# --- The easy read, point by point ---------------------------------------------------------------

@dataclass(frozen=True)
class PointLines:
    """Where one point of the easy read is in its file: its line and its continuation lines."""

    line: int  # 1-based
    more: tuple[int, ...]


def point_lines(text: str, path: str) -> list[PointLines]:
    """Every point's lines, in the order parse_markdown reads the points (the same rules)."""
    from ..easyread.markdown import WORDS_TO_KNOW, _split_comments

    found: list[list] = []
    in_words = False
    for number, line, _notes in _split_comments(text, path):
        if not line.strip():
            continue
        if line.startswith("## "):
            in_words = line[3:].strip().lower() == WORDS_TO_KNOW.lower()
        elif line.startswith("# "):
            continue
        elif line.startswith(("- ", "* ")):
            if not in_words:
                found.append([number, []])
        elif line[:1].isspace() and found and not in_words:
            found[-1][1].append(number)
    return [PointLines(n, tuple(more)) for n, more in found]


def easy_read_view(outputs: VideoFiles) -> dict:
    """The easy read's points (text and picture), the pictures to choose from, and the file's hash."""
    easyread = _easyread()
    path = outputs.easy_read
    data = path.read_bytes()
    view = {"file": str(path), "sha256": sha256(data), "edited": outputs.easy_read_edited(), "points": [],
            "error": None, "icons": icon_choices(), "max_words": easyread.MAX_WORDS, "ease_target": easyread.EASE_TARGET}
    try:
        easy = easyread.parse_markdown(editfile.decode(data, str(path)), str(path))
    except PipelineError as error:
        view["error"] = str(error)
        return view
    view["title"] = easy.title
    view["points"] = [{"heading": section.heading, "text": point.text, "icon": point.icon, "alt": point.alt}
                      for section in easy.sections for point in section.points]
    return view


def icon_choices() -> list[dict]:
    from ..easyread.page import icon_data_uri

    return [{"name": icon.name, "label": icon.label, "src": icon_data_uri(icon.code)}
            for icon in _easyread().icons().values()]


_ICON = re.compile(r"^(\s*[-*]\s+)(?:\[icon:\s*[\w-]+\s*\]\s*)?")


def rewrite_points(text: str, path: str, points: list[dict]) -> str:
    """The easy read with each point's text and picture as given, in order; a point that did not
    change keeps its lines byte for byte, notes included. PipelineError when it cannot be done."""
    easyread = _easyread()
    easy = easyread.parse_markdown(text, path)
    where = point_lines(text, path)
    if len(points) != len(easy.points) or len(where) != len(easy.points):
        raise PipelineError(path, "has a different number of points from the page (reload the page)")
    raw = text.splitlines(keepends=True)
    drop: set[int] = set()
    for point, old, at in zip(points, easy.points, where):
        words, icon = " ".join(str(point.get("text", "")).split()), str(point.get("icon", ""))
        if icon not in easyread.icons():
            raise PipelineError(f"{path}:{at.line}", f"unknown picture {icon!r}")
        if not words:
            raise PipelineError(f"{path}:{at.line}", "a point needs some words")
        if "<!--" in words or "-->" in words:
            raise PipelineError(f"{path}:{at.line}", "a point cannot hold '<!--' or '-->'")
        if words == " ".join(old.text.split()) and icon == old.icon:
            continue
        line = raw[at.line - 1]
        ending = line[len(line.rstrip("\r\n")):]
        if words == " ".join(old.text.split()):  # only the picture: the rest of the line as it was
            body = line.rstrip("\r\n")
            match = _ICON.match(body)
            raw[at.line - 1] = f"{match.group(1)}[icon: {icon}] {body[match.end():]}{ending}"
        else:  # rewritten: on one line, and a "too long" mark no longer applies
            bullet = _ICON.match(line).group(1)
            raw[at.line - 1] = f"{bullet}[icon: {icon}] {words}{ending or chr(10)}"
            drop.update(at.more)
    new = "".join(line for number, line in enumerate(raw, 1) if number not in drop)
    easyread.parse_markdown(new, path)  # still a file the build reads
    return new


def sentence_figures(texts: list[str]) -> dict:
    """Each point's sentences with their length in words, and how easy all of them read (textstat)."""
    easyread = _easyread()
    points = [[{"text": s, "words": easyread.word_count(s)} for s in easyread.split_sentences(text)]
              for text in texts]
    joined = "\n".join(t for t in texts if t.strip())
    figures = easyread.readability(joined)
    return {"points": points, "max_words": easyread.MAX_WORDS, "ease_target": easyread.EASE_TARGET,
            "reading_ease": figures.flesch_reading_ease, "grade": figures.flesch_kincaid_grade,
            "longest": figures.longest_sentence_words, "summary": figures.summary()}


# --- The caption view: one row per cue of the published VTT --------------------------------------

RULES_IN_WORDS = {
    "reading-speed": "Too fast to read: give it more time or fewer words",
    "line-length": "A line is too long",
    "lines": "Too many lines in one caption",
    "duration": "On screen too short or too long",
    "overlap": "Overlaps the caption before",
    "order": "Starts before the caption before",
    "gap": "Too close to the caption before",
    "empty-cue": "A caption with no words",
    "timing": "Ends before it starts",
    "markup": "Broken markup",
    "words-in-silence": "Words shown while no one speaks",
    "repetition": "The same words over and over",
}


def caption_rows(vtt: Path, profile: Profile, fps: float | None, samples) -> list[dict]:
    """Each cue: when, how long, how fast it reads, its lines, and the check's findings at it."""
    if not vtt.is_file():
        return []
    captions, _ = check_webvtt(vtt)
    findings = check_file(vtt, profile, fps, samples)
    rows = []
    for caption in captions:
        start, end = caption.start_time.in_milliseconds() / 1000, caption.end_time.in_milliseconds() / 1000
        lines = caption.text.split("\n")
        duration = end - start
        at = [f for f in findings if f.line is None and abs(f.start - start) < 0.0015]
        rows.append({"start": start, "end": end, "duration": round(duration, 3),
                     "cps": round(len(" ".join(lines)) / duration, 1) if duration > 0 else None,
                     "lines": lines, "characters": len(" ".join(lines)),
                     "error": any(f.error for f in at),
                     "findings": [{"rule": f.rule, "words": RULES_IN_WORDS.get(f.rule, f.rule), "detail": f.detail,
                                   "error": f.error} for f in at]})
    return rows


def caption_needs(profile: Profile) -> dict:
    """The style's limits the page uses to offer fixes."""
    return {"max_cps": profile.max_cps, "min_duration": profile.min_duration, "max_duration": profile.max_duration,
            "max_chars": profile.max_chars, "linger": profile.linger}


# --- The waveform: peaks of the cached audio ------------------------------------------------------

def peaks(outputs: VideoFiles, per_second: int = 50, most: int = 20_000) -> dict:
    """The loudest sample of each 1/per_second of the audio, 0..1, from the extracted PCM (cached);
    fewer a second for long audio (at most `most` in all), read a minute at a time."""
    sha = outputs.read_state().audio_sha256
    pcm = pcm_path(sha) if sha else None
    if pcm is None or not pcm.is_file() or not pcm.stat().st_size:
        return {"per_second": per_second, "peaks": [], "duration": 0.0}
    samples = np.memmap(pcm, dtype="<i2", mode="r")
    duration = len(samples) / SAMPLE_RATE
    per_second = max(1, min(per_second, int(most / max(duration, 1e-9))))
    step = SAMPLE_RATE // per_second
    chunk = step * max(1, 60 * SAMPLE_RATE // step)
    found = []
    for at in range(0, len(samples) // step * step, chunk):
        piece = np.abs(np.asarray(samples[at:at + chunk], dtype=np.int32))
        found.append(piece[: len(piece) // step * step].reshape(-1, step).max(axis=1))
    blocks = np.concatenate(found) if found else np.zeros(0, dtype=np.int32)
    top = max(int(blocks.max()) if len(blocks) else 0, 1)
    return {"per_second": per_second, "duration": duration, "peaks": [round(float(v) / top, 3) for v in blocks]}


# --- The machine's words of each line -------------------------------------------------------------

def machine_lines(outputs: VideoFiles) -> list[dict]:
    """The first draft's lines (the machine's words, `.NAME.edit.orig.txt`): mark, speaker, text."""
    try:
        text = outputs.edit_original.read_text(encoding="utf-8")
        doc = editfile.parse(text, str(outputs.edit_original))
    except (OSError, UnicodeDecodeError, PipelineError):
        return []
    from .views import content_lines

    marks = {line.number: line.mark for line in doc.lines}
    return [{"mark": p.mark, "start": marks.get(p.number), "speaker": p.speaker, "text": p.text}
            for p in content_lines(text) if p.number in marks]
