"""Every example in topicsum's docstrings runs and shows what it says (doctest).

Examples that need a finished run get ``result``: the seeds run with extractive
digests (no model download, no report written), made once for this module.
Each module's examples run in a scratch folder that holds a link to the seeds,
so what they write stays out of the project.
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
from pathlib import Path

import pytest

import topicsum

MODULES = sorted(
    ["topicsum", *(m.name for m in pkgutil.walk_packages(topicsum.__path__, "topicsum.") if m.name != "topicsum.__main__")]
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("doctests")
    (folder / "seeds").symlink_to(seeds_dir, target_is_directory=True)
    return folder


@pytest.fixture(scope="module")
def result(workdir: Path):
    return topicsum.run(workdir / "seeds", summariser="extractive", formats=(), show_progress=False)


def test_examples_are_found() -> None:
    finder = doctest.DocTestFinder(exclude_empty=True)
    examples = sum(len(t.examples) for m in MODULES for t in finder.find(importlib.import_module(m)))
    assert examples >= 100


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str, workdir: Path, result, monkeypatch: pytest.MonkeyPatch) -> None:
    mod = importlib.import_module(module)
    tests = doctest.DocTestFinder(exclude_empty=True).find(mod, module)
    if not tests:
        pytest.skip(f"{module} has no examples")
    monkeypatch.chdir(workdir)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    out = io.StringIO()
    for test in sorted(tests, key=lambda t: t.name):
        test.globs.update({"result": result, "topicsum": topicsum})
        runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()
