"""Every way a time is written, defined once: the editor's marks, caption timestamps, the
player's clock and a length as people say it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def _milliseconds(seconds: float) -> int:
    """Rounded as written, halves up, as webvtt-py does: 1.9995 s is 00:00:02.000."""
    return int((Decimal(repr(max(0.0, float(seconds)))) * 1000).quantize(Decimal(1), ROUND_HALF_UP))


def timestamp(seconds: float, separator: str = ".") -> str:
    """A caption timestamp: HH:MM:SS.mmm (WebVTT) or HH:MM:SS,mmm (SubRip, separator=",")."""
    ms = _milliseconds(seconds)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def mark(seconds: float) -> str:
    """An editor's time mark, to a tenth of a second: [01:23.4], or [1:01:23.4] past an hour."""
    tenths = int(round(max(0.0, seconds) * 10))
    hours, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    clock_text = f"{minutes:02d}:{rest // 10:02d}.{rest % 10}"
    return f"[{hours}:{clock_text}]" if hours else f"[{clock_text}]"


def clock(seconds: float) -> str:
    """A time as a video player shows it: 0:05, 12:34, 1:02:03."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def spoken_duration(seconds: float) -> str:
    """A length as people say it: 45 s, 2 min 57 s, 1 h 5 min."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
