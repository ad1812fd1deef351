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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._protocols import Embedder
from ._store import EmbeddingStore

__all__ = ["CachedEmbedder"]


def _key(text: str) -> bytes:
    from . import text_hash

    return text_hash(text)


class CachedEmbedder:
    """``embedder`` with its ``encode`` going through the embedding cache in ``folder``.

    Every other attribute (``model_id``, ``dimension``, ``location``...) is the
    wrapped embedder's.  ``folder=None`` (the cache is off) encodes everything.

    Parameters
    ----------
    embedder : Embedder
    folder : pathlib.Path or None
        The cache's ``embeddings/`` folder (:meth:`CacheSettings.entry`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from topicsum._embed import get_embedder
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> emb = CachedEmbedder(get_embedder(), folder)
    >>> first = emb.encode(["election", "rugby"])
    >>> emb.encoded, bool((emb.encode(["rugby"])[0] == first[1]).all()), emb.encoded
    (2, True, 2)
    """

    def __init__(self, embedder: Embedder, folder: Path | None) -> None:
        self.inner = embedder
        self.folder = folder
        self.encoded = 0  # texts this wrapper had to encode (the others came from the cache)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None) -> np.ndarray:
        """Unit vectors of ``texts`` (float32 ``(n, d)``): cached ones read, the rest encoded and stored."""
        texts = [str(t) for t in texts]
        if self.folder is None or not texts:
            self.encoded += len(texts)
            return np.asarray(self.inner.encode(texts, batch_size=batch_size, show_progress=False), dtype=np.float32)
        keys = [_key(t) for t in texts]
        first: dict[bytes, str] = {}
        for k, t in zip(keys, texts):
            first.setdefault(k, t)
        store = EmbeddingStore(self.folder, self.inner.model_id, int(self.inner.dimension))
        try:
            vectors = store.get(list(first))
            todo = [k for k in first if k not in vectors]
            if todo:
                enc = np.asarray(
                    self.inner.encode([first[k] for k in todo], batch_size=batch_size, show_progress=False),
                    dtype=np.float32,
                )
                store.put(todo, enc)
                vectors.update(zip(todo, enc))
                self.encoded += len(todo)
        finally:
            store.close()
        return np.stack([vectors[k] for k in keys])
