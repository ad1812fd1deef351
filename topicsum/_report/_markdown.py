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
from ._format import count, num, pct, secs
from ._view import report_view

if TYPE_CHECKING:  # pragma: no cover
    from .._types import RunData

__all__ = ["md_escape", "render_markdown", "write_markdown"]

logger = logging.getLogger(__name__)

_PUNCT = re.compile(r"([\\`*_\[\]|])")
_LEADING = re.compile(r"^(\s*\d*)([-+=.)#]|&gt;)")


def md_escape(text: Any, *, line_start: bool = False) -> str:
    """``text`` on one line, safe in Markdown (table cells included), escaped only where Markdown needs it.

    Inline, only what could start markup is escaped: ``\\ ` * _ [ ] |``,
    ``!`` before ``[``, ``~~``, and ``< > &`` as entities (so no HTML or
    autolink gets through).  With ``line_start=True`` (text that begins a
    line, or follows ``> ``), a leading ``#``, list or quote marker, or
    ``1.`` is escaped too; elsewhere "0.1.0" and "2026-12-02" stay as they are.

    Examples
    --------
    >>> md_escape("<script>alert(1)</script> *bold* [x](javascript:alert(1))")
    '&lt;script&gt;alert(1)&lt;/script&gt; \\\\*bold\\\\* \\\\[x\\\\](javascript:alert(1))'
    >>> md_escape("# not a heading", line_start=True)
    '\\\\# not a heading'
    >>> md_escape("topicsum 0.1.0 on 2026-12-02 (UTC) #1")
    'topicsum 0.1.0 on 2026-12-02 (UTC) #1'
    """
    s = " ".join(str("" if text is None else text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _PUNCT.sub(r"\\\1", s)
    s = s.replace("![", "\\![").replace("~~", "\\~\\~")
    return _LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), s) if line_start else s


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    aligns = [("---:" if a == "r" else "---") for a in (align or "l" * len(header)).ljust(len(header), "l")]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def render_markdown(result: RunData) -> str:
    """The Markdown report as a string.

    Examples
    --------
    >>> render_markdown(result).startswith("# topicsum report")
    True
    """
    # wikis strip data: images (HTML and PDF carry the figures); every story in full, none compact
    view = report_view(result, figures=False, compact=False)
    lines = _header(view) + _whats_new(view) + _overview(view)
    for k, t in enumerate(view["themes"], 1):
        lines += _theme(k, t)
    lines += _method(view) + _appendix(view)
    return "\n".join(lines).rstrip() + "\n"


def _header(view: dict[str, Any]) -> list[str]:
    c = view["corpus"]
    lines: list[str] = [f"# {md_escape(view['title'])}", ""]
    summary = f"{count(c['themes'], 'theme')} found in {count(c['segments'], 'segment')} of {count(c['articles'], 'article')}"
    if c["files"] is not None:
        summary += f" from {count(c['files'], 'file')}"
    if c["date_range"]:
        a, b = c["date_range"]
        summary += f", published {md_escape(a)}" + (f" to {md_escape(b)}" if b != a else "")
    lines += [f"*{summary}.*", ""]
    if view["created"]:
        lines += [f"Made with topicsum {md_escape(view['tool_version'])} on {md_escape(view['created'])}.", ""]
    lines += _table(
        ["Files", "Articles", "Segments", "Duplicates", "Themes", "Outliers"],
        [[num(c["files"]) if c["files"] is not None else "—", num(c["articles"]), num(c["segments"]),
          num(c["duplicates"]), num(c["themes"]), num(c["outliers"])]],  # fmt: skip
        "rrrrrr",
    )
    return [*lines, ""]


def _whats_new(view: dict[str, Any]) -> list[str]:
    """"What's new since <previous run>": new, updated (with their new articles), unchanged, retired ids."""
    c = view["changes"]
    if not c:
        return []
    lines = [f"## What's new since {md_escape(c['since'])}", ""]
    summary = (
        f"{count(len(c['new']), 'new story', 'new stories')}, {num(len(c['updated']))} updated, "
        f"{num(len(c['unchanged']))} unchanged"
        + (f", {num(len(c['retired']))} no longer standing alone" if c["retired"] else "")
        + f"; {count(c['articles_added'], 'article')} added"
        + (f", {num(c['articles_removed'])} removed" if c["articles_removed"] else "")
    )
    lines += [f"*{summary}.*", ""]
    if c["new"]:
        lines += ["**New stories**", ""]
        for r in c["new"]:
            span = f" · {md_escape(r['span'])}" if r["span"] else ""
            lines.append(f"- [{md_escape(r['short'])}](#{r['anchor']}) · {count(r['articles'], 'article')}{span}")
        lines.append("")
    if c["updated"]:
        lines += ["**Updated stories**", ""]
        for r in c["updated"]:
            added = f"+{count(r['added'], 'new article')}, " if r["added"] else ""
            span = f" · {md_escape(r['span'])}" if r["span"] else ""
            lines.append(f"- [{md_escape(r['short'])}](#{r['anchor']}) · {added}{num(r['articles'])} in all{span}")
            for a in r["new_articles"]:
                head = md_escape(short_label(a["headline"], 140))
                item = f"[{head}](#{a['anchor']})" if a["anchor"] else head
                lines.append(f"  - new: {item}" + (f" · {md_escape(a['outlet'])}" if a["outlet"] else ""))
            if r["more_new"]:
                lines.append(f"  - and {num(r['more_new'])} more")
        lines.append("")
    if c["unchanged"]:
        links = " · ".join(f"[{md_escape(short_label(r['short'], 60))}](#{r['anchor']})" for r in c["unchanged"])
        lines += ["**Unchanged:** " + links, ""]
    if c["retired"]:
        lines += ["**No longer standing alone**", ""]
        for r in c["retired"]:
            if r["status"] == "merged":
                into = f"story {r['merged_into']}"
                into = f"[{into}](#{r['into_anchor']})" if r["into_anchor"] else into
                lines.append(f"- Story {r['story_id']}, “{md_escape(r['short'])}”: merged into {into}")
            else:
                lines.append(f"- Story {r['story_id']}, “{md_escape(r['short'])}”: gone (its articles are no longer in the pile)")
        lines.append("")
    return lines


def _overview(view: dict[str, Any]) -> list[str]:
    themes = view["themes"]
    lines = ["## Overview", ""]
    if themes or view["outliers"]:
        rows = [
            [f"[{md_escape(t['toc_label'])}](#{t['anchor']})", num(t["size"]), pct(t["share"]),
             md_escape(", ".join(k["word"] for k in t["keywords"][:5]))]  # fmt: skip
            for t in themes
        ]
        if view["outliers"]:
            o = view["outliers"]
            rows.append(["Outliers (fit no theme)", num(o["size"]), pct(o["share"]), ""])
        lines += _table(["Theme", "Segments", "Share", "Keywords"], rows, "lrrl")
    else:
        lines.append("No themes were found in this corpus.")
    return [*lines, ""]


def _theme(k: int, t: dict[str, Any]) -> list[str]:
    lines = [f'<a id="{t["anchor"]}"></a>', "", f"## {k}. {md_escape(t['heading'])}", ""]
    meta = f"{count(t['size'], 'segment')} · {pct(t['share'], 1)} of the corpus · {count(t['n_articles'], 'article')}"
    if t["who"]:  # as in the HTML report: the outlets by name, none for plain-text inputs
        meta += f" · {md_escape(t['who'])}"
    if t["span"]:
        meta += f" · {md_escape(t['span'])}"
    if t["badge"]:
        meta = f"**{md_escape(t['badge'])}** · {meta}"
    lines += [meta, ""]
    if t["keywords"]:
        lines += ["**Keywords:** " + md_escape(", ".join(kw["word"] for kw in t["keywords"])), ""]
    if t["digest"]:
        lines += _digest(t)
    if t["articles"]:
        lines += [f"**Articles ({num(t['n_articles'])})**", ""]
        for a in t["articles"]:
            head = md_escape(a["headline"])
            item = f"[{head}](#{a['anchor']})" if a["anchor"] else head
            meta = " · ".join(md_escape(x) for x in (a["outlet"], a["published"]) if x)
            lines.append(f"- {'**new** ' if a['new'] else ''}{item}" + (f" · {meta}" if meta else ""))
        if t["more_articles"]:
            lines.append(f"- and {num(t['more_articles'])} more (see the appendix)")
        lines.append("")
    if t["outlets"]:
        names = ", ".join(md_escape(o["name"]) + (f" ({o['count']})" if o["count"] else "") for o in t["outlets"][:15])
        lines += [f"**Outlets:** {names}", ""]
    if t["representatives"]:
        lines += ["**Representative segments**", ""]
        for r in t["representatives"]:
            src = md_escape(r["headline"] or r["source"] or r["id"])
            if r["here"]:  # quoted in full: the target of the links to this segment (not in the appendix)
                where = f" · {md_escape(r['source'])}, chars {num(r['start'])}–{num(r['end'])}" if r["start"] is not None else ""
                lines += [f'<a id="{r["anchor"]}"></a>', "", f"> {md_escape(r['text'], line_start=True)}", ">", f"> — {src}{where}", ""]
            else:
                lines += [f"> {md_escape(r['text'], line_start=True)}", ">", f"> — [{src}](#{r['anchor']})", ""]
    return lines


def _digest(t: dict[str, Any]) -> list[str]:
    parts = []
    for s in t["digest"]:
        cites = "".join(f"[\\[{ci['n']}\\]](#{ci['anchor']})" for ci in s["cites"])
        body = md_escape(s["text"], line_start=not parts)
        parts.append((f"_{body}_" if s["method"] == "generated" else body) + (f" {cites}" if cites else ""))
    lines = ["**Digest**", "", " ".join(parts), ""]
    if any(s["method"] == "generated" for s in t["digest"]):
        lines += ["*Italic sentences were written by the model and checked against the cited segments; "
                  "the others are quoted.*", ""]  # fmt: skip
    for ci in t["cited"]:
        ref = md_escape(ci["headline"] or "(no headline)")
        extra = " · ".join(md_escape(x) for x in (ci["outlet"], ci["source"]) if x)
        lines.append(f"{ci['n']}. [{ref}](#{ci['anchor']})" + (f" · {extra}" if extra else ""))
    return [*lines, ""]


def _method(view: dict[str, Any]) -> list[str]:
    lines = ["## How this report was made", ""]
    m = view["models"]
    lines.append(f"- Embedding model: {md_escape(m['embedding'])}")
    lines.append(
        f"- Digests: {md_escape(m['summariser'])} ({md_escape(m['mode'])})" if m["summariser"] else "- Digests: not made"
    )
    if view["total_time"] is not None:
        lines.append(f"- Run time: {secs(view['total_time'])}")
    lines.append("")
    if view["timings"]:
        lines += _table(["Stage", "Time"], [[md_escape(s["stage"]), secs(s["seconds"])] for s in view["timings"]], "lr")
        lines.append("")
    settings = "; ".join(
        f"{md_escape(g['stage'], line_start=True)}: " + ", ".join(f"{md_escape(i['key'])}={md_escape(i['value'])}" for i in g["items"])
        for g in view["settings"]
    )
    lines += [f"Settings: {settings}", ""]
    skipped = view["corpus"]["skipped"]
    if skipped:
        lines += ["Skipped inputs:", ""]
        lines += [f"- {md_escape(s['source'])}: {md_escape(s['reason'])}" for s in skipped]
        lines.append("")
    return lines


def _appendix(view: dict[str, Any]) -> list[str]:
    lines = ["## Appendix: every segment", ""]
    if view["appendix_note"]:
        lines += [f"*{md_escape(view['appendix_note'])}*", ""]
    for g in view["appendix"]:
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
                lines.append(f"*Duplicate of {target} (an exact or near copy: the digests quote it once).*")
            lines += ["", md_escape(s["text"], line_start=True), ""]
    return lines


def write_markdown(result: RunData, path: Path) -> Path:
    """Write the Markdown report to ``path`` atomically.

    Examples
    --------
    >>> write_markdown(result, Path("report.md"))
    PosixPath('report.md')
    """
    path = Path(path)
    atomic_write_text(path, render_markdown(result))
    logger.info("wrote %s", path)
    return path
