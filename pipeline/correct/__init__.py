"""An editor's corrections applied to the machine's words: the glossary's replacements, and the
editor's file re-timed against the machine words and the audio."""
