"""Cutting an article's body into segments of about a paragraph.

An article's body (blocks of paragraph spans, :attr:`topicsum.Article.blocks`)
becomes segments of about a paragraph: a paragraph longer than ``max_chars`` is cut into windows of at
most ``max_sentences`` whole sentences (sentence boundaries from
`sentencex <https://github.com/wikimedia/sentencex>`_), and fragments shorter
than ``min_chars`` are merged into a neighbour of the same block -- never
across removed furniture.  A segment's text is the whitespace-normalised slice
``document.text[start:end]``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from .._config import SegmentConfig

logger = logging.getLogger(__name__)

__all__ = ["normalise_ws", "segment_id", "segment_spans", "sentence_spans"]

_CHUNK = 20_000  # paragraphs longer than this are pre-cut before sentence splitting


def normalise_ws(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends.

    Examples
    --------
    >>> normalise_ws("  a\\n\\n b\\tc ")
    'a b c'
    """
    return " ".join(text.split())


def segment_id(doc_id: str, start: int, end: int, text: str) -> str:
    """Stable id of a segment: a short hash of its document's id, where it is and what it says.

    Document ids do not depend on how the input path was spelled (see
    :func:`topicsum._ingest._load.make_doc_id`), so neither do segment ids.

    Examples
    --------
    >>> segment_id("d0123456789a", 0, 5, "Hello") == segment_id("d0123456789a", 0, 5, "Hello")
    True
    """
    return hashlib.sha1(f"{doc_id}\0{start}\0{end}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _strip_span(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def _chunks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a giant paragraph at sentence-like or whitespace boundaries into pieces of about _CHUNK chars."""
    out = []
    pos = start
    while end - pos > _CHUNK:
        limit = pos + _CHUNK
        cut = max(
            text.rfind(". ", pos + _CHUNK // 2, limit),
            text.rfind("? ", pos + _CHUNK // 2, limit),
            text.rfind("! ", pos + _CHUNK // 2, limit),
        )
        if cut > 0:
            cut += 2
        else:
            cut = text.rfind(" ", pos + _CHUNK // 2, limit)
            cut = cut + 1 if cut > 0 else limit
        out.append((pos, cut))
        pos = cut
    out.append((pos, end))
    return out


def sentence_spans(text: str, start: int, end: int, language: str = "en") -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text[start:end]`` (whitespace trimmed).

    Examples
    --------
    >>> t = "First one. Second one here. Third."
    >>> [t[a:b] for a, b in sentence_spans(t, 0, len(t))]
    ['First one.', 'Second one here.', 'Third.']
    """
    import sentencex

    spans: list[tuple[int, int]] = []
    for a, b in _chunks(text, start, end):
        piece = text[a:b]
        sents = list(sentencex.segment(language, piece))
        if "".join(sents) == piece:
            pos = a
            for s in sents:
                stripped = s.strip()
                if stripped:
                    lead = len(s) - len(s.lstrip())
                    spans.append((pos + lead, pos + lead + len(stripped)))
                pos += len(s)
        else:  # pragma: no cover - sentencex reproduces its input; be safe anyway
            pos = 0
            for s in sents:
                s = s.strip()
                if not s:
                    continue
                k = piece.find(s, pos)
                if k < 0:
                    continue
                spans.append((a + k, a + k + len(s)))
                pos = k + len(s)
    return spans


def _hard_split(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    out = []
    while b - a > max_chars:
        cut = text.rfind(" ", a + max_chars // 2, a + max_chars)
        cut = cut if cut > a else a + max_chars
        span = _strip_span(text, a, cut)
        if span:
            out.append(span)
        a = cut
    span = _strip_span(text, a, b)
    if span:
        out.append(span)
    return out


def _windows(text: str, a: int, b: int, config: SegmentConfig, language: str = "en") -> list[tuple[int, int]]:
    if b - a <= config.max_chars:
        return [(a, b)]
    out: list[tuple[int, int]] = []
    cur_s = cur_e = -1
    count = 0
    for s, e in sentence_spans(text, a, b, language):
        if cur_s >= 0 and (count >= config.max_sentences or e - cur_s > config.max_chars):
            out.append((cur_s, cur_e))
            cur_s = -1
        if cur_s < 0:
            cur_s, count = s, 0
        cur_e = e
        count += 1
    if cur_s >= 0:
        out.append((cur_s, cur_e))
    final: list[tuple[int, int]] = []
    for s, e in out:
        if e - s > 2 * config.max_chars:
            final.extend(_hard_split(text, s, e, config.max_chars))
        else:
            final.append((s, e))
    return final


def segment_spans(
    text: str, blocks: Sequence[Sequence[tuple[int, int]]], config: SegmentConfig, language: str = "en"
) -> list[tuple[int, int]]:
    """Segment spans of an article body.

    Parameters
    ----------
    text : str
        The document text.
    blocks : sequence of sequences of (start, end)
        Paragraph spans; spans of one block may be merged, spans of different
        blocks (separated by removed furniture) never are.
    config : SegmentConfig
    language : str
        The text's language (ISO 639-1), for the sentence boundaries.

    Examples
    --------
    >>> from topicsum._config import SegmentConfig
    >>> t = "Short one.\\nA second paragraph that is a little longer than the first."
    >>> [t[a:b] for a, b in segment_spans(t, [[(0, 10), (11, len(t))]], SegmentConfig(min_chars=20))]
    ['Short one.\\nA second paragraph that is a little longer than the first.']
    """
    out: list[tuple[int, int]] = []
    limit = config.max_chars + config.min_chars
    for block in blocks:
        merged: list[tuple[int, int]] = []
        for a, b in block:
            for s, e in _windows(text, a, b, config, language):
                if merged:
                    ps, pe = merged[-1]
                    if ((pe - ps) < config.min_chars or (e - s) < config.min_chars) and e - ps <= limit:
                        merged[-1] = (ps, e)
                        continue
                merged.append((s, e))
        out.extend(merged)
    return out
