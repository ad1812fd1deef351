"""A document's lines, each with its kind (text, furniture, structure), and the article regions they form.

The structure rules of :mod:`._clean` (rule 2: anchors, outlets, headlines,
where a page splits into articles) and its line rules (rule 3) applied to
one document; :class:`~._clean.Cleaner` turns the regions into article drafts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .._types import Document
from ._patterns import (
    BULLET,
    REPEAT_MAX_WORDS,
    Anchor,
    find_anchor,
    heading_text,
    headline_like,
    is_prompt,
    is_short,
    line_key,
    outlet_like,
    squash_ws,
    word_count,
)

__all__ = ["BLANK", "FURN", "MIN_ARTICLE_WORDS", "STRUCT", "TEXT", "Layout", "Region"]

#: A part of a page is an article of its own only with a headline and a body of at least this many words.
MIN_ARTICLE_WORDS = 20

#: Line kinds.
BLANK, TEXT, FURN, STRUCT = 0, 1, 2, 3


@dataclass
class Region:
    first: int  # first line index
    last: int  # last line index (exclusive)
    body_from: int
    headline: str = ""
    outlet: str = ""
    published: str = ""
    lead: bool = False


class Layout:
    """Lines of one document with their kinds and article regions."""

    def __init__(
        self,
        doc: Document,
        patterns: Sequence[re.Pattern[str]],
        split: bool,
        prompts: bool = True,
        inline: Sequence[re.Pattern[str]] = (),
    ) -> None:
        text = doc.text
        self.doc = doc
        self.spans: list[tuple[int, int]] = []
        pos = 0
        for line in text.split("\n"):
            self.spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        n = len(self.spans)
        kinds = [BLANK] * n
        content = 0
        marked = sorted(doc.furniture)
        for i, (s, e) in enumerate(self.spans):
            if s == e:
                continue
            line = text[s:e]
            if not line.isspace():
                content += 1
                kinds[i] = TEXT
                if marked and any(a < e and s < b for a, b in marked):
                    kinds[i] = FURN
                elif e - s <= 400:
                    norm = squash_ws(line)
                    if len(norm) <= 300 and (any(p.fullmatch(norm) for p in patterns) or (
                        prompts and is_prompt(norm) and not any(p.search(norm) for p in inline)
                    )):  # a prompt glued to article text ("ADVERTISEMENT The river rose...") is cut, not dropped
                        kinds[i] = FURN
        if content == 1 and FURN in kinds:  # the only line of a one-line document is its text
            kinds = [TEXT if k == FURN else k for k in kinds]
        self.kinds = kinds
        self.n_content = content
        self.regions = self._regions(split)

    def line(self, i: int) -> str:
        s, e = self.spans[i]
        return self.doc.text[s:e]

    def _next(self, i: int, step: int, stop: int) -> int | None:
        j = i + step
        while j < stop if step > 0 else j >= stop:
            if self.kinds[j] != BLANK:
                return j
            j += step
        return None

    def _regions(self, split: bool) -> list[Region]:
        self._dates: list[tuple[int, str]] = []  # date lines inside an article: (line, date as written)
        n = len(self.spans)
        kinds = self.kinds
        anchors: list[tuple[int, Anchor]] = []
        for i in range(n):
            if kinds[i] == TEXT:
                s, e = self.spans[i]
                if e - s <= 120:
                    a = find_anchor(self.doc.text[s:e])
                    if a is not None and a.kind == "sep":
                        kinds[i] = FURN  # a separator line delimits, it does not start an article
                    elif a is not None and split:
                        anchors.append((i, a))
        headers: list[Region] = []
        claimed: list[list[int]] = []  # the lines each header made structural
        for idx, (i, a) in enumerate(anchors):
            kinds[i] = STRUCT
            stop = anchors[idx + 1][0] if idx + 1 < len(anchors) else n
            outlet = a.outlet
            body = i + 1
            j = self._next(i, 1, stop)
            if j is not None and kinds[j] == TEXT:
                m = BULLET.fullmatch(self.line(j).strip())
                if m and outlet_like(m.group("name")):
                    kinds[j] = STRUCT
                    outlet = outlet or m.group("name").strip()
                    body = j + 1
                    j = self._next(j, 1, stop)
            headline = ""
            first = i
            floor = headers[-1].body_from if headers else 0
            p = self._next(i, -1, floor)
            if p is not None and not a.outlet and kinds[p] == TEXT and outlet_like(self.line(p)):
                outlet = outlet or squash_ws(self.line(p))
                if line_key(self.line(p)) == line_key(outlet):
                    kinds[p] = STRUCT
                    first = p
                    p = self._next(p, -1, floor)
            if j is not None and kinds[j] == TEXT and headline_like(self.line(j)):
                k = self._next(j, 1, stop)
                if k is not None and kinds[k] == TEXT:
                    headline = heading_text(self.line(j))
                    kinds[j] = STRUCT
                    body = j + 1
            if not headline and p is not None and kinds[p] == TEXT and headline_like(self.line(p)):
                headline = heading_text(self.line(p))
                kinds[p] = STRUCT
                first = p
                p = self._next(p, -1, floor)
            # repeats of the headline just before the header belong to it
            hkey = line_key(headline) if headline else None
            while p is not None and hkey is not None and kinds[p] == TEXT and line_key(self.line(p)) == hkey:
                kinds[p] = STRUCT
                first = p
                p = self._next(p, -1, floor)
            headers.append(Region(first, stop, body, headline, outlet, a.published))
            claimed.append([k for k in range(first, body) if kinds[k] == STRUCT])
        headers = self._articles_only(headers, claimed, anchors)
        regions: list[Region] = []
        lead_end = headers[0].first if headers else n
        regions.append(Region(0, lead_end, 0, lead=True))
        for h, nxt in zip(headers, [*headers[1:], None]):
            h.last = nxt.first if nxt is not None else n
            regions.append(h)
        for r in regions:
            if not r.published:  # a date line inside the article ("Published 3 March 2025") dates it
                r.published = next((d for line, d in sorted(self._dates) if r.first <= line < r.last), "")
            if r.lead:
                self._lead_headline(r)
            if r.headline:
                hkey = line_key(r.headline)
                for i in range(r.body_from, r.last):
                    if kinds[i] == TEXT and line_key(self.line(i)) == hkey:
                        kinds[i] = STRUCT
        return regions

    def _articles_only(
        self, headers: list[Region], claimed: list[list[int]], anchors: list[tuple[int, Anchor]]
    ) -> list[Region]:
        """The headers that start an article (a headline and a body of real length), checked from the last;
        a rejected header's lines are text again, its time line is dropped and its date given to the article
        it lies in when that has none."""
        kinds = self.kinds
        kept: list[Region] = []
        stop = len(self.spans)
        for h, lines, (anchor_line, anchor) in reversed(list(zip(headers, claimed, anchors))):
            words = sum(word_count(self.line(k)) for k in range(h.body_from, stop) if kinds[k] == TEXT)
            if h.headline and words >= MIN_ARTICLE_WORDS:
                kept.append(h)
                stop = h.first
                continue
            for k in lines:
                kinds[k] = TEXT
            kinds[anchor_line] = FURN
            self._dates.append((anchor_line, anchor.published))
        return kept[::-1]

    def _lead_headline(self, r: Region) -> None:
        kinds = self.kinds
        first = self._next(r.body_from - 1, 1, r.last)
        if first is None or kinds[first] != TEXT:
            return
        title = self.doc.metadata.get("title", "") if r.first == 0 else ""
        if title:
            r.headline = squash_ws(title)
            if line_key(self.line(first)) == line_key(title):
                kinds[first] = STRUCT
            return
        if self.n_content > 1 and headline_like(self.line(first)):
            nxt = self._next(first, 1, r.last)
            if nxt is not None and kinds[nxt] == TEXT and not is_short(self.line(nxt)):
                r.headline = heading_text(self.line(first))
                kinds[first] = STRUCT

    def short_candidates(self) -> set[str]:
        """Keys of short non-structural lines (for the cross-document count)."""
        out = set()
        for i, kind in enumerate(self.kinds):
            if kind == TEXT:
                line = self.line(i)
                if len(line) <= 160 and word_count(line) <= REPEAT_MAX_WORDS:
                    out.add(line_key(line))
        return out
