"""Saved web pages: trafilatura finds the main content; its blocks become the document's lines.

trafilatura (:func:`trafilatura.bare_extraction`) does what it does best: it
finds the page's main content (tables and lists included, comments left
out) and its metadata (title, site name, date, language).  Its content tree
is rendered here one block a paragraph: a paragraph, a heading, a list item,
a table row (cells joined by ``" | "``), so that a list item, a subheading or
a table row stays a line of the article.

A block that is mostly links (:data:`LINK_DENSITY` of its characters are link
text, and it is short) is a menu, a "related" teaser or a tag list: its span
is handed to the cleaner as furniture, unless it is a written-out address (a
URL or an e-mail address the author put in the text).

Measured on trafilatura's own evaluation set (990 pages, bench/extraction.py):
see the README's "Real web pages".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HtmlPage", "LINK_DENSITY", "LINK_BLOCK_MAX_WORDS", "read_html"]

#: A block whose link text is at least this share of its characters ...
LINK_DENSITY = 0.7
#: ... and which has at most this many words is navigation, not article text.
LINK_BLOCK_MAX_WORDS = 25
_ADDRESS = re.compile(r"^(?:https?://|www\.)\S+$|^[\w.+-]+@[\w-]+\.[\w.-]+$")
#: Elements whose children are blocks of their own (their own text, if any, is a block too).
_CONTAINERS = frozenset({"main", "body", "div", "quote", "section"})
_BLOCK_CHILDREN = frozenset({"p", "list", "head", "table", "quote", "code", "div"})


@dataclass
class HtmlPage:
    """A page's main text (one block a paragraph), its metadata, and the spans that are link blocks."""

    text: str
    metadata: dict[str, str]
    furniture: list[tuple[int, int]] = field(default_factory=list)


#: Invisible formatting a page may put inside words: soft hyphens, zero-width spaces, word joiners, BOMs
#: (never the zero-width (non-)joiners, which shape Indic and Arabic script).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def _norm(text: str) -> str:
    return " ".join(text.translate(_INVISIBLE).split())


def _link_chars(el: Any) -> int:
    return sum(len(_norm("".join(r.itertext()))) for r in el.iter("ref"))


def _blocks(body: Any) -> list[tuple[str, int]]:
    """The content tree's blocks in reading order: (text, characters of link text)."""
    out: list[tuple[str, int]] = []

    def visit(el: Any) -> None:
        tag = el.tag
        if tag == "list":
            for child in el:
                visit(child)
        elif tag == "item" and any(child.tag == "list" for child in el):
            own = (el.text or "") + "".join("".join(c.itertext()) + (c.tail or "") for c in el if c.tag != "list")
            if _norm(own):
                out.append((_norm(own), 0))
            for child in el:
                if child.tag == "list":
                    visit(child)
        elif tag == "table":
            for row in el.iter("row"):
                cells = [_norm("".join(c.itertext())) for c in row if c.tag == "cell"]
                text = " | ".join(c for c in cells if c)
                if text:
                    out.append((text, _link_chars(row)))
        elif tag in _CONTAINERS and any(child.tag in _BLOCK_CHILDREN for child in el):
            if el.text and el.text.strip():
                out.append((_norm(el.text), 0))
            for child in el:
                visit(child)
        else:
            text = _norm("".join(el.itertext()))
            if text:
                out.append((text, _link_chars(el)))

    for child in body:
        visit(child)
    return out


def _is_link_block(text: str, link_chars: int) -> bool:
    if not text or len(text.split()) > LINK_BLOCK_MAX_WORDS or _ADDRESS.match(text):
        return False
    return link_chars / len(text) >= LINK_DENSITY


def read_html(html: str | bytes) -> HtmlPage | None:
    """The main text of a saved page, its metadata and its link blocks; ``None`` when it has no main text.

    ``html`` may be the page's bytes: trafilatura then decodes them with the
    charset the page declares.

    Examples
    --------
    >>> page = read_html("<html><head><title>Rates rise - Daily Example</title></head><body><article>"
    ...     "<h1>Rates rise</h1><p>The central bank raised rates by half a point on Tuesday, its third rise.</p>"
    ...     "<ul><li>Mortgages will cost more.</li><li>Savers gain.</li></ul></article>"
    ...     "<nav><a href='/a'>Home</a> <a href='/b'>World</a></nav></body></html>")
    >>> page.text.split("\\n\\n")[-2:]
    ['Mortgages will cost more.', 'Savers gain.']
    """
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_links=True,
        # dates only from explicit page metadata (no guessing from copyright lines)
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = getattr(doc, "body", None) if doc is not None else None
    blocks = _blocks(body) if body is not None else []
    if not blocks:
        return None
    parts: list[str] = []
    furniture: list[tuple[int, int]] = []
    pos = 0
    for text, links in blocks:
        if parts:
            pos += 2  # the blank line between blocks
        if _is_link_block(text, links):
            furniture.append((pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
    metadata = {k: str(v) for k in ("title", "date", "url", "sitename", "language") if (v := getattr(doc, k, None))}
    from ._dates import capture_time

    captured = capture_time(html)
    if captured:
        metadata["captured"] = captured
    return HtmlPage("\n\n".join(parts), metadata, furniture)
