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


# ---------------------------------------------------------------------------
# issue 16: the output folder is checked before any work; odd inputs never hang or trace back


def _error(capsys, *argv: str) -> str:
    """Run the command; assert it failed as a user error does (one line, exit 2); return the line."""
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("topicsum: error:")
    return err


def test_empty_out_is_refused_before_any_work(tmp_path, capsys, monkeypatch, seeds_dir):
    monkeypatch.chdir(tmp_path)
    err = _error(capsys, "run", str(seeds_dir), "--out", "")
    assert "--out ''" in err
    assert list(tmp_path.iterdir()) == []


def test_out_under_a_file_is_refused_before_any_work(tmp_path, capsys, monkeypatch, seeds_dir):
    (tmp_path / "afile").write_text("x", encoding="utf-8")

    def no_ingest(*args, **kwargs):  # the check must come before any work
        raise AssertionError("ingest ran")

    monkeypatch.setattr("topicsum._ingest.load_corpus", no_ingest)
    err = _error(capsys, "run", str(seeds_dir), "--out", str(tmp_path / "afile" / "sub"))
    assert "afile/sub" in err and "is a file" in err


def test_unwritable_out_is_refused_before_any_work(unwritable_folder, capsys, monkeypatch, seeds_dir):
    folder = unwritable_folder
    monkeypatch.setattr("topicsum._ingest.load_corpus", lambda *a, **k: pytest.fail("ingest ran"))
    err = _error(capsys, "run", str(seeds_dir), "--out", str(folder))
    assert str(folder) in err and "cannot be written to" in err


def test_out_that_is_the_input_folder_is_refused(tmp_path, capsys, monkeypatch, seeds_dir):
    import shutil

    shutil.copytree(seeds_dir, tmp_path / "s")
    monkeypatch.chdir(tmp_path)
    err = _error(capsys, "run", "s", "--out", "./s/")
    assert "'./s/' is the input folder 's'" in err
    err = _error(capsys, "run", "s/000_507cb2b09f16eff4.txt", "--out", ".")
    assert "holds the input 's/000_507cb2b09f16eff4.txt'" in err
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(p.name for p in seeds_dir.iterdir())


def test_a_users_files_in_an_earlier_runs_folder_stop_the_run(tmp_path, capsys, seeds_dir):
    out = tmp_path / "o"
    out.mkdir()
    (out / "run.json").write_text('{"tool": "topicsum", "outputs": []}', encoding="utf-8")
    (out / "report.md").write_text("mine\n", encoding="utf-8")
    err = _error(capsys, "run", str(seeds_dir), "--out", str(out), "--format", "md")
    assert "report.md" in err and "--overwrite" in err
    assert (out / "report.md").read_text(encoding="utf-8") == "mine\n"


def test_a_named_pipe_as_input_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    proc = subprocess.run(
        [sys.executable, "-m", "topicsum", "run", str(tmp_path / "pipe.txt"), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "is a named pipe, not a regular file" in proc.stderr.splitlines()[-1]


@pytest.mark.slow
def test_the_summary_line_counts_the_skipped_inputs(tmp_path, seeds_dir):
    """Issue 21: a page that yields no article is named in a warning and counted in the summary line."""
    import shutil

    pages = tmp_path / "pages"
    shutil.copytree(seeds_dir, pages)
    (pages / "menu.txt").write_text("Share this\nSubscribe to our newsletter\nRelated articles\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "topicsum", "run", str(pages), "--out", str(tmp_path / "out"), "--summariser", "none",
         "--format", "none", "--no-progress"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "1 input skipped (reasons in run.json)" in proc.stdout
    assert "menu.txt: it holds no article text" in proc.stderr
