"""Convert a CTranslate2 Whisper model.bin into an openai-whisper checkpoint, so both
engines run on the very same weights.

The CTranslate2 format (spec version 6), little-endian: u32 version, string spec name,
u32 revision, u32 n_vars; per variable a string name, u8 rank, rank x u32 dims, u8 dtype,
u32 nbytes and the raw bytes; then u32 n_aliases and (alias, target) string pairs. A string
is a u16 length counting a trailing NUL, the UTF-8 bytes and the NUL.
"""

from __future__ import annotations

import base64
import gzip
import io
import re
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import PipelineError
from ..atomic import atomic_write_bytes

_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
_BFLOAT16 = 5


def read_ctranslate2(path: Path) -> dict[str, np.ndarray]:
    with open(path, "rb") as f:
        (version,) = _unpack(f, "<I")
        if version != 6:
            raise PipelineError(path, f"CTranslate2 model format version {version} is not supported (6 is)")
        spec = _read_string(f)
        if spec != "WhisperSpec":
            raise PipelineError(path, f"is a {spec} model, not Whisper")
        _unpack(f, "<I")  # revision
        (count,) = _unpack(f, "<I")
        variables = {}
        for _ in range(count):
            name = _read_string(f)
            (rank,) = _unpack(f, "<B")
            dims = _unpack(f, f"<{rank}I") if rank else ()
            (dtype, nbytes) = _unpack(f, "<BI")
            raw = f.read(nbytes)
            if len(raw) != nbytes:
                raise PipelineError(path, f"ends early in variable {name}: the file is truncated")
            if dtype == _BFLOAT16:
                array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            elif dtype in _DTYPES:
                array = np.frombuffer(raw, dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<"))
            else:
                raise PipelineError(path, f"variable {name} has unknown dtype {dtype}")
            variables[name] = array.reshape(dims)
    if any(name.endswith("_scale") for name in variables):
        raise PipelineError(path, "quantised CTranslate2 weights cannot be converted; use a float16 or float32 model")
    return variables


def _unpack(f: BinaryIO, fmt: str) -> tuple:
    size = struct.calcsize(fmt)
    data = f.read(size)
    if len(data) != size:
        raise PipelineError(getattr(f, "name", "model.bin"), "ends early: the file is truncated")
    return struct.unpack(fmt, data)


def _read_string(f: BinaryIO) -> str:
    (length,) = _unpack(f, "<H")
    return f.read(length)[:-1].decode("utf-8")


def to_openai_state_dict(variables: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Rename and split CTranslate2 variables into openai-whisper's state dict and dims."""
    state: dict[str, np.ndarray] = {}
    for name, value in variables.items():
        for new_name, part in _map_variable(name, value):
            state[new_name] = part
    n_audio_layer = _count_layers(variables, "encoder")
    n_text_layer = _count_layers(variables, "decoder")
    embedding = variables["decoder/embeddings/weight"]
    dims = {
        "n_mels": int(variables["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(variables["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(variables["encoder/conv1/weight"].shape[0]),
        "n_audio_head": int(variables["encoder/num_heads"]),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(embedding.shape[0]),
        "n_text_ctx": int(variables["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(embedding.shape[1]),
        "n_text_head": int(variables["decoder/num_heads"]),
        "n_text_layer": n_text_layer,
    }
    return state, dims


def _count_layers(variables: dict[str, np.ndarray], stack: str) -> int:
    pattern = re.compile(rf"^{stack}/layer_(\d+)/")
    return 1 + max(int(m.group(1)) for name in variables if (m := pattern.match(name)))


_PLAIN = {
    "encoder/conv1": "encoder.conv1",
    "encoder/conv2": "encoder.conv2",
    "encoder/layer_norm": "encoder.ln_post",
    "decoder/layer_norm": "decoder.ln",
}
_LAYER_PARTS = {
    "self_attention/linear_1": "attn.out",
    "self_attention/layer_norm": "attn_ln",
    "ffn/linear_0": "mlp.0",
    "ffn/linear_1": "mlp.2",
    "ffn/layer_norm": "mlp_ln",
    "attention/linear_0": "cross_attn.query",
    "attention/linear_2": "cross_attn.out",
    "attention/layer_norm": "cross_attn_ln",
}
_PARAM = {"weight": "weight", "bias": "bias", "gamma": "weight", "beta": "bias"}


def _map_variable(name: str, value: np.ndarray) -> list[tuple[str, np.ndarray]]:
    if name == "encoder/position_encodings/encodings":
        return [("encoder.positional_embedding", value)]
    if name == "decoder/position_encodings/encodings":
        return [("decoder.positional_embedding", value)]
    if name == "decoder/embeddings/weight":
        return [("decoder.token_embedding.weight", value)]
    module, _, param = name.rpartition("/")
    if module in _PLAIN:
        return [(f"{_PLAIN[module]}.{_PARAM[param]}", value)]
    match = re.match(r"^(encoder|decoder)/layer_(\d+)/(.+)$", module)
    if not match or param not in _PARAM:
        return []  # scalars such as num_heads and flags; they feed dims or nothing
    stack, index, part = match.groups()
    prefix = f"{stack}.blocks.{index}"
    if part == "self_attention/linear_0":
        return _split_fused(f"{prefix}.attn", ("query", "key", "value"), param, value)
    if part == "attention/linear_1":
        return _split_fused(f"{prefix}.cross_attn", ("key", "value"), param, value)
    if part in _LAYER_PARTS:
        return [(f"{prefix}.{_LAYER_PARTS[part]}.{_PARAM[param]}", value)]
    raise PipelineError("model.bin", f"unexpected variable {name}")


def _split_fused(prefix: str, names: tuple[str, ...], param: str, value: np.ndarray) -> list[tuple[str, np.ndarray]]:
    parts = np.split(value, len(names), axis=0)
    # Whisper's key projections have no bias; CTranslate2 stores zeros for them.
    return [(f"{prefix}.{n}.{param}", p) for n, p in zip(names, parts) if not (n == "key" and param == "bias")]


def alignment_heads_dump(heads: list[tuple[int, int]], n_text_layer: int, n_text_head: int) -> bytes:
    """openai-whisper's encoding of alignment heads: a bool mask, gzipped, base85."""
    mask = np.zeros((n_text_layer, n_text_head), dtype=bool)
    for layer, head in heads:
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes(), mtime=0))


def convert(model_bin: Path, heads: list[tuple[int, int]], destination: Path) -> None:
    """Write an openai-whisper checkpoint, with its alignment heads, for model_bin."""
    import torch  # imported here: a second or more, and only this engine needs it

    state, dims = to_openai_state_dict(read_ctranslate2(model_bin))
    checkpoint = {
        "dims": dims,
        "model_state_dict": {k: torch.from_numpy(np.array(v)) for k, v in state.items()},
        "alignment_heads": alignment_heads_dump(heads, dims["n_text_layer"], dims["n_text_head"]),
    }
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    atomic_write_bytes(destination, buffer.getvalue())
