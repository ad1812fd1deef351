"""Placing new documents into the stories of an earlier run (``Result.transform``).

The new documents go through the same stages as the run's own (ingest,
segment, embed, with the run's configs) and each segment joins the nearest
story centre (:meth:`~topicsum.ThemeModel.transform`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import StageSkippedError

if TYPE_CHECKING:  # pragma: no cover
    from ._types import RunData

__all__ = ["transform_documents"]


def _is_text_list(documents: Any) -> bool:
    return (
        isinstance(documents, (list, tuple))
        and bool(documents)
        and all(isinstance(d, str) for d in documents)
        and not any(os.path.exists(d) for d in documents if len(d) < 4096)
    )


def transform_documents(run: RunData, documents: Any, *, no_model_reason: str = "") -> pd.DataFrame:
    """Segment new documents and place each segment into the existing themes.

    ``documents`` is anything :func:`topicsum.load_corpus` reads (paths, a
    DataFrame) or a list of strings; returns one row per new segment with
    ``topic`` and ``topic_label``.
    """
    from ._embed import embed_texts
    from ._ingest import load_corpus
    from ._segment import segment_corpus
    from ._setup import build_context

    if run.theme_model is None:
        raise StageSkippedError(no_model_reason or "This result has no fitted theme model; run topicsum again.")
    cfg = run.config
    context = build_context(cfg.__class__.from_options(cfg, summariser="none"), show_progress=False)
    if _is_text_list(documents):
        corpus = load_corpus(texts=list(documents), config=cfg.ingest, context=context)
    else:
        corpus = load_corpus(documents, config=cfg.ingest, context=context)
    frame = segment_corpus(corpus, cfg.segment, context).segments_frame()
    emb = embed_texts(frame["text"].tolist(), cfg.embed, context)
    topics = np.asarray(run.theme_model.transform(frame["text"].tolist(), emb), dtype=np.int64)
    label_of = {t.topic_id: t.label for t in run.themes}
    frame["topic"] = topics
    frame["topic_label"] = [label_of.get(int(t), "outliers") for t in topics]
    return frame
