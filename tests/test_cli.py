"""The `topicsum` command: results on good input, one clear line and exit 2 on bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from topicsum._cli import main


@pytest.fixture(autouse=True)
def _restore_progress_variables(monkeypatch):
    """``--no-progress`` sets process-wide variables; keep them inside each test."""
    for var in ("HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE"):
        monkeypatch.setenv(var, "0")  # remembers the value before (or its absence) for teardown
        monkeypatch.delenv(var)


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



def test_no_progress_also_hides_hugging_face_bars(tmp_path, capsys, monkeypatch):
    transformers_logging = pytest.importorskip("transformers.utils.logging")
    hub_tqdm = pytest.importorskip("huggingface_hub.utils.tqdm")
    monkeypatch.setattr(transformers_logging, "_tqdm_active", True)
    monkeypatch.setattr(hub_tqdm, "progress_bar_states", {})
    monkeypatch.setattr(hub_tqdm, "HF_HUB_DISABLE_PROGRESS_BARS", None)  # as when the variable is unset
    code, _, _ = _run(capsys, "run", str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--no-progress")
    assert code == 2
    assert not transformers_logging.is_progress_bar_enabled()  # no "Loading weights" bars
    assert hub_tqdm.are_progress_bars_disabled()  # no download bars
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"  # for a transformers imported later
    assert os.environ["TQDM_DISABLE"] == "1"  # for bars that do not pass `disable` (GGUF de-quantising)
