"""The embedder loaded once per process, and placing new documents into the themes of an earlier run.

:func:`shared_embedder` keeps one loaded model per config and process;
:class:`PortableEmbedder` is what a parallel task gets instead of the model;
:func:`transform_documents` is ``Result.transform``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import ClusterError, StageSkippedError

if TYPE_CHECKING:  # pragma: no cover
    from ._config import EmbedConfig
    from ._embed import Embedder
    from ._result import Result

__all__ = ["PortableEmbedder", "shared_embedder", "transform_documents"]


@functools.lru_cache(maxsize=2)
def shared_embedder(config: EmbedConfig, cache_dir: Path) -> Embedder:
    """One loaded embedder per embedding config and process (notebooks re-run often)."""
    from ._embed import get_embedder

    return get_embedder(config, cache_dir=cache_dir)


class PortableEmbedder:
    """An embedder that travels as its settings and loads its model once in each process that uses it.

    What a task gets instead of the model itself: pickling it sends the
    embedding config, the cache folder and the expected ``model_id``; its
    first :meth:`encode` in a worker process loads the model there
    (:func:`shared_embedder`) and checks that the worker has the same model
    as the client.

    Examples
    --------
    >>> from topicsum._config import EmbedConfig
    >>> emb = PortableEmbedder(EmbedConfig(), Path("."), model_id="x", dimension=384)
    >>> import pickle; len(pickle.dumps(emb)) < 1000
    True
    """

    def __init__(
        self, config: EmbedConfig, cache_dir: Path, *, model_id: str, dimension: int, source: str | None = None
    ) -> None:
        self.config = config
        self.cache_dir = Path(cache_dir)
        self.model_id = model_id
        self.dimension = int(dimension)
        self.source = source

    @classmethod
    def of(cls, embedder: Embedder, config: EmbedConfig, cache_dir: Path) -> PortableEmbedder:
        """The portable form of ``embedder``, which was built from ``config`` (see ``shared_embedder``)."""
        return cls(
            config, cache_dir, model_id=embedder.model_id, dimension=embedder.dimension,
            source=getattr(embedder, "source", None),
        )  # fmt: skip

    def _loaded(self) -> Embedder:
        embedder = shared_embedder(self.config, self.cache_dir)
        if embedder.model_id != self.model_id:
            raise ClusterError(
                f"A Dask worker loaded the embedding model {embedder.model_id!r} but the client uses "
                f"{self.model_id!r}; install the same model package on the client and every worker."
            )
        return embedder

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None) -> np.ndarray:
        """Encode with the model loaded in this process (loading it on first use)."""
        return self._loaded().encode(texts, batch_size=batch_size, show_progress=show_progress)

    def __repr__(self) -> str:
        return f"PortableEmbedder(model_id={self.model_id!r}, dimension={self.dimension})"


def _is_text_list(documents: Any) -> bool:
    return (
        isinstance(documents, (list, tuple))
        and bool(documents)
        and all(isinstance(d, str) for d in documents)
        and not any(os.path.exists(d) for d in documents if len(d) < 4096)
    )


def transform_documents(result: Result, documents: Any, **load_options: Any) -> pd.DataFrame:
    """Segment new documents and place each segment into the existing themes.

    ``documents`` is anything :func:`topicsum.load_corpus` reads (paths, a
    DataFrame) or a list of strings; returns one row per new segment with
    ``topic`` and ``topic_label``.
    """
    from ._embed import embed_texts
    from ._ingest import load_corpus

    if result.theme_model is None:
        raise StageSkippedError(result._no_model_reason())
    cfg = result.config
    if _is_text_list(documents):
        corpus = load_corpus(texts=list(documents), config=cfg.ingest, segment_config=cfg.segment, **load_options)
    else:
        corpus = load_corpus(documents, config=cfg.ingest, segment_config=cfg.segment, **load_options)
    frame = corpus.segments_frame()
    cache_dir = cfg.resolved_cache_dir()
    embedder = shared_embedder(cfg.embed, cache_dir)
    emb = embed_texts(
        frame["text"].tolist(), embedder, cache_dir=cache_dir if cfg.embed.cache else None, batch_size=cfg.embed.batch_size
    )
    topics = np.asarray(result.theme_model.transform(frame["text"].tolist(), emb), dtype=np.int64)
    label_of = {t.topic_id: t.label for t in result.themes}
    frame["topic"] = topics
    frame["topic_label"] = [label_of.get(int(t), "outliers") for t in topics]
    return frame
