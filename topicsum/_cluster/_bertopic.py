"""The BERTopic adapter: topicsum's themes handed to BERTopic as a fitted, manual topic model.

topicsum finds the themes itself (:mod:`._algorithm`) and passes the
assignment to BERTopic with ``BaseCluster`` + ``BaseDimensionalityReduction``,
so c-TF-IDF, KeyBERTInspired + MaximalMarginalRelevance keywords, hierarchy,
topics-over-time, merging and safetensors serialisation are BERTopic's own.
bertopic and scikit-learn are imported inside the functions.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._algorithm import unit
from ._keywords import StoryKeywords

if TYPE_CHECKING:  # pragma: no cover
    from .._protocols import Embedder

__all__ = ["NEWS_STOP_WORDS", "describe_topics", "embedding_backend", "fit_bertopic"]

logger = logging.getLogger(__name__)

#: Reporting verbs and fillers that c-TF-IDF ranks high in news but that say nothing about a theme.
NEWS_STOP_WORDS = frozenset(
    "said says say told according added reported reportedly mr mrs ms just like also year years "
    "week weeks time times new people including did does don didn ve ll re".split()
)
#: A keyword token: two or more word characters, at least one a letter ("MH370" yes; "39", "000" no).
WORD_PATTERN = r"(?u)\b(?=\w*[^\W\d_])\w\w+\b"
#: Keyword vectors remembered by the embedding backend, at most (bounded memory).
_MEMO_LIMIT = 200_000


def _stop_words(name: str | None) -> list[str] | str | None:
    """sklearn's English list plus :data:`NEWS_STOP_WORDS` for ``"english"``; other names as given."""
    if name == "english":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return sorted(ENGLISH_STOP_WORDS | NEWS_STOP_WORDS)
    return name


def embedding_backend(embedder: Embedder, texts: Sequence[str] = (), vectors: np.ndarray | None = None) -> Any:
    """A topicsum :class:`Embedder` as a BERTopic embedding backend.

    It remembers vectors: the fitted segments' embeddings are known up front
    and keyword candidates are encoded once, so KeyBERTInspired and MMR do not
    re-encode what is already known.  New texts are encoded in sorted order,
    so their vectors do not depend on the order BERTopic asks for them in
    (a set's order, which changes with Python's hash seed).
    """
    from bertopic.backend import BaseEmbedder

    class Backend(BaseEmbedder):  # type: ignore[misc]
        def __init__(self, inner: Embedder) -> None:
            super().__init__()
            self.inner = inner
            self.memo: dict[str, np.ndarray] = {}

        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            docs = [str(d) for d in documents]
            # Sorted: BERTopic passes keyword candidates in set order, which changes with Python's hash
            # seed; the batches (and so the last bits of each vector) would change with it from run to run.
            todo = sorted({d for d in docs if d not in self.memo})
            if todo:
                enc = self.inner.encode(todo, show_progress=False)
                if len(self.memo) < _MEMO_LIMIT:
                    self.memo.update(zip(todo, enc))
                else:  # bounded memory: answer without remembering
                    fresh = dict(zip(todo, enc))
                    return np.stack([self.memo.get(d, fresh.get(d)) for d in docs])
            return np.stack([self.memo[d] for d in docs]) if docs else np.zeros((0, self.inner.dimension))

    backend = Backend(embedder)
    if vectors is not None:
        backend.memo.update(zip(texts, vectors))
    return backend


def _vectorizer(n: int, ngram_max: int, stop_words: str | None, *, fallback: bool = False) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    if fallback:
        return CountVectorizer(ngram_range=(1, ngram_max), token_pattern=r"(?u)\b\w+\b")
    return CountVectorizer(
        stop_words=_stop_words(stop_words),
        token_pattern=WORD_PATTERN,
        ngram_range=(1, ngram_max),
        min_df=1 if n < 2000 else 2,
        max_features=200_000,
    )


def fit_bertopic(
    texts: list[str],
    X: np.ndarray,
    labels: np.ndarray,
    backend: Any,
    *,
    articles: Sequence[str],
    n_keywords: int,
    ngram_max: int,
    stop_words: str | None,
) -> tuple[Any, np.ndarray]:
    """A BERTopic model fitted with ``labels`` as its topics; returns it and its topic per text.

    Keywords are c-TF-IDF candidates reranked by :class:`~._keywords.StoryKeywords`
    (KeyBERT-style, batched) with ``backend`` (:func:`embedding_backend`, which
    knows the vectors of ``texts``); without one they are plain c-TF-IDF.
    When every word is a stop word, keywords are extracted again without stop words.
    """
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction

    rep: Any = None
    if backend is not None:
        rep = [
            StoryKeywords(
                encode=backend.embed, doc_vectors=backend.memo, articles=articles, top_n_words=n_keywords
            )
        ]
    for fallback in (False, True):
        model = BERTopic(
            embedding_model=backend,
            umap_model=BaseDimensionalityReduction(),
            hdbscan_model=BaseCluster(),
            vectorizer_model=_vectorizer(len(texts), ngram_max, stop_words, fallback=fallback),
            representation_model=rep,
            top_n_words=n_keywords,
            min_topic_size=2,
            verbose=False,
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(texts, X, y=labels)
            break
        except ValueError as exc:  # e.g. "empty vocabulary" when every word is a stop word
            if fallback:
                raise
            logger.info("Keyword extraction failed (%s); retrying without stop words.", exc)
    # BaseCluster keeps our ids; use BERTopic's numbering should it ever differ.
    return model, np.asarray(model.topics_, dtype=np.int64)


def describe_topics(
    model: Any, topics: np.ndarray, embeddings: np.ndarray, n_keywords: int
) -> tuple[dict[int, list[tuple[str, float]]], dict[int, np.ndarray]]:
    """Keywords (BERTopic's representation) and unit centre of every topic of a fitted BERTopic ``model``."""
    keywords: dict[int, list[tuple[str, float]]] = {}
    centres: dict[int, np.ndarray] = {}
    for t in sorted(set(topics.tolist())):
        words = model.get_topic(t) or []
        keywords[t] = [(str(w), float(s)) for w, s in words if str(w).strip()][:n_keywords]
        centres[t] = unit(embeddings[np.flatnonzero(topics == t)].mean(axis=0, keepdims=True))[0]
    return keywords, centres
