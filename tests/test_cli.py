"""The `topicsum` command: results on good input, one clear line and exit 2 on bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from topicsum._cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_missing_path_exits_2_with_one_line(tmp_path, capsys):
    code, _, err = _run(capsys, "run", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "out"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "nope.txt" in err
    assert not (tmp_path / "out").exists()


def test_empty_folder_exits_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = _run(capsys, "run", str(tmp_path / "empty"), "--out", str(tmp_path / "out"))
    assert code == 2 and "empty" in err


def test_unknown_option_exits_2(tmp_path, capsys, seeds_dir):
    code, _, err = _run(capsys, "run", str(seeds_dir), "--out", str(tmp_path / "o"), "--set", "n_topic=3")
    assert code == 2 and "n_topics" in err


def test_bad_flag_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--frobnicate"])
    assert info.value.code == 2


def test_no_traceback_for_user_errors(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "topicsum", "run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("topicsum: error:")


@pytest.mark.slow
def test_run_writes_the_output_folder(tmp_path, capsys, seeds_dir):
    out = tmp_path / "out"
    code, stdout, _ = _run(
        capsys, "run", str(seeds_dir), "--out", str(out), "--summariser", "extractive", "--format", "md", "--no-progress"
    )
    assert code == 0
    assert "themes" in stdout
    assert {p.name for p in out.iterdir()} >= {"segments.csv", "articles.csv", "topics.json", "run.json", "report.md"}
