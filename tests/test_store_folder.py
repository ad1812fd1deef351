"""Atomic writes and the checks an output path must pass before any work."""

from __future__ import annotations

import pytest

from topicsum._errors import OutputError
from topicsum._io import atomic_write
from topicsum._store import MARKER, check_output_path, is_output_folder


def test_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "segments.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as fh:
            fh.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["segments.csv"]


def test_empty_output_path_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="empty"):
        check_output_path("")
    assert list(tmp_path.iterdir()) == []


def test_output_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="afile.*not a folder"):
        check_output_path(tmp_path / "afile")


def test_output_path_that_is_a_broken_link_is_refused(tmp_path):
    (tmp_path / "out").symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError, match="out.*broken symbolic link"):
        check_output_path(tmp_path / "out")


@pytest.mark.parametrize("create", [True, False])
def test_output_path_under_a_file_names_the_file(tmp_path, create):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        check_output_path(tmp_path / "afile" / "sub" / "deeper", create=create)
    message = str(info.value)
    assert "afile/sub/deeper" in message and f"{tmp_path / 'afile'}'" in message and "is a file" in message
    assert not isinstance(info.value, NotADirectoryError)


def test_unwritable_output_folder_is_refused_with_its_path(unwritable_folder):
    folder = unwritable_folder
    with pytest.raises(OutputError, match=f"{folder}.*cannot be written to"):
        check_output_path(folder)
    with pytest.raises(OutputError, match=f"{folder / 'out'}.*cannot be (created|written)"):
        check_output_path(folder / "out", create=False)
    assert not (folder / "out").exists()


def test_check_without_create_leaves_nothing_behind(tmp_path):
    assert check_output_path(tmp_path / "a" / "b", create=False) == tmp_path / "a" / "b"
    assert list(tmp_path.iterdir()) == []
    assert check_output_path(tmp_path / "a" / "b").is_dir()
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == []


def test_output_folder_is_recognised_by_marker_or_manifest(tmp_path):
    plain, marked, manifest, other = (tmp_path / n for n in ("plain", "marked", "manifest", "other"))
    for folder in (plain, marked, manifest, other):
        folder.mkdir()
    (marked / MARKER).write_text("{}", encoding="utf-8")
    (manifest / "run.json").write_text('{"tool": "topicsum"}', encoding="utf-8")
    (other / "run.json").write_text('{"tool": "something else"}', encoding="utf-8")
    assert [is_output_folder(f) for f in (plain, marked, manifest, other)] == [False, True, True, False]
