"""Benchmark the digest stage on Multi-News: ROUGE for each mode next to a lead baseline.

Reads ``../shared/data/multi_news_test200.jsonl`` (200 clusters of the
Multi-News test set, one human summary each; see ../shared/data/README.md) and
skips cleanly when it is absent.  Each cluster is treated as one theme whose
segments are the documents' paragraphs (outlet = ``doc1``, ``doc2``...).  For
every cluster it writes digests in each requested mode and a lead baseline
(first sentences of each document, round robin, up to the same number of words
as the default-mode digest), then scores them with ROUGE-1/2/L F (rouge-score,
Porter stemming).  Also measured: model load time cold (de-quantise the GGUF
into an empty cache) and warm (load the cached safetensors), seconds per
cluster, and the faithfulness guard's statistics.

Usage::

    PYTHONPATH=. HF_HUB_OFFLINE=1 python bench/digests.py --limit 20
    PYTHONPATH=. HF_HUB_OFFLINE=1 python bench/digests.py            # all 200, 10-30 min

Writes ``bench/digests.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "multi_news_test200.jsonl"
PUBLISHED = {"LexRank": (38.27, 12.70), "TextRank": (38.44, 13.10), "MMR": (38.77, 11.98), "First-3": (39.41, 11.77)}


def _clusters(path: Path, limit: int | None) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def _segments(documents: list[str], max_paragraphs: int) -> dict[str, Any]:
    """The cluster's paragraphs as segments: one article per document, paragraphs in order."""
    from topicsum._summarise import SegmentInfo

    segments: dict[str, Any] = {}
    for d, doc in enumerate(documents):
        paras = [p.strip() for p in doc.replace("\r", "").split("\n") if p.strip()]
        offset = 0
        for p, para in enumerate(paras[:max_paragraphs]):
            segments[f"d{d}p{p}"] = SegmentInfo(para, f"d{d}", offset, f"doc{d + 1}")
            offset += len(para) + 1
    return segments


def _lead(documents: list[str], words: int) -> str:
    from topicsum._summarise import split_sentences

    sents = [[s for s in split_sentences(doc) if len(s) >= 25] for doc in documents]
    out: list[str] = []
    count = 0
    for rank in range(max((len(s) for s in sents), default=0)):
        for doc in sents:
            if rank < len(doc) and count < words:
                out.append(doc[rank])
                count += len(doc[rank].split())
    return " ".join(out)


def markdown_table(data: dict[str, Any]) -> list[str]:
    """The ROUGE table of one run's JSON (``bench/run_all.py`` puts it in RESULTS.md too)."""
    lines = [
        f"Digests on Multi-News, {data.get('clusters')} clusters (ROUGE F, rouge-score with stemming; "
        f"model load cold/warm: {data.get('load')}):",
        "",
        "| system | R-1 | R-2 | R-L | words | s/cluster | guard generated/kept/replaced | digests with a generated sentence |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for m, r in data["results"].items():
        g = r.get("guard")
        gs = f"{g['generated']}/{g['kept']}/{g['replaced']}" if g else ""
        share = f"{r['share_with_generated']:.0%}" if "share_with_generated" in r else ""
        lines.append(f"| {m} | {r['rouge1']:.2f} | {r['rouge2']:.2f} | {r['rougeL']:.2f} | {r['mean_words']:.0f} | "
                     f"{r['seconds_per_cluster']:.2f} | {gs} | {share} |")  # fmt: skip
    for k, v in (data.get("published") or {}).items():
        lines.append(f"| {k} (published) | {v['rouge1']:.2f} | {v['rouge2']:.2f} | | | | | |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N clusters")
    ap.add_argument("--modes", default="extractive,hybrid,abstractive", help="comma-separated digest modes")
    ap.add_argument("--summariser", default="smollm2")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--sentences", type=int, default=9, help="digest_sentences (references have ~220 words)")
    ap.add_argument("--prompt-tokens", type=int, default=None)
    ap.add_argument("--max-new-tokens", type=int, default=None)
    ap.add_argument("--repetition-penalty", type=float, default=None)
    ap.add_argument("--opening-tries", type=int, default=None)
    ap.add_argument("--max-paragraphs", type=int, default=30, help="paragraphs read per document")
    ap.add_argument("--cache-dir", default=None, help="topicsum cache (default: $TOPICSUM_CACHE or bench/cache)")
    ap.add_argument("--cold", action="store_true", help="also time a cold load into an empty cache")
    ap.add_argument("--out", default=str(ROOT / "bench" / "digests.json"))
    ap.add_argument("--texts", default=str(ROOT / "bench" / "_work" / "digest_texts.jsonl"),
                    help="the digests themselves, to read (git-ignored: mostly sentences of the data set)")  # fmt: skip
    args = ap.parse_args(argv)

    if not DATA.is_file():
        print(f"skipped: {DATA} not found (the shared benchmark data is not here)")
        return 0
    sys.path.insert(0, str(ROOT))
    import dataclasses

    from rouge_score import rouge_scorer

    from topicsum import _summarise as S
    from topicsum._summarise import _backends as B
    from topicsum._config import EmbedConfig, SummariseConfig
    from topicsum._context import CacheSettings, RunContext
    from topicsum._embed import get_embedder
    from topicsum._types import Theme

    cache_dir = Path(args.cache_dir or os.environ.get("TOPICSUM_CACHE") or ROOT / "bench" / "cache")
    clusters = _clusters(DATA, args.limit)
    embedder = get_embedder(EmbedConfig())
    base = SummariseConfig(summariser=args.summariser, engine=args.engine, digest_sentences=args.sentences)
    overrides = {
        k: v for k, v in (("prompt_tokens", args.prompt_tokens), ("max_new_tokens", args.max_new_tokens),
                          ("repetition_penalty", args.repetition_penalty), ("opening_tries", args.opening_tries))
        if v is not None
    }  # fmt: skip
    base = dataclasses.replace(base, **overrides)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]

    loads: dict[str, float] = {}
    if args.summariser != "extractive":
        if args.cold:
            with tempfile.TemporaryDirectory() as tmp:
                B._LOADED.clear()
                t = time.perf_counter()
                S.resolve_summariser(base, Path(tmp)).generator()
                loads["cold_seconds"] = round(time.perf_counter() - t, 2)
        B._LOADED.clear()
        S.resolve_summariser(base, cache_dir).generator()  # make sure the converted weights are cached
        B._LOADED.clear()
        t = time.perf_counter()
        S.resolve_summariser(base, cache_dir).generator()
        loads["warm_seconds"] = round(time.perf_counter() - t, 2)
    backends = {m: S.resolve_summariser(dataclasses.replace(base, summariser="extractive" if m == "extractive"
                                                            else base.summariser), cache_dir) for m in modes}  # fmt: skip

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    results: dict[str, dict[str, Any]] = {}
    per_cluster: list[dict[str, Any]] = []
    texts_out: list[dict[str, str]] = []  # kept out of the repository with the data they quote
    order = [m for m in ("hybrid", "abstractive", "extractive") if m in modes]
    for m in order:
        results[m] = {"scores": [], "seconds": 0.0, "words": 0, "guard": {"generated": 0, "kept": 0, "replaced": 0}}
    results["lead"] = {"scores": [], "seconds": 0.0, "words": 0}
    for ci, row in enumerate(clusters):
        segments = _segments(row["documents"], args.max_paragraphs)
        ref = row["summary"].lstrip("–- ").strip()
        theme = Theme(0, "cluster", (), len(segments), tuple(segments), (), ())
        rec: dict[str, Any] = {"id": row["id"]}
        target_words = None
        for m in order:
            cfg = dataclasses.replace(base, mode=m, summariser="extractive" if m == "extractive" else base.summariser)
            t = time.perf_counter()
            context = RunContext(cache=CacheSettings(cache_dir), embedder=embedder, summariser=backends[m])
            digests, info = S.summarise_themes([theme], segments, cfg, context)
            dt = time.perf_counter() - t
            d = digests[0]
            text = d.text
            sc = scorer.score(ref, text)
            r = results[m]
            r["scores"].append({k: v.fmeasure for k, v in sc.items()})
            r["seconds"] += dt
            r["words"] += len(text.split())
            if "guard" in r:
                for k in ("generated", "kept", "replaced"):
                    r["guard"][k] += getattr(d, k)
            r["with_generated"] = r.get("with_generated", 0) + any(x.method == "generated" for x in d.sentences)
            rec[m] = {"rouge1": round(sc["rouge1"].fmeasure * 100, 2), "seconds": round(dt, 2),
                      "generated": d.generated, "kept": d.kept, "replaced": d.replaced}  # fmt: skip
            texts_out.append({"id": row["id"], "mode": m, "text": text})
            if target_words is None:
                target_words = len(text.split())
        t = time.perf_counter()
        lead = _lead(row["documents"], target_words or 200)
        results["lead"]["seconds"] += time.perf_counter() - t
        sc = scorer.score(ref, lead)
        results["lead"]["scores"].append({k: v.fmeasure for k, v in sc.items()})
        results["lead"]["words"] += len(lead.split())
        rec["lead"] = {"rouge1": round(sc["rouge1"].fmeasure * 100, 2)}
        per_cluster.append(rec)
        line = " ".join(f"{m}={rec[m]['rouge1']:.1f}" for m in [*order, "lead"])
        print(f"[{ci + 1}/{len(clusters)}] {line}", file=sys.stderr, flush=True)

    n = max(len(clusters), 1)
    summary: dict[str, Any] = {}
    for m, r in results.items():
        sc = r["scores"]
        summary[m] = {
            "rouge1": round(100 * sum(s["rouge1"] for s in sc) / n, 2),
            "rouge2": round(100 * sum(s["rouge2"] for s in sc) / n, 2),
            "rougeL": round(100 * sum(s["rougeL"] for s in sc) / n, 2),
            "seconds_per_cluster": round(r["seconds"] / n, 3),
            "mean_words": round(r["words"] / n, 1),
        }
        if "guard" in r:
            summary[m]["guard"] = r["guard"]
            summary[m]["share_with_generated"] = round(r.get("with_generated", 0) / n, 4)
    out = {
        "data": "../shared/data/multi_news_test200.jsonl",
        "clusters": len(clusters),
        "summariser": args.summariser,
        "config": dataclasses.asdict(base),
        "max_paragraphs": args.max_paragraphs,
        "load": loads,
        "results": summary,
        "published": {k: {"rouge1": v[0], "rouge2": v[1]} for k, v in PUBLISHED.items()},
        "per_cluster": per_cluster,
    }
    Path(args.out).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    Path(args.texts).parent.mkdir(parents=True, exist_ok=True)
    Path(args.texts).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in texts_out), encoding="utf-8")

    print("\n".join(markdown_table(out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
