"""The clustering algorithm, as plain functions on unit vectors: themes, outliers, ordering.

How themes are found (:func:`find_themes`):

1. Each segment's clustering vector mixes in its article's mean embedding
   (:func:`clustering_vectors`), so the paragraphs of one article stay together.
2. One hierarchical clustering (average linkage on cosine distance for up to
   1,000 segments; Ward linkage on a seeded sample of 3,000 above that) is cut
   at every k from 2 to a size-aware maximum, and the cut with the best cosine
   silhouette is kept; an explicit ``n_topics`` picks the cut.  Big corpora are
   then polished with k-means on every vector, started from the cut's centres
   (:func:`cluster_cut`).
3. Segments far from their theme centre, or in a theme smaller than
   ``min_topic_size``, are flagged as outliers; with ``reduce_outliers``
   they move to the nearest theme when it is at all similar (:func:`flag_outliers`).

scipy and scikit-learn are imported inside the functions.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .._errors import SmallCorpusWarning

__all__ = [
    "AGGLOMERATIVE_MAX",
    "K_SAMPLE",
    "MAX_AUTO_TOPICS",
    "OUTLIER_SIMILARITY",
    "REASSIGN_SIMILARITY",
    "Assignment",
    "auto_min_topic_size",
    "centroids",
    "cluster_cut",
    "clustering_vectors",
    "find_themes",
    "flag_outliers",
    "relabel_by_size",
    "unit",
]

logger = logging.getLogger(__name__)

#: Above this many segments the number of themes is chosen on a seeded sample.
K_SAMPLE = 3_000
#: Up to this many segments, average-linkage (cosine) clustering; above it, k-means.
AGGLOMERATIVE_MAX = 1_000
#: Most themes "auto" will choose.
MAX_AUTO_TOPICS = 25
#: A segment less similar than this to its theme centre is flagged ``was_outlier``.
OUTLIER_SIMILARITY = 0.25
#: A flagged segment at least this similar to some theme centre is reassigned (reduce_outliers).
REASSIGN_SIMILARITY = 0.10
_SMALL = 5  # fewer (distinct) segments than this: one theme, with a SmallCorpusWarning


@dataclass
class Assignment:
    """What :func:`find_themes` found: a theme per vector (-1 = outlier) and how it was chosen."""

    labels: np.ndarray
    was_outlier: np.ndarray
    scores: dict[int, float] = field(default_factory=dict)  # silhouette by number of themes ("auto")


def auto_min_topic_size(n: int) -> int:
    """The smallest theme for a corpus of ``n`` segments when none is given.

    A theme needs at least 0.2% of the segments, and at least 2: 2 for a few
    hundred segments, 4 for 2,000 and 200 for 100,000.

    Examples
    --------
    >>> [auto_min_topic_size(n) for n in (10, 90, 2225, 100_000)]
    [2, 2, 4, 200]
    """
    return int(max(2, n // 500))


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


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber themes 0..k-1 by size (largest first; ties by first occurrence); -1 stays -1.

    Examples
    --------
    >>> relabel_by_size(np.array([5, 7, 7, -1, 5, 7])).tolist()
    [1, 0, 0, -1, 1, 0]
    """
    ids = [t for t in dict.fromkeys(labels.tolist()) if t != -1]  # first-occurrence order
    sizes = {t: int((labels == t).sum()) for t in ids}
    order = sorted(ids, key=lambda t: -sizes[t])  # stable: ties keep first-occurrence order
    mapping = {t: i for i, t in enumerate(order)}
    mapping[-1] = -1
    return np.array([mapping[t] for t in labels.tolist()], dtype=np.int64)


def clustering_vectors(X: np.ndarray, groups: Sequence[str] | None, article_context: float) -> np.ndarray:
    """Each row mixed with its group's (article's) mean vector: ``(1 - a) * x + a * mean``, unit length."""
    a = float(article_context)
    if groups is None or a <= 0:
        return X
    keys = np.unique(np.asarray(list(groups), dtype=object).astype(str), return_inverse=True)[1]
    sums = np.zeros((keys.max() + 1, X.shape[1]), dtype=np.float64)
    np.add.at(sums, keys, X)
    means = unit(sums)
    return unit((1 - a) * X + a * means[keys])


def find_themes(
    V: np.ndarray,
    *,
    n_topics: int | None,
    min_topic_size: int | None,
    reduce_outliers: bool,
    seed: int,
) -> Assignment:
    """Themes of the clustering vectors ``V`` (unit rows), numbered by size (0 = largest).

    ``n_topics=None`` chooses the number; tiny corpora (fewer than 5 distinct
    vectors) form one theme with a :class:`SmallCorpusWarning`.
    """
    n = V.shape[0]
    n_distinct = len(np.unique(np.round(V, 4), axis=0))
    scores: dict[int, float] = {}
    if n < _SMALL or n_distinct < _SMALL:
        labels, was_outlier = _small_corpus(V, n, n_distinct, n_topics, seed)
    else:
        labels, scores = cluster_cut(V, n_topics, seed)
        m = min_topic_size or (1 if n_topics is not None else auto_min_topic_size(n))
        labels, was_outlier = flag_outliers(V, labels, min_size=m, reduce=reduce_outliers)
    return Assignment(relabel_by_size(labels), np.asarray(was_outlier, dtype=bool), scores)


def _small_corpus(
    V: np.ndarray, n: int, n_distinct: int, k: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    if k is not None and k > 1 and n_distinct >= k:
        return cluster_cut(V, k, seed)[0], np.zeros(n, dtype=bool)
    if n == 1:
        found = "Only 1 segment was found"
    else:
        what = "all identical" if n_distinct == 1 else f"{n_distinct} distinct"
        found = f"Only {n} unique segments ({what}) were found"
    warnings.warn(
        SmallCorpusWarning(
            f"{found}, too few to find themes, so they form a single theme; add more articles to get "
            "several themes."
        ),
        stacklevel=4,
    )
    return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)


def cluster_cut(V: np.ndarray, k: int | None, seed: int) -> tuple[np.ndarray, dict[int, float]]:
    """Theme per row of ``V``, and the silhouette of each number of themes tried (``k=None``).

    One hierarchical clustering of (a seeded sample of) the vectors is cut at
    every k from 2 to a size-aware maximum, and the cut with the best cosine
    silhouette wins (or the cut at the given ``k``).  Up to
    :data:`AGGLOMERATIVE_MAX` segments: average linkage on cosine distance,
    used as is (exact, and it keeps small stories apart).  Above: Ward
    linkage on a sample of :data:`K_SAMPLE`, then k-means on all vectors
    started from the cut's centres.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    n = V.shape[0]
    small = n <= AGGLOMERATIVE_MAX
    S = V
    if n > K_SAMPLE:
        rng = np.random.default_rng(seed)
        S = V[np.sort(rng.choice(n, size=K_SAMPLE, replace=False))]
    S64 = S.astype(np.float64)
    Z = linkage(S64, method="average", metric="cosine") if small else linkage(S64, method="ward")

    def cut(k_: int) -> np.ndarray:
        raw = fcluster(Z, k_, criterion="maxclust")
        return np.unique(raw, return_inverse=True)[1].astype(np.int64)

    scores: dict[int, float] = {}
    if k is not None:
        best_labels = cut(k)
    else:
        best_labels, scores = _best_silhouette_cut(S, n, cut)
    if small:
        return best_labels, scores
    return _polish_with_kmeans(V, S, best_labels, seed), scores


def _best_silhouette_cut(S: np.ndarray, n: int, cut: object) -> tuple[np.ndarray, dict[int, float]]:
    from sklearn.metrics import silhouette_score

    n_distinct = len(np.unique(np.round(S, 4), axis=0))
    k_max = int(min(n_distinct - 1, MAX_AUTO_TOPICS, max(8, math.isqrt(n))))
    best_score, best_labels = -1.0, np.zeros(len(S), dtype=np.int64)
    scores: dict[int, float] = {}
    for k_try in range(2, k_max + 1):
        labels = cut(k_try)  # type: ignore[operator]
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(S, labels, metric="cosine"))
        scores[k_try] = round(score, 4)
        if score > best_score + 1e-9:
            best_score, best_labels = score, labels
    logger.debug("silhouette by number of themes: %s", scores)
    return best_labels, scores


def _polish_with_kmeans(V: np.ndarray, S: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """k-means on every vector, started from the centres of the sample's cut."""
    from sklearn.cluster import KMeans

    n_found = int(labels.max()) + 1
    centres = np.stack([S[labels == t].mean(axis=0) for t in range(n_found)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning when there are fewer distinct points than k
        km = KMeans(n_clusters=n_found, init=centres, n_init=1, random_state=seed)
        return km.fit_predict(V).astype(np.int64)


def flag_outliers(
    V: np.ndarray, labels: np.ndarray, *, min_size: int, reduce: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Flag rows that fit their theme badly or sit in a theme smaller than ``min_size``; reassign them if ``reduce``.

    Returns the new labels (-1 for outliers left unassigned) and the flags.
    """
    n = V.shape[0]
    ids = sorted(set(labels.tolist()))
    sizes = {t: int((labels == t).sum()) for t in ids}
    keep = [t for t in ids if sizes[t] >= min_size] or [max(ids, key=lambda t: sizes[t])]
    C = centroids(V, labels, keep)
    sims = V @ C.T
    own = np.full(n, -1.0, dtype=np.float32)
    pos = {t: i for i, t in enumerate(keep)}
    for i, t in enumerate(labels.tolist()):
        if t in pos:
            own[i] = sims[i, pos[t]]
    was_outlier = own < OUTLIER_SIMILARITY
    out = labels.copy()
    out[was_outlier] = -1
    if reduce:
        best = sims.argmax(axis=1)
        ok = was_outlier & (sims[np.arange(n), best] >= REASSIGN_SIMILARITY)
        out[ok] = np.asarray(keep)[best[ok]]
    return out, was_outlier
