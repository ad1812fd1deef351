"""The run's tables: the segments that are clustered, and every segment and article with its story.

:func:`fit_segments` puts every segment in a canonical order (by id, so input
order never changes the stories); :func:`theme_tables` gives every segment
and article its story and group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._errors import InputError
from ._types import ARTICLE_COLUMNS, SEGMENT_COLUMNS, Theme

__all__ = ["FitSegments", "fit_segments", "theme_tables"]


@dataclass
class FitSegments:
    """The segments a run clusters (every segment, copies included), in canonical order, and where each row went."""

    ids: list[str]
    texts: list[str]
    article_ids: list[str]
    outlets: list[str]
    headlines: list[str]
    starts: list[int]
    published: list[str]
    row_to_fit: np.ndarray  # for every row of the segments table, its position in ``ids``
    n_unique: int  # segments that are not copies of another
    dates: list[str] | None = None  # ISO publication day of each segment's article ("" unknown)

    @classmethod
    def of(
        cls,
        ids: Sequence[str],
        texts: Sequence[str],
        article_ids: Sequence[str],
        outlets: Sequence[str] | None = None,
        headlines: Sequence[str] | None = None,
    ) -> FitSegments:
        """Segments given directly, already in their canonical order (no starts or dates).

        Examples
        --------
        >>> FitSegments.of(["s1"], ["A text."], ["a1"]).n_unique
        1
        """
        n = len(ids)
        return cls(
            ids=list(ids), texts=list(texts), article_ids=list(article_ids),
            outlets=list(outlets) if outlets is not None else [""] * n,
            headlines=list(headlines) if headlines is not None else [""] * n, starts=[0] * n,
            published=[""] * n, row_to_fit=np.arange(n), n_unique=n,
        )  # fmt: skip

    def segment_infos(self) -> dict[str, Any]:
        """What the summarise stage knows of each segment (:class:`~topicsum._summarise.SegmentInfo`), by id."""
        from ._summarise import SegmentInfo

        return {
            sid: SegmentInfo(text, article, start, outlet, headline, published)
            for sid, text, article, start, outlet, headline, published in zip(
                self.ids, self.texts, self.article_ids, self.starts, self.outlets, self.headlines, self.published
            )
        }

    def check_length(self, n: int) -> None:
        """Raise :class:`InputError` unless these are ``n`` segments (what a model was fitted on)."""
        if len(self.ids) != n or any(
            len(seq) != n for seq in (self.texts, self.article_ids, self.outlets, self.headlines)
        ):
            raise InputError(
                f"{len(self.ids)} segments were given but the model was fitted on {n}; pass the segments it was "
                "fitted on, in the same order."
            )


def fit_segments(segments: pd.DataFrame) -> FitSegments:
    """Every segment, sorted by id (so input order never changes the stories).

    Copies are clustered too, each in its own article: which copy is the
    original (the first given) then never changes an article's story.  Their
    vectors cost nothing extra (the embedding cache is keyed by text).

    Examples
    --------
    >>> frame = pd.DataFrame({"segment_id": ["b", "a", "c"], "duplicate_of": [None, None, "a"],
    ...     "text": ["B", "A", "A"], "article_id": ["x", "y", "z"], "outlet": ["", "", ""], "headline": ["", "", ""],
    ...     "start": [0, 0, 0], "published": ["", "", ""]})
    >>> f = fit_segments(frame)
    >>> f.ids, f.row_to_fit.tolist(), f.n_unique
    (['a', 'b', 'c'], [1, 0, 2], 2)
    """
    order = np.argsort(segments["segment_id"].to_numpy().astype(str), kind="stable")
    row_to_fit = np.empty(len(order), dtype=np.int64)
    row_to_fit[order] = np.arange(len(order))

    def column(name: str) -> list[str]:
        return segments[name].fillna("").astype(str).to_numpy()[order].tolist()

    dup = segments["duplicate_of"]
    return FitSegments(
        ids=column("segment_id"),
        texts=segments["text"].to_numpy()[order].tolist(),
        article_ids=column("article_id"),
        outlets=column("outlet"),
        headlines=column("headline"),
        starts=[int(v) for v in segments["start"].to_numpy()[order]],
        published=column("published"),
        row_to_fit=row_to_fit,
        n_unique=int((~dup.map(lambda v: isinstance(v, str) and bool(v))).sum()),
        dates=column("date") if "date" in segments else None,
    )


def theme_tables(
    segments: pd.DataFrame,
    articles: pd.DataFrame,
    units: FitSegments,
    topics: np.ndarray,
    was_outlier: np.ndarray,
    themes: Sequence[Theme],
    first_seen: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """segments.csv and articles.csv: every segment with its article's story, every article with its story.

    ``topics`` and ``was_outlier`` are the cluster stage's, aligned with
    ``units``.  Both tables gain the story's group (``group``,
    ``group_label``; empty when the run has no groups) and its ``story_id``;
    articles their ``first_seen`` (article id -> the run that first saw it).
    """
    segments = segments.copy()
    articles = articles.copy()
    pos = units.row_to_fit
    label_of = {t.topic_id: t.label for t in themes}
    group_of = {t.topic_id: t.group for t in themes}
    group_label_of = {t.topic_id: t.group_label for t in themes}
    story_of = {t.topic_id: t.story_id for t in themes}
    segments["topic"] = np.asarray(topics, dtype=np.int64)[pos]
    segments["topic_label"] = [label_of.get(int(t), "outliers") for t in segments["topic"]]
    segments["was_outlier"] = np.asarray(was_outlier, dtype=bool)[pos]
    segments["group"] = pd.array([group_of.get(int(t)) for t in segments["topic"]], dtype="Int64")
    segments["group_label"] = [group_label_of.get(int(t), "") for t in segments["topic"]]
    segments["story_id"] = pd.array([story_of.get(int(t)) for t in segments["topic"]], dtype="Int64")
    majority = (
        segments.groupby("article_id", sort=False)["topic"]
        .agg(lambda s: Counter(s.tolist()).most_common(1)[0][0])
        .to_dict()
    )
    articles["topic"] = [int(majority.get(a, -1)) for a in articles["article_id"]]
    articles["topic_label"] = [label_of.get(t, "outliers") for t in articles["topic"]]
    articles["group"] = pd.array([group_of.get(int(t)) for t in articles["topic"]], dtype="Int64")
    articles["group_label"] = [group_label_of.get(int(t), "") for t in articles["topic"]]
    articles["story_id"] = pd.array([story_of.get(int(t)) for t in articles["topic"]], dtype="Int64")
    articles["first_seen"] = [(first_seen or {}).get(str(a), "") for a in articles["article_id"]]
    return (
        segments[[*SEGMENT_COLUMNS, "topic", "topic_label", "was_outlier", "group", "group_label", "story_id"]],
        articles[[*ARTICLE_COLUMNS, "topic", "topic_label", "group", "group_label", "story_id", "first_seen"]],
    )
