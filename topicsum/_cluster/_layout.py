"""The report's 2-D map of the segments: theme centres placed by PCA, segments around their centre."""

from __future__ import annotations

import numpy as np

from ._algorithm import centroids

__all__ = ["map_coords"]


def map_coords(X: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """2-D map: theme centres placed by PCA of the centres, segments around them by PCA of their offsets.

    Cheap (linear in the corpus) and deterministic; themes that are similar
    sit close together.  Returns float32 ``(n, 2)``.

    Examples
    --------
    >>> X = np.eye(4, dtype=np.float32)[[0, 0, 1, 1, 2, 3]]
    >>> map_coords(X, np.array([0, 0, 1, 1, 2, 2]), seed=0).shape
    (6, 2)
    """
    from sklearn.decomposition import PCA

    n = X.shape[0]
    ids = sorted(set(labels.tolist()))
    C = centroids(X, labels, ids)
    centres = np.zeros((len(ids), 2), dtype=np.float64)
    if len(ids) >= 3:
        centres = PCA(n_components=2, random_state=seed).fit_transform(C)
    elif len(ids) == 2:
        centres = np.array([[-1.0, 0.0], [1.0, 0.0]])
    if len(ids) >= 2:
        centres /= max(np.abs(centres).max(), 1e-9)
        d = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
        spacing = float(d[d > 0].min()) if (d > 0).any() else 1.0
    else:
        spacing = 1.0
    pos = {t: i for i, t in enumerate(ids)}
    idx = np.array([pos[t] for t in labels.tolist()])
    offsets = X - C[idx]
    local = np.zeros((n, 2), dtype=np.float64)
    if n >= 3 and np.abs(offsets).max() > 1e-6:
        local = PCA(n_components=2, random_state=seed).fit_transform(offsets)
        local /= max(float(np.percentile(np.linalg.norm(local, axis=1), 95)), 1e-9)
    return (centres[idx] + 0.35 * spacing * local).astype(np.float32)
