"""Finding themes past what one process should fit: a seeded sample on the client, the rest on the workers.

Up to :data:`MAX_CLIENT_FIT` unique segments, the themes are fitted on the
client on every vector, exactly as in a serial run (the vectors of a million
segments take about 1.5 GB: 384 float32 each).  Above it, and only on an
executor that runs elsewhere (a Dask cluster), the model is fitted on a seeded sample of that size and every
other segment goes to its nearest theme centre on the workers
(:func:`assign_chunk`, the rule of ``ThemeModel.transform``: cosine to the
centres, an outlier when no centre is similar enough).

This is the one place that knows how a sample-fitted model is completed, so
a new clustering algorithm changes only :func:`assign_chunk` and
``ThemeModel.centres``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._embed import CachedEmbedder
from .._parallel import Executor, SerialExecutor

if TYPE_CHECKING:  # pragma: no cover
    from .._config import ClusterConfig
    from .._context import RunContext
    from .._tables import FitSegments
    from ._model import ThemeModel

__all__ = ["ASSIGN_CHUNK", "MAX_CLIENT_FIT", "assign_chunk", "fit_sample_size", "fit_themes"]

logger = logging.getLogger(__name__)

#: Most unique segments the themes are fitted on in one process; above it, a seeded sample of this size.
MAX_CLIENT_FIT = 1_000_000
#: Segments per assignment task (their vectors travel: 1.5 KB each, 7.7 MB a task).
ASSIGN_CHUNK = 5_000


def fit_sample_size(n: int, executor: Executor, limit: int | None = None) -> int | None:
    """How many of ``n`` unique segments the themes are fitted on, or ``None`` for all of them.

    Examples
    --------
    >>> class Elsewhere(SerialExecutor):
    ...     remote = True
    >>> fit_sample_size(10, Elsewhere(), limit=4), fit_sample_size(3, Elsewhere(), limit=4)
    (4, None)
    >>> fit_sample_size(10, SerialExecutor(), limit=4) is None  # here, always on every segment
    True
    """
    limit = MAX_CLIENT_FIT if limit is None else int(limit)
    return limit if executor.remote and n > limit else None


def assign_chunk(
    vectors: np.ndarray, *, ids: np.ndarray, centres: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Task: the theme of each vector (nearest centre, -1 when none is similar enough) and its outlier flag.

    Examples
    --------
    >>> C = np.eye(2, dtype=np.float32)
    >>> topics, outlier = assign_chunk(np.array([[1, 0.1], [0, 1], [-1, -1]], dtype=np.float32),
    ...     ids=np.array([0, 1]), centres=C, threshold=0.1)
    >>> topics.tolist(), outlier.tolist()
    ([0, 1, -1], [False, False, True])
    """
    from ._model import OUTLIER_SIMILARITY, nearest_theme

    topics, score = nearest_theme(vectors, ids, centres, threshold)
    return topics, score < OUTLIER_SIMILARITY


class _Rows(Sequence[np.ndarray]):
    """Chunks of rows of a matrix, sliced only when a task is submitted (no copy of the whole)."""

    def __init__(self, matrix: np.ndarray, chunks: list[np.ndarray]) -> None:
        self.matrix, self.chunks = matrix, chunks

    def __len__(self) -> int:
        return len(self.chunks)

    def __getitem__(self, i: int) -> np.ndarray:  # type: ignore[override]
        return np.ascontiguousarray(self.matrix[self.chunks[i]])


def fit_themes(
    units: FitSegments,
    vectors: np.ndarray,
    config: ClusterConfig,
    context: RunContext,
    *,
    limit: int | None = None,
    init: Mapping[str, int] | None = None,
) -> ThemeModel:
    """The cluster stage: the themes of ``units``, on all of them or on a seeded sample with the rest assigned.

    The sample (above :data:`MAX_CLIENT_FIT`, on an executor elsewhere) is
    drawn with the context's seed; the rest is assigned on its executor.

    A sample-fitted model is completed to every segment: ``topics_``,
    ``was_outlier_``, ``coords_2d_`` (an assigned segment sits at its theme's
    mean place on the map), ``texts_``, ``titles_`` and ``embeddings_`` cover
    all of them, and ``fit_sample_`` holds the positions it was fitted on.
    Its keywords and labels come from the sample.

    ``init`` (article id -> story of an earlier run) continues those stories
    (:meth:`ThemeModel.fit`).
    """
    from ._model import ThemeModel

    n = len(units.ids)
    size = fit_sample_size(n, context.executor, limit)
    model = ThemeModel(config, seed=context.seed)
    sample = None if size is None else np.sort(np.random.default_rng(context.seed).choice(n, size=size, replace=False))
    pick = list(range(n)) if sample is None else sample.tolist()
    if sample is not None:
        logger.info("themes: fitting on a seeded sample of %d of %d segments; assigning the rest", size, n)
    # the keyword candidates go through the embedding cache (an update has almost the same ones); the
    # fitted model is then given the plain embedder, so nothing after this stage writes to the cache
    embedder = None if context.embedder is None else CachedEmbedder(context.embedder, context.cache.entry("embeddings"))
    try:
        model.fit(
            [units.texts[i] for i in pick], vectors if sample is None else vectors[sample],
            groups=[units.article_ids[i] for i in pick], embedder=embedder, init=init,
        )  # fmt: skip
    finally:
        if embedder is not None:
            embedder.close()
    if context.embedder is not None:
        model.attach(context.embedder)
    if sample is None:
        return model
    rest = np.setdiff1d(np.arange(n), sample)
    chunks = [rest[s : s + ASSIGN_CHUNK] for s in range(0, len(rest), ASSIGN_CHUNK)]
    ids, centres, threshold = model.centres()
    results = context.executor.map(
        functools.partial(assign_chunk, ids=ids, centres=centres, threshold=threshold), _Rows(vectors, chunks),
        desc="Assigning", unit="segment", sizes=[len(c) for c in chunks], progress=context.progress,
    )  # fmt: skip
    topics = np.full(n, -1, dtype=np.int64)
    was_outlier = np.zeros(n, dtype=bool)
    topics[sample], was_outlier[sample] = model.topics_, model.was_outlier_
    for chunk, (t, w) in zip(chunks, results):
        topics[chunk], was_outlier[chunk] = t, w
    _complete(model, units, vectors, sample, topics, was_outlier)
    return model


def _complete(
    model: ThemeModel,
    units: FitSegments,
    vectors: np.ndarray,
    sample: np.ndarray,
    topics: np.ndarray,
    was_outlier: np.ndarray,
) -> None:
    """Extend a sample-fitted model's per-segment attributes to every segment."""
    coords = np.zeros((len(topics), 2), dtype=np.float32)
    sample_coords = np.asarray(model.coords_2d_, dtype=np.float32)
    sample_topics = np.asarray(model.topics_)
    for t in np.unique(topics):
        mine = sample_topics == t
        coords[topics == t] = sample_coords[mine].mean(axis=0) if mine.any() else 0.0
    coords[sample] = sample_coords
    model.topics_, model.was_outlier_, model.coords_2d_ = topics, was_outlier, coords
    model.texts_ = list(units.texts)
    model.articles_ = list(units.article_ids)
    model.embeddings_ = np.asarray(vectors, dtype=np.float32)
    model.fit_sample_ = sample
