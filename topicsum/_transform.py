"""Placing new documents into the themes of an earlier run (``Result.transform``)."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import StageSkippedError

if TYPE_CHECKING:  # pragma: no cover
    from ._config import EmbedConfig
    from ._embed import Embedder
    from ._result import Result

__all__ = ["shared_embedder", "transform_documents"]


@functools.lru_cache(maxsize=2)
def shared_embedder(config: EmbedConfig, cache_dir: Path) -> Embedder:
    """One loaded embedder per embedding config and process (notebooks re-run often)."""
    from ._embed import get_embedder

    return get_embedder(config, cache_dir=cache_dir)


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
