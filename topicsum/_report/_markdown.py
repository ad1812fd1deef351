"""The Markdown report, for wikis and code hosts (CommonMark / GitHub-flavoured).

Every piece of untrusted text goes through :func:`md_escape`: HTML special
characters become entities and Markdown punctuation is backslash-escaped, so
article text can never become a link, an image, a heading or raw HTML.  The
only links are ``#seg-<id>`` / ``#theme-<id>`` fragments with sanitised ids,
whose targets are ``<a id="..."></a>`` anchors.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._io import atomic_write_text
from ._common import short_label
from ._html import _num, _pct, _secs, report_context

if TYPE_CHECKING:  # pragma: no cover
    from .._result import Result

__all__ = ["md_escape", "render_markdown", "write_markdown"]

logger = logging.getLogger(__name__)

_PUNCT = re.compile(r"([\\`*_\[\]()#!|~{}])")
_LEADING = re.compile(r"^(\s*\d*)([-+>=.)])")


def md_escape(text: Any) -> str:
    """``text`` on one line, safe to place anywhere in Markdown (including table cells).

    Examples
    --------
    >>> md_escape("<script>alert(1)</script> *bold* [x](javascript:alert(1))")
    '&lt;script&gt;alert\\\\(1\\\\)&lt;/script&gt; \\\\*bold\\\\* \\\\[x\\\\]\\\\(javascript:alert\\\\(1\\\\)\\\\)'
    >>> md_escape("# not a heading")
    '\\\\# not a heading'
    """
    s = " ".join(str("" if text is None else text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _PUNCT.sub(r"\\\1", s)
    return _LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), s)


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    aligns = [("---:" if a == "r" else "---") for a in (align or "l" * len(header)).ljust(len(header), "l")]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _count(n: int, noun: str) -> str:
    """``3 segments``, ``1 segment``."""
    return f"{_num(n)} {noun}{'' if n == 1 else 's'}"


def render_markdown(result: Result) -> str:
    """The Markdown report as a string.

    Examples
    --------
    >>> print(render_markdown(result)[:200])  # doctest: +SKIP
    """
    ctx = report_context(result, figures=False)  # wikis strip data: images; HTML and PDF carry the figures
    c = ctx["corpus"]
    lines: list[str] = [f"# {md_escape(ctx['title'])}", ""]
    summary = (
        f"{_count(c['themes'], 'theme')} found in {_count(c['segments'], 'segment')} "
        f"of {_count(c['articles'], 'article')}"
    )
    if c["files"] is not None:
        summary += f" from {_count(c['files'], 'file')}"
    if c["date_range"]:
        a, b = c["date_range"]
        summary += f", published {md_escape(a)}" + (f" to {md_escape(b)}" if b != a else "")
    lines += [f"*{summary}.*", ""]
    if ctx["created"]:
        lines += [f"Made with topicsum {md_escape(ctx['tool_version'])} on {md_escape(ctx['created'])}.", ""]
    lines += _table(
        ["Files", "Articles", "Segments", "Duplicates skipped", "Themes", "Outliers"],
        [[_num(c["files"]) if c["files"] is not None else "—", _num(c["articles"]), _num(c["segments"]),
          _num(c["duplicates"]), _num(c["themes"]), _num(c["outliers"])]],  # fmt: skip
        "rrrrrr",
    )
    lines.append("")

    themes = ctx["themes"]
    lines += ["## Overview", ""]
    if themes or ctx["outliers"]:
        rows = [
            [f"[{md_escape(t['toc_label'])}](#{t['anchor']})", _num(t["size"]), _pct(t["share"]),
             md_escape(", ".join(k["word"] for k in t["keywords"][:5]))]  # fmt: skip
            for t in themes
        ]
        if ctx["outliers"]:
            o = ctx["outliers"]
            rows.append(["Outliers (fit no theme)", _num(o["size"]), _pct(o["share"]), ""])
        lines += _table(["Theme", "Segments", "Share", "Keywords"], rows, "lrrl")
    else:
        lines.append("No themes were found in this corpus.")
    lines.append("")

    for k, t in enumerate(themes, 1):
        lines += [f'<a id="{t["anchor"]}"></a>', "", f"## {k}. {md_escape(t['heading'])}", ""]
        meta = f"{_count(t['size'], 'segment')} · {_pct(t['share'], 1)} of the corpus · {_count(t['n_articles'], 'article')}"
        if t["outlets"]:  # as in the HTML report: no "0 outlets" for plain-text inputs
            meta += f" · {_count(len(t['outlets']), 'outlet')}"
        lines += [meta, ""]
        if t["keywords"]:
            lines += ["**Keywords:** " + md_escape(", ".join(kw["word"] for kw in t["keywords"])), ""]
        if t["digest"]:
            parts = []
            for s in t["digest"]:
                cites = "".join(f"[\\[{ci['n']}\\]](#{ci['anchor']})" for ci in s["cites"])
                text = md_escape(s["text"])
                parts.append((f"_{text}_" if s["method"] == "generated" else text) + (f" {cites}" if cites else ""))
            lines += ["**Digest**", "", " ".join(parts), ""]
            if any(s["method"] == "generated" for s in t["digest"]):
                lines += ["*Italic sentences were written by the model and checked against the cited segments; "
                          "the others are quoted.*", ""]  # fmt: skip
            for ci in t["cited"]:
                ref = md_escape(ci["headline"] or "(no headline)")
                extra = " · ".join(md_escape(x) for x in (ci["outlet"], ci["source"]) if x)
                lines.append(f"{ci['n']}. [{ref}](#{ci['anchor']})" + (f" · {extra}" if extra else ""))
            lines.append("")
        if t["articles"]:
            lines += [f"**Articles ({_num(t['n_articles'])})**", ""]
            for a in t["articles"]:
                head = md_escape(a["headline"])
                item = f"[{head}](#{a['anchor']})" if a["anchor"] else head
                meta = " · ".join(md_escape(x) for x in (a["outlet"], a["published"]) if x)
                lines.append(f"- {item}" + (f" · {meta}" if meta else ""))
            if t["more_articles"]:
                lines.append(f"- and {_num(t['more_articles'])} more (see the appendix)")
            lines.append("")
        if t["outlets"]:
            names = ", ".join(
                md_escape(o["name"]) + (f" ({o['count']})" if o["count"] else "") for o in t["outlets"][:15]
            )
            lines += [f"**Outlets:** {names}", ""]
        if t["representatives"]:
            lines += ["**Representative segments**", ""]
            for r in t["representatives"]:
                src = md_escape(r["headline"] or r["source"] or r["id"])
                lines += [f"> {md_escape(r['text'])}", ">", f"> — [{src}](#{r['anchor']})", ""]

    lines += ["## How this report was made", ""]
    m = ctx["models"]
    lines.append(f"- Embedding model: {md_escape(m['embedding'])}")
    lines.append(
        f"- Digests: {md_escape(m['summariser'])} ({md_escape(m['mode'])})" if m["summariser"] else "- Digests: not made"
    )
    if ctx["total_time"] is not None:
        lines.append(f"- Run time: {_secs(ctx['total_time'])}")
    lines.append("")
    if ctx["timings"]:
        lines += _table(["Stage", "Time"], [[md_escape(s["stage"]), _secs(s["seconds"])] for s in ctx["timings"]], "lr")
        lines.append("")
    settings = "; ".join(
        f"{md_escape(g['stage'])}: " + ", ".join(f"{md_escape(i['key'])}={md_escape(i['value'])}" for i in g["items"])
        for g in ctx["settings"]
    )
    lines += [f"Settings: {settings}", ""]
    if c["skipped"]:
        lines += ["Skipped inputs:", ""]
        lines += [f"- {md_escape(s['source'])}: {md_escape(s['reason'])}" for s in c["skipped"]]
        lines.append("")

    lines += ["## Appendix: every segment", ""]
    if ctx["appendix_note"]:
        lines += [f"*{md_escape(ctx['appendix_note'])}*", ""]
    for g in ctx["appendix"]:
        lines += [f'<a id="{g["anchor"]}"></a>', "", f"### {md_escape(short_label(g['label'], 120))}", ""]
        for s in g["segments"]:
            meta = [f"**{md_escape(s['id'])}**"]
            meta += [md_escape(x) for x in (s["headline"], s["outlet"], s["published"], s["source"]) if x]
            if s["start"] is not None:
                meta.append(f"chars {s['start']}–{s['end']}")
            lines += [f'<a id="{s["anchor"]}"></a>', "", " · ".join(meta)]
            if s["duplicate_of"]:
                dup = md_escape(s["duplicate_of"])
                target = f"[{dup}](#{s['duplicate_anchor']})" if s["duplicate_anchor"] else dup
                lines.append(f"*Duplicate of {target}; skipped when finding themes.*")
            lines += ["", md_escape(s["text"]), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(result: Result, path: Path) -> Path:
    """Write the Markdown report to ``path`` atomically.

    Examples
    --------
    >>> write_markdown(result, Path("report.md"))  # doctest: +SKIP
    PosixPath('report.md')
    """
    path = Path(path)
    atomic_write_text(path, render_markdown(result))
    logger.info("wrote %s", path)
    return path
