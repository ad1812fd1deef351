"""Following stories as a pile grows: stable ids, quality against a fresh run, statuses, and the cost of an update.

A stream is a public corpus shuffled with a fixed seed and cut into 10
arrivals.  After each arrival its files are added to ``pile/`` and the CLI is
run into the same output folder, one process per arrival, as a user would::

    python -m topicsum run pile/ --out briefing/ --summariser none --format none

and, for reference, a fresh run on the same pile (``fresh=True``, in this
process, the same embedding cache).  A file's story is the majority
``story_id`` over its segments.  Figures per arrival and stream:

* stability: of the files present in two consecutive runs, the share whose
  story id changed, and how many of those are in a story that gained no file;
* quality: NMI of the continued run's stories against the gold, and of the
  fresh run's (Multi-News 200: gold = the cluster, a story; BBC News: gold =
  the section, broader than a story, the same yardstick for both runs);
* status: every story that gained a file is ``new`` or ``updated``; of the
  stories marked ``new``, the share whose gold story had no file before
  (Multi-News only: BBC's sections are all seen at the first arrival);
* cost (``--cost``): a pile of 2,000 BBC articles run from an empty cache
  folder with the default summariser and reports, then 5% more articles
  added and the run continued: the update's time as a share of the fresh
  run's, and whether every unchanged story's digest is byte-identical.

Data come from ``../shared/data`` (see its README); without it the script says
so and exits 0.  Usage::

    python bench/stream.py [--out bench/stream.json] [--only mn200,bbc,cost] [--arrivals 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
WORK = ROOT / "bench" / "_work" / "stream"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def arrivals(n_items: int, n_arrivals: int, seed: int) -> list[list[int]]:
    """Item indices, shuffled with ``seed``, cut into ``n_arrivals`` parts of (nearly) equal size."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(n_items)
    return [part.tolist() for part in np.array_split(order, n_arrivals)]


def cli_run(pile: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> float:
    """``topicsum run pile --out out`` in its own process; its wall time."""
    cmd = [sys.executable, "-m", "topicsum", "run", str(pile), "--out", str(out), "--no-progress", "-q", *extra]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def per_file(segments: Any, column: str) -> dict[str, int]:
    """The majority value of ``column`` over each source file's segments (ties: the smallest)."""
    seg = segments[segments[column].notna()]
    counts = seg.groupby(["source", column]).size().reset_index(name="n")
    counts = counts.sort_values(["source", "n", column], ascending=[True, False, True])
    return {Path(str(s)).name: int(v) for s, v in counts.drop_duplicates("source")[["source", column]].itertuples(index=False)}


def nmi(gold: dict[str, str], pred: dict[str, int]) -> float:
    from sklearn.metrics import normalized_mutual_info_score

    keys = sorted(gold)
    return round(float(normalized_mutual_info_score([gold[k] for k in keys], [pred.get(k, -1) for k in keys])), 4)


def stream(name: str, texts: list[str], gold: list[str], n_arrivals: int, seed: int, new_precision: bool) -> dict[str, Any]:
    """One stream: arrivals added to a pile, the CLI continued after each, a fresh run beside it."""
    import topicsum

    work = WORK / name
    shutil.rmtree(work, ignore_errors=True)
    pile, briefing = work / "pile", work / "briefing"
    pile.mkdir(parents=True)
    gold_of = {f"{i:05d}.txt": g for i, g in enumerate(gold)}
    steps: list[dict[str, Any]] = []
    before: dict[str, int] = {}
    seen_gold: set[str] = set()
    for k, part in enumerate(arrivals(len(texts), n_arrivals, seed), start=1):
        for i in part:
            (pile / f"{i:05d}.txt").write_text(texts[i], encoding="utf-8")
        seconds = cli_run(pile, briefing, "--summariser", "none", "--format", "none")
        result = topicsum.load(briefing)
        now = per_file(result.segments, "story_id")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fresh = topicsum.run(pile, summariser="none", formats=(), show_progress=False, fresh=True)
        present = {f: g for f, g in gold_of.items() if f in now}
        topics = result.topics[result.topics["topic"] >= 0]
        added = dict(zip(topics["story_id"].astype(int), topics["added"].astype(int)))
        status = dict(zip(topics["story_id"].astype(int), topics["status"]))
        kept = [f for f in before if f in now]
        changed = [f for f in kept if before[f] != now[f]]
        step: dict[str, Any] = {
            "arrival": k, "files": len(now), "stories": len(topics), "seconds": round(seconds, 1),
            "changed_ids": len(changed), "changed_share": round(len(changed) / len(kept), 4) if kept else 0.0,
            "changed_in_story_without_new_file": sum(1 for f in changed if added.get(now[f], 0) == 0),
            "nmi": nmi(present, now), "nmi_fresh": nmi(present, per_file(fresh.segments, "topic")),
            "statuses": dict(Counter(status.values())),
            "grown_but_unchanged": sum(1 for s, a in added.items() if a and status[s] not in ("new", "updated")),
        }  # fmt: skip
        step["nmi_gap"] = round(step["nmi_fresh"] - step["nmi"], 4)
        if new_precision and k > 1:
            # a story's gold: the majority over its segments' files (a story can be no file's majority)
            seg = result.segments[result.segments["story_id"].notna()]
            gold_votes: dict[int, Counter] = {}
            for src, sid in zip(seg["source"], seg["story_id"].astype(int)):
                gold_votes.setdefault(sid, Counter())[gold_of[Path(str(src)).name]] += 1
            new_ids = [s for s, st in status.items() if st == "new"]
            unseen = [s for s in new_ids if min(gold_votes[s].items(), key=lambda kv: (-kv[1], kv[0]))[0] not in seen_gold]
            step["new_stories"] = len(new_ids)
            step["new_precision"] = round(len(unseen) / len(new_ids), 4) if new_ids else None
        seen_gold |= set(present.values())
        steps.append(step)
        before = now
        print(name, json.dumps(step), flush=True)
    later = steps[1:]
    new_total = sum(s.get("new_stories", 0) for s in later)
    return {
        "files": len(texts), "arrivals": n_arrivals, "seed": seed, "steps": steps,
        "max_changed_share": max((s["changed_share"] for s in later), default=0.0),
        "changed_in_story_without_new_file": sum(s["changed_in_story_without_new_file"] for s in later),
        "max_nmi_gap": max(s["nmi_gap"] for s in steps), "final_nmi": steps[-1]["nmi"],
        "final_nmi_fresh": steps[-1]["nmi_fresh"], "grown_but_unchanged": sum(s["grown_but_unchanged"] for s in steps),
        "new_precision": round(sum((s.get("new_precision") or 0) * s.get("new_stories", 0) for s in later) / new_total, 4)
        if new_precision and new_total else None,
    }  # fmt: skip


def bench_cost(results: dict[str, Any], n_pile: int, seed: int) -> None:
    """2,000 BBC articles from an empty cache (default summariser and reports), then 5% more, continued."""
    import topicsum
    from stories import bbc

    texts, _ = bbc()
    texts = list(dict.fromkeys(texts))  # the corpus's exact duplicates once
    order = arrivals(len(texts), 1, seed)[0]
    base, extra = order[:n_pile], order[n_pile : n_pile + max(1, n_pile // 20)]
    work = WORK / "cost"
    shutil.rmtree(work, ignore_errors=True)
    pile, briefing, cache = work / "pile", work / "briefing", work / "cache"
    pile.mkdir(parents=True)
    for i in base:
        (pile / f"{i:05d}.txt").write_text(texts[i], encoding="utf-8")
    env = {"TOPICSUM_CACHE": str(cache)}
    fresh_seconds = cli_run(pile, briefing, env=env)
    first = topicsum.load(briefing)
    for i in extra:
        (pile / f"{i:05d}.txt").write_text(texts[i], encoding="utf-8")
    update_seconds = cli_run(pile, briefing, env=env)
    second = topicsum.load(briefing)
    digest_of = {t.story_id: first.digests.get(t.topic_id) for t in first.themes if t.topic_id >= 0}
    unchanged = [t for t in second.themes if t.status == "unchanged"]
    same = sum(1 for t in unchanged if second.digests.get(t.topic_id) == _with_topic(digest_of.get(t.story_id), t.topic_id))
    results["cost"] = {
        "pile": len(base), "added": len(extra), "stories_before": len(first.themes), "stories_after": len(second.themes),
        "fresh_seconds": round(fresh_seconds, 1), "update_seconds": round(update_seconds, 1),
        "update_share": round(update_seconds / fresh_seconds, 4),
        "statuses": dict(Counter(t.status for t in second.themes if t.topic_id >= 0)),
        "unchanged_digests_identical": same, "unchanged_stories": len(unchanged),
        "timings_fresh": first.manifest["timings"], "timings_update": second.manifest["timings"],
    }  # fmt: skip


def _with_topic(digest: Any, topic: int) -> Any:
    import dataclasses

    return None if digest is None else dataclasses.replace(digest, topic_id=topic)


def main(argv: list[str] | None = None) -> int:
    from stories import bbc, multi_news

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "stream.json"))
    ap.add_argument("--only", default="mn200,bbc,cost", help="comma-separated sections")
    ap.add_argument("--arrivals", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pile", type=int, default=2000, help="articles in the cost pile")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (the shared benchmark data is not here)")
        return 0
    out = Path(args.out)
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        t = time.perf_counter()
        if name == "mn200":
            texts, gold = multi_news()
            results[name] = stream(name, texts, gold, args.arrivals, args.seed, new_precision=True)
        elif name == "bbc":
            texts, gold = bbc()
            results[name] = stream(name, texts, gold, args.arrivals, args.seed, new_precision=False)
        elif name == "cost":
            bench_cost(results, args.pile, args.seed)
        else:
            raise SystemExit(f"unknown section {name!r}; choose from mn200, bbc, cost")
        results[name]["section_seconds"] = round(time.perf_counter() - t, 1)
        print(name, json.dumps({k: v for k, v in results[name].items() if k != "steps"})[:800], flush=True)
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
