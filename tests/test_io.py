from __future__ import annotations

import json

import pytest

from topicsum._errors import OutputExistsError
from topicsum._io import atomic_write, prepare_output_dir


def test_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "segments.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as fh:
            fh.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["segments.csv"]


def test_foreign_files_with_our_names_are_not_overwritten(tmp_path):
    (tmp_path / "segments.csv").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="segments.csv"):
        prepare_output_dir(tmp_path)
    assert prepare_output_dir(tmp_path, overwrite=True) == tmp_path


def test_previous_topicsum_run_may_be_replaced(tmp_path):
    (tmp_path / "segments.csv").write_text("old run", encoding="utf-8")
    (tmp_path / "run.json").write_text(json.dumps({"tool": "topicsum"}), encoding="utf-8")
    assert prepare_output_dir(tmp_path) == tmp_path


def test_unrelated_files_do_not_block(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    prepare_output_dir(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
