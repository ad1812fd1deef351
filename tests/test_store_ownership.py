"""Which files of an output folder topicsum owns: records, journal, leftovers, stale outputs, inputs kept apart."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest

from topicsum._errors import OutputError, OutputExistsError
from topicsum._store import JOURNAL
from topicsum._store._ownership import (
    check_not_input,
    prepare_output_dir,
    read_owned,
    remove_leftovers,
    remove_stale,
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _write_run(folder: Path, files: dict[str, str], outputs: list | None = None) -> None:
    """A folder as a finished run leaves it: the files, and run.json listing them with their hashes."""
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    if outputs is None:
        outputs = [{"path": rel, "sha256": _sha(text), "bytes": len(text)} for rel, text in files.items()]
    (folder / "run.json").write_text(json.dumps({"tool": "topicsum", "outputs": outputs}), encoding="utf-8")


def test_foreign_files_with_our_names_are_not_overwritten(tmp_path):
    (tmp_path / "segments.csv").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="segments.csv"):
        prepare_output_dir(tmp_path)
    assert prepare_output_dir(tmp_path, overwrite=True) == tmp_path
    assert (tmp_path / "segments.csv").read_text(encoding="utf-8") == "mine"


def test_unchanged_outputs_of_a_previous_run_may_be_replaced(tmp_path):
    _write_run(tmp_path, {"segments.csv": "old run", "report.md": "old report", "model/state.json": "{}"})
    assert prepare_output_dir(tmp_path) == tmp_path


def test_a_report_the_user_edited_is_not_ours_any_more(tmp_path):
    _write_run(tmp_path, {"segments.csv": "old run", "report.md": "old report"})
    (tmp_path / "report.md").write_text("old report, with my notes", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="report.md"):
        prepare_output_dir(tmp_path, formats=["md"])
    assert prepare_output_dir(tmp_path, formats=["html"]) == tmp_path  # a run that does not write report.md


def test_a_users_file_inside_model_blocks_the_run(tmp_path):
    _write_run(tmp_path, {"segments.csv": "old run", "model/state.json": "{}"})
    (tmp_path / "model" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="model/notes.txt"):
        prepare_output_dir(tmp_path, formats=())
    assert prepare_output_dir(tmp_path, formats=(), model=False) == tmp_path


def test_a_run_json_that_is_not_topicsums_blocks_the_run(tmp_path):
    (tmp_path / "run.json").write_text('{"mine": true}', encoding="utf-8")
    with pytest.raises(OutputExistsError, match="run.json"):
        prepare_output_dir(tmp_path, formats=())


def test_files_with_other_names_never_block(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    prepare_output_dir(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_old_run_json_without_hashes_still_gives_ownership_of_topicsums_names_only(tmp_path):
    # topicsum before hashes listed every top-level name it found, the user's files too
    files = {"segments.csv": "old", "model/x.json": "{}", "notes.txt": "mine"}
    _write_run(tmp_path, files, outputs=["model", "notes.txt", "run.json", "segments.csv"])
    owned = read_owned(tmp_path)
    assert owned == {"segments.csv": None, "model/": None}
    (tmp_path / "segments.csv").write_text("changed", encoding="utf-8")  # no hash to compare: ours by name
    assert prepare_output_dir(tmp_path, formats=()) == tmp_path
    remove_stale(tmp_path, owned, ["run.json"])
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "segments.csv").exists()


def test_records_cannot_point_outside_the_folder(tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    entries = [{"path": p, "sha256": _sha("keep")} for p in ("../precious.txt", str(outside), "./x", "a/../../b")]
    (out / "run.json").write_text(json.dumps({"tool": "topicsum", "outputs": entries}), encoding="utf-8")
    assert read_owned(out) == {}
    remove_stale(out, {"../precious.txt": _sha("keep")}, [])
    assert outside.read_text(encoding="utf-8") == "keep"


def test_journal_makes_the_interrupted_runs_files_ours(tmp_path):
    # run 1 finished; run 2 rewrote segments.csv and was killed before run.json: the folder mixes both
    _write_run(tmp_path, {"segments.csv": "run 1", "report.md": "run 1 report"})
    journal = {
        "tool": "topicsum",
        "previous": [{"path": "segments.csv", "sha256": _sha("run 1")}, {"path": "report.md", "sha256": _sha("run 1 report")}],
        "writing": [{"path": "segments.csv"}, {"path": "model/"}],
    }
    (tmp_path / JOURNAL).write_text(json.dumps(journal), encoding="utf-8")
    (tmp_path / "segments.csv").write_text("run 2", encoding="utf-8")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "half.json").write_text("{}", encoding="utf-8")
    owned = read_owned(tmp_path)
    assert owned["segments.csv"] is None and owned["model/"] is None
    assert prepare_output_dir(tmp_path, formats=["md"]) == tmp_path


def test_leftovers_of_interrupted_writes_are_removed_and_nothing_else(tmp_path):
    import tempfile

    from topicsum._store import MARKER

    names = ["segments.csv", "articles.csv", "topics.json", "run.json", "report.html", "report.pdf", "report.md", JOURNAL, MARKER]
    # the names atomic_write and the model/ swap really use
    leftovers = [Path(tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=tmp_path)[1]).name for name in names]
    leftovers += [Path(tempfile.mkdtemp(prefix=".model.", dir=tmp_path)).name, ".model.old.1234"]
    (tmp_path / ".model.old.1234" / "bertopic").mkdir(parents=True)
    keep = [".mine.abcdefgh.tmp", ".segments.csv.tmp", "segments.csv.a1b2c3d4.tmp", ".notes.txt.a1b2c3d4.tmp", ".model"]
    for name in keep:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / ".modelling").mkdir()
    removed = remove_leftovers(tmp_path)
    assert sorted(removed) == sorted(leftovers)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, ".modelling"])


def test_stale_outputs_are_removed_when_unchanged_and_kept_with_a_warning_when_edited(tmp_path, caplog):
    _write_run(tmp_path, {"report.md": "report", "report.pdf": "pdf", "model/x.json": "{}"})
    (tmp_path / "report.pdf").write_text("pdf, annotated", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        left = remove_stale(tmp_path, read_owned(tmp_path), ["segments.csv", "run.json"])
    assert left == ["report.pdf"]
    assert not (tmp_path / "report.md").exists() and not (tmp_path / "model").exists()
    assert (tmp_path / "report.pdf").read_text(encoding="utf-8") == "pdf, annotated"
    assert "report.pdf" in caplog.text


def test_output_folder_that_is_an_input_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pages").mkdir()
    with pytest.raises(OutputError, match="'pages/' is the input folder 'pages'"):
        check_not_input("pages/", ["pages"])
    with pytest.raises(OutputError, match=r"'\.' holds the input 'pages/a.txt'"):
        check_not_input(".", ["pages/a.txt"])


def test_output_folder_inside_an_input_folder_is_allowed(tmp_path, caplog):
    (tmp_path / "pages").mkdir()
    with caplog.at_level(logging.INFO, logger="topicsum"):
        check_not_input(tmp_path / "pages" / "out", [tmp_path / "pages"])
    assert "skipped when reading inputs" in caplog.text
    check_not_input(tmp_path / "out", [tmp_path / "pages"])  # beside it: nothing to say

