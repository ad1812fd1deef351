"""An embedder that reads and fills the run's embedding cache, for the short texts other stages encode.

The embed stage caches every segment's vector.  The cluster stage also
encodes texts of its own (the candidate words it ranks a story's keywords
with), and without a cache an update encodes them all again, though a pile
that grew by a few articles has almost the same candidates.
:class:`CachedEmbedder` wraps the run's embedder: texts seen before (by this
model, in this cache folder) are read, the others encoded and stored.  It is
used in the process that owns the run (never sent to other processes), for
the duration of one stage.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._protocols import Embedder
from ._store import EmbeddingStore, read_through

__all__ = ["CachedEmbedder"]


class CachedEmbedder:
    """``embedder`` with its ``encode`` going through the embedding cache in ``folder``.

    Every other attribute (``model_id``, ``dimension``, ``location``...) is the
    wrapped embedder's.  ``folder=None`` (the cache is off) encodes everything.
    The cache file is opened on the first ``encode`` and stays open until
    :meth:`close` (or the end of a ``with`` block).

    Parameters
    ----------
    embedder : Embedder
    folder : pathlib.Path or None
        The cache's ``embeddings/`` folder (:meth:`CacheSettings.entry`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from topicsum._embed import get_embedder
    >>> with CachedEmbedder(get_embedder(), pathlib.Path(tempfile.mkdtemp())) as emb:
    ...     first = emb.encode(["election", "rugby"])
    ...     emb.encoded, bool((emb.encode(["rugby"])[0] == first[1]).all()), emb.encoded
    (2, True, 2)
    """

    def __init__(self, embedder: Embedder, folder: Path | None) -> None:
        self.inner = embedder
        self.folder = folder
        self.encoded = 0  # texts this wrapper had to encode (the others came from the cache)
        self._store: EmbeddingStore | None = None

    def __getattr__(self, name: str) -> Any:
        if name in ("inner", "_store"):  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __enter__(self) -> CachedEmbedder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the cache file (the next ``encode`` opens it again)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None) -> np.ndarray:
        """Unit vectors of ``texts`` (float32 ``(n, d)``): cached ones read, the rest encoded and stored."""

        def encode_missing(keys: list[bytes], todo: list[str]) -> Iterator[tuple[list[bytes], np.ndarray]]:
            yield keys, np.asarray(self.inner.encode(todo, batch_size=batch_size, show_progress=False), np.float32)

        if self._store is None and self.folder is not None:
            self._store = EmbeddingStore(self.folder, self.inner.model_id, int(self.inner.dimension))
        vectors, encoded = read_through([str(t) for t in texts], self._store, encode_missing, int(self.inner.dimension))
        self.encoded += encoded
        return vectors
