"""Accessible captions and transcripts from video, with Whisper, offline."""

__version__ = "0.1.0"
