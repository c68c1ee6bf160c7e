"""Formats, read and written: WebVTT, SubRip, the plain-text transcript, the editor's file, and
imported captions. Writers are pure (cues or words in, text out); readers raise PipelineError
naming the file and line."""
