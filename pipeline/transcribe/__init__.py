"""Speech to timed words: the engines (faster-whisper and openai-whisper on the same verified
weights), voice activity detection and the guards around them, the models and their
conversion, and forced alignment of an editor's words."""
