"""The quality gate for published captions: every cue against its style profile and the
content rules, as `path:cue-start: rule: detail` lines that a web team can gate on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE
from .errors import shown
from .formats.readers import check_webvtt
from .formats.vtt import VOICE
from .layout import Profile
from .sounds import MUSICAL, lyrics_problem, style_problem
from .store import VideoFiles, pcm_path
from .timecode import timestamp
from .transcribe.guards import loop_at
from .transcript import is_placeholder, normalise_token

SILENCE_DBFS = -50.0  # a cue whose whole span is quieter than this has no one speaking
REPEATS = 3
TAG = re.compile(r"<(/?)([a-z]+)(?:[.\w-]*)(?:\s[^>]*)?>")


@dataclass
class Finding:
    path: Path
    start: float
    rule: str
    detail: str
    error: bool
    line: int | None = None  # the file's line, for a finding about the file's syntax

    def __str__(self) -> str:
        where = self.line if self.line is not None else timestamp(self.start)
        return f"{shown(self.path)}:{where}: {self.rule}: {self.detail}"


def check_file(path: Path, profile: Profile, fps: float | None = None, audio: np.ndarray | None = None
               ) -> list[Finding]:
    # Every block that is not WebVTT is an error at its line; the cues that are are checked.
    try:
        captions, problems = check_webvtt(path)
    except OSError as error:
        return [Finding(path, 0.0, "invalid-webvtt", f"cannot be read: {error.strerror or error}", True)]
    findings = [Finding(path, 0.0, "invalid-webvtt", p.problem, True, p.line) for p in problems]

    def add(start: float, rule: str, detail: str, error: bool = True) -> None:
        findings.append(Finding(path, start, rule, detail, error))

    gap = profile.gap_frames / (fps or 25.0)
    previous = None
    for caption in captions:
        start, end = caption.start_time.in_milliseconds() / 1000, caption.end_time.in_milliseconds() / 1000
        lines = caption.text.split("\n")
        text = " ".join(lines)
        duration = end - start
        if not text.strip():
            add(start, "empty-cue", "the cue has no text")
        if end <= start:
            add(start, "timing", f"ends ({timestamp(end)}) before it starts")
        for line in lines:
            if len(line) > profile.max_chars:
                add(start, "line-length", f"{len(line)} characters > {profile.max_chars}: {line!r}")
        if len(lines) > profile.max_lines:
            add(start, "lines", f"{len(lines)} lines > {profile.max_lines}")
        if duration > 0:
            cps = len(text) / duration
            if cps > profile.max_cps:
                add(start, "reading-speed", f"{cps:.1f} characters a second > {profile.max_cps:g}")
            elif cps > profile.warn_cps:
                add(start, "reading-speed", f"{cps:.1f} characters a second > {profile.warn_cps:g}", error=False)
            if profile.max_wpm:
                wpm = 60 * len(text.split()) / duration
                if wpm > profile.max_wpm:
                    add(start, "reading-speed", f"{wpm:.0f} words a minute > {profile.max_wpm:g}")
                elif profile.warn_wpm and wpm > profile.warn_wpm:
                    add(start, "reading-speed", f"{wpm:.0f} words a minute > {profile.warn_wpm:g}", error=False)
        if duration < profile.min_duration - 0.0015:
            add(start, "duration", f"{duration:.2f} s on screen < {profile.min_duration:.2f} s")
        if duration > profile.max_duration + 0.0015:
            add(start, "duration", f"{duration:.2f} s on screen > {profile.max_duration:g} s")
        if previous is not None:
            p_start, p_end = previous
            if start < p_start:
                add(start, "order", f"starts before the cue at {timestamp(p_start)}")
            elif start < p_end - 0.0005:
                add(start, "overlap", f"starts {p_end - start:.3f} s before the previous cue ends")
            elif start - p_end < gap - 0.0015:
                add(start, "gap", f"{(start - p_end) * 1000:.0f} ms after the previous cue < 2 frames", error=False)
        previous = (start, end)
        problem = _tag_problem(caption.raw_text)
        if problem:
            add(start, "markup", problem)
        style = _sound_style_problem(text, profile)
        if style:
            add(start, "sound-label", style, error=False)
        for line in lines:
            lyrics = lyrics_problem(line, profile.lyrics_mark)
            if lyrics:
                add(start, "lyrics", f"{line.strip()!r}: {lyrics}", error=False)
                break
        if audio is not None and _silent(audio, start, end) and not _is_sound_label(text):
            add(start, "words-in-silence", f"words shown over {duration:.1f} s of silence: {text[:40]!r}",
                error=False)
    findings += _loops(path, captions) + _unnamed_voices(path, captions)
    return findings


def _unnamed_voices(path: Path, captions) -> list[Finding]:
    """A warning for each voice still called by the machine's placeholder ("Speaker 2"), at its
    first cue: a viewer reads it as if it were a name, and only an editor knows the real one."""
    first: dict[str, float] = {}
    for caption in captions:
        for voice in VOICE.findall(caption.raw_text):
            if is_placeholder(voice.strip()):
                first.setdefault(voice.strip(), caption.start_time.in_milliseconds() / 1000)
    return [Finding(path, start, "unnamed-speaker", f"{voice!r} is the machine's name for a voice: name it once in "
                    f"the editor's speakers table ('# speaker: {voice} = Name')", error=False)
            for voice, start in first.items()]


def _tag_problem(raw: str) -> str | None:
    """Unbalanced tags, or & and < that are not markup."""
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", raw):
        return "an '&' is not escaped as &amp;"
    stack = []
    for match in TAG.finditer(raw):
        closing, name = match.groups()
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"</{name}> closes a tag that is not open"
    if "<" in TAG.sub("", raw):
        return "a '<' is not escaped as &lt;"
    # A voice span may stay open to the end of the cue; other tags must be closed.
    if [name for name in stack if name != "v"] or stack.count("v") > 1:
        return f"<{stack[-1]}> is never closed"
    return None


def _is_sound_label(text: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:- )?\[[^\]]*\]\s*", text))


def _sound_style_problem(text: str, profile: Profile) -> str | None:
    """A sound label's house style (issue 18): its case, and the ♪ on a description of music."""
    if not _is_sound_label(text):
        return None
    label = text.strip().removeprefix("- ")
    problem = style_problem(label, profile.sound_case)
    if problem:
        return f"{label!r} is not in the {profile.name} style: {problem}"
    if profile.music_note and MUSICAL.search(label) and "♪" not in label:
        return f"{label!r} describes music without ♪, as in {profile.music_label!r}"
    return None


def _silent(audio: np.ndarray, start: float, end: float) -> bool:
    piece = np.asarray(audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)], dtype=np.float32)
    if audio.dtype != np.float32:
        piece /= 32768.0  # the cached PCM, read straight from disk
    frame = SAMPLE_RATE // 10
    if len(piece) < frame:
        return False
    frames = piece[: len(piece) // frame * frame].reshape(-1, frame)
    loudest = float(np.sqrt((frames ** 2).mean(axis=1)).max())
    return 20 * np.log10(max(loudest, 1e-9)) < SILENCE_DBFS


def _loops(path: Path, captions) -> list[Finding]:
    """The same phrase over and over: Whisper stuck in a loop."""
    words = []
    for caption in captions:
        if _is_sound_label(caption.text):
            continue  # a long piece of music is labelled cue after cue: that is no loop
        for token in caption.text.split():
            words.append((normalise_token(token), caption.start_time.in_milliseconds() / 1000))
    tokens = [w for w, _ in words]
    findings, i = [], 0
    while i < len(tokens):
        loop = loop_at(tokens, i, REPEATS)
        # One word said three times ("no, no, no") is speech; four times, or a phrase three, a loop.
        if loop and (loop[0] > 1 or loop[1] > REPEATS):
            size, count = loop
            findings.append(Finding(path, words[i][1], "repetition",
                                    f"{' '.join(tokens[i:i + size])!r} said {count} times in a row", False))
            i += size * count
        else:
            i += 1
    return findings


def audio_for(folder: Path) -> tuple[np.ndarray | None, float | None]:
    """The extracted audio and frame rate of a built video, when the build's notes have them."""
    state = VideoFiles(folder, folder.name).read_state()
    if not state.audio_sha256:
        return None, state.fps
    pcm = pcm_path(state.audio_sha256)
    samples = np.memmap(pcm, dtype="<i2", mode="r") if pcm.is_file() and pcm.stat().st_size else None
    return samples, state.fps


def build_findings(folder: Path, vtt: Path) -> list[Finding]:
    """What the build knows is wrong with a video beyond its cues: an editor's file that no longer
    fits its recording (its captions are the machine's, unreviewed)."""
    files = VideoFiles(folder, folder.name)
    state = files.read_state()
    if state.mismatch:
        return [Finding(vtt, 0.0, "editor-file-mismatch", f"{files.edit.name} {state.mismatch}", True)]
    return []
