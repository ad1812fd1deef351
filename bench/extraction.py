"""Extraction benchmark: what topicsum's ingestion keeps of real web pages, against trafilatura alone.

The 990 pages of trafilatura's own evaluation set (``../shared/data/trafilatura_eval``:
each page with snippets of its main text that an extractor must keep and
snippets of furniture it must drop) are written as ``.html`` files under
``bench/_work/extraction/`` (git-ignored) and read the way a run reads them:
``load_corpus(folder)`` then ``segment_corpus`` (one pile, so lines repeated
across pages count).  A page's text is its articles' headlines and segments,
joined; a page that gives no article scores no snippet kept and none let through.

Scored as trafilatura's comparison scores (tests/comparison_small.py): a
true positive for each "with" snippet found in the text, a false positive
for each "without" snippet found there; precision, recall, accuracy and F1
over all snippets.  The reference is ``trafilatura.extract`` on the same
pages in the same run, with its defaults and with the options topicsum
uses (tables in, comments out).

    python bench/extraction.py [--out bench/extraction.json] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "trafilatura_eval"
WORK = ROOT / "bench" / "_work" / "extraction"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _score(texts: dict[str, str | None], pages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    tp = fn = fp = tn = 0
    for name, item in pages.items():
        text = texts.get(name)
        if not text:
            fn += len(item["with"])
            tn += len(item["without"])
            continue
        for snippet in item["with"]:
            tp, fn = (tp + 1, fn) if snippet in text else (tp, fn + 1)
        for snippet in item["without"]:
            fp, tn = (fp + 1, tn) if snippet in text else (fp, tn + 1)
    return {
        "precision": round(tp / max(tp + fp, 1), 4),
        "recall": round(tp / max(tp + fn, 1), 4),
        "accuracy": round((tp + tn) / max(tp + tn + fp + fn, 1), 4),
        "f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "true_negatives": tn,
    }


def _trafilatura(pages: dict[str, dict[str, Any]], **options: Any) -> tuple[dict[str, str | None], float]:
    import trafilatura

    out: dict[str, str | None] = {}
    t0 = time.perf_counter()
    for name in pages:
        html = (WORK / "pages" / name).read_bytes()
        try:
            out[name] = trafilatura.extract(html, **options)
        except Exception:  # noqa: BLE001 - a page trafilatura cannot read scores nothing
            out[name] = None
    return out, time.perf_counter() - t0


def _topicsum(pages: dict[str, dict[str, Any]]) -> tuple[dict[str, str | None], dict[str, Any], float]:
    from topicsum import load_corpus, segment_corpus

    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = segment_corpus(load_corpus(WORK / "pages"))
    seconds = time.perf_counter() - t0
    parts: dict[str, list[str]] = defaultdict(list)
    segs: dict[str, list[str]] = defaultdict(list)
    for seg in corpus.segments:
        segs[seg.article_id].append(seg.text)
    languages: dict[str, int] = defaultdict(int)
    articles: dict[str, int] = defaultdict(int)
    for art in corpus.articles:
        name = Path(art.source).name
        articles[name] += 1
        languages[art.language or "?"] += 1
        parts[name].extend([art.headline, *segs[art.article_id]])
    texts = {name: "\n".join(p for p in parts[name] if p) or None for name in pages}
    skipped = {Path(s.source).name: s.reason for s in corpus.skipped}
    empty = [n for n in pages if not texts[n]]
    info = {
        "articles": sum(articles.values()),
        "pages_with_several_articles": sum(1 for n in articles.values() if n > 1),
        "pages_without_article": len(empty),
        "pages_without_article_not_in_skipped": sorted(n for n in empty if n not in skipped),
        "skipped": len(skipped),
        "warnings": len(caught),
        "languages": dict(sorted(languages.items(), key=lambda kv: -kv[1])[:12]),
    }
    return texts, info, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "bench" / "extraction.json"))
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (a smoke run)")
    args = parser.parse_args(argv)
    if not (DATA / "evaldata.json").is_file():
        print(f"extraction: skipped, {DATA} not found (the shared benchmark data is not here)")
        return 0
    evaldata = json.loads((DATA / "evaldata.json").read_text(encoding="utf-8"))
    pages = {item["file"]: item for item in evaldata.values()}
    if args.limit:
        pages = dict(list(pages.items())[: args.limit])
    (WORK / "pages").mkdir(parents=True, exist_ok=True)
    for old in (WORK / "pages").iterdir():
        if old.name not in pages:
            old.unlink()
    for name in pages:
        target = WORK / "pages" / name
        if not target.exists():
            target.write_bytes(gzip.decompress((DATA / "pages" / f"{name}.gz").read_bytes()))
    results: dict[str, Any] = {"pages": len(pages), "snippets_with": sum(len(p["with"]) for p in pages.values()),
                               "snippets_without": sum(len(p["without"]) for p in pages.values())}  # fmt: skip
    texts, info, seconds = _topicsum(pages)
    results["topicsum"] = {**_score(texts, pages), "seconds": round(seconds, 1), **info}
    print("topicsum", results["topicsum"], flush=True)
    for name, options in (
        ("trafilatura_defaults", {}),
        ("trafilatura_tables_no_comments", {"include_tables": True, "include_comments": False}),
    ):
        texts, seconds = _trafilatura(pages, **options)
        results[name] = {**_score(texts, pages), "seconds": round(seconds, 1), "options": options}
        print(name, results[name], flush=True)
    ref = results["trafilatura_defaults"]
    results["targets"] = {
        "recall_at_least_0.93": results["topicsum"]["recall"] >= 0.93,
        "precision_at_least_0.93": results["topicsum"]["precision"] >= 0.93,
        "accuracy_at_least_trafilatura": results["topicsum"]["accuracy"] >= ref["accuracy"],
        "no_silent_empty_page": not info["pages_without_article_not_in_skipped"],
    }
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results["targets"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
