"""The same run on a Dask cluster: the same files as the serial run, a lost worker survived, clear errors.

One LocalCluster of two worker processes (one thread each) serves the module.
Every run that is compared gets its own fresh cache folder, so nothing one
run computed (embeddings, themes, digests) can stand in for the other's work.
Workers are slowed down, or made to fail, by functions sent with
``client.run`` (defined inside the tests, so they travel by value and
topicsum itself has no test hooks).
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from dask.distributed import Client, LocalCluster

import topicsum
from helpers import run_content
from topicsum._cli import main
from topicsum._dask import as_executor, dask_client
from topicsum._errors import DaskError, MissingDependencyError

pytestmark = pytest.mark.slow

#: Small batches, so the 56 segments of the seeds make several embedding tasks.
OPTIONS = {"summariser": "extractive", "formats": (), "batch_size": 2, "show_progress": False}
COMPARED = ("segments.csv", "articles.csv", "topics.json")


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path):
    """The serial run (its own fresh cache) and its output folder."""
    base = tmp_path_factory.mktemp("serial")
    result = topicsum.run(seeds_dir, out=base / "out", cache_dir=str(base / "cache"), **OPTIONS)
    return result, base / "out"


@pytest.fixture(scope="module")
def serial(serial_run) -> Path:
    return serial_run[1]


def _dask_run(client, seeds_dir: Path, base: Path, **options):
    options = {**OPTIONS, **options}
    return topicsum.run(seeds_dir, out=base / "out", cache_dir=str(base / "cache"), client=client, **options)


def _same_files(a: Path, b: Path) -> list[str]:
    """The compared files whose content differs (the times of the runs aside)."""
    return [name for name in COMPARED if run_content(a / name) != run_content(b / name)]


def _slow_down(module: str, name: str, markers: Path, seconds: float):
    """A function for client.run: the worker's ``module.name`` sleeps, after leaving a file named by its pid."""

    def patch() -> None:
        import functools
        import importlib
        import os
        import time

        mod = importlib.import_module(module)
        original = getattr(mod, name)

        @functools.wraps(original)
        def slow(*args, **kwargs):
            (markers / f"{os.getpid()}-{time.monotonic_ns()}").touch()
            time.sleep(seconds)
            return original(*args, **kwargs)

        setattr(mod, name, slow)

    return patch


def _restore(module: str, name: str):
    def patch() -> None:
        import importlib

        mod = importlib.import_module(module)
        setattr(mod, name, getattr(getattr(mod, name), "__wrapped__", getattr(mod, name)))

    return patch


def test_a_dask_run_writes_the_same_files_as_the_serial_run(client, serial, seeds_dir, tmp_path):
    result = _dask_run(client, seeds_dir, tmp_path)
    assert _same_files(serial, tmp_path / "out") == []
    assert result.manifest["executor"]["kind"] == "dask"
    assert result.manifest["executor"]["threads"] == 2

    def loads() -> int:
        from topicsum._embed import shared_embedder

        return shared_embedder.cache_info().misses

    # every worker that embedded loaded the model once, however many tasks it ran
    assert set(client.run(loads).values()) <= {0, 1}
    assert sum(client.run(loads).values()) >= 1


@pytest.mark.parametrize(
    ("module", "name"),
    [("topicsum._embed", "encode_chunk"), ("topicsum._summarise", "digest_job")],
    ids=["embedding", "digests"],
)
def test_a_worker_killed_mid_stage_is_replaced_and_the_output_is_the_same(
    client, serial, seeds_dir, tmp_path, module, name
):
    markers = tmp_path / "markers"
    markers.mkdir()
    client.run(_slow_down(module, name, markers, seconds=1.5))
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            running = pool.submit(_dask_run, client, seeds_dir, tmp_path)
            deadline = time.monotonic() + 300
            while not list(markers.iterdir()) and time.monotonic() < deadline and not running.done():
                time.sleep(0.05)
            started = sorted(markers.iterdir())
            assert started, "no task of the stage started"
            victim = int(started[0].name.split("-")[0])
            os.kill(victim, signal.SIGKILL)  # in the middle of its task (it sleeps 1.5 s before working)
            running.result(timeout=600)
    finally:
        client.wait_for_workers(2, timeout=120)  # the nanny starts a new worker process
        client.run(_restore(module, name))
    assert victim not in client.run(os.getpid).values()
    assert _same_files(serial, tmp_path / "out") == []


def test_past_the_client_fit_size_themes_are_fitted_on_a_sample_and_the_rest_assigned_on_the_workers(
    client, serial_run
):
    from topicsum._cluster import fit_sample_size, fit_themes
    from topicsum._context import RunContext
    from topicsum._tables import fit_segments

    result, _ = serial_run
    units = fit_segments(result.segments)
    row = {sid: i for i, sid in enumerate(result.segments["segment_id"])}
    vectors = result.embeddings[[row[sid] for sid in units.ids]]
    executor = as_executor(client)
    assert fit_sample_size(len(units.ids), executor) is None  # the seeds are far below MAX_CLIENT_FIT
    context = RunContext(executor=executor)  # no embedder: plain c-TF-IDF keywords
    model = fit_themes(units, vectors, result.config.cluster, context, limit=40)
    n = len(units.ids)
    assert len(model.fit_sample_) == 40 and len(model.topics_) == n and model.coords_2d_.shape == (n, 2)
    rest = np.setdiff1d(np.arange(n), model.fit_sample_)
    # the rest went to their nearest theme centre, as ThemeModel.transform puts new segments
    assert model.transform([units.texts[i] for i in rest], vectors[rest]).tolist() == model.topics_[rest].tolist()
    again = fit_themes(units, vectors, result.config.cluster, context, limit=40)
    assert again.topics_.tolist() == model.topics_.tolist()  # the sample is seeded


def test_workers_with_another_topicsum_version_are_one_clear_error(client, seeds_dir, tmp_path):
    def set_version(version: str):
        def patch() -> None:
            import topicsum

            topicsum.__version__ = version

        return patch

    client.run(set_version("0.0.0+elsewhere"))
    try:
        with pytest.raises(DaskError, match=r"run topicsum 0\.0\.0\+elsewhere but this client runs"):
            _dask_run(client, seeds_dir, tmp_path)
    finally:
        client.run(set_version(topicsum.__version__))
    assert not (tmp_path / "out").exists()  # failed before any work


def test_no_workers_or_a_worker_without_topicsum_is_one_clear_error(tmp_path):
    fake = tmp_path / "elsewhere" / "topicsum"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named topicsum (simulated)')\n", encoding="utf-8")
    with LocalCluster(n_workers=0, dashboard_address=":0") as cluster:
        with Client(cluster) as client, pytest.raises(DaskError, match="has no workers; start some with"):
            as_executor(client)
        # this worker's `import topicsum` fails (and the project folder is not its working folder)
        env = {**os.environ, "PYTHONPATH": str(fake.parent)}
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address, "--no-nanny",
             "--nthreads", "1"],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            with Client(cluster) as client:
                client.wait_for_workers(1, timeout=120)
                with pytest.raises(DaskError, match="cannot import topicsum.*install topicsum"):
                    as_executor(client)
        finally:
            worker.terminate()
            worker.wait(60)


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, seeds_dir):
    import topicsum._dask

    monkeypatch.setattr(topicsum._dask, "CONNECT_TIMEOUT", 2)
    code = main(["run", str(seeds_dir), "--out", str(tmp_path / "out"), "--dask", "tcp://127.0.0.1:9", "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("topicsum: error: The Dask scheduler at 'tcp://127.0.0.1:9' cannot be reached")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_local_worker_count_is_a_cluster_error():
    with pytest.raises(DaskError, match="local:4"):
        with dask_client("local:none"):
            pass


def test_without_dask_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask.distributed were not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'topicsum\[dask\]'"):
        with dask_client("local:1"):
            pass


def test_run_rejects_what_is_not_a_client(seeds_dir):
    with pytest.raises(topicsum.ConfigError, match="dask.distributed.Client"):
        topicsum.run(seeds_dir, client="tcp://127.0.0.1:8786", **OPTIONS)


def test_continuing_a_run_on_dask_gives_the_serial_story_ids_and_statuses(client, tmp_path):
    """Following stories works the same with --dask: two arrivals, serial and on the cluster."""
    fixtures = Path(__file__).parent / "fixtures" / "stream"
    outcome = {}
    for mode in ("serial", "dask"):
        pile, out = tmp_path / mode / "pile", tmp_path / mode / "out"
        pile.mkdir(parents=True)
        options = {**OPTIONS, "cache_dir": str(tmp_path / mode / "cache"), **({"client": client} if mode == "dask" else {})}
        for day in ("day1.jsonl", "day2.jsonl"):
            shutil.copy(fixtures / day, pile)
            result = topicsum.run(pile, out=out, **options)
        outcome[mode] = (
            sorted(zip(result.articles["headline"], result.articles["story_id"].astype(int))),
            sorted(zip(result.changes["story_id"], result.changes["status"])),
            {t.story_id: result.digests[t.topic_id].text for t in result.themes},
        )
    assert outcome["dask"] == outcome["serial"]
    assert {s for _, s in outcome["serial"][1]} == {"new", "updated", "unchanged"}
