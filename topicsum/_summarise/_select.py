"""Choosing sentences: centrality to the theme plus maximal marginal relevance (MMR)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["DUPLICATE_COSINE", "extract_sentences"]

#: Two sentences at least this similar say the same thing; only one is chosen.
DUPLICATE_COSINE = 0.92


def extract_sentences(
    embeddings: np.ndarray,
    k: int,
    *,
    lambda_: float = 0.7,
    selected: np.ndarray | None = None,
    exclude: set[int] | None = None,
    lengths: Sequence[int] | None = None,
) -> list[int]:
    """Rank sentences by centrality with maximal marginal relevance; return up to ``k`` indices.

    Centrality is the cosine similarity to the theme's mean vector.  Each pick
    maximises ``lambda * centrality - (1 - lambda) * max similarity to what is
    already chosen`` (``selected`` seeds that set, e.g. a generated overview);
    near-duplicates of a chosen sentence are skipped.

    Examples
    --------
    >>> e = np.eye(3, dtype=np.float32)[[0, 0, 1, 2]]
    >>> extract_sentences(e, 2)
    [0, 2]
    """
    n = len(embeddings)
    if n == 0 or k <= 0:
        return []
    centroid = embeddings.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    central = embeddings @ centroid
    if lengths is not None:
        # very short sentences carry little; lean slightly towards informative ones
        ln = np.asarray(lengths, dtype=np.float32)
        central = central * np.clip(ln / 80.0, 0.5, 1.0)
    chosen: list[int] = []
    if selected is not None and len(selected):
        max_sim = (embeddings @ np.asarray(selected, dtype=np.float32).T).max(axis=1)
    else:
        max_sim = np.full(n, -1.0, dtype=np.float32)
    blocked = np.zeros(n, dtype=bool)
    for i in exclude or ():
        blocked[i] = True
    blocked |= max_sim >= DUPLICATE_COSINE
    while len(chosen) < k:
        red = np.where(max_sim > -1.0, max_sim, 0.0)
        score = lambda_ * central - (1.0 - lambda_) * red
        score[blocked] = -np.inf
        best = int(np.argmax(score))
        if not np.isfinite(score[best]):
            break
        chosen.append(best)
        blocked[best] = True
        sims = embeddings @ embeddings[best]
        max_sim = np.maximum(max_sim, sims)
        blocked |= sims >= DUPLICATE_COSINE
    return chosen
