"""Writing the output folder: what run.json lists, what is never replaced, what an interrupted run leaves."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import topicsum
from topicsum._io import sha256_file
from topicsum._store import JOURNAL, MARKER

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(seeds_dir: Path):
    """The seeds with extractive digests; each test saves it where it needs (no report drawn unless asked)."""
    return topicsum.run(seeds_dir, summariser="extractive", formats=(), show_progress=False)


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _listed(folder: Path) -> dict[str, str]:
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    return {o["path"]: o["sha256"] for o in manifest["outputs"]}


def test_run_json_lists_exactly_the_files_this_run_wrote(result, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result.save(out, formats=("md",))
    listed = _listed(out)
    assert set(listed) == _files(out) - {"run.json", MARKER, "notes.txt"}
    assert {"segments.csv", "articles.csv", "topics.json", "report.md", "model/segments.safetensors"} <= set(listed)
    assert all(sha256_file(out / rel) == sha for rel, sha in listed.items())
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert all(o["bytes"] == (out / o["path"]).stat().st_size for o in manifest["outputs"])
    assert not (out / JOURNAL).exists() and (out / MARKER).is_file()


def test_users_files_are_never_replaced_or_deleted_without_overwrite(result, tmp_path):
    """Issue 16, case 2: a report.md and model/notes.txt of the user's in a folder holding an earlier run."""
    out = tmp_path / "o"
    result.save(out, formats=())
    (out / "report.md").write_text("mine\n", encoding="utf-8")
    (out / "model" / "notes.txt").write_text("x\n", encoding="utf-8")
    before = {rel: sha256_file(out / rel) for rel in _files(out)}
    with pytest.raises(topicsum.OutputExistsError, match=r"report\.md.*model/notes\.txt|model/notes\.txt.*report\.md"):
        result.save(out, formats=("md",))
    assert {rel: sha256_file(out / rel) for rel in _files(out)} == before
    result.save(out, formats=("md",), overwrite=True)
    assert (out / "report.md").read_text(encoding="utf-8") != "mine\n"


def test_outputs_of_an_earlier_run_that_this_run_does_not_write_are_removed(result, tmp_path):
    out = tmp_path / "o"
    result.save(out, formats=("md",))
    result.save(out, formats=("html",))
    assert not (out / "report.md").exists() and (out / "report.html").is_file()
    assert "report.md" not in _listed(out)


def test_an_edited_earlier_report_is_left_in_place_and_not_listed(result, tmp_path, caplog):
    out = tmp_path / "o"
    result.save(out, formats=("md",))
    (out / "report.md").write_text("my annotated copy", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        result.save(out, formats=("html",))
    assert (out / "report.md").read_text(encoding="utf-8") == "my annotated copy"
    assert "report.md" not in _listed(out)
    assert "report.md" in caplog.text and "left in place" in caplog.text


def test_an_interrupted_write_is_recognised_and_cleaned_by_the_next_run(result, tmp_path, monkeypatch):
    """Issue 16, case 8: interrupted while writing the reports, and leftovers of a killed run."""
    import topicsum._report

    out = tmp_path / "o"
    result.save(out, formats=("md",))
    old_manifest = (out / "run.json").read_text(encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(topicsum._report, "write_markdown", interrupted)
    with pytest.raises(KeyboardInterrupt):
        result.save(out, formats=("md",))
    assert (out / JOURNAL).is_file()
    assert (out / "run.json").read_text(encoding="utf-8") == old_manifest
    with pytest.raises(topicsum.InputError, match="incomplete.*run topicsum again"):
        topicsum.load(out)
    monkeypatch.undo()
    # what a SIGKILL leaves: a half-written temporary file and a half-built model folder
    (out / ".segments.csv.k2j3h4g5.tmp").write_text("half", encoding="utf-8")
    (out / ".model.a1b2c3d4" / "bertopic").mkdir(parents=True)
    result.save(out, formats=("md",))
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [MARKER]
    assert topicsum.load(out).segments["segment_id"].tolist() == result.segments["segment_id"].tolist()


def test_a_first_run_killed_before_run_json_can_be_run_again(result, tmp_path, monkeypatch):
    import topicsum._store._write

    out = tmp_path / "o"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(topicsum._store._write, "describe_outputs", killed)
    with pytest.raises(KeyboardInterrupt):
        result.save(out, formats=("md",))
    assert not (out / "run.json").exists() and (out / "segments.csv").is_file()
    monkeypatch.undo()
    result.save(out, formats=("md",))  # the journal says these files are ours
    assert set(_listed(out)) == _files(out) - {"run.json", MARKER}
