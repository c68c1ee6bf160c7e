"""Shared fixtures: the real test clips in ../shared/testdata and the real, verified models."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.audio import ffmpeg_executable
from pipeline.engines import DecodeOptions, load_engine
from pipeline.models import resolve_model

REPO = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("PIPELINE_TESTDATA", REPO.parent / "shared" / "testdata"))


@pytest.fixture(scope="session")
def testdata() -> Path:
    assert (TESTDATA / "manifest.tsv").is_file(), f"test clips not found in {TESTDATA}"
    return TESTDATA


@pytest.fixture(scope="session")
def manifest(testdata: Path) -> list[dict[str, str]]:
    with open(testdata / "manifest.tsv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="session")
def tiny_model():
    return resolve_model("tiny.en")


@pytest.fixture(scope="session")
def base_model():
    return resolve_model("base")


_engines: dict = {}


@pytest.fixture(scope="session")
def engine_for():
    """Engines are slow to load: each (engine, model, compute type) is loaded once per session."""

    def get(name: str, model, compute_type: str = "int8"):
        key = (name, model.sha256, compute_type)
        if key not in _engines:
            _engines[key] = load_engine(name, model, DecodeOptions(compute_type=compute_type))
        return _engines[key]

    return get


def run_ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True)


@pytest.fixture
def media_dir(tmp_path: Path, testdata: Path) -> Path:
    """A media folder with one real speech clip in it."""
    folder = tmp_path / "media"
    folder.mkdir()
    shutil.copy(testdata / "jfk_inaugural_1961.flac", folder / "jfk.flac")
    return folder
