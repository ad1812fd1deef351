"""The HTML report: one self-contained file rendered with Jinja2 (autoescape on).

The view model built by :func:`report_context` holds plain values; every piece
of untrusted text (article text, headlines, labels, digests, sources) reaches
the page through Jinja2's autoescaping and never becomes markup.  The only
links built are ``#seg-<id>`` and ``#theme-<id>`` fragments whose ids are
reduced to ``[A-Za-z0-9_-]``.  Figures are embedded as ``data:`` URIs, CSS is
inlined and there is no script: the file opens offline in any browser.

Users can override any template by passing a folder (``template_dir``): it is
searched first, then the built-in templates, which also stay reachable under
the ``builtin/`` prefix (``{% extends "builtin/report.html.j2" %}``).
"""

from __future__ import annotations

import base64
import logging
import os
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from .._io import atomic_write_text
from ._common import (
    OUTLIER_COLOUR,
    anchor_map,
    safe_id,
    short_label,
    theme_ids,
    topic_colours,
    unique_mask,
)

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from .._result import Result

__all__ = ["overview_html", "render_html", "report_context", "write_html"]

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Characters of a representative segment shown in a theme section (the appendix has the full text).
_QUOTE_CHARS = 700
#: Articles listed per theme before "and N more".
_MAX_ARTICLES = 25
_TOC_CHARS = 80
_HEADING_CHARS = 200


# -- environment ------------------------------------------------------------------
def environment(template_dir: str | os.PathLike[str] | None = None) -> jinja2.Environment:
    """The Jinja2 environment: the user's folder first, then the built-in templates; autoescape on.

    Raises
    ------
    ConfigError
        ``template_dir`` is given but is not a folder.

    Examples
    --------
    >>> env = environment()
    >>> env.autoescape
    True
    """
    import jinja2

    builtin = jinja2.FileSystemLoader(str(TEMPLATES))
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None and str(template_dir) != "":
        folder = Path(template_dir).expanduser()
        if not folder.is_dir():
            raise ConfigError(
                f"template_dir {str(folder)!r} is not a folder; point it at a folder of Jinja2 templates "
                "named like the built-in ones (report.html.j2, report.css, overview.html.j2)."
            )
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders += [builtin, jinja2.PrefixLoader({"builtin": builtin})]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = _pct
    env.filters["secs"] = _secs
    env.filters["num"] = _num
    env.filters["short"] = short_label
    env.filters["breakable"] = breakable
    return env


_LONG_TOKEN = re.compile(r"\S{%d,}" % 60)


def breakable(text: Any, every: int = 30) -> str:
    """``text`` with a zero-width space every ``every`` characters inside tokens of 60+ characters.

    Used for the PDF, where a long unbroken token (a URL, a run of
    characters) would otherwise make line breaking slow.  Returns plain text
    (still escaped by Jinja2).

    Examples
    --------
    >>> breakable("a" * 61, 30).count("\u200b")
    2
    """
    s = "" if text is None else str(text)
    if len(s) < 60:
        return s
    return _LONG_TOKEN.sub(lambda m: "\u200b".join(m.group(0)[i : i + every] for i in range(0, len(m.group(0)), every)), s)


def _pct(value: Any, digits: int = 0) -> str:
    try:
        return f"{float(value) * 100:.{digits}f}%"
    except (TypeError, ValueError):
        return ""


def _secs(value: Any) -> str:
    try:
        s = float(value)
    except (TypeError, ValueError):
        return ""
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    return f"{int(s // 60)} min {s % 60:.0f} s"


def _num(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


# -- view model ---------------------------------------------------------------------
def _text(value: Any) -> str:
    """A cell as text: None/NaN become ''."""
    if value is None:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _figure_items(result: Result, *, raster: bool) -> list[dict[str, Any]]:
    from ._figures import FIGURE_CAPTIONS, figure_to_png, figure_to_svg

    if not result.config.report.figures:
        return []
    try:
        figures = result.figures
    except Exception as exc:  # a figure must never cost the user the report
        logger.warning("The report's figures could not be drawn (%s); the report is written without them.", exc)
        return []
    items = []
    for name, fig in figures.items():
        if raster:
            data = base64.b64encode(figure_to_png(fig)).decode("ascii")
            src = f"data:image/png;base64,{data}"
        else:
            data = base64.b64encode(figure_to_svg(fig).encode("utf-8")).decode("ascii")
            src = f"data:image/svg+xml;base64,{data}"
        items.append(
            {
                "name": name,
                "anchor": f"fig-{safe_id(name)}",
                "caption": FIGURE_CAPTIONS.get(name, name),
                "src": src,
                "wide": name in ("keywords", "similarity"),
            }
        )
    return items


def report_context(result: Result, *, figures: bool = True, raster_figures: bool = False) -> dict[str, Any]:
    """Everything the templates show, as plain values (untrusted text left unescaped for Jinja2).

    Parameters
    ----------
    result : Result
    figures : bool
        Draw and embed the figures (when ``result.config.report.figures`` is on).
    raster_figures : bool
        Embed figures as PNG instead of SVG.

    Examples
    --------
    >>> ctx = report_context(result)  # doctest: +SKIP
    >>> [t["label"] for t in ctx["themes"]]  # doctest: +SKIP
    """
    segs = result.segments
    manifest = result.manifest or {}
    colours = topic_colours(result)
    anchors = anchor_map(segs["segment_id"].astype(str)) if len(segs) else {}
    seg_rows = {str(r["segment_id"]): r for r in segs.to_dict("records")} if len(segs) else {}
    articles = result.articles if result.articles is not None else pd.DataFrame()
    art_rows = {str(r["article_id"]): r for r in articles.to_dict("records")} if len(articles) else {}
    topics = result.topics if result.topics is not None else pd.DataFrame()
    trow = {int(r["topic"]): r for r in topics.to_dict("records")} if len(topics) else {}
    total_segments = len(segs)
    uniq = unique_mask(segs) if len(segs) else np.ones(0, dtype=bool)
    seg_topics = segs["topic"].to_numpy(dtype=np.int64) if len(segs) else np.zeros(0, dtype=np.int64)

    def seg_ref(sid: str) -> dict[str, Any]:
        row = seg_rows.get(sid, {})
        return {
            "id": sid,
            "anchor": anchors.get(sid, f"seg-{safe_id(sid)}"),
            "known": sid in seg_rows,
            "headline": _text(row.get("headline")),
            "outlet": _text(row.get("outlet")),
            "source": _text(row.get("source")),
            "published": _text(row.get("published")),
            "start": _int(row.get("start")),
            "end": _int(row.get("end")),
        }

    themes = []
    for tid in theme_ids(result):
        row = trow[tid]
        label = _text(row.get("label")) or f"theme {tid}"
        keywords = [(str(w), float(s)) for w, s in (row.get("keywords") or [])]
        top_w = max((s for _, s in keywords), default=0.0) or 1.0
        # digest with numbered citations (numbered in order of first citation)
        digest = result.digests.get(tid) if result.digests else None
        numbers: dict[str, int] = {}
        sentences = []
        if digest is not None:
            for sent in digest.sentences:
                cites = []
                for sid in sent.segment_ids:
                    sid = str(sid)
                    if sid not in numbers:
                        numbers[sid] = len(numbers) + 1
                    cites.append({"n": numbers[sid], **seg_ref(sid)})
                sentences.append({"text": sent.text, "method": sent.method, "cites": cites})
        cited = [{"n": n, **seg_ref(sid)} for sid, n in numbers.items()]
        # articles the theme draws on, with how many of the theme's segments each holds
        in_theme = (seg_topics == tid) & uniq
        theme_segs = segs[in_theme] if len(segs) else segs
        per_article = Counter(theme_segs["article_id"].astype(str)) if len(theme_segs) else Counter()
        first_seg = {}
        for r in theme_segs.itertuples(index=False):
            first_seg.setdefault(str(r.article_id), str(r.segment_id))
        art_ids = [str(a) for a in (row.get("article_ids") or [])] or list(per_article)
        art_ids = sorted(dict.fromkeys(art_ids), key=lambda a: (-per_article.get(a, 0), a))
        article_items = []
        for aid in art_ids[:_MAX_ARTICLES]:
            a = art_rows.get(aid, {})
            first = first_seg.get(aid)
            article_items.append(
                {
                    "headline": _text(a.get("headline")) or "(no headline)",
                    "outlet": _text(a.get("outlet")),
                    "source": _text(a.get("source")),
                    "published": _text(a.get("published")),
                    "segments": per_article.get(aid, 0),
                    "duplicate": bool(_text(a.get("duplicate_of"))),
                    "anchor": anchors.get(first) if first else None,
                    "segment_id": first,
                }
            )
        outlets = Counter(
            _text(o) for o in (theme_segs["outlet"] if len(theme_segs) and "outlet" in theme_segs else []) if _text(o)
        )
        outlet_items = [{"name": k, "count": v} for k, v in outlets.most_common()]
        if not outlet_items:
            outlet_items = [{"name": _text(o), "count": None} for o in (row.get("outlets") or []) if _text(o)]
        reps = []
        for sid in [str(s) for s in (row.get("representative_segment_ids") or [])][:3]:
            text = _text(seg_rows.get(sid, {}).get("text"))
            reps.append({**seg_ref(sid), "text": short_label(text, _QUOTE_CHARS), "cut": len(text) > _QUOTE_CHARS})
        themes.append(
            {
                "id": tid,
                "anchor": f"theme-{safe_id(tid)}",
                "label": label,
                "toc_label": short_label(label, _TOC_CHARS),
                "heading": short_label(label, _HEADING_CHARS),
                "label_cut": len(" ".join(label.split())) > _HEADING_CHARS,
                "keyword_label": _text(row.get("keyword_label")),
                "colour": colours.get(tid, OUTLIER_COLOUR),
                "size": _int(row.get("size")) or int(in_theme.sum()),
                "share": float(row.get("share") or 0.0),
                "keywords": [{"word": w, "weight": s, "rel": max(0.0, s / top_w)} for w, s in keywords],
                "digest": sentences,
                "digest_stats": None
                if digest is None
                else {"generated": digest.generated, "kept": digest.kept, "replaced": digest.replaced},
                "cited": cited,
                "articles": article_items,
                "more_articles": max(0, len(art_ids) - _MAX_ARTICLES),
                "n_articles": len(art_ids),
                "outlets": outlet_items,
                "representatives": reps,
            }
        )

    outliers = None
    if -1 in trow or (seg_topics < 0).any():
        row = trow.get(-1, {})
        n_out = _int(row.get("size")) if row else None
        if n_out is None:
            n_out = int((seg_topics < 0).sum())
        share = float(row.get("share") or 0.0) if row else (n_out / total_segments if total_segments else 0.0)
        outliers = {"size": n_out, "share": share, "colour": OUTLIER_COLOUR, "anchor": None}

    # appendix: every segment, grouped by theme (themes by size, outliers last); above
    # report.appendix_limit only the cited and representative segments (and their originals)
    limit = int(getattr(result.config.report, "appendix_limit", 0) or 0)
    appendix_note = None
    keep_ids: set[str] | None = None
    if limit and total_segments > limit:
        keep_ids = {c["id"] for t in themes for c in t["cited"]} | {r["id"] for t in themes for r in t["representatives"]}
        keep_ids |= {_text(seg_rows[i].get("duplicate_of")) for i in list(keep_ids) if i in seg_rows} - {""}
        appendix_note = (
            f"This corpus has {total_segments:,} segments, more than the report's appendix limit of {limit:,}: "
            f"shown here are the {len(keep_ids):,} segments the digests cite or the themes show. "
            "Every segment is in segments.csv (or raise report.appendix_limit)."
        )
        for t in themes:
            for a in t["articles"]:
                if a["segment_id"] not in keep_ids:
                    a["anchor"] = None
    order = [t["id"] for t in themes] + [-1]
    label_of = {t["id"]: t["label"] for t in themes}
    groups = []
    for tid in order:
        rows = segs[seg_topics == tid] if len(segs) else segs
        if keep_ids is not None and len(rows):
            rows = rows[rows["segment_id"].astype(str).isin(keep_ids)]
        if len(rows) == 0:
            continue
        rows = rows.sort_values(["source", "start", "segment_id"], kind="stable")
        items = []
        for r in rows.to_dict("records"):
            sid = str(r["segment_id"])
            dup = _text(r.get("duplicate_of"))
            items.append(
                {
                    "id": sid,
                    "anchor": anchors[sid],
                    "source": _text(r.get("source")),
                    "headline": _text(r.get("headline")),
                    "outlet": _text(r.get("outlet")),
                    "published": _text(r.get("published")),
                    "start": _int(r.get("start")),
                    "end": _int(r.get("end")),
                    "text": _text(r.get("text")),
                    "duplicate_of": dup or None,
                    "duplicate_anchor": anchors.get(dup) if dup else None,
                    "was_outlier": bool(r.get("was_outlier")) if tid >= 0 else False,
                }
            )
        groups.append(
            {
                "id": tid,
                "anchor": f"appendix-{safe_id(tid) if tid >= 0 else 'outliers'}",
                "label": label_of.get(tid, "Outliers: segments that fit no theme"),
                "colour": colours.get(tid, OUTLIER_COLOUR),
                "segments": items,
            }
        )

    if outliers is not None:
        outliers["anchor"] = "appendix-outliers" if any(g["id"] == -1 for g in groups) else None

    counts = dict(manifest.get("counts") or {})
    inputs = list(manifest.get("inputs") or [])
    skipped = list(manifest.get("skipped") or [])
    n_dups = counts.get("duplicates")
    if n_dups is None:
        n_dups = int((~uniq).sum())
    corpus = {
        "files": len(inputs) if inputs else counts.get("documents"),
        "documents": counts.get("documents"),
        "articles": counts.get("articles", len(articles)),
        "segments": counts.get("segments", total_segments),
        "duplicates": n_dups,
        "themes": len(themes),
        "outliers": outliers["size"] if outliers else 0,
        "date_range": [str(d) for d in manifest["date_range"]] if manifest.get("date_range") else None,
        "inputs": [
            {"source": _text(i.get("source")), "sha256": _text(i.get("sha256"))[:12], "bytes": i.get("bytes")}
            for i in inputs
        ],
        "skipped": [{"source": _text(s.get("source")), "reason": _text(s.get("reason"))} for s in skipped],
    }

    timings_raw = dict(manifest.get("timings") or {})
    total_time = timings_raw.pop("total", None)
    stage_sum = sum(float(v) for v in timings_raw.values() if isinstance(v, (int, float))) or 1.0
    timings = [
        {"stage": str(k), "seconds": float(v), "rel": float(v) / (float(total_time) if total_time else stage_sum)}
        for k, v in timings_raw.items()
        if isinstance(v, (int, float))
    ]
    models = dict(manifest.get("models") or {})
    cfg = result.config
    settings = []
    for stage, values in cfg.to_dict().items():
        if not isinstance(values, dict):
            continue
        settings.append(
            {
                "stage": stage,
                "items": [
                    {"key": k, "value": ", ".join(map(str, v)) if isinstance(v, list) else ("—" if v is None else str(v))}
                    for k, v in values.items()
                ],
            }
        )
    versions = [{"package": str(k), "version": str(v)} for k, v in (manifest.get("versions") or {}).items()]
    summariser_name = models.get("summariser")
    if summariser_name is None and result.digests is not None:
        summariser_name = cfg.summarise.summariser
    return {
        "title": cfg.report.title,
        "created": _text(manifest.get("created")),
        "tool_version": _text(manifest.get("version")),
        "corpus": corpus,
        "themes": themes,
        "outliers": outliers,
        "figures": _figure_items(result, raster=raster_figures) if figures else [],
        "has_digests": result.digests is not None,
        "models": {
            "embedding": _text(models.get("embedding")) or cfg.embed.model,
            "summariser": _text(summariser_name) if result.digests is not None else None,
            "mode": cfg.summarise.mode,
        },
        "settings": settings,
        "timings": timings,
        "total_time": total_time,
        "versions": versions,
        "appendix": groups,
        "appendix_note": appendix_note,
    }


# -- rendering ------------------------------------------------------------------------
def render_html(
    result: Result,
    *,
    template_dir: str | os.PathLike[str] | None = None,
    pdf: bool = False,
    raster_figures: bool = False,
) -> str:
    """The report as an HTML string (``pdf=True`` adds print-only touches: page numbers in the contents)."""
    tdir = template_dir if template_dir is not None else result.config.report.template_dir
    env = environment(tdir)
    context = report_context(result, raster_figures=raster_figures)
    context["pdf"] = pdf
    return env.get_template("report.html.j2").render(context)


def write_html(result: Result, path: Path, *, template_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write the self-contained HTML report to ``path`` atomically.

    Parameters
    ----------
    result : Result
    path : pathlib.Path
        Target file (its folder must exist).
    template_dir : path, optional
        A folder of your own templates, searched before the built-in ones
        (default: ``result.config.report.template_dir``).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> write_html(result, Path("report.html"))  # doctest: +SKIP
    PosixPath('report.html')
    """
    path = Path(path)
    atomic_write_text(path, render_html(result, template_dir=template_dir))
    logger.info("wrote %s", path)
    return path


def overview_html(result: Result) -> str:
    """A small theme overview for notebooks: labels, sizes, digests and an inline SVG bar chart.

    Styles are inline (a notebook page is shared), text is escaped, and
    there are no scripts or external resources.

    Examples
    --------
    >>> from IPython.display import HTML  # doctest: +SKIP
    >>> HTML(overview_html(result))  # doctest: +SKIP
    """
    colours = topic_colours(result)
    topics = result.topics if result.topics is not None else pd.DataFrame()
    trow = {int(r["topic"]): r for r in topics.to_dict("records")} if len(topics) else {}
    rows = []
    ids = theme_ids(result) + ([-1] if -1 in trow else [])
    top = max((int(trow[t].get("size") or 0) for t in ids), default=0) or 1
    for k, tid in enumerate(ids):
        r = trow[tid]
        digest = result.digests.get(tid) if (result.digests and tid >= 0) else None
        label = _text(r.get("label")) or ("outliers" if tid < 0 else f"theme {tid}")
        size = int(r.get("size") or 0)
        rows.append(
            {
                "id": tid,
                "label": short_label(label, 90),
                "svg_label": short_label(label, 34),
                "colour": colours.get(tid, OUTLIER_COLOUR),
                "size": size,
                "share": float(r.get("share") or 0.0),
                "keywords": ", ".join(str(w) for w, _ in list(r.get("keywords") or [])[:6]),
                "digest": short_label(digest.text, 320) if digest is not None else "",
                "y": 4 + 20 * k,
                "bar": 4 + 236 * size / top,
            }
        )
    counts = (result.manifest or {}).get("counts") or {}
    env = environment(None)
    return env.get_template("overview.html.j2").render(
        title=result.config.report.title,
        rows=rows,
        svg_height=8 + 20 * len(rows),
        n_segments=counts.get("segments", len(result.segments)),
        n_articles=counts.get("articles", len(result.articles) if result.articles is not None else 0),
        n_themes=len(theme_ids(result)),
    )
