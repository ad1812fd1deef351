"""Why the sticky cut: rules for continuing a run, compared on the Multi-News 200 stream at the clustering level.

``bench/stream.py`` measures the rule topicsum uses, one CLI run per arrival.
This script asks what other rules would give on the same stream (seed 0, 10
arrivals), with the vectors one run on the whole pile clusters (its segments', averaged
per article) and the calibrated story threshold, so that each rule costs milliseconds:

* ``fresh``: a fresh cut of the pile at every arrival, ids matched by overlap
  (the quality ceiling; ids may change anywhere);
* ``sticky``: topicsum's rule (:func:`topicsum._cluster._stories.sticky_stories`):
  earlier stories start whole, new articles join them or form new ones;
* ``moves``: a fresh cut, but an article seen before may leave its story only
  for a story that gained articles (the "new evidence" reading of the
  stability target); the rest of its earlier story stays together;
* ``recut``: the sticky cut, then every story that new articles joined is
  cut afresh on its own articles (an early wrong merge can be undone when the
  story grows).

Per rule: the largest share of files seen before whose story id changed
between two arrivals, the files that changed in a story that gained none,
NMI against the gold stories at the last arrival, and the share of ``new``
stories whose gold story had no file before.  Files are the unit, as in
``bench/stream.py`` (a file's story: the majority over its articles).  Usage::

    python bench/stream_rules.py [--out bench/stream_rules.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

RULES = ("fresh", "sticky", "moves", "recut")


def article_vectors_of_pile(texts: list[str]) -> tuple[list[str], Any, dict[str, str]]:
    """One topicsum run on all files: (article ids, unit article vectors, article -> file name)."""
    import numpy as np

    import topicsum
    from topicsum._cluster._stories import article_vectors

    work = ROOT / "bench" / "_work" / "stream_rules"
    work.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(texts):
        (work / f"{i:05d}.txt").write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = topicsum.run(work, summariser="none", formats=(), show_progress=False, fresh=True)
    model = result.theme_model  # the vectors the run fitted on, one row per segment, with its article
    aids, A = article_vectors(np.asarray(model.embeddings_, dtype=np.float32), [str(a) for a in model.articles_])
    seg = result.segments
    file_of = dict(zip(seg["article_id"].astype(str), seg["source"].map(lambda s: Path(str(s)).name)))
    return list(aids), A, file_of


def cut(rule: str, P: Any, start: Any, threshold: float) -> Any:
    """Story labels of the articles ``P`` under ``rule``; ``start``: earlier story per article, -1 for new."""
    import numpy as np

    from topicsum._cluster._stories import cluster_stories, sticky_stories

    if rule == "fresh" or not (start >= 0).any():
        return cluster_stories(P, threshold=threshold)
    sticky = sticky_stories(P, start, threshold)
    new = start < 0
    if rule == "sticky":
        return sticky
    if rule == "recut":
        lab, nxt = sticky.copy(), int(sticky.max()) + 1
        for c in np.unique(sticky):
            members = np.flatnonzero(sticky == c)
            if new[members].any() and (~new[members]).sum() >= 2:
                sub = cluster_stories(P[members], threshold=threshold)
                for u in np.unique(sub)[1:]:
                    lab[members[sub == u]], nxt = nxt, nxt + 1
        return lab
    fresh = cluster_stories(P, threshold=threshold)
    gained = set(fresh[new].tolist())
    keys = [("fresh", int(f)) if f in gained else ("earlier", int(s)) for f, s in zip(fresh.tolist(), sticky.tolist())]
    code = {k: i for i, k in enumerate(sorted(set(keys)))}
    lab = np.array([code[k] for k in keys])
    # an article left behind in a story whose id goes elsewhere follows its id (it would change id in a story
    # that gained nothing)
    for s in np.unique(start[start >= 0]):
        members = np.flatnonzero(start == s)
        votes = Counter(lab[members].tolist())
        best = min(votes, key=lambda t: (-votes[t], t))
        for i in members:
            if lab[i] != best and not new[lab == lab[i]].any():
                lab[i] = best
    return lab


def simulate(
    rule: str, aids: list[str], A: Any, file_of: dict[str, str], gold_of: dict[str, str], threshold: float
) -> dict[str, Any]:
    """One rule over the stream: per arrival its files, stories, id changes, NMI and new stories."""
    import numpy as np

    from stream import arrivals, nmi

    files = sorted(gold_of)  # every file of the corpus: the arrivals are bench/stream.py's
    articles_of: dict[str, list[int]] = defaultdict(list)
    for i, a in enumerate(aids):
        articles_of[file_of[a]].append(i)
    present: list[int] = []
    story: dict[int, int] = {}
    first_seen: dict[int, int] = {}
    next_id, seen_gold = 1, set()
    steps = []
    for k, part in enumerate(arrivals(len(files), 10, 0), start=1):
        idx = present + [i for f in part for i in articles_of[files[f]]]
        start = np.array([story.get(i, -1) for i in idx], dtype=np.int64)
        lab = cut(rule, A[idx], start, threshold)
        # ids: earlier stories oldest first take the story holding most of their articles
        where = dict(zip(idx, lab.tolist()))
        earlier: dict[int, list[int]] = defaultdict(list)
        for i in present:
            earlier[story[i]].append(i)
        claimed: dict[int, int] = {}
        for sid in sorted(earlier, key=lambda s: (first_seen[s], s)):
            votes = Counter(where[i] for i in earlier[sid])
            best = min(votes, key=lambda t: (-votes[t], t))
            claimed.setdefault(best, sid)
        ids = {}
        for t in sorted(set(lab.tolist())):
            if t in claimed:
                ids[t] = claimed[t]
            else:
                ids[t], next_id = next_id, next_id + 1
                first_seen[ids[t]] = k
        now = {i: ids[where[i]] for i in idx}
        by_file = _per_file(now, aids, file_of)
        before = _per_file(story, aids, file_of) if story else {}
        added = Counter(by_file[f] for f in by_file if f not in before)
        changed = [f for f in before if before[f] != by_file[f]]
        step = {"arrival": k, "files": len(by_file), "stories": len(set(by_file.values())),
                "changed_share": round(len(changed) / len(before), 4) if before else 0.0,
                "changed_in_story_without_new_file": sum(1 for f in changed if not added.get(by_file[f])),
                "nmi": nmi({f: gold_of[f] for f in by_file}, by_file)}  # fmt: skip
        if story:
            votes: dict[int, Counter] = defaultdict(Counter)
            for f, sid in by_file.items():
                votes[sid][gold_of[f]] += 1
            new_ids = [s for s in set(by_file.values()) if s not in set(story.values())]
            unseen = [s for s in new_ids if min(votes[s].items(), key=lambda kv: (-kv[1], kv[0]))[0] not in seen_gold]
            step["new_stories"], step["new_unseen"] = len(new_ids), len(unseen)
        seen_gold |= {gold_of[f] for f in by_file}
        steps.append(step)
        story, present = now, idx
    later = steps[1:]
    new_total = sum(s["new_stories"] for s in later)
    return {
        "max_changed_share": max(s["changed_share"] for s in later),
        "changed_in_story_without_new_file": sum(s["changed_in_story_without_new_file"] for s in later),
        "final_nmi": steps[-1]["nmi"], "final_stories": steps[-1]["stories"],
        "new_precision": round(sum(s["new_unseen"] for s in later) / new_total, 4) if new_total else None,
        "steps": steps,
    }  # fmt: skip


def _per_file(story: dict[int, int], aids: list[str], file_of: dict[str, str]) -> dict[str, int]:
    votes: dict[str, Counter] = defaultdict(Counter)
    for i, sid in story.items():
        votes[file_of[aids[i]]][sid] += 1
    return {f: min(c, key=lambda s: (-c[s], s)) for f, c in votes.items()}


def main(argv: list[str] | None = None) -> int:
    from stories import multi_news
    from topicsum._cluster._algorithm import MINILM_BACKGROUND
    from topicsum._cluster._stories import calibrate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "stream_rules.json"))
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (the shared benchmark data is not here)")
        return 0
    texts, gold = multi_news()
    gold_of = {f"{i:05d}.txt": g for i, g in enumerate(gold)}
    aids, A, file_of = article_vectors_of_pile(texts)
    threshold = calibrate(MINILM_BACKGROUND)
    results = {"corpus": "multi_news_200", "files": len(set(file_of.values())), "articles": len(aids),
               "threshold": round(threshold, 4)}  # fmt: skip
    for rule in RULES:
        results[rule] = simulate(rule, aids, A, file_of, gold_of, threshold)
        print(rule, json.dumps({k: v for k, v in results[rule].items() if k != "steps"}), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
