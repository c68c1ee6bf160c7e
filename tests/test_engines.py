"""The real engines on real speech: accuracy against human references, and parity."""

from pathlib import Path

import pytest

from pipeline.audio import extract_pcm, load_pcm
from pipeline.evaluate import normalise, pooled_wer, score_text


@pytest.fixture(scope="module")
def samples(tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("pcm")

    def load(name: str):
        return load_pcm(folder / f"{extract_pcm(testdata / name, folder)}.pcm")

    return load


def reference(testdata: Path, media: str) -> str:
    return (testdata / media).with_suffix(".txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("engine", ["faster-whisper", "openai-whisper"])
@pytest.mark.parametrize("clip, bound", [
    ("jfk_inaugural_1961.flac", 0.05),
    ("librispeech_dev-clean_2412-153948-0000.flac", 0.05),
])
def test_both_engines_transcribe_real_speech(engine, clip, bound, samples, testdata, tiny_model, engine_for):
    transcript = engine_for(engine, tiny_model).transcribe(samples(clip))
    score = score_text(clip, reference(testdata, clip), transcript.text)
    assert score.wer <= bound, (transcript.text, score)
    words = transcript.words
    assert words and all(0 <= w.start <= w.end <= transcript.duration + 0.01 for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert all(0 < w.probability <= 1 for w in words)
    assert transcript.engine == engine and transcript.model == "tiny.en"


def test_same_weights_in_float32_give_the_same_words_from_both_engines(samples, base_model, engine_for):
    audio = samples("librispeech_dev-clean_2412-153948-0000.flac")
    fast = engine_for("faster-whisper", base_model, "float32").transcribe(audio)
    reference_engine = engine_for("openai-whisper", base_model).transcribe(audio)
    assert [w.text for w in fast.words] == [w.text for w in reference_engine.words]
    assert len(fast.words) > 30
    for a, b in zip(fast.words, reference_engine.words):
        assert abs(a.start - b.start) <= 0.02 and abs(a.end - b.end) <= 0.02, (a, b)


@pytest.mark.parametrize("model_fixture", ["base_model", "tiny_model"])
def test_pooled_wer_on_the_single_speaker_clips_is_no_worse_than_whisper_alone(
        model_fixture, request, samples, testdata, manifest, engine_for):
    """Whisper alone (faster-whisper int8, beam 5, no VAD, no guards) is decoded here, on this
    machine: its errors are not a constant. int8 results depend on the kernels CTranslate2 picks
    for the CPU: tiny.en alone makes 15 errors in these 152 words on an AVX-512 Xeon (with its
    AVX-512 or AVX2 kernels), 14 with CT2_FORCE_CPU_ISA=AVX. The fixed bound of 14 this test
    once had was Whisper alone's figure on the machine it was written on, so it failed here
    although the pipeline made exactly Whisper alone's 15 errors."""
    from pipeline.transcribe.engines import whisper_alone

    engine = engine_for("faster-whisper", request.getfixturevalue(model_fixture))
    clips = [row["media"] for row in manifest if row["speakers"] == "1"]
    assert len(clips) == 13
    alone_options = whisper_alone(engine.options)  # beam 5, whatever the build's beam
    scores, alone = [], []
    for c in clips:
        audio = samples(c)
        scores.append(score_text(c, reference(testdata, c), engine.transcribe(audio).text))
        alone.append(score_text(c, reference(testdata, c), engine.transcribe(audio, alone_options).text))
    assert sum(s.reference_words for s in scores) == 152
    errors, alone_errors = sum(s.errors for s in scores), sum(s.errors for s in alone)
    differ = [(s.name, s.errors, a.errors) for s, a in zip(scores, alone) if s.errors != a.errors]
    assert errors <= alone_errors, (f"{pooled_wer(scores):.1%} vs {pooled_wer(alone):.1%} alone", differ)
    assert all(s.errors <= a.errors + 1 for s, a in zip(scores, alone)), differ


def test_long_speech_is_decoded_in_batches_as_accurately_as_one_window_at_a_time(
        samples, testdata, manifest, tiny_model, engine_for):
    """Speech longer than one 30 s window goes through faster-whisper's batched pipeline:
    same words within one error of sequential decoding, and times on the original clock."""
    import dataclasses

    import numpy as np

    clips = [row["media"] for row in manifest if row["speakers"] == "1"][:6]
    pause = np.zeros(8000, dtype=np.float32)  # half a second between the clips
    audio = np.concatenate([part for c in clips for part in (samples(c), pause)])
    references = " ".join(reference(testdata, c) for c in clips)
    engine = engine_for("faster-whisper", tiny_model)
    batched_options = engine.options
    sequential_options = dataclasses.replace(engine.options, batch_size=1)
    assert batched_options.batch_size > 1 and len(audio) > 30 * 16000
    from pipeline.transcribe import vad

    speech = vad.find_speech(audio)
    assert engine._batches_help(sum(c["end"] - c["start"] for c in speech.chunks), batched_options)

    batched = engine.transcribe(audio, batched_options)
    sequential = engine.transcribe(audio, sequential_options)
    batched_score = score_text("batched", references, batched.text)
    sequential_score = score_text("sequential", references, sequential.text)
    assert batched_score.errors <= sequential_score.errors + 1, (batched.text, sequential.text)
    assert batched_score.wer <= 0.15, batched.text
    words = batched.words
    assert all(0 <= w.start <= w.end <= len(audio) / 16000 + 0.01 for w in words)
    assert all(a.start <= b.start + 0.01 for a, b in zip(words, words[1:]))
    # the first words of the last clip are heard where that clip starts, not at the start of a batch
    last_start = sum(len(samples(c)) + len(pause) for c in clips[:-1]) / 16000
    last_first_word = normalise(reference(testdata, clips[-1])).split()[0]
    heard = [w for w in words if normalise(w.text) == last_first_word and w.start >= last_start - 1]
    assert heard and abs(heard[0].start - last_start) < 1.5, [(w.text, w.start) for w in words[-12:]]
