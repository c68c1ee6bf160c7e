"""The labelled clips the music model is fitted on and measured on, made in code from committed
files: openly licensed music excerpts (tests/data/sounds, SOURCES.md) and the speech and noise
clips of ../shared/testdata. Each clip knows where its music is, because it was made that way:
music alone, speech over music, music then speech, speech alone, noise alone.

Ringing (`ring_clips`): recordings of phones and alarms ringing, each repeated as a phone rings
(the sound, a pause, again) alone, under speech, before speech and over kitchen noise; one phone
and one alarm are held out.

Held out: every third music excerpt and sound-effects clip (sorted by name), the speech clips at
the top of testdata, the second half of the kitchen noise and Big Buck Bunny are never used for
fitting, only for measuring (`.bench/sounds.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, decode  # noqa: F401 (clips.decode: the tests' and benches' reader)

REPO = Path(__file__).resolve().parents[2]
SOUNDS = REPO / "tests" / "data" / "sounds"
SPEECH_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".mp4")
EVENTS = ("freedesktop_", "effects_", "oxygen_", "lomiri_", "twinkle_", "linphone_", "baresip_")  # sound effects (rings, machines, engines): not music
# Ringing: phones ringing, the ringing tone a caller hears, alarms (SOURCES.md). A few seconds
# each; a phone rings, pauses, rings again.
RINGS = ("freedesktop_phone-incoming-call", "twinkle_ringtone", "linphone_oldphone", "oxygen_phone-ring",
         "baresip_ring", "freedesktop_phone-outgoing-calling", "twinkle_ringback", "baresip_ringback",
         "linphone_ringback", "lomiri_alarm-clock", "lomiri_alarm-synth", "freedesktop_alarm-clock-elapsed")
# The music model was fitted with the first phone among the sound effects, before rings were a
# kind of their own; the others came with the ringing model.
ADDED_RINGS = set(RINGS) - {"freedesktop_phone-incoming-call"}
# Held out: two phones, a caller's ringing tone, an alarm.
RINGS_HELD_OUT = ("oxygen_phone-ring", "baresip_ring", "linphone_ringback", "freedesktop_alarm-clock-elapsed")
RING_PAUSE = 1.0  # seconds of quiet between two rings
RING_LENGTH = 8.0  # seconds of ringing, at least
ROOM_DB = -25.0  # the room's noise under a ring
MUSIC_UNDER_SPEECH_DB = (-6.0, -14.0)  # music level under speech, as in a video's soundtrack


@dataclass(frozen=True)
class Clip:
    name: str
    samples: np.ndarray
    music: tuple[tuple[float, float], ...]  # where music plays, in seconds
    speech: tuple[tuple[float, float], ...] = ()  # where someone speaks
    ringing: tuple[tuple[float, float], ...] = ()  # where a phone, an alarm or a bell rings


def music_files(held_out: bool) -> list[Path]:
    files = sorted(p for p in SOUNDS.glob("*.opus") if not p.name.startswith(EVENTS))
    return [p for k, p in enumerate(files) if (k % 3 == 0) == held_out]


def event_files(held_out: bool) -> list[Path]:
    """Sound effects that do not ring; the short desktop sounds are for fitting only."""
    files = sorted(p for p in SOUNDS.glob("*.opus") if p.name.startswith(EVENTS) and p.stem not in ADDED_RINGS)
    return [p for k, p in enumerate(files) if (k % 3 == 0 and not p.name.startswith(EVENTS[0])) == held_out]


def speech_files(testdata: Path, held_out: bool) -> list[Path]:
    folder = testdata if held_out else testdata / "more"
    return sorted(p for p in folder.iterdir() if p.suffix in SPEECH_EXTENSIONS
                  and not p.name.startswith(("noise_", "bigbuckbunny")) and "stereo" not in p.name)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)) + 1e-9)


def at_level(samples: np.ndarray, reference: np.ndarray, db: float) -> np.ndarray:
    """The samples scaled to `db` relative to the reference's loudness."""
    return samples * (rms(reference) / rms(samples) * 10 ** (db / 20))


def speech_over_music(music: np.ndarray, speech: np.ndarray, db: float, lead: float = 2.0) -> Clip:
    """Music throughout, speech starting `lead` seconds in (music `db` under the speech)."""
    start = int(lead * SAMPLE_RATE)
    length = max(len(music), start + len(speech))
    bed = np.resize(music, length)  # looped when the speech is longer
    mixed = at_level(bed, speech, db)
    mixed[start:start + len(speech)] += speech
    return Clip("", _limited(mixed), ((0.0, length / SAMPLE_RATE),),
                ((lead, lead + len(speech) / SAMPLE_RATE),))


def music_then_speech(music: np.ndarray, speech: np.ndarray, gap: float = 0.5) -> Clip:
    """Music, a short silence, then speech: a video's opening titles, then its narration."""
    music = at_level(music, speech, 0.0)
    silence = np.zeros(int(gap * SAMPLE_RATE), dtype=np.float32)
    music_end = len(music) / SAMPLE_RATE
    speech_start = music_end + gap
    return Clip("", _limited(np.concatenate([music, silence, speech])), ((0.0, music_end),),
                ((speech_start, speech_start + len(speech) / SAMPLE_RATE),))


def _limited(samples: np.ndarray) -> np.ndarray:
    peak = float(np.abs(samples).max()) if len(samples) else 0.0
    return (samples / peak * 0.9 if peak > 0.9 else samples).astype(np.float32)


def clips(testdata: Path, held_out: bool) -> list[Clip]:
    """Every labelled clip of one side: fitting (held_out False) or measuring (True)."""
    music = [(p.stem, decode(p)) for p in music_files(held_out)]
    speech = [(p.stem, decode(p)) for p in speech_files(testdata, held_out)]
    out = [Clip(f"music {name}", samples, ((0.0, len(samples) / SAMPLE_RATE),)) for name, samples in music]
    out += [Clip(f"speech {name}", samples, (), ((0.0, len(samples) / SAMPLE_RATE),)) for name, samples in speech]
    for k, (name, samples) in enumerate(music):
        speech_name, voice = speech[k % len(speech)]
        db = MUSIC_UNDER_SPEECH_DB[k % len(MUSIC_UNDER_SPEECH_DB)]
        mix = speech_over_music(samples, voice, db)
        out.append(Clip(f"{speech_name} over {name} at {db:g} dB", mix.samples, mix.music, mix.speech))
        speech_name, voice = speech[(k + 1) % len(speech)]
        mix = music_then_speech(samples, voice)
        out.append(Clip(f"{name} then {speech_name}", mix.samples, mix.music, mix.speech))
    noise = decode(testdata / "noise_doing_the_dishes.wav")
    half = len(noise) // 2
    if held_out:
        out.append(Clip("noise doing_the_dishes (second half)", noise[half:], ()))
        out.append(Clip("film sound bigbuckbunny_no_speech_5s", decode(testdata / "bigbuckbunny_no_speech_5s.mp4"), ()))
        out += [Clip(f"sound {p.stem}", _padded(decode(p)), ()) for p in event_files(held_out)]
    else:
        out.append(Clip("noise doing_the_dishes (first half)", noise[:half], ()))
        out += [Clip(f"sound {p.stem}", _padded(decode(p)), ()) for p in event_files(held_out)]
        out.append(Clip("silence", np.zeros(5 * SAMPLE_RATE, dtype=np.float32), ()))
        for k, (name, voice) in enumerate(speech[:8]):
            out.append(Clip(f"{name} over kitchen noise", _limited(voice + at_level(np.resize(noise[k * SAMPLE_RATE:], len(voice)), voice, -10.0)), (),
                            ((0.0, len(voice) / SAMPLE_RATE),)))
    return out


def ring_files(held_out: bool) -> list[Path]:
    return [SOUNDS / f"{name}.opus" for name in RINGS if (name in RINGS_HELD_OUT) == held_out]


def ringing(sound: np.ndarray, seconds: float = RING_LENGTH) -> np.ndarray:
    """A ring repeated as a phone rings: the sound, RING_PAUSE of quiet, again, for `seconds` at
    least, ending on a whole ring."""
    one = np.concatenate([sound, np.zeros(int(RING_PAUSE * SAMPLE_RATE), dtype=np.float32)])
    count = max(1, int(np.ceil(seconds * SAMPLE_RATE / len(one))))
    return np.tile(one, count)[: len(one) * count - int(RING_PAUSE * SAMPLE_RATE)]


def ring_clips(testdata: Path, held_out: bool) -> list[Clip]:
    """Ringing alone, under speech (at 0 and -6 dB), before speech and over kitchen noise."""
    speech = [(p.stem, decode(p)) for p in speech_files(testdata, held_out)]
    noise = decode(testdata / "noise_doing_the_dishes.wav")
    noise = noise[len(noise) // 2:] if held_out else noise[: len(noise) // 2]
    out = []
    for k, path in enumerate(ring_files(held_out)):
        ring = ringing(decode(path))
        # a room is never digitally silent between two rings: the noise 25 dB under the ring
        ring = _limited(ring + at_level(np.resize(noise[k * 5 * SAMPLE_RATE:], len(ring)), ring, ROOM_DB))
        seconds = len(ring) / SAMPLE_RATE
        out.append(Clip(f"ringing {path.stem}", ring, (), ringing=((0.0, seconds),)))
        for j, db in enumerate((0.0, -6.0)):
            name, voice = speech[(2 * k + j) % len(speech)]
            mix = _ring_once(ring, voice, db)
            out.append(Clip(f"{name} over {path.stem} at {db:g} dB", mix.samples, (), mix.speech,
                            ((1.0, 1.0 + seconds),)))
        name, voice = speech[(2 * k + 2) % len(speech)]
        then = music_then_speech(ring, voice)
        out.append(Clip(f"{path.stem} then {name}", then.samples, (), then.speech, then.music))
        bed = at_level(np.resize(noise[k * 3 * SAMPLE_RATE:], len(ring) + 4 * SAMPLE_RATE), ring, -6.0)
        bed[2 * SAMPLE_RATE:2 * SAMPLE_RATE + len(ring)] += ring
        out.append(Clip(f"{path.stem} over kitchen noise", _limited(bed), (), ringing=((2.0, 2.0 + seconds),)))
    return out


def _ring_once(ring: np.ndarray, voice: np.ndarray, db: float) -> Clip:
    """Speech from the start, the ring (`db` under the speech) from 1 s in, once, not looped."""
    length = max(len(voice), SAMPLE_RATE + len(ring))
    mixed = np.zeros(length, dtype=np.float32)
    mixed[: len(voice)] += voice
    mixed[SAMPLE_RATE:SAMPLE_RATE + len(ring)] += at_level(ring, voice, db)
    return Clip("", _limited(mixed), (), ((0.0, len(voice) / SAMPLE_RATE),))


def _padded(samples: np.ndarray, seconds: float = 4.0) -> np.ndarray:
    """A short sound effect with silence after it, long enough to be judged."""
    return np.pad(samples, (0, max(0, int(seconds * SAMPLE_RATE) - len(samples))))


def window_labels(clip: Clip, count: int, window: float, step: float, kind: str = "music") -> np.ndarray:
    """1 for each window at least half inside the clip's music (or ringing), else 0."""
    labels = np.zeros(count)
    for k in range(count):
        start, end = k * step, k * step + window
        inside = sum(max(0.0, min(end, b) - max(start, a)) for a, b in getattr(clip, kind))
        labels[k] = inside >= window / 2
    return labels


def overlap(found: list[tuple[float, float]], truth: tuple[tuple[float, float], ...]) -> float:
    """Seconds where found spans and true spans overlap."""
    return sum(max(0.0, min(b, d) - max(a, c)) for a, b in found for c, d in truth)
