"""Cleaning and article splitting: which parts of a document are article text.

The text of a :class:`~topicsum._types.Document` is never changed: cleaning
marks the character spans that are article body, so every offset still
indexes into ``Document.text``.

Site furniture is removed only where it can be shown to be furniture; a
line is never dropped for being short, so list items, subheadings, table
rows and text in any script stay.  The rules, in this order:

1. *What the reader knows.*  Spans the reader marked (a web page's link
   blocks, :mod:`._html`) are furniture.
2. *Structure.*  Anchor lines may start an article: a relative time
   ("22 minutes ago", "timean hour ago" where ``time`` is icon alt-text,
   "Independenta day ago" where the outlet is glued to the time,
   "Outlet · 3 hours ago") or an absolute date ("12 August 2025",
   "Outlet | 2025-08-12").  Around an anchor the outlet (the line before it,
   a ``- Outlet`` / ``• Outlet`` line after it, or the glued prefix) and the
   headline (the line after the outlet, else the line before the anchor) are
   structural; repeats of the headline are dropped.  A page is split at an
   anchor only when the part it starts looks like an article: a headline and
   a body of at least :data:`MIN_ARTICLE_WORDS` words; otherwise the anchor
   is a date line inside the article (its date becomes the article's when it
   has none).  Separator lines (``---``, ``___``) never split a page: an
   explainer's sections and its sign-off stay with it.  A document's first
   lines before any anchor form an article whose headline is the ``title``
   metadata or a headline-like first line.
3. *Line furniture* (outside the structure): a line matching a built-in or
   user pattern (:data:`LINE_PATTERNS`, ``IngestConfig.extra_furniture``); a
   short line holding a site's prompt (sign-ups, share and follow prompts,
   related links, comments, advertising and affiliate notices, rights, photo
   credits, sign-offs: :data:`~._patterns.PROMPT_PATTERNS`); a short line
   found in at least ``repeated_line_min_docs`` distinct documents (counted
   by content hash, so a copied file does not make every line "repeated").
   These rules never remove the only line of a one-line document.
4. *In-body furniture*: passages matching :data:`INLINE_PATTERNS` (video
   notices, "More Trending", newsletter promotions, ``MORE: teaser`` links,
   bare video timestamps between sentences) or a user pattern are cut out of
   a paragraph; the text on either side stays, as separate spans.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .._errors import ConfigError
from .._types import Document
from ._patterns import (
    ALNUM,
    INLINE_PATTERNS,
    INLINE_TRIGGERS,
    LINE_PATTERNS,
    REPEAT_MAX_WORDS,
    line_key,
    word_count,
)
from ._layout import BLANK, FURN, MIN_ARTICLE_WORDS, STRUCT, TEXT, Layout

logger = logging.getLogger(__name__)

__all__ = ["INLINE_PATTERNS", "LINE_PATTERNS", "MIN_ARTICLE_WORDS", "ArticleDraft", "Cleaner"]


@dataclass
class ArticleDraft:
    """An article found in a document: header fields and its body spans.

    ``blocks`` is a list of blocks; a block is a list of ``(start, end)``
    paragraph spans that may be merged with each other.  Removed furniture
    always starts a new block.
    """

    headline: str
    outlet: str
    published: str
    start: int
    end: int
    blocks: list[list[tuple[int, int]]] = field(default_factory=list)


class Cleaner:
    """Find site furniture and split documents into articles.

    Fit it on the corpus to learn the short lines repeated across documents
    (``repeated_lines_``), then ``transform`` each document into
    :class:`ArticleDraft` records whose body spans exclude the furniture.

    Parameters
    ----------
    extra_furniture : sequence of str
        Extra regular expressions; a matching passage is cut out, and a line
        left without words is dropped.
    builtin_furniture : bool
        Use :data:`LINE_PATTERNS` and :data:`INLINE_PATTERNS`.
    repeated_line_min_docs : int
        A short line in at least this many distinct documents is furniture.
    split_articles : bool
        Split documents into articles at time/date/separator lines.

    Examples
    --------
    >>> from topicsum._types import Document
    >>> text = "Big news today\\nThe first sentence. More Trending The second one.\\nComments"
    >>> doc = Document("d1", "a.txt", text)
    >>> drafts = Cleaner().fit([doc]).transform(doc)
    >>> [(d.headline, [[text[a:b] for a, b in block] for block in d.blocks]) for d in drafts]
    [('Big news today', [['The first sentence.'], ['The second one.']])]
    """

    def __init__(
        self,
        *,
        extra_furniture: Sequence[str] = (),
        builtin_furniture: bool = True,
        repeated_line_min_docs: int = 2,
        split_articles: bool = True,
    ) -> None:
        self.extra_furniture = extra_furniture
        self.builtin_furniture = builtin_furniture
        self.repeated_line_min_docs = repeated_line_min_docs
        self.split_articles = split_articles

    def _compile(self) -> None:
        if hasattr(self, "_line_res"):
            return
        extra = []
        for pat in self.extra_furniture:
            try:
                extra.append(re.compile(pat))
            except re.error as exc:
                raise ConfigError(
                    f"extra_furniture pattern {pat!r} is not a valid regular expression ({exc}); fix or remove it."
                ) from None
        # the built-in line patterns as one alternation: one fullmatch per line
        line = (
            [re.compile("|".join(f"(?:{p})" for p in LINE_PATTERNS), re.IGNORECASE)] if self.builtin_furniture else []
        )
        inline: list[tuple[re.Pattern[str], tuple[str, ...] | None]] = (
            [(re.compile(p), t) for p, t in zip(INLINE_PATTERNS, INLINE_TRIGGERS)] if self.builtin_furniture else []
        )
        self._line_res = line + extra
        self._inline_res = inline + [(p, None) for p in extra]
        self._inline_only = [p for p, _ in inline]

    def fit(self, documents: Iterable[Document]) -> Cleaner:
        """Learn ``repeated_lines_``: short lines found in several distinct documents."""
        self._fit_layouts(documents, keep=False)
        return self

    def _fit_layouts(self, documents: Iterable[Document], keep: bool) -> list[Layout]:
        self._compile()
        counts: Counter[str] = Counter()
        seen: set[bytes] = set()
        layouts = []
        for doc in documents:
            lay = Layout(doc, self._line_res, self.split_articles, self.builtin_furniture, self._inline_only)
            if keep:
                layouts.append(lay)
            digest = hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).digest()
            if digest not in seen:
                seen.add(digest)
                counts.update(lay.short_candidates())
        self.fit_counts(counts)
        return layouts

    def short_lines(self, doc: Document) -> frozenset[str]:
        """The keys of ``doc``'s short lines: what :meth:`fit` counts once per distinct document.

        With :meth:`fit_counts`, the corpus-wide step of :meth:`fit` split in
        two, so that documents can be read in parallel partitions.
        """
        self._compile()
        return frozenset(Layout(doc, self._line_res, self.split_articles, self.builtin_furniture, self._inline_only).short_candidates())

    def fit_counts(self, counts: Mapping[str, int]) -> Cleaner:
        """Learn ``repeated_lines_`` from how many distinct documents hold each short line.

        Examples
        --------
        >>> Cleaner(repeated_line_min_docs=2).fit_counts({"share this": 3, "a headline": 1}).repeated_lines_
        frozenset({'share this'})
        """
        self.repeated_lines_ = frozenset(k for k, c in counts.items() if c >= self.repeated_line_min_docs)
        logger.debug("cleaner: %d repeated short lines", len(self.repeated_lines_))
        return self

    def fit_transform(self, documents: Sequence[Document]) -> list[list[ArticleDraft]]:
        """``fit`` then ``transform`` each document, reading each document's lines once."""
        return [self._transform(lay) for lay in self._fit_layouts(documents, keep=True)]

    def transform(self, doc: Document) -> list[ArticleDraft]:
        """The articles of ``doc`` with their body spans (furniture left out)."""
        self._compile()
        return self._transform(Layout(doc, self._line_res, self.split_articles, self.builtin_furniture, self._inline_only))

    def _transform(self, lay: Layout) -> list[ArticleDraft]:
        repeated = getattr(self, "repeated_lines_", frozenset())
        doc = lay.doc
        kinds = lay.kinds
        single = lay.n_content <= 1
        text = doc.text
        for i, kind in enumerate(kinds):
            if kind == TEXT and not single:
                line = lay.line(i)
                if len(line) <= 160 and word_count(line) <= REPEAT_MAX_WORDS and line_key(line) in repeated:
                    kinds[i] = FURN
        drafts = []
        for r in lay.regions:
            builder = _BlockBuilder()
            for i in range(r.body_from, r.last):
                kind = kinds[i]
                if kind == BLANK:
                    builder.flush_wrapped()
                    continue
                if kind != TEXT:
                    builder.close()
                    continue
                s, e = lay.spans[i]
                pieces, cut_before, cut_after = self._pieces(text, s, e)
                if not pieces:
                    builder.close()
                elif len(pieces) == 1 and not cut_before and not cut_after:
                    builder.wrapped.append(pieces[0])
                else:
                    for n_piece, piece in enumerate(pieces):
                        if n_piece > 0 or cut_before:
                            builder.close()
                        builder.add(piece)
                    if cut_after:
                        builder.close()
            builder.close()
            blocks = builder.blocks
            if not blocks:
                continue
            start = lay.spans[r.first][0] if not r.lead else blocks[0][0][0]
            if r.lead and r.headline:
                for i in range(r.first, r.last):
                    if kinds[i] == STRUCT:
                        start = min(start, lay.spans[i][0])
                        break
            drafts.append(ArticleDraft(r.headline, r.outlet, r.published, start, blocks[-1][-1][1], blocks))
        return drafts

    def _pieces(self, text: str, s: int, e: int) -> tuple[list[tuple[int, int]], bool, bool]:
        """Spans of line ``text[s:e]`` left after cutting in-body furniture."""
        line = text[s:e]
        cuts: list[tuple[int, int]] = []
        low = line.lower()
        for pat, triggers in self._inline_res:
            if triggers is not None:
                for t in triggers:
                    if t in low:
                        break
                else:
                    continue
            for m in pat.finditer(line):
                if m.end() > m.start():
                    cuts.append((m.start(), m.end()))
        if not cuts:
            span = _trim(line, 0, len(line))
            return ([(s + span[0], s + span[1])] if span else []), False, False
        cuts.sort()
        merged: list[list[int]] = []
        for a, b in cuts:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        pieces = []
        pos = 0
        for a, b in merged:
            span = _trim(line, pos, a)
            if span:
                pieces.append(span)
            pos = b
        span = _trim(line, pos, len(line))
        if span:
            pieces.append(span)
        cut_before = bool(pieces) and merged[0][0] < pieces[0][0]
        cut_after = bool(pieces) and merged[-1][1] > pieces[-1][0]
        return [(s + a, s + b) for a, b in pieces], cut_before, cut_after


class _BlockBuilder:
    """Collects paragraph spans into blocks; ``close`` starts a new block (furniture in between)."""

    def __init__(self) -> None:
        self.blocks: list[list[tuple[int, int]]] = []
        self.current: list[tuple[int, int]] = []
        self.wrapped: list[tuple[int, int]] = []  # consecutive lines, maybe one hard-wrapped paragraph

    def flush_wrapped(self) -> None:
        wrapped = self.wrapped
        if not wrapped:
            return
        if len(wrapped) >= 3 and all(e - s <= 100 for s, e in wrapped):
            self.current.append((wrapped[0][0], wrapped[-1][1]))
        else:
            self.current.extend(wrapped)
        self.wrapped = []

    def add(self, span: tuple[int, int]) -> None:
        self.flush_wrapped()
        self.current.append(span)

    def close(self) -> None:
        self.flush_wrapped()
        if self.current:
            self.blocks.append(self.current)
            self.current = []


def _trim(line: str, a: int, b: int) -> tuple[int, int] | None:
    """``(a, b)`` shrunk to exclude surrounding whitespace; None if no words remain."""
    while a < b and line[a].isspace():
        a += 1
    while b > a and line[b - 1].isspace():
        b -= 1
    if a >= b or not ALNUM.search(line, a, b):
        return None
    return a, b
