"""Serial against Dask with 1 and 2 worker processes on this machine, and what a Dask run ships and costs.

    .venv/bin/python bench/dask_scaling.py [--segments 3000] [--themes 6] [--quick] [--out bench/dask_scaling.json]
    .venv/bin/python bench/dask_scaling.py --parts pipeline    # measure one part again (others kept)

On BBC articles from ../shared/data/bbc_news.csv, written as one .txt file
each (headline, then paragraphs) until about ``--segments`` paragraphs:

1. ``topicsum.run`` without digests or reports (ingest, embed, themes,
   labels): serially, then with a LocalCluster of 1 and of 2 worker processes
   of one thread each.  Every run gets a fresh cache (so it embeds every
   segment); the models are loaded before the clock starts, on the client and
   on every worker.  The Dask runs' output files are compared with the serial
   run's.
2. Digests with the default summariser (SmolLM2, through transformers) for ``--themes`` themes of
   the serial run, each cut to its first 60 segments: ``summarise_themes``
   serially and on 1 and 2 workers (the model loaded beforehand everywhere);
   the digests are compared.  The same themes' extractive digests, serially,
   give the part of a digest's cost that is embedding its sentences.
3. Bytes per segment: every task's item and result pickled, per stage, in the
   2-worker run; and the loopback interface's byte counter over that run
   (which also counts the scheduler's relaying and heartbeats).
4. Scheduler overhead per task: 2,000 no-op tasks through ``client.map``, and
   through the executor topicsum uses (a window of tasks in flight).
5. Whether torch gives bit-identical vectors for the same batch with 1 and 2
   threads (workers run 1 thread, this client 2).

The machine's load average is recorded with every timing and every part:
other work on the same two cores makes every figure slower and noisier (the
CPU seconds a run used are steadier than its wall time).
"""

from __future__ import annotations

import argparse
import dataclasses
import filecmp
import json
import os
import pickle
import platform
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
OPTIONS = {"summariser": "none", "formats": (), "show_progress": False}
COMPARED = ("segments.csv", "articles.csv", "topics.json")
PARTS = ("threads", "pipeline", "digests", "overhead")


def write_corpus(folder: Path, n_paragraphs: int) -> dict[str, int]:
    """BBC articles as .txt files, as the data set has them, until ``n_paragraphs`` paragraphs."""
    frame = pd.read_csv(DATA / "bbc_news.csv").sample(frac=1.0, random_state=0)
    folder.mkdir(parents=True, exist_ok=True)
    total = files = 0
    for row in frame.itertuples():
        text = str(row.text)  # headline, blank line, paragraphs separated by blank lines
        (folder / str(row.doc_id).replace("/", "-")).write_text(text.strip() + "\n", encoding="utf-8")
        total += sum(1 for p in text.split("\n")[1:] if len(p.strip()) > 40)
        files += 1
        if total >= n_paragraphs:
            break
    return {"files": files, "paragraphs": total}


class CountingExecutor:
    """Wraps an executor and counts the pickled bytes of every task's function, item and result, per stage."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.stages: dict[str, dict[str, int]] = defaultdict(lambda: {"tasks": 0, "sent": 0, "received": 0})

    @property
    def threads(self) -> int:
        return int(self.inner.threads)

    @property
    def remote(self) -> bool:
        return bool(self.inner.remote)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def imap(self, fn: Callable[[Any], Any], items: Sequence[Any], **kw: Any) -> Any:
        stage = self.stages[kw["desc"]]
        fn_bytes = len(pickle.dumps(fn, protocol=5))
        for i in range(len(items)):
            stage["sent"] += fn_bytes + len(pickle.dumps(items[i], protocol=5))
        stage["tasks"] += len(items)
        for i, result in self.inner.imap(fn, items, **kw):
            stage["received"] += len(pickle.dumps(result, protocol=5))
            yield i, result

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], **kw: Any) -> list[Any]:
        from topicsum._parallel import ordered

        return ordered(self.imap(fn, items, **kw), len(items))


def _loopback_bytes() -> int | None:
    try:
        import psutil
    except ImportError:
        return None
    lo = psutil.net_io_counters(pernic=True).get("lo")
    return None if lo is None else int(lo.bytes_sent)


def _warm(cache_dir: str, generator: bool = False) -> float:
    """Load the embedder (and the summariser) in this process; return the seconds it took."""
    t0 = time.perf_counter()
    from topicsum._config import EmbedConfig, SummariseConfig
    from topicsum._embed import shared_embedder
    from topicsum._summarise import resolve_summariser

    shared_embedder(EmbedConfig(), Path(cache_dir)).encode(["warm up"])
    if generator:
        resolve_summariser(SummariseConfig(engine="transformers"), Path(cache_dir)).generator()
    return time.perf_counter() - t0


def _cluster(workers: int) -> tuple[Any, Any, float]:
    from dask.distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    client.wait_for_workers(workers)
    return cluster, client, time.perf_counter() - t0


def pipeline_runs(corpus: Path, work: Path, worker_counts: Sequence[int]) -> dict[str, Any]:
    """Part 1 (and the byte counts of part 3): serial and Dask runs of the same corpus, fresh caches."""
    import topicsum
    from topicsum._dask import DaskExecutor

    runs: dict[str, Any] = {}
    cache = work / "serial" / "cache"
    _warm(str(cache))
    t0, load, cpu = time.perf_counter(), os.getloadavg()[0], time.process_time()
    result = topicsum.run(corpus, out=work / "serial" / "out", cache_dir=str(cache), **OPTIONS)
    runs["serial"] = _figures(result, time.perf_counter() - t0, load)
    runs["serial"]["client_cpu_seconds"] = round(time.process_time() - cpu, 2)
    for n in worker_counts:
        name = f"dask_{n}"
        cluster, client, start = _cluster(n)
        try:
            cache = work / name / "cache"
            warm = client.run(_warm, str(cache))
            _warm(str(cache))
            executor = CountingExecutor(DaskExecutor(client))
            t0, load, lo = time.perf_counter(), os.getloadavg()[0], _loopback_bytes()
            cpu, worker_cpu = time.process_time(), client.run(time.process_time)
            out = work / name / "out"
            dask_result = topicsum.run(corpus, out=out, cache_dir=str(cache), client=executor, **OPTIONS)
            seconds, lo_end = time.perf_counter() - t0, _loopback_bytes()
            cpu, per_worker = time.process_time() - cpu, _per_worker(worker_cpu, client.run(time.process_time))
        finally:
            client.close()
            cluster.close()
        figures = _figures(dask_result, seconds, load)
        n_seg = figures["segments"]
        per_stage = {
            stage: {"tasks": c["tasks"], "sent": round(c["sent"] / n_seg, 1),
                    "received": round(c["received"] / n_seg, 1)}
            for stage, c in executor.stages.items()
        }  # fmt: skip
        differ = [f for f in COMPARED if not filecmp.cmp(work / "serial" / "out" / f, out / f, shallow=False)]
        figures.update(
            cluster_start_seconds=round(start, 2),
            worker_model_load_seconds=round(max(warm.values()), 2),
            client_cpu_seconds=round(cpu, 2),
            worker_cpu_seconds=round(sum(per_worker), 2),
            cpu_seconds_per_worker=[round(c, 2) for c in per_worker],
            identical_to_serial=not differ,
            bytes_per_segment=per_stage,
            loopback_bytes_per_segment=None if lo is None or lo_end is None else round((lo_end - lo) / n_seg, 1),
        )
        runs[name] = figures
        print(f"  {name}: {figures['seconds']} s, identical={figures['identical_to_serial']}", flush=True)
    return runs


def _per_worker(before: dict[str, float], after: dict[str, float]) -> list[float]:
    """CPU seconds each worker spent between two ``client.run(time.process_time)`` readings."""
    return [after[w] - before[w] for w in sorted(after) if w in before]


def _figures(result: Any, seconds: float, load: float) -> dict[str, Any]:
    timings = result.manifest["timings"]
    n = int(result.manifest["counts"]["unique_segments"])
    return {
        "seconds": round(seconds, 2),
        "stage_seconds": {k: round(float(v), 2) for k, v in timings.items()},
        "segments": int(result.manifest["counts"]["segments"]),
        "unique_segments": n,
        "documents": int(result.manifest["counts"]["documents"]),
        "themes": int(result.manifest["counts"]["themes"]),
        "embedded_per_second": round(n / max(float(timings["embed"]), 1e-9), 1),
        "load_average_at_start": round(load, 2),
    }


def digest_runs(serial_out: Path, work: Path, n_themes: int, worker_counts: Sequence[int]) -> dict[str, Any]:
    """Part 2: the default summariser's digests of a few themes, serially and on workers."""
    import topicsum
    from topicsum._config import EmbedConfig, SummariseConfig
    from topicsum._context import CacheSettings, RunContext
    from topicsum._dask import DaskExecutor
    from topicsum._embed import PortableEmbedder, shared_embedder
    from topicsum._store import digest_to_json
    from topicsum._summarise import SegmentInfo, resolve_summariser, summarise_themes, theme_sentences

    result = topicsum.load(serial_out)
    themes = [
        dataclasses.replace(t, segment_ids=t.segment_ids[:60], size=min(t.size, 60))
        for t in result.themes if t.topic_id >= 0
    ][:n_themes]  # fmt: skip
    seg = result.segments.fillna("")
    segments = {
        row.segment_id: SegmentInfo(row.text, row.article_id, int(row.start or 0), row.outlet, row.headline)
        for row in seg.itertuples()
    }
    cache = work / "digests-cache"
    _warm(str(cache), generator=True)
    embedder = shared_embedder(EmbedConfig(), cache)
    config = SummariseConfig(engine="transformers")  # the default model; pinned engine (llama.cpp may be installed)
    def context(config: SummariseConfig, embedder: Any, executor: Any = None) -> RunContext:
        extra = {} if executor is None else {"executor": executor}
        return RunContext(cache=CacheSettings(cache), embedder=embedder,
                          summariser=resolve_summariser(config, cache), **extra)  # fmt: skip

    runs: dict[str, Any] = {"themes": len(themes), "segments_per_theme": 60}
    t0, load, cpu = time.perf_counter(), os.getloadavg()[0], time.process_time()
    serial, info = summarise_themes(themes, segments, config, context(config, embedder))
    runs["summariser"] = {k: info[k] for k in ("backend", "model", "engine", "mode")}
    runs["serial"] = {
        "seconds": round(time.perf_counter() - t0, 2),
        "client_cpu_seconds": round(time.process_time() - cpu, 2),
        "load_average_at_start": round(load, 2),
    }
    reference = {k: digest_to_json(d) for k, d in serial.items()}
    # the same themes extractively: the share of a digest that is embedding its sentences, not generating
    sentences = sum(len(theme_sentences(t.segment_ids, segments)) for t in themes)
    cpu = time.process_time()
    extractive = SummariseConfig(summariser="extractive")
    summarise_themes(themes, segments, extractive, context(extractive, embedder))
    runs["extractive_serial_cpu_seconds"] = round(time.process_time() - cpu, 2)
    runs["sentences"] = sentences
    for n in worker_counts:
        cluster, client, _ = _cluster(n)
        try:
            warm = client.run(_warm, str(cache), True)
            portable = PortableEmbedder.of(embedder, EmbedConfig(), cache)
            t0, load, worker_cpu = time.perf_counter(), os.getloadavg()[0], client.run(time.process_time)
            digests, _ = summarise_themes(themes, segments, config, context(config, portable, DaskExecutor(client)))
            seconds, per_worker = time.perf_counter() - t0, _per_worker(worker_cpu, client.run(time.process_time))
        finally:
            client.close()
            cluster.close()
        runs[f"dask_{n}"] = {
            "seconds": round(seconds, 2),
            "worker_model_load_seconds": round(max(warm.values()), 2),
            "worker_cpu_seconds": round(sum(per_worker), 2),
            "cpu_seconds_per_worker": [round(c, 2) for c in per_worker],
            "identical_to_serial": {k: digest_to_json(d) for k, d in digests.items()} == reference,
            "load_average_at_start": round(load, 2),
        }
        print(f"  digests dask_{n}: {runs[f'dask_{n}']}", flush=True)
    return runs


def _noop(x: int) -> int:
    return x


def overhead(n_tasks: int) -> dict[str, Any]:
    """Part 4: seconds per no-op task on 2 workers, through client.map and through topicsum's executor."""
    from topicsum._dask import DaskExecutor

    cluster, client, _ = _cluster(2)
    try:
        client.gather(client.map(_noop, range(50), pure=False))  # warm the comms
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(n_tasks), pure=False))
        bulk = (time.perf_counter() - t0) / n_tasks
        executor = DaskExecutor(client)
        t0 = time.perf_counter()
        executor.map(_noop, list(range(n_tasks)), desc="noop", show_progress=False)
        windowed = (time.perf_counter() - t0) / n_tasks
    finally:
        client.close()
        cluster.close()
    return {"tasks": n_tasks, "client_map_ms_per_task": round(1000 * bulk, 3),
            "executor_ms_per_task": round(1000 * windowed, 3)}  # fmt: skip


def threads_identical() -> bool:
    """Part 5: the same batch with 1 and 2 torch threads, bit for bit."""
    import torch

    from topicsum._config import EmbedConfig
    from topicsum._embed import get_embedder

    frame = pd.read_csv(DATA / "bbc_news.csv")
    texts = [p for t in frame["text"].astype(str).head(100) for p in t.split("\n") if len(p) > 40][:256]
    embedder = get_embedder(EmbedConfig())
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = embedder.encode(texts, batch_size=32)
        torch.set_num_threads(2)
        two = embedder.encode(texts, batch_size=32)
    finally:
        torch.set_num_threads(before)
    return bool(np.array_equal(one, two))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(HERE / "dask_scaling.json"))
    parser.add_argument("--segments", type=int, default=3000, help="paragraphs in the corpus")
    parser.add_argument("--themes", type=int, default=6, help="themes whose digests are written")
    parser.add_argument("--tasks", type=int, default=2000, help="no-op tasks for the overhead figure")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS),
                        help="measure only these (the others are kept from --out when it exists)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.quick:
        args.segments, args.themes, args.tasks = 300, 2, 200
    if not (DATA / "bbc_news.csv").is_file():
        print(f"skipped: {DATA / 'bbc_news.csv'} is missing")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    out = Path(args.out)
    report: dict[str, Any] = json.loads(out.read_text("utf-8")) if out.is_file() and args.parts != list(PARTS) else {}
    report.update(machine={"cpu_cores": os.cpu_count(), "python": platform.python_version()})
    report.setdefault("parts_measured", {})
    with tempfile.TemporaryDirectory(prefix="dask-scaling-") as tmp:
        work = Path(tmp)
        report["corpus"] = write_corpus(work / "corpus", args.segments)
        for part in args.parts:
            print(f"== {part}", flush=True)
            before = [round(x, 2) for x in os.getloadavg()]
            if part == "threads":
                report["threads_bit_identical"] = threads_identical()
            elif part == "pipeline":
                report["pipeline"] = pipeline_runs(work / "corpus", work, (1, 2))
            elif part == "digests":
                if not (work / "serial" / "out").is_dir():  # its themes come from the serial run
                    pipeline_runs(work / "corpus", work, ())
                report["digests"] = digest_runs(work / "serial" / "out", work, args.themes, (1, 2))
            else:
                report["overhead"] = overhead(args.tasks)
            report["parts_measured"][part] = {
                "at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                "load_average_before": before,
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
