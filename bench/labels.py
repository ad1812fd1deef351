"""Story names on Multi-News 200 and BBC News: condensed from their own story, distinctive, short, quick.

Each corpus is run the way a user runs it (``summariser="none"``: naming does
not use the summariser) and every story name is scored:

* ``from_own_story``: the share of names that are one of their own story's
  headlines or lead sentences with words left out (none added or moved; the
  digest guard's ``insertions`` test) -- the lead sentences of an article
  are the first three of its first segment;
* ``retrieval_top1``: embed each name, find the nearest story centre (the
  mean of the story's segment vectors); the share whose nearest is its own;
* ``median_words`` / ``max_words`` per name, and the share over 12 words;
* ``generated_share``: names that hold a model-written title (0: the rule in
  ``topicsum/_label/_titles.py`` only leaves words out);
* ``seconds_per_story``: the label stage's time (run.json) over the stories.

Multi-News pages have no headlines (names come from leads); BBC's CSV has a
``title`` column (names come from headlines).  Usage::

    python bench/labels.py [--out bench/labels.json] [--bbc 600]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def score(result: Any) -> dict[str, Any]:
    import numpy as np

    from topicsum._summarise import split_sentences
    from topicsum._summarise._digest import insertions

    seg = result.segments
    topics = result.topics[result.topics["topic"] >= 0]
    model = result.theme_model
    X = np.asarray(model.embeddings_, dtype=np.float32)
    fit_topics = np.asarray(model.topics_)
    ids = sorted(topics["topic"].astype(int))
    centres = np.stack([X[fit_topics == t].mean(axis=0) for t in ids])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    names = [str(topics.set_index("topic").loc[t, "label"]) for t in ids]
    E = np.asarray(model.embedder_.encode(names) if getattr(model, "embedder_", None) else _encode(names), dtype=np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    top1 = float(np.mean((E @ centres.T).argmax(axis=1) == np.arange(len(ids))))
    own, examples = 0, []
    first = seg.sort_values(["article_id", "start"]).drop_duplicates("article_id")
    for t, name in zip(ids, names):
        rows = first[first["topic"] == t]
        sources = [str(h) for h in rows["headline"].dropna() if str(h).strip()]
        for text in rows["text"].astype(str):
            sources += split_sentences(text)[:3]
        ok = any(not insertions(name, s) for s in sources)
        own += ok
        if len(examples) < 15:
            examples.append({"name": name, "from_own_story": ok})
    words = [len(n.split()) for n in names]
    label_seconds = float(result.manifest["timings"].get("label", 0.0))
    return {
        "stories": len(ids), "from_own_story": round(own / len(ids), 4), "retrieval_top1": round(top1, 4),
        "median_words": statistics.median(words), "max_words": max(words),
        "over_12_words": round(sum(w > 12 for w in words) / len(words), 4), "generated_share": 0.0,
        "seconds_per_story": round(label_seconds / len(ids), 4), "examples": examples,
    }  # fmt: skip


def _encode(texts: list[str]) -> Any:
    from topicsum._config import EmbedConfig
    from topicsum._embed import get_embedder

    return get_embedder(EmbedConfig()).encode(texts)


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    import topicsum
    from stories import multi_news

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "labels.json"))
    ap.add_argument("--bbc", type=int, default=600, help="BBC articles (120 a section)")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (the shared benchmark data is not here)")
        return 0
    results: dict[str, Any] = {}
    texts, _ = multi_news()
    work = ROOT / "bench" / "_work" / "labels" / "mn200"
    work.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(texts):
        (work / f"{i:05d}.txt").write_text(text, encoding="utf-8")
    options = {"summariser": "none", "formats": (), "show_progress": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        results["mn200"] = score(topicsum.run(work, **options))
        results["mn200"]["run_seconds"] = round(time.perf_counter() - t, 1)
        print("mn200", json.dumps({k: v for k, v in results["mn200"].items() if k != "examples"}), flush=True)
        bbc = pd.read_csv(DATA / "bbc_news.csv").drop_duplicates("text")
        sample = bbc.groupby("label").sample(args.bbc // 5, random_state=0)
        t = time.perf_counter()
        result = topicsum.run(sample, text_column="text", title_column="title", id_column="doc_id",
                              split_articles=False, **options)  # fmt: skip
        results["bbc"] = score(result)
        results["bbc"]["run_seconds"] = round(time.perf_counter() - t, 1)
        print("bbc", json.dumps({k: v for k, v in results["bbc"].items() if k != "examples"}), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
