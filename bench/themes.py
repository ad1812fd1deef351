"""Theme quality benchmark: topicsum's ThemeModel vs default BERTopic on BBC News and AG News.

Usage::

    python bench/themes.py [--data ../shared/data] [--out bench/themes.json] [--only bbc,ag]

Both corpora are embedded once with the bundled all-MiniLM-L6-v2 through
``topicsum._embed.embed_texts`` (cached under ``bench/cache/``, so a second run
skips the embedding).  Each document is one unit, and neither model is told the
number of classes.  Reported per model: NMI and ARI against the gold labels
(outliers count as one more cluster), number of topics, outlier share and
seconds to fit.  The baseline is ``BERTopic(embedding_model=None,
vectorizer_model=CountVectorizer(stop_words="english"))`` fitted on the same
embeddings.  The data folder is outside the repository (see
``../shared/data/README.md``); without it the script prints a message and
exits 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

logger = logging.getLogger("bench.themes")


def load_corpora(data: Path, only: set[str]) -> dict[str, tuple[list[str], list[Any]]]:
    """Texts and gold labels of each benchmark corpus found in ``data``."""
    import pandas as pd

    out: dict[str, tuple[list[str], list[Any]]] = {}
    if "bbc" in only and (data / "bbc_news.csv").is_file():
        df = pd.read_csv(data / "bbc_news.csv")
        out["bbc"] = (df["text"].astype(str).tolist(), df["label"].tolist())
    if "ag" in only and (data / "ag_news_test.csv").is_file():
        df = pd.read_csv(data / "ag_news_test.csv")
        texts = (df["title"].astype(str) + ". " + df["description"].astype(str)).tolist()
        out["ag"] = (texts, df["label"].tolist())
    return out


def score(gold: list[Any], topics: Any, seconds: float) -> dict[str, Any]:
    """NMI, ARI, topic count and outlier share of one clustering."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    t = np.asarray(topics)
    return {
        "nmi": round(float(normalized_mutual_info_score(gold, t)), 4),
        "ari": round(float(adjusted_rand_score(gold, t)), 4),
        "n_topics": int(len(set(t.tolist()) - {-1})),
        "outliers": round(float((t == -1).mean()), 4),
        "seconds": round(seconds, 1),
    }


def run_topicsum(texts: list[str], X: Any, embedder: Any, seed: int) -> tuple[Any, float]:
    from topicsum._cluster import ThemeModel

    t0 = time.perf_counter()
    model = ThemeModel(seed=seed).fit(texts, X, embedder=embedder)
    return model.topics_, time.perf_counter() - t0


def run_default_bertopic(texts: list[str], X: Any, seed: int) -> tuple[Any, float]:
    from bertopic import BERTopic
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    t0 = time.perf_counter()
    # BERTopic's default UMAP settings, with a seed so the figures are reproducible.
    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(
        embedding_model=None,
        umap_model=umap_model,
        vectorizer_model=CountVectorizer(stop_words="english"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topics, _ = model.fit_transform(texts, X)
    return topics, time.perf_counter() - t0


def markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    rows = [
        "| corpus | model | NMI | ARI | topics | outliers | seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for corpus, res in results["corpora"].items():
        for name in ("topicsum", "bertopic_default"):
            r = res[name]
            rows.append(
                f"| {corpus} (n={res['n']}, {res['classes']} classes) | {name} | {r['nmi']:.3f} | {r['ari']:.3f} "
                f"| {r['n_topics']} | {100 * r['outliers']:.1f}% | {r['seconds']:.1f} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "themes.json")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / "cache")
    parser.add_argument("--only", default="bbc,ag", help="comma-separated corpora: bbc, ag")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-baseline", action="store_true", help="skip default BERTopic")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if not args.data.is_dir():
        print(f"Benchmark data folder {args.data} is absent; skipping the themes benchmark.")
        return 0
    corpora = load_corpora(args.data, set(args.only.split(",")))
    if not corpora:
        print(f"No benchmark corpus (bbc_news.csv, ag_news_test.csv) in {args.data}; skipping.")
        return 0

    import numpy as np

    from topicsum import __version__ as ts_version
    from topicsum._config import EmbedConfig
    from topicsum._embed import embed_texts, get_embedder

    embedder = get_embedder(EmbedConfig())
    results: dict[str, Any] = {
        "embedding_model": embedder.model_id,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "topicsum": ts_version,
        "corpora": {},
    }
    for name, (texts, gold) in corpora.items():
        t0 = time.perf_counter()
        X = embed_texts(texts, embedder, cache_dir=args.cache, batch_size=32)
        embed_s = time.perf_counter() - t0
        logger.info("%s: %d texts embedded in %.1f s", name, len(texts), embed_s)
        res: dict[str, Any] = {"n": len(texts), "classes": int(len(set(gold))), "embed_seconds": round(embed_s, 1)}
        topics, secs = run_topicsum(texts, X, embedder, args.seed)
        res["topicsum"] = score(gold, topics, secs)
        logger.info("%s topicsum: %s", name, res["topicsum"])
        if args.no_baseline:
            res["bertopic_default"] = {"nmi": np.nan, "ari": np.nan, "n_topics": 0, "outliers": np.nan, "seconds": 0.0}
        else:
            topics, secs = run_default_bertopic(texts, X, args.seed)
            res["bertopic_default"] = score(gold, topics, secs)
            logger.info("%s default BERTopic: %s", name, res["bertopic_default"])
        results["corpora"][name] = res

    table = markdown(results)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
