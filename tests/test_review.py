"""The review list finds the machine's mistakes: real engines on real clips, judged against their
reference transcripts with jiwer's alignment (not the code's own), one count everywhere, and
words an editor kept that a new machine transcript hears differently."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.batch import build_all
from pipeline.build import BuildConfig
from pipeline.review import review_list
from pipeline.review.measure import Recall, error_events, recall_of
from pipeline.transcript import Transcript

from .conftest import REPO

# Clips the risk model was fitted on are judged by cross-validation in .bench/fit_review.py; these
# are a handful of the hardest (spontaneous, accented, whispered) to check the build end to end.
CLIPS = ["ami_ES2011a_headset0_40-46s.wav", "voices_src_sp0307-ch127535-sg0042.wav",
         "librispeech_stereo_2speakers_overlap.wav", "jfk_inaugural_1961.flac"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata) -> Path:
    """The clips built as `make` builds them: base, with the tiny.en second opinion."""
    root = tmp_path_factory.mktemp("review")
    media = root / "media"
    media.mkdir()
    for clip in CLIPS:
        shutil.copy(testdata / clip, media / clip)
    build_all(BuildConfig(media, root / "transcripts", progress_bars=False), log=lambda _: None)
    return root / "transcripts"


def test_the_review_list_catches_more_machine_errors_than_confidence_alone(built, testdata):
    listed_total, confidence_total = Recall(0, 0, 0, 0.0), Recall(0, 0, 0, 0.0)
    for clip in CLIPS:
        folder = built / Path(clip).stem
        words = Transcript.from_json((folder / f"{folder.name}.words.json").read_text()).words
        events = error_events((testdata / Path(clip).with_suffix(".txt").name).read_text(), [w.text for w in words])
        listed = {(round(item.start, 3), item.word) for item in review_list(folder).items}
        minutes = words[-1].end / 60 if words else 0.0
        listed_total += recall_of(events, [(round(w.start, 3), w.text) in listed for w in words], minutes)
        confidence_total += recall_of(events, [w.probability < 0.5 for w in words], minutes)
    assert listed_total.errors >= 10  # the clips are hard enough to measure something
    assert listed_total.recall >= 0.6, str(listed_total)
    assert listed_total.caught >= confidence_total.caught + 3, (str(listed_total), str(confidence_total))
    assert listed_total.precision >= 0.3, str(listed_total)


def test_one_count_in_the_vtt_note_the_manifest_and_make_review(built):
    done = subprocess.run([sys.executable, "-m", "pipeline", "review", "--transcripts-dir", str(built)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0
    for clip in CLIPS:
        folder = built / Path(clip).stem
        lines = [line for line in done.stdout.splitlines() if line.startswith(f"{folder / folder.name}.edit.txt:")]
        manifest = json.loads((folder / f"{folder.name}.json").read_text())
        note = (folder / f"{folder.name}.vtt").read_text().split("\n\n")[1]
        assert manifest["to_check"] == len(lines) == len(review_list(folder))
        if lines:
            assert f"{len(lines)} word{'s' * (len(lines) != 1)} to check" in note
        else:
            assert "to check" not in note


def test_a_kept_word_the_new_machine_hears_differently_is_listed_with_what_it_heard(built, tmp_path):
    folder = tmp_path / "talk"
    shutil.copytree(built / "jfk_inaugural_1961", folder)
    for path in folder.iterdir():
        path.rename(folder / path.name.replace("jfk_inaugural_1961", "talk"))
    machine_path = folder / "talk.machine.json"
    machine = json.loads(machine_path.read_text())
    heard = machine["segments"][0]["words"][3]
    was = heard["word"] if "word" in heard else heard["text"]
    heard["text"] = "Mercicide"  # what a new machine transcript heard there (a hand-made fixture)
    machine_path.write_text(json.dumps(machine))
    (folder / "talk.second.json").unlink()  # the new transcript's only opinion
    items = [item for item in review_list(folder).items if item.word == was]
    assert items and items[0].alternative == "Mercicide" and "now hears" in items[0].reasons[0]
