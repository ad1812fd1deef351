"""Story benchmark: themes at the grain of news stories, measured the way a user runs topicsum.

Every corpus is written as one file per document under ``bench/_work/stories/``
(git-ignored) and run once with ``topicsum.run(folder, summariser="none",
formats=())``: the number of stories is never given.  A file's story (or
group) is the majority over its segments.  Figures:

* seeds: the six stories of the two saved pages, one theme each, 0 outliers;
* Multi-News 200 as a story corpus (documents of >= 30 words, gold = cluster):
  NMI/ARI and the number of stories; default BERTopic on the same document
  vectors (the mean of each file's segment vectors) in the same run;
* BBC News and AG News at the group level: NMI and the number of groups;
* stability: Multi-News in reverse file order gives identical tables; with
  10% of the files removed (seeded), the remaining files' stories agree
  (ARI against the full run);
* a mixed pile (seeds + Multi-News 200 + 500 BBC articles): the six seed
  stories stay apart and Multi-News keeps its NMI.

Data come from ``../shared/data`` (see its README); without it the script says
so and exits 0.  Usage::

    python bench/stories.py [--out bench/stories.json] [--only seeds,mn200,bbc,ag,stability,mixed] [--backend B]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
WORK = ROOT / "bench" / "_work" / "stories"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

#: The seed pages' six stories, recognised by their headlines.
SEED_STORIES = {
    "north korean": "forced labour of North Korean workers",
    "bodies|dead soldiers": "exchange of soldiers' bodies",
    "whole of ukraine": "Putin: all of Ukraine is ours",
    "whatsapp|telegram": "Russia restricts WhatsApp and Telegram",
    "summit": "Trump-Putin summit",
    "migrants|capsizes": "Lampedusa shipwreck",
}


def seed_story(headline: str) -> str | None:
    """The seed story an article belongs to, from its headline."""
    for pattern, story in SEED_STORIES.items():
        if re.search(pattern, headline.lower()):
            return story
    return None


def write_files(folder: Path, texts: list[str]) -> list[Path]:
    """One .txt file per text (names sort in order); reuses the folder when it is complete."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i:05d}.txt" for i in range(len(texts))]
    for p, t in zip(paths, texts):
        if not p.is_file() or p.read_text(encoding="utf-8") != t:
            p.write_text(t, encoding="utf-8")
    return paths


def multi_news() -> tuple[list[str], list[str]]:
    texts, gold = [], []
    with (DATA / "multi_news_test200.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for doc in row["documents"]:
                if len(doc.split()) >= 30:
                    texts.append(doc)
                    gold.append(str(row["id"]))
    return texts, gold


def bbc() -> tuple[list[str], list[str]]:
    import pandas as pd

    df = pd.read_csv(DATA / "bbc_news.csv")
    return df["text"].astype(str).tolist(), df["label"].astype(str).tolist()


def ag() -> tuple[list[str], list[str]]:
    import pandas as pd

    df = pd.read_csv(DATA / "ag_news_test.csv")
    return (df["title"].astype(str) + ". " + df["description"].astype(str)).tolist(), df["label"].astype(str).tolist()


#: Options every run gets (``--backend`` sets the embedding backend).
OPTIONS: dict[str, Any] = {}


def run(inputs: Any) -> tuple[Any, float]:
    import topicsum

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = topicsum.run(inputs, summariser="none", formats=(), show_progress=False, **OPTIONS)
    return result, time.perf_counter() - t


def per_file(result: Any, column: str = "topic") -> dict[str, int]:
    """The majority story (or group) of each source file; ties to the smallest id."""
    seg = result.segments
    counts = seg.groupby(["source", column]).size().reset_index(name="n")
    counts = counts.sort_values(["source", "n", column], ascending=[True, False, True])
    return {str(s): int(v) for s, v in counts.drop_duplicates("source")[["source", column]].itertuples(index=False)}


def score(gold: dict[str, str], pred: dict[str, int]) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    keys = sorted(gold)
    g = [gold[k] for k in keys]
    p = [pred.get(k, -1) for k in keys]
    return {
        "NMI": round(float(normalized_mutual_info_score(g, p)), 4),
        "ARI": round(float(adjusted_rand_score(g, p)), 4),
        "found": len(set(p)),
        "gold": len(set(g)),
    }


def default_bertopic(result: Any, gold: dict[str, str]) -> dict[str, Any]:
    """Default BERTopic fitted on the same document vectors: the mean of each file's segment vectors."""
    import numpy as np
    from bertopic import BERTopic

    seg = result.segments
    files = sorted(gold)
    vectors, docs = [], []
    for f in files:
        rows = np.flatnonzero(seg["source"].to_numpy() == f)
        v = result.embeddings[rows].mean(axis=0)
        vectors.append(v / np.linalg.norm(v))
        docs.append(" ".join(seg["text"].iloc[rows]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topics, _ = BERTopic(embedding_model=None).fit_transform(docs, np.asarray(vectors))
    out = score(gold, dict(zip(files, topics)))
    out["outliers"] = round(float(np.mean(np.asarray(topics) == -1)), 4)
    return out


def bench_seeds(results: dict[str, Any]) -> None:
    result, seconds = run(ROOT / "seeds")
    story_of: dict[str, set[int]] = {}
    for a in result.articles.itertuples(index=False):
        story = seed_story(str(a.headline))
        if story:
            story_of.setdefault(story, set()).add(int(a.topic))
    results["seeds"] = {
        "stories": int((result.topics["topic"] >= 0).sum()),
        "outliers": int((result.segments["topic"] < 0).sum()),
        "each_story_one_theme": len(story_of) == 6 and all(len(v) == 1 for v in story_of.values()),
        "stories_apart": len({min(v) for v in story_of.values()}) == 6,
        "labels": result.topics["label"].tolist(),
        "seconds": round(seconds, 1),
    }


def bench_multi_news(results: dict[str, Any]) -> None:
    texts, gold = multi_news()
    paths = write_files(WORK / "mn200", texts)
    gold_of = {str(p): g for p, g in zip(paths, gold)}
    result, seconds = run(WORK / "mn200")
    found = per_file(result)
    results["mn200"] = {
        "files": len(paths),
        "topicsum": {**score(gold_of, found), "seconds": round(seconds, 1), "grain": result.manifest["grain"]},
        "default_bertopic": default_bertopic(result, gold_of),
        "groups": int(len(result.groups)),
    }


def bench_groups(results: dict[str, Any], name: str) -> None:
    texts, gold = bbc() if name == "bbc" else ag()
    paths = write_files(WORK / name, texts)
    gold_of = {str(p): g for p, g in zip(paths, gold)}
    result, seconds = run(WORK / name)
    results[name] = {
        "files": len(paths),
        "groups": score(gold_of, per_file(result, "group")),
        "stories": int((result.topics["topic"] >= 0).sum()),
        "group_labels": result.groups["label"].tolist(),
        "seconds": round(seconds, 1),
    }


def bench_stability(results: dict[str, Any]) -> None:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    texts, _ = multi_news()
    paths = write_files(WORK / "mn200", texts)
    forward, _ = run(paths)
    backward, _ = run(paths[::-1])
    columns = ["segment_id", "topic", "topic_label", "group"]
    same = forward.segments[columns].sort_values("segment_id").reset_index(drop=True).equals(
        backward.segments[columns].sort_values("segment_id").reset_index(drop=True)
    ) and forward.topics.drop(columns=["digest"]).equals(backward.topics.drop(columns=["digest"]))
    full = per_file(forward)
    aris = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        keep = sorted(rng.choice(len(paths), size=int(round(0.9 * len(paths))), replace=False).tolist())
        part, _ = run([paths[i] for i in keep])
        sub = per_file(part)
        files = sorted(sub)
        aris.append(round(float(adjusted_rand_score([full[f] for f in files], [sub[f] for f in files])), 4))
    results["stability"] = {"reverse_order_identical": bool(same), "ari_10pct_removed": aris, "ari_min": min(aris)}


def bench_mixed(results: dict[str, Any]) -> None:
    import numpy as np

    mn_texts, mn_gold = multi_news()
    bbc_texts, _ = bbc()
    pick = sorted(np.random.default_rng(0).choice(len(bbc_texts), size=500, replace=False).tolist())
    mn_paths = write_files(WORK / "mixed" / "mn200", mn_texts)
    write_files(WORK / "mixed" / "bbc500", [bbc_texts[i] for i in pick])
    seeds = WORK / "mixed" / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for p in (ROOT / "seeds").glob("*.txt"):
        (seeds / p.name).write_bytes(p.read_bytes())
    result, seconds = run(WORK / "mixed")
    story_of: dict[str, set[int]] = {}
    members: dict[int, int] = {}
    for a in result.articles.itertuples(index=False):
        members[int(a.topic)] = members.get(int(a.topic), 0) + 1
        story = seed_story(str(a.headline)) if "seeds" in str(a.source) else None
        if story:
            story_of.setdefault(story, set()).add(int(a.topic))
    themes = {s: min(v) for s, v in story_of.items()}
    gold_of = {str(p): g for p, g in zip(mn_paths, mn_gold)}
    results["mixed"] = {
        "files": len(result.manifest["inputs"]),
        "stories": int((result.topics["topic"] >= 0).sum()),
        "groups": int(len(result.groups)),
        "seed_stories_together": all(len(v) == 1 for v in story_of.values()) and len(story_of) == 6,
        "seed_stories_apart": len(set(themes.values())) == 6,
        "multi_news": score(gold_of, {k: v for k, v in per_file(result).items() if k in gold_of}),
        "seconds": round(seconds, 1),
    }


BENCHES = {
    "seeds": bench_seeds,
    "mn200": bench_multi_news,
    "bbc": lambda r: bench_groups(r, "bbc"),
    "ag": lambda r: bench_groups(r, "ag"),
    "stability": bench_stability,
    "mixed": bench_mixed,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "stories.json"))
    ap.add_argument("--only", default=",".join(BENCHES), help="comma-separated sections")
    ap.add_argument("--backend", default=None, help="embedding backend (default: topicsum's default)")
    args = ap.parse_args(argv)
    if args.backend:
        OPTIONS["backend"] = args.backend
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (the shared benchmark data is not here)")
        return 0
    out = Path(args.out)
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        t = time.perf_counter()
        BENCHES[name](results)
        results[name]["section_seconds"] = round(time.perf_counter() - t, 1)
        print(name, json.dumps(results[name])[:600], flush=True)
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
