"""Measure how songs are captioned; writes .bench/singing.md.

    .venv/bin/python .bench/singing.py [--work DIR]   # DIR keeps the clips and builds (a second run reuses them)

Songs: tests/data/singing (Festival's singing mode, two voices and one voice raised five
semitones; SOURCES.md), each sung alone, over a held-out music excerpt 6 dB under the voice, and
(one voice) with the music as loud as the voice. Each clip is built as `make` builds a video
(the default model, beam, guards, second opinion and labels), in one run of the real build,
with the gates off (LYRICS_* and MUSIC_* 0) so that every line Whisper wrote can be scored; the
gates (sounds.hold_back_unclear_lines, on the machine transcript and the second opinion, as the
build runs it) are then applied here: the lyrics' gate at several values (a line's confidence, the
shortest run of words the second opinion heard alike), the gate on other words over music at the
build's (or both off). Each published word is scored against the reference.

Reported: the share of the sung words (the lyrics in NAME.txt) captioned correctly (Whisper's
English normaliser, then jiwer), the wrong words published, the share of published words shown
as lyrics (between ♪ marks), the longest stretch of a song with no caption on screen, and on
speech over music (the held-out clips of pipeline/sounds/clips.py) the words wrongly shown as
lyrics.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import sounds  # noqa: E402
from pipeline.audio import SAMPLE_RATE  # noqa: E402
from pipeline.evaluate import normalise  # noqa: E402
from pipeline.sounds import clips as labelled  # noqa: E402
from pipeline.transcript import Transcript  # noqa: E402

SONGS = REPO / "tests" / "data" / "singing"
TESTDATA = REPO.parent / "shared" / "testdata"
OUT = REPO / ".bench" / "singing.md"
MUSIC_UNDER_VOICE_DB = -6.0
CHOSEN = (sounds.LYRICS_CONFIDENCE, sounds.AGREED_RUN)  # the build's gates, before build() turns them off
MUSIC_GATE = (sounds.MUSIC_CONFIDENCE, sounds.MUSIC_AGREEMENT)
NO_GATE = (0.0, 0)
CONFIDENCES = (0.0, 0.5, 0.6, 0.7, 0.8)
RUNS = (1, 2, 3, 4, 5)




@dataclass
class Song:
    name: str
    reference_words: int
    scores: dict[int, tuple[int, int]] = field(default_factory=dict)  # id(word): (tokens right, wrong)
    machine: Transcript | None = None
    second: Transcript | None = None
    marked_share: float = 0.0
    longest_gap: float = 0.0
    labels: str = ""


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def song_clips(media: Path) -> dict[str, str]:
    """Writes the song clips into media; returns {clip name: reference lyrics}."""
    music = [labelled.decode(p) for p in labelled.music_files(held_out=True)]
    references = {}
    for k, path in enumerate(sorted(SONGS.glob("*.opus"))):
        song, voice = path.stem.split("-", 1)
        lyrics = (SONGS / f"{song}.txt").read_text(encoding="utf-8")
        sung = labelled.decode(path)
        bed = music[k % len(music)]
        mixes = {"alone": sung, "music -6 dB": labelled.speech_over_music(bed, sung, MUSIC_UNDER_VOICE_DB).samples}
        if voice == "kal":
            mixes["music 0 dB"] = labelled.speech_over_music(bed, sung, 0.0).samples
        for how, samples in mixes.items():
            name = f"{song}_{voice}_{how.replace(' ', '').replace('-', 'm')}"
            write_wav(media / f"{name}.wav", samples)
            references[name] = lyrics
    return references


def speech_clips(media: Path) -> list[str]:
    """Speech over music (held out): none of its words should be shown as lyrics."""
    names = []
    for clip in labelled.clips(TESTDATA, held_out=True):
        if " over " in clip.name:
            name = "speech_" + re.sub(r"\W+", "_", clip.name)
            write_wav(media / f"{name}.wav", clip.samples)
            names.append(name)
    return names


def build(media: Path, transcripts: Path) -> None:
    from pipeline import cli

    _set_gates(NO_GATE, (0.0, 0.0))  # every word kept, to be scored word by word
    cli.main(["build", "--media-dir", str(media), "--transcripts-dir", str(transcripts)])


def scored_words(transcript: Transcript, reference: str) -> dict[int, tuple[int, int]]:
    """Each spoken word's (tokens right, tokens wrong) in one alignment of all the words Whisper
    wrote with the reference lyrics (a word is one token or more after Whisper's normaliser)."""
    import jiwer

    words = [w for w in transcript.words if not w.sound]
    tokens, owner = [], []
    for word in words:
        for token in normalise(word.text).split():
            tokens.append(token)
            owner.append(id(word))
    scores = {id(w): [0, 0] for w in words}
    if tokens:
        out = jiwer.process_words(normalise(reference), " ".join(tokens))
        for chunk in out.alignments[0]:
            for i in range(chunk.hyp_start_idx, chunk.hyp_end_idx):
                scores[owner[i]][0 if chunk.type == "equal" else 1] += 1
    return {k: (v[0], v[1]) for k, v in scores.items()}


def vtt_cues(path: Path) -> list[tuple[float, float, list[str]]]:
    import webvtt

    return [(c.start_in_seconds, c.end_in_seconds, c.text.split("\n")) for c in webvtt.read(str(path))]


def longest_gap(cues, duration: float) -> float:
    at, longest = 0.0, 0.0
    for start, end, _ in cues:
        longest = max(longest, start - at)
        at = max(at, end)
    return max(longest, duration - at)


def lyric_words(cues) -> tuple[int, int]:
    """(words captioned, of them shown as lyrics: on lines between ♪ marks), the marks not counted."""
    words = marked = 0
    for line in (line for _, _, text in cues for line in text if not line.startswith("[")):
        count = len(line.split())
        if line.startswith("♪ ") and line.endswith(" ♪"):
            count -= 2
            marked += count
        words += count
    return words, marked


def marked_share(cues) -> float:
    words, marked = lyric_words(cues)
    return marked / words if words else 0.0


def measure_song(folder: Path, name: str, reference: str) -> Song:
    machine = Transcript.from_json((folder / f"{name}.machine.json").read_text(encoding="utf-8"))
    second = folder / f"{name}.second.json"
    second = Transcript.from_json(second.read_text(encoding="utf-8")) if second.is_file() else None
    cues = vtt_cues(folder / f"{name}.vtt")
    labels = ", ".join(f"{w.text} {w.start:.1f}-{w.end:.1f}" for w in machine.words if w.sound)
    return Song(name, len(normalise(reference).split()), scored_words(machine, reference), machine, second,
                marked_share(cues), longest_gap(cues, machine.duration), labels)


def gated(song: Song, gate: tuple[float, int]) -> tuple[int, int]:
    """(right, wrong) tokens published when the lyrics' gate (a line's confidence, the shortest
    run heard alike) holds words back, and the gate on other words over music is the build's
    (both off for NO_GATE)."""
    _set_gates(gate, MUSIC_GATE if gate != NO_GATE else (0.0, 0.0))
    kept = [song.scores[id(w)] for w in sounds.hold_back_unclear_lines(song.machine, song.second).words
            if id(w) in song.scores]
    return sum(right for right, _ in kept), sum(wrong for _, wrong in kept)


def _set_gates(lyrics: tuple[float, int], music: tuple[float, float]) -> None:
    sounds.LYRICS_CONFIDENCE, sounds.AGREED_RUN = lyrics
    sounds.MUSIC_CONFIDENCE, sounds.MUSIC_AGREEMENT = music


def report(songs: list[Song], speech: list[tuple[str, int, int]]) -> str:
    chosen = CHOSEN
    total = sum(s.reference_words for s in songs)
    rows = []
    for gate in [NO_GATE] + [(c, r) for c in CONFIDENCES for r in RUNS if (c, r) != NO_GATE]:
        correct = sum(gated(s, gate)[0] for s in songs)
        wrong = sum(gated(s, gate)[1] for s in songs)
        mark = " (the build's)" if gate == chosen else ""
        rows.append(f"| {gate[0]:g} | {gate[1]:g}{mark} | {correct / total:.1%} ({correct}/{total}) | {wrong} | "
                    f"{wrong / max(correct + wrong, 1):.1%} |")
    groups = {}
    for s in songs:
        how = s.name.rsplit("_", 1)[1]
        groups.setdefault(how, []).append(s)
    by_mix = []
    for how, members in groups.items():
        ref = sum(s.reference_words for s in members)
        correct = sum(gated(s, chosen)[0] for s in members)
        wrong = sum(gated(s, chosen)[1] for s in members)
        marked = np.mean([s.marked_share for s in members])
        sung = sum("[♪ singing]" in s.labels for s in members)
        by_mix.append(f"| {how} | {len(members)} | {correct / ref:.1%} | {wrong} | {marked:.0%} | {sung}/{len(members)} | "
                      f"{max(s.longest_gap for s in members):.1f} |")
    speech_words = sum(n for _, n, _, _ in speech)
    speech_marked = sum(m for _, _, m, _ in speech)
    speech_held = sum(h for _, _, _, h in speech)
    per_song = [f"| {s.name} | {s.reference_words} | {gated(s, chosen)[0]} | {gated(s, chosen)[1]} | "
                f"{s.marked_share:.0%} | {s.longest_gap:.1f} | {s.labels} |" for s in songs]
    return "\n".join([
        "# Songs: sung words, lyrics marks and music labels, measured",
        "",
        "`.venv/bin/python .bench/singing.py` (clips: tests/data/singing, sung by Festival; the method is in the",
        "script's docstring). The singing is synthetic: no recorded singing with a clear licence was found.",
        "",
        f"- sung words captioned correctly: **{sum(gated(s, chosen)[0] for s in songs) / total:.1%}** of {total} "
        f"over {len(songs)} clips; wrong words published: **{sum(gated(s, chosen)[1] for s in songs)}**",
        f"- longest stretch of a song with no caption on screen: **{max(s.longest_gap for s in songs):.1f} s** (rule: at most 10 s)",
        f"- speech over music (held-out clips): **{speech_marked} of {speech_words}** published words shown as lyrics; "
        f"**{speech_held}** held back by the gates",
        "",
        "Sung words by the gate: of a line Whisper wrote under `[♪ singing]` whose words' mean probability",
        "reaches the confidence, the runs of at least the given length that the second opinion (tiny.en)",
        "heard alike are published; the rest goes to the review list and `[♪ singing]` shows in its place.",
        f"Other words over music pass the build's milder gate (a line's confidence {MUSIC_GATE[0]:g}, "
        f"{MUSIC_GATE[1]:.0%} heard alike), except in the first row (no gate at all). Words are counted as "
        "Whisper's normaliser splits them.",
        "",
        "| confidence | shortest run heard alike | sung words captioned correctly | wrong words published | share of published words wrong |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "By mix (at the build's gate):",
        "",
        "| mix | clips | sung words correct | wrong words published | words shown as lyrics | labelled singing | longest uncaptioned, s |",
        "|---|---|---|---|---|---|---|",
        *by_mix,
        "",
        "Speech over music (words published, words shown as lyrics, words the build's gates hold back):",
        "",
        "| clip | words | shown as lyrics | held back |",
        "|---|---|---|---|",
        *[f"| {n} | {w} | {m} | {h} |" for n, w, m, h in speech],
        "",
        "Each song clip:",
        "",
        "| clip | lyrics words | correct | wrong | shown as lyrics | longest uncaptioned, s | labels |",
        "|---|---|---|---|---|---|---|",
        *per_song,
        "",
    ])


def speech_marked(folder: Path, name: str) -> tuple[str, int, int, int]:
    """(clip, words published, words shown as lyrics, words the build's gates would hold back)."""
    words, marked = lyric_words(vtt_cues(folder / f"{name}.vtt"))
    machine = Transcript.from_json((folder / f"{name}.machine.json").read_text(encoding="utf-8"))
    second = Transcript.from_json((folder / f"{name}.second.json").read_text(encoding="utf-8"))
    _set_gates(CHOSEN, MUSIC_GATE)
    held = sounds.hold_back_unclear_lines(machine, second)
    return name, words, marked, sum(not w.sound for w in machine.words) - sum(not w.sound for w in held.words)


def measure(work: Path | None = None) -> tuple[str, dict]:
    """(the report, its headline figures): clips made and built in `work` (a temporary folder
    when None)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = work or Path(tmp)
        media, transcripts = work / "media", work / "transcripts"
        media.mkdir(parents=True, exist_ok=True)
        references = song_clips(media)
        speech = speech_clips(media)
        build(media, transcripts)
        songs = [measure_song(transcripts / name, name, ref) for name, ref in sorted(references.items())]
        spoken = [speech_marked(transcripts / name, name) for name in speech]
    total = sum(s.reference_words for s in songs)
    figures = {"clips": len(songs), "lyrics_words": total, "gate": f"lyrics: confidence {CHOSEN[0]:g}, runs of {CHOSEN[1]} heard alike; other words over music: "
                       f"{MUSIC_GATE[0]:g}, {MUSIC_GATE[1]:g}",
               "sung_correct": sum(gated(s, CHOSEN)[0] for s in songs) / total,
               "wrong_published": sum(gated(s, CHOSEN)[1] for s in songs),
               "longest_uncaptioned": max(s.longest_gap for s in songs),
               "labelled_singing": sum("[♪ singing]" in s.labels for s in songs),
               "speech_words": sum(n for _, n, _, _ in spoken), "speech_marked": sum(m for _, _, m, _ in spoken),
               "speech_held": sum(h for _, _, _, h in spoken)}
    return report(songs, spoken), figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, help="keep the clips and builds here")
    text, _ = measure(parser.parse_args().work)
    OUT.write_text(text, encoding="utf-8")
    print(text.split("\n\n")[1])


if __name__ == "__main__":
    main()
