"""The report's view model: everything a report shows, as plain values, built once for every renderer.

:func:`report_view` reads a :class:`~topicsum.Result` and returns dicts and
lists of plain values; the HTML/PDF templates and the Markdown renderer only
render it.  Untrusted text (article text, headlines, labels, digests,
sources) is left as is here and escaped by whoever renders it.  The only
links it builds are ``#seg-<id>`` / ``#theme-<id>`` fragments with ids
reduced to ``[A-Za-z0-9_-]`` (a story's is ``#story-<story id>``, the id
it keeps from run to run).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._drawn import figure_items
from ._changes import changes_view, day_span
from ._common import OUTLIER_COLOUR, anchor_map, safe_id, short_label, theme_ids, topic_colours, unique_mask
from ._format import int_or_none, text, who_line

if TYPE_CHECKING:  # pragma: no cover
    from .._types import RunData
    from .._types import Digest

__all__ = ["report_view"]

logger = logging.getLogger(__name__)

#: Characters of a representative segment shown in a theme section (the appendix has the full text).
QUOTE_CHARS = 700
#: With more stories than this, one-article stories are listed compactly (headline, outlet, one line).
COMPACT_AFTER = 12
#: Characters of a compact story's one-line digest.
ONE_LINE_CHARS = 220
#: Articles listed per theme before "and N more".
MAX_ARTICLES = 25
TOC_CHARS = 80
HEADING_CHARS = 200


@dataclass
class _Tables:
    """The result's tables, indexed once for the whole view."""

    segs: pd.DataFrame
    records: list[dict[str, Any]]  # the segments' rows, in table order
    seg_rows: dict[str, dict[str, Any]]
    art_rows: dict[str, dict[str, Any]]
    topic_rows: dict[int, dict[str, Any]]
    anchors: dict[str, str]
    unique: np.ndarray
    seg_topics: np.ndarray
    by_topic: dict[int, np.ndarray]  # each theme's row positions, ascending
    new_articles: frozenset[str] = frozenset()  # articles first seen by this run, when it continued another

    @classmethod
    def of(cls, result: RunData) -> _Tables:
        segs = result.segments
        articles = result.articles if result.articles is not None else pd.DataFrame()
        topics = result.topics if result.topics is not None else pd.DataFrame()
        n = len(segs)
        records = segs.to_dict("records") if n else []
        seg_topics = segs["topic"].to_numpy(dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
        order = np.argsort(seg_topics, kind="stable")
        ids, starts = np.unique(seg_topics[order], return_index=True)
        by_topic = {int(t): order[a:b] for t, a, b in zip(ids, starts, [*starts[1:], n])}
        new_articles: frozenset[str] = frozenset()
        if (result.stories or {}).get("continued") and "first_seen" in articles:
            now = str((result.manifest or {}).get("created", ""))
            new_articles = frozenset(articles.loc[articles["first_seen"].astype(str) == now, "article_id"].astype(str))
        return cls(
            segs=segs,
            records=records,
            seg_rows={str(r["segment_id"]): r for r in records},
            art_rows={str(r["article_id"]): r for r in articles.to_dict("records")} if len(articles) else {},
            topic_rows={int(r["topic"]): r for r in topics.to_dict("records")} if len(topics) else {},
            anchors=anchor_map(segs["segment_id"].astype(str)) if n else {},
            unique=unique_mask(segs) if n else np.ones(0, dtype=bool),
            seg_topics=seg_topics,
            by_topic=by_topic,
            new_articles=new_articles,
        )

    def theme_rows(self, tid: int, *, unique_only: bool = False) -> list[dict[str, Any]]:
        """The rows of a theme's segments in table order (only those that are not copies, when asked)."""
        positions = self.by_topic.get(tid, np.zeros(0, dtype=np.int64))
        if unique_only:
            positions = positions[self.unique[positions]]
        return [self.records[i] for i in positions]

    def seg_ref(self, sid: str) -> dict[str, Any]:
        """A citable segment: its anchor and provenance."""
        row = self.seg_rows.get(sid, {})
        return {
            "id": sid,
            "anchor": self.anchors.get(sid, f"seg-{safe_id(sid)}"),
            "known": sid in self.seg_rows,
            "headline": text(row.get("headline")),
            "outlet": text(row.get("outlet")),
            "source": text(row.get("source")),
            "published": text(row.get("published")),
            "start": int_or_none(row.get("start")),
            "end": int_or_none(row.get("end")),
        }


def _digest_view(digest: Digest | None, tables: _Tables) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A digest's sentences with numbered citations (numbered in order of first citation), and the cited list."""
    numbers: dict[str, int] = {}
    sentences = []
    if digest is not None:
        for sent in digest.sentences:
            cites = []
            for sid in map(str, sent.segment_ids):
                numbers.setdefault(sid, len(numbers) + 1)
                cites.append({"n": numbers[sid], **tables.seg_ref(sid)})
            sentences.append({"text": sent.text, "method": sent.method, "cites": cites})
    return sentences, [{"n": n, **tables.seg_ref(sid)} for sid, n in numbers.items()]


def _opening(body: Any, words: int = 12) -> str:
    """An article without a headline is shown by its first words, in quotes: "“Members of Occupy ...…”"."""
    found = text(body).split()
    if not found:
        return "(no headline)"
    return "“" + " ".join(found[:words]) + ("…" if len(found) > words else "") + "”"


def _articles_view(tid: int, row: dict[str, Any], tables: _Tables) -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
    """The articles a theme draws on (by how many of its segments each holds), their count, and its outlets."""
    theme_segs = tables.theme_rows(tid, unique_only=True)
    per_article = Counter(str(r["article_id"]) for r in theme_segs)
    first_seg: dict[str, str] = {}
    for r in theme_segs:
        first_seg.setdefault(str(r["article_id"]), str(r["segment_id"]))
    art_ids = [str(a) for a in (row.get("article_ids") or [])] or list(per_article)
    # new articles first (an updated story shows what joined it), then by how much of the story each holds
    art_ids = sorted(dict.fromkeys(art_ids), key=lambda a: (a not in tables.new_articles, -per_article.get(a, 0), a))
    items = []
    for aid in art_ids[:MAX_ARTICLES]:
        a = tables.art_rows.get(aid, {})
        first = first_seg.get(aid)
        items.append(
            {
                "headline": text(a.get("headline")) or _opening(tables.seg_rows.get(first, {}).get("text") if first else None),
                "outlet": text(a.get("outlet")),
                "source": text(a.get("source")),
                "published": text(a.get("published")),
                "segments": per_article.get(aid, 0),
                "duplicate": bool(text(a.get("duplicate_of"))),
                "anchor": tables.anchors.get(first) if first else None,
                "segment_id": first,
                "new": aid in tables.new_articles,
            }
        )
    # outlets by the number of the story's articles each published (not segments)
    outlets = Counter(o for o in {(str(r["article_id"]), text(r.get("outlet"))) for r in theme_segs} if o[1])
    per_outlet = Counter(name for _, name in outlets)
    outlet_items = [{"name": k, "count": v} for k, v in sorted(per_outlet.items(), key=lambda kv: (-kv[1], kv[0]))]
    if not outlet_items:
        outlet_items = [{"name": text(o), "count": None} for o in (row.get("outlets") or []) if text(o)]
    return items, len(art_ids), outlet_items


def _theme_view(result: RunData, tid: int, tables: _Tables, colours: dict[int, str]) -> dict[str, Any]:
    row = tables.topic_rows[tid]
    label = text(row.get("label")) or f"theme {tid}"
    keywords = [(str(w), float(s)) for w, s in (row.get("keywords") or [])]
    top_w = max((s for _, s in keywords), default=0.0) or 1.0
    digest = result.digests.get(tid) if result.digests else None
    sentences, cited = _digest_view(digest, tables)
    articles, n_articles, outlets = _articles_view(tid, row, tables)
    reps = []
    for sid in [str(s) for s in (row.get("representative_segment_ids") or [])][:3]:
        body = text(tables.seg_rows.get(sid, {}).get("text"))
        reps.append(
            {**tables.seg_ref(sid), "text": short_label(body, QUOTE_CHARS), "cut": len(body) > QUOTE_CHARS, "here": False}
        )
    size = int_or_none(row.get("size"))
    story_id = int_or_none(row.get("story_id"))
    return {
        "id": tid,
        "anchor": f"story-{story_id}" if story_id is not None else f"theme-{safe_id(tid)}",
        "story_id": story_id,
        "status": text(row.get("status")),
        "added": int_or_none(row.get("added")) or 0,
        "span": day_span(text(row.get("first_date")), text(row.get("last_date"))),
        "label": label,
        "toc_label": short_label(label, TOC_CHARS),
        "heading": short_label(label, HEADING_CHARS),
        "label_cut": len(" ".join(label.split())) > HEADING_CHARS,
        "keyword_label": text(row.get("keyword_label")),
        "colour": colours.get(tid, OUTLIER_COLOUR),
        "size": size or len(tables.theme_rows(tid, unique_only=True)),
        "share": float(row.get("share") or 0.0),
        "keywords": [{"word": w, "weight": s, "rel": max(0.0, s / top_w)} for w, s in keywords],
        "digest": sentences,
        "digest_stats": None
        if digest is None
        else {"generated": digest.generated, "kept": digest.kept, "replaced": digest.replaced},
        "cited": cited,
        "articles": articles,
        "more_articles": max(0, n_articles - MAX_ARTICLES),
        "n_articles": n_articles,
        "outlets": outlets,
        "who": who_line(outlets),
        "representatives": reps,
        "group": row.get("group") if row.get("group") is not None and not pd.isna(row.get("group")) else None,
        "group_label": text(row.get("group_label")),
        "compact": False,
        "one_line": short_label(sentences[0]["text"] if sentences else (reps[0]["text"] if reps else ""), ONE_LINE_CHARS),
        "one_line_cites": sentences[0]["cites"] if sentences else [],
    }


def _sections(themes: list[dict[str, Any]], result: RunData, *, compact: bool = True) -> list[dict[str, Any]]:
    """The stories by group (groups in id order, stories by size), one-article stories compact when there are many.

    Without groups there is one section holding every story.
    """
    many = compact and len(themes) > COMPACT_AFTER
    for t in themes:
        t["compact"] = many and t["n_articles"] <= 1
    groups = result.groups if result.groups is not None else pd.DataFrame()
    if not len(groups):
        return [{"id": None, "label": "", "anchor": "stories", "themes": themes, "size": sum(t["size"] for t in themes)}]
    out = []
    for g in groups.to_dict("records"):
        gid = int(g["group"])
        members = [t for t in themes if t["group"] == gid]
        out.append({"id": gid, "label": text(g["label"]), "anchor": f"group-{gid}", "themes": members,
                    "size": int(g["size"]), "keywords": [str(w) for w, _ in (g.get("keywords") or [])[:6]]})  # fmt: skip
    rest = [t for t in themes if t["group"] is None]
    if rest:
        out.append({"id": -1, "label": "Other stories", "anchor": "group-other", "themes": rest,
                    "size": sum(t["size"] for t in rest), "keywords": []})  # fmt: skip
    return out


def _outliers_view(tables: _Tables) -> dict[str, Any] | None:
    if -1 not in tables.topic_rows and not (tables.seg_topics < 0).any():
        return None
    row = tables.topic_rows.get(-1, {})
    n_out = int_or_none(row.get("size")) if row else None
    if n_out is None:
        n_out = int((tables.seg_topics < 0).sum())
    total = len(tables.segs)
    share = float(row.get("share") or 0.0) if row else (n_out / total if total else 0.0)
    return {"size": n_out, "share": share, "colour": OUTLIER_COLOUR, "anchor": None}


def _appendix_selection(themes: list[dict], tables: _Tables, limit: int) -> tuple[set[str] | None, set[str], str | None]:
    """``(kept, quoted, note)``: up to ``limit`` segments the appendix holds all (``kept=None``); above it only
    those the report links to and does not quote in full (citations, representatives cut short, originals of
    duplicates).  ``quoted``: the representatives quoted in full, each its own link target."""
    total = len(tables.segs)
    if not limit or total <= limit:
        return None, set(), None
    quoted = {r["id"] for t in themes if not t["compact"] for r in t["representatives"] if not r["cut"]}
    linked: set[str] = set()
    for t in themes:
        if t["compact"]:  # shown as a headline and one cited line
            linked |= {c["id"] for c in t["one_line_cites"]}
        else:
            linked |= {c["id"] for c in t["cited"]} | {r["id"] for r in t["representatives"]}
    kept = linked - quoted
    kept |= {text(tables.seg_rows[i].get("duplicate_of")) for i in list(kept) if i in tables.seg_rows} - {""} - quoted
    note = (
        f"This corpus has {total:,} segments, more than the report's appendix limit of {limit:,}: "
        f"shown here are the {len(kept):,} segments the digests cite or the stories quote in part "
        "(a segment a story quotes in full is not repeated here). "
        "Every segment is in segments.csv (or raise report.appendix_limit / report.pdf_appendix_limit)."
    )
    return kept, quoted, note


def _appendix_view(themes: list[dict], tables: _Tables, colours: dict[int, str], kept: set[str] | None) -> list[dict]:
    """The appendix: the ``kept`` segments (``None``: all) grouped by theme (themes by size, outliers last)."""
    label_of = {t["id"]: t["label"] for t in themes}
    groups = []
    for tid in [t["id"] for t in themes] + [-1]:
        rows = tables.theme_rows(tid)
        if kept is not None:
            rows = [r for r in rows if str(r["segment_id"]) in kept]
        if not rows:
            continue
        rows.sort(key=_reading_order)
        groups.append(
            {
                "id": tid,
                "anchor": f"appendix-{safe_id(tid) if tid >= 0 else 'outliers'}",
                "label": label_of.get(tid, "Outliers: segments that fit no theme"),
                "colour": colours.get(tid, OUTLIER_COLOUR),
                "segments": [_appendix_item(r, tid, tables) for r in rows],
            }
        )
    for number, item in enumerate((s for g in groups for s in g["segments"]), 1):
        item["number"] = f"A{number}"  # a print reader's way to a segment: A1, A2... in the appendix's order
    return groups


def _reading_order(r: dict[str, Any]) -> tuple[str, float, str]:
    """Source, then place in it (unknown places last), then id: the appendix's order."""
    start = int_or_none(r.get("start"))
    return (str(r.get("source")), float("inf") if start is None else float(start), str(r["segment_id"]))


def _appendix_item(r: dict[str, Any], tid: int, tables: _Tables) -> dict[str, Any]:
    sid = str(r["segment_id"])
    dup = text(r.get("duplicate_of"))
    return {
        **tables.seg_ref(sid),
        "text": text(r.get("text")),
        "duplicate_of": dup or None,
        "duplicate_anchor": tables.anchors.get(dup) if dup else None,
        "was_outlier": bool(r.get("was_outlier")) if tid >= 0 else False,
    }


def _corpus_view(result: RunData, tables: _Tables, n_themes: int, outliers: dict[str, Any] | None) -> dict[str, Any]:
    manifest = result.manifest or {}
    counts = dict(manifest.get("counts") or {})
    inputs = list(manifest.get("inputs") or [])
    skipped = list(manifest.get("skipped") or [])
    n_dups = counts.get("duplicates")
    if n_dups is None:
        n_dups = int((~tables.unique).sum())
    articles = result.articles if result.articles is not None else ()
    return {
        "files": len(inputs) if inputs else counts.get("documents"),
        "documents": counts.get("documents"),
        "articles": counts.get("articles", len(articles)),
        "segments": counts.get("segments", len(tables.segs)),
        "duplicates": n_dups,
        "themes": n_themes,
        "outliers": outliers["size"] if outliers else 0,
        "date_range": [str(d) for d in manifest["date_range"]] if manifest.get("date_range") else None,
        "inputs": [
            {"source": text(i.get("source")), "sha256": text(i.get("sha256"))[:12], "bytes": i.get("bytes")}
            for i in inputs
        ],
        "skipped": [{"source": text(s.get("source")), "reason": text(s.get("reason"))} for s in skipped],
    }


def _method_view(result: RunData) -> dict[str, Any]:
    """How the report was made: models, settings, stage timings and package versions."""
    manifest = result.manifest or {}
    timings_raw = dict(manifest.get("timings") or {})
    total_time = timings_raw.pop("total", None)
    stage_sum = sum(float(v) for v in timings_raw.values() if isinstance(v, (int, float))) or 1.0
    timings = [
        {"stage": str(k), "seconds": float(v), "rel": float(v) / (float(total_time) if total_time else stage_sum)}
        for k, v in timings_raw.items()
        if isinstance(v, (int, float))
    ]
    cfg = result.config
    settings = [
        {
            "stage": stage,
            "items": [
                {"key": k, "value": ", ".join(map(str, v)) if isinstance(v, list) else ("—" if v is None else str(v))}
                for k, v in values.items()
            ],
        }
        for stage, values in cfg.to_dict().items()
        if isinstance(values, dict)
    ]
    models = dict(manifest.get("models") or {})
    summariser_name = models.get("summariser")
    if summariser_name is None and result.digests is not None:
        summariser_name = cfg.summarise.summariser
    return {
        "models": {
            "embedding": text(models.get("embedding")) or cfg.embed.model,
            "summariser": text(summariser_name) if result.digests is not None else None,
            "mode": cfg.summarise.mode,
        },
        "settings": settings,
        "timings": timings,
        "total_time": total_time,
        "versions": [{"package": str(k), "version": str(v)} for k, v in (manifest.get("versions") or {}).items()],
    }


def _compact_totals(themes: list[dict[str, Any]]) -> dict[str, Any]:
    """The one-article stories listed compactly, as one row of the PDF's overview: how many, their articles, segments, share."""
    brief = [t for t in themes if t["compact"]]
    return {
        "stories": len(brief),
        "articles": sum(t["n_articles"] for t in brief),
        "size": sum(t["size"] for t in brief),
        "share": sum(t["share"] for t in brief),
    }


def report_view(
    result: RunData,
    *,
    figures: bool = True,
    raster_figures: bool = False,
    pdf: bool = False,
    compact: bool = True,
    drawn: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the reports show, as plain values (untrusted text left unescaped for the renderer).

    Parameters
    ----------
    result : Result
    figures : bool
        Draw and embed the figures (when ``result.config.report.figures`` is on).
    raster_figures : bool
        Embed figures as PNG instead of SVG.
    pdf : bool
        For the PDF: the appendix follows ``report.pdf_appendix_limit``.
    compact : bool
        List one-article stories compactly when there are many (HTML and
        PDF); the Markdown report shows every story in full.
    drawn : list of dict, optional
        The figures, drawn already by :func:`~topicsum._report._drawn.figure_items`
        (the HTML and PDF reports of one run share them); default: drawn here.

    Examples
    --------
    >>> view = report_view(result, figures=False)
    >>> len(view["themes"]) == len(result.topics)
    True
    """
    tables = _Tables.of(result)
    colours = topic_colours(result)
    themes = [_theme_view(result, tid, tables, colours) for tid in theme_ids(result)]
    for number, t in enumerate(themes, 1):
        t["number"] = number
    sections = _sections(themes, result, compact=compact)
    outliers = _outliers_view(tables)
    report = result.config.report
    limit = report.pdf_appendix_limit if pdf else report.appendix_limit
    kept, quoted, appendix_note = _appendix_selection(themes, tables, int(limit or 0))
    if kept is not None:  # links go to a segment where it is printed: quoted in full, or in the appendix
        for t in themes:
            for r in t["representatives"]:
                r["here"] = r["id"] in quoted
            for a in t["articles"]:
                if a["segment_id"] not in kept and a["segment_id"] not in quoted:
                    a["anchor"] = None
    appendix = _appendix_view(themes, tables, colours, kept)
    numbers = {s["anchor"]: s["number"] for g in appendix for s in g["segments"]}
    for t in themes:  # on paper, where a cited segment is printed: by its appendix number, not a page number
        for c in t["cited"]:
            c["printed"] = f"appendix {numbers[c['anchor']]}" if c["anchor"] in numbers else (
                "quoted below" if c["id"] in quoted else "")  # fmt: skip
    if outliers is not None:
        outliers["anchor"] = "appendix-outliers" if any(g["id"] == -1 for g in appendix) else None
    manifest = result.manifest or {}
    changes = changes_view(result, themes)
    for t in themes:  # what changed, on the story itself, when this run continued another
        t["badge"] = "" if not changes or t["status"] not in ("new", "updated") else t["status"]
        if t["badge"] == "updated" and t["added"]:
            t["badge"] += f": +{t['added']:,} article{'' if t['added'] == 1 else 's'}"
    compact_totals = _compact_totals(themes)
    return {
        "changes": changes,
        "title": result.config.report.title,
        "created": text(manifest.get("created")),
        "tool_version": text(manifest.get("version")),
        "corpus": _corpus_view(result, tables, len(themes), outliers),
        "themes": themes,
        "sections": sections,
        "has_groups": any(sec["id"] is not None for sec in sections),
        "n_compact": compact_totals["stories"],
        "compact": compact_totals,
        "outliers": outliers,
        "figures": (drawn if drawn is not None else figure_items(result, raster=raster_figures)) if figures else [],
        "has_digests": result.digests is not None,
        **_method_view(result),
        "appendix": appendix,
        "appendix_note": appendix_note,
    }
