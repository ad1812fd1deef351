"""``topicsum.load``: complete runs load; damaged, mixed or interrupted folders give one clear InputError."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

import topicsum
from topicsum._store import JOURNAL, MARKER

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def saved(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of the seeds (extractive digests), saved once; tests damage copies of it."""
    folder = tmp_path_factory.mktemp("saved") / "run"
    topicsum.run(seeds_dir, out=folder, summariser="extractive", formats=(), show_progress=False)
    return folder


@pytest.fixture
def copy(saved: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(saved, tmp_path / "run"))


def _old_format(folder: Path) -> None:
    """Rewrite run.json as topicsum wrote it before outputs had hashes (a list of top-level names)."""
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    manifest["outputs"] = sorted({o["path"].split("/")[0] for o in manifest["outputs"]} | {"run.json"})
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / MARKER).unlink()


def test_a_complete_run_loads(copy):
    loaded = topicsum.load(copy)
    assert len(loaded.themes) == 6 and loaded.theme_model is not None


def test_a_run_written_before_outputs_had_hashes_still_loads(copy):
    _old_format(copy)
    assert topicsum.load(copy).theme_model is not None


def test_garbage_run_json_names_the_file(copy):
    (copy / "run.json").write_bytes(b"\x00garbage{")
    with pytest.raises(topicsum.InputError, match=r"run\.json.*cannot be read.*run topicsum again"):
        topicsum.load(copy)


def test_garbage_segments_safetensors_is_a_mixed_folder(copy):
    (copy / "model" / "segments.safetensors").write_bytes(b"not safetensors at all")
    with pytest.raises(topicsum.InputError, match=r"mixes files.*model/segments\.safetensors.*run topicsum again"):
        topicsum.load(copy)


def test_topics_json_of_another_run_is_a_mixed_folder(copy, tmp_path):
    topics = json.loads((copy / "topics.json").read_text(encoding="utf-8"))
    topics["themes"][0]["label"] = "Another run's label"
    (copy / "topics.json").write_text(json.dumps(topics), encoding="utf-8")
    with pytest.raises(topicsum.InputError, match=r"mixes files of different runs: topics\.json"):
        topicsum.load(copy)


def test_an_interrupted_run_is_refused(copy):
    (copy / JOURNAL).write_text('{"tool": "topicsum", "previous": [], "writing": []}', encoding="utf-8")
    with pytest.raises(topicsum.InputError, match="incomplete topicsum run.*journal"):
        topicsum.load(copy)
    (copy / JOURNAL).unlink()
    (copy / "run.json").unlink()  # a first run killed before its commit record
    with pytest.raises(topicsum.InputError, match=r"incomplete topicsum run: run\.json is missing"):
        topicsum.load(copy)


def test_garbage_tables_in_an_old_folder_name_the_file(copy):
    _old_format(copy)
    (copy / "segments.csv").write_bytes(b'a,"b\n\x00\xff')
    with pytest.raises(topicsum.InputError, match=r"segments\.csv.*cannot be read.*run topicsum again"):
        topicsum.load(copy)


def test_a_missing_table_is_named(copy):
    (copy / "topics.json").unlink()
    with pytest.raises(topicsum.InputError, match=r"topics\.json.*(missing|changed)"):
        topicsum.load(copy)


@pytest.mark.parametrize("damaged", ["model/theme_model.json", "model/segments.safetensors"])
def test_a_damaged_model_folder_loads_the_tables_and_transform_says_why(copy, caplog, damaged):
    _old_format(copy)  # no hashes to catch it: the model itself fails to load
    (copy / damaged).write_bytes(b"\x00\x01 not what topicsum wrote")
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        loaded = topicsum.load(copy)
    assert len(loaded.segments) == 56 and loaded.theme_model is None
    assert str(copy / "model") in caplog.text and "run topicsum again" in caplog.text
    with pytest.raises(topicsum.StageSkippedError) as info:
        loaded.transform(["Russia and Ukraine exchanged the bodies of fallen soldiers."])
    message = str(info.value)
    assert str(copy / "model") in message and "cannot be loaded" in message
    assert "has model/" not in message
