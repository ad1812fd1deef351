"""The run's tables: which segments are clustered, and every segment and article with its story.

Duplicates are embedded and fitted once: :func:`unique_segments` picks, in a
canonical order (by id, so input order never changes the themes), the segment
each copy points to, and lists the other articles that hold a copy, so every
article is complete when stories are found; :func:`theme_tables` gives every
segment its article's story.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._types import ARTICLE_COLUMNS, SEGMENT_COLUMNS, Theme

if TYPE_CHECKING:  # pragma: no cover
    from ._cluster import ThemeModel

__all__ = ["UniqueSegments", "theme_tables", "unique_segments"]


@dataclass
class UniqueSegments:
    """The segments that are clustered (no duplicates), in canonical order, and how every row maps to them."""

    ids: list[str]
    texts: list[str]
    article_ids: list[str]
    outlets: list[str]
    headlines: list[str]
    row_to_unique: np.ndarray  # for every row of the segments table, its unique segment's position
    shared: list[tuple[int, str]]  # (unique position, another article that holds a copy of it)


def _root_of(duplicate_of: Sequence[str | None], ids: Sequence[str]) -> list[str]:
    """For each segment, the id of the copy that is clustered (follows duplicate chains)."""
    parent = {i: d for i, d in zip(ids, duplicate_of) if d}
    roots = []
    for i in ids:
        seen = {i}
        cur = i
        while cur in parent and parent[cur] not in seen:
            cur = parent[cur]
            seen.add(cur)
        roots.append(cur)
    return roots


def unique_segments(segments: pd.DataFrame) -> UniqueSegments:
    """The segments to cluster: one per group of copies, sorted by id.

    Examples
    --------
    >>> frame = pd.DataFrame({"segment_id": ["b", "a", "c"], "duplicate_of": [None, None, "a"],
    ...     "text": ["B", "A", "A"], "article_id": ["x", "y", "z"], "outlet": ["", "", ""], "headline": ["", "", ""]})
    >>> u = unique_segments(frame)
    >>> u.ids, u.row_to_unique.tolist(), u.shared
    (['a', 'b'], [1, 0, 0], [(0, 'z')])
    """
    ids = segments["segment_id"].tolist()
    dup = [d if isinstance(d, str) and d else None for d in segments["duplicate_of"].tolist()]
    roots = _root_of(dup, ids)
    unique_ids = sorted(set(roots))
    row_of = {sid: i for i, sid in enumerate(ids)}
    uidx = np.array([row_of[s] for s in unique_ids], dtype=np.int64)
    pos = {sid: k for k, sid in enumerate(unique_ids)}

    def column(name: str) -> list[str]:
        return segments[name].fillna("").to_numpy()[uidx].tolist()

    article_ids = segments["article_id"].to_numpy()[uidx].tolist()
    row_to_unique = np.array([pos[r] for r in roots], dtype=np.int64)
    shared = sorted(
        {(int(u), str(a)) for u, a in zip(row_to_unique.tolist(), segments["article_id"].tolist()) if a != article_ids[u]}
    )
    return UniqueSegments(
        ids=unique_ids,
        texts=segments["text"].to_numpy()[uidx].tolist(),
        article_ids=article_ids,
        outlets=column("outlet"),
        headlines=column("headline"),
        row_to_unique=row_to_unique,
        shared=shared,
    )


def theme_tables(
    segments: pd.DataFrame, articles: pd.DataFrame, units: UniqueSegments, model: ThemeModel, themes: Sequence[Theme]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """segments.csv and articles.csv: every segment with its article's story, every article with its story.

    A copy of a segment takes the story of the article it sits in (an article's
    story never depends on which copy was kept).  Both tables gain the story's
    group (``group``, ``group_label``; empty when the run has no groups).
    """
    segments = segments.copy()
    articles = articles.copy()
    pos = units.row_to_unique
    label_of = {t.topic_id: t.label for t in themes}
    group_of = {t.topic_id: t.group for t in themes}
    group_label_of = {t.topic_id: t.group_label for t in themes}
    own = np.asarray(model.topics_, dtype=np.int64)[pos]
    article_topics = getattr(model, "article_topics_", {}) or {}
    segments["topic"] = [int(article_topics.get(a, t)) for a, t in zip(segments["article_id"].tolist(), own.tolist())]
    segments["topic_label"] = [label_of.get(int(t), "outliers") for t in segments["topic"]]
    segments["was_outlier"] = np.asarray(model.was_outlier_, dtype=bool)[pos]
    segments["group"] = pd.array([group_of.get(int(t)) for t in segments["topic"]], dtype="Int64")
    segments["group_label"] = [group_label_of.get(int(t), "") for t in segments["topic"]]
    majority = (
        segments.groupby("article_id", sort=False)["topic"]
        .agg(lambda s: Counter(s.tolist()).most_common(1)[0][0])
        .to_dict()
    )
    articles["topic"] = [int(majority.get(a, -1)) for a in articles["article_id"]]
    articles["topic_label"] = [label_of.get(t, "outliers") for t in articles["topic"]]
    articles["group"] = pd.array([group_of.get(int(t)) for t in articles["topic"]], dtype="Int64")
    articles["group_label"] = [group_label_of.get(int(t), "") for t in articles["topic"]]
    return (
        segments[[*SEGMENT_COLUMNS, "topic", "topic_label", "was_outlier", "group", "group_label"]],
        articles[[*ARTICLE_COLUMNS, "topic", "topic_label", "group", "group_label"]],
    )
