"""Every notebook runs top to bottom in a fresh kernel, offline."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

pytestmark = pytest.mark.slow


def _execute(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first error cell
    return nb


def test_there_are_four_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb", "02_your_own_corpus.ipynb", "03_evaluate.ipynb", "04_following_stories.ipynb",
    ]  # fmt: skip


#: A tqdm line: "Loading weights:  40%|####      | 41/103 [00:01<00:02, 25.1it/s]".
PROGRESS_LINE = re.compile(r"\d+%\|")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_hold_no_progress_bars(path: Path):
    nb = nbformat.read(path, as_version=4)
    bars = []
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                bars.append((i, "widget", data.get("text/plain", "")[:60]))
            body = o.get("text", "") if o.get("output_type") == "stream" else data.get("text/plain", "")
            lines = [line for line in re.split(r"[\r\n]+", body) if line.strip()]
            if lines and all(PROGRESS_LINE.search(line) for line in lines):
                bars.append((i, o.get("output_type"), body[:60]))
    assert not bars, f"progress-bar outputs in {path.name}: {bars}"
    assert any(o.get("output_type") in ("execute_result", "display_data") for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_errors(path: Path):
    if path.name.startswith(("03", "04")) and not DATA.is_dir():
        pytest.skip(f"{path.name} needs the shared data sets in {DATA}")
    nb = _execute(path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    if path.name.startswith("01"):
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        html = " ".join(o.get("data", {}).get("text/html", "") for o in outputs if "data" in o)
        assert "<table" in html  # the theme table
        assert any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in outputs)
