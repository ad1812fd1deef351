"""Segment stage: articles -> segments of about a paragraph, with exact and near copies flagged.

* :mod:`._windows` -- an article's body cut into paragraph windows of whole
  sentences (sentencex), with stable ids and offsets into the document;
* :mod:`._dedupe` -- exact copies and near copies (MinHash over word
  3-shingles, datasketch's LSH) of segments and articles, pointing to the
  first copy in input order; flagged, never dropped.

:func:`segment_corpus` is the stage: it takes the ingested
:class:`~topicsum.Corpus`, its :class:`~topicsum.SegmentConfig` and the run
context, and returns the corpus with its segments (on the context's
executor, in partitions of documents, when it runs elsewhere).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._config import SegmentConfig
from .._types import Article, Corpus, Segment
from ._dedupe import best_match, duplicate_of_indices, flag_duplicates, minhash_signatures
from ._windows import normalise_ws, segment_id, segment_spans, sentence_spans

if TYPE_CHECKING:  # pragma: no cover
    from .._context import RunContext

__all__ = [
    "best_match",
    "duplicate_of_indices",
    "minhash_signatures",
    "normalise_ws",
    "segment_corpus",
    "segment_id",
    "segment_partition",
    "segment_spans",
    "sentence_spans",
]

logger = logging.getLogger(__name__)

#: One document's work: its id, its text and its articles.
DocumentArticles = tuple[str, str, Sequence[Article]]


def _article_segments(text: str, article: Article, config: SegmentConfig) -> list[dict[str, Any]]:
    """The segment rows of one article, in reading order."""
    rows = []
    for s, e in segment_spans(text, article.blocks, config, article.language or "en"):
        body = normalise_ws(text[s:e])
        rows.append(
            {
                "segment_id": segment_id(article.doc_id, s, e, body),
                "article_id": article.article_id,
                "doc_id": article.doc_id,
                "source": article.source,
                "headline": article.headline,
                "outlet": article.outlet,
                "published": article.published,
                "date": article.date,
                "language": article.language,
                "start": s,
                "end": e,
                "text": body,
                "duplicate_of": None,
            }
        )
    return rows


def segment_partition(items: Sequence[DocumentArticles], *, config: SegmentConfig) -> list[list[dict[str, Any]]]:
    """Task: the segment rows of each article of a partition of documents (on a worker, or here)."""
    return [_article_segments(text, article, config) for _, text, articles in items for article in articles]


def segment_corpus(
    corpus: Corpus, config: SegmentConfig | None = None, context: RunContext | None = None
) -> Corpus:
    """The segment stage: ``corpus`` with its segments, copies flagged (``duplicate_of``).

    Parameters
    ----------
    corpus : Corpus
        From :func:`topicsum.load_corpus` (articles with their body spans).
    config : SegmentConfig, optional
        Window sizes and the duplicate rules.
    context : RunContext, optional
        Its executor (documents are segmented in partitions there) and
        progress display; by default here, without a bar.

    Returns
    -------
    Corpus
        A new corpus: the same documents and articles (copied articles point
        to their original), and the segments in the articles' order.

    Examples
    --------
    >>> from topicsum import load_corpus
    >>> corpus = segment_corpus(load_corpus(texts=["Rates rise\\nThe central bank raised rates by half a point."]))
    >>> [(s.headline, s.text) for s in corpus.segments]
    [('Rates rise', 'The central bank raised rates by half a point.')]
    """
    from .._context import RunContext
    from .._parallel import partitions
    from .._progress import Progress

    config = config or SegmentConfig()
    context = context or RunContext(progress=Progress(False))
    by_doc: dict[str, list[Article]] = {}
    for article in corpus.articles:
        by_doc.setdefault(article.doc_id, []).append(article)
    items: list[DocumentArticles] = [(doc, corpus.texts[doc], arts) for doc, arts in by_doc.items()]
    parts = partitions(items, context.executor)
    done = context.executor.map(
        functools.partial(segment_partition, config=config), parts, desc="segment", unit="doc",
        sizes=[len(p) for p in parts], progress=context.progress,
    )  # fmt: skip
    per_article = [rows for part in done for rows in part]
    articles = [a for _, _, arts in items for a in arts]
    art_rows: list[dict[str, Any]] = []
    seg_rows: list[dict[str, Any]] = []
    for article, rows in zip(articles, per_article):
        art_rows.append(
            {"article_id": article.article_id, "doc_id": article.doc_id, "start": article.start,
             "duplicate_of": None, "_seg": (len(seg_rows), len(seg_rows) + len(rows))}  # fmt: skip
        )
        seg_rows.extend(rows)
    if config.dedupe and seg_rows:
        flag_duplicates(art_rows, seg_rows, corpus.ranks, config.near_duplicate_threshold)
    copies = {r["article_id"]: r["duplicate_of"] for r in art_rows}
    articles = [dataclasses.replace(a, duplicate_of=copies[a.article_id]) for a in articles]
    logger.info("segmented %d articles -> %d segments", len(articles), len(seg_rows))
    return dataclasses.replace(corpus, articles=articles, segments=[Segment(**r) for r in seg_rows])
