"""The BERTopic adapter: topicsum's themes handed to BERTopic as a fitted, manual topic model.

topicsum finds the themes itself (:mod:`._algorithm`) and passes the
assignment to BERTopic with ``BaseCluster`` + ``BaseDimensionalityReduction``,
so c-TF-IDF, KeyBERT-style keywords, hierarchy, topics over time, merging
and saving are BERTopic's own.  The model handed out is a
:class:`TopicsumBERTopic`: a BERTopic whose ``update_topics`` keeps topicsum's
keyword settings unless told otherwise, with an embedding backend
(:class:`TopicsumBackend`) that BERTopic can pickle and that points
``BERTopic.load`` at a model it can load offline.

Both classes subclass bertopic's and are made on first use (module
``__getattr__``), so importing this module imports no bertopic; they are
module attributes all the same, so pickle finds them.
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

__all__ = [
    "KEYWORD_RULES_VERSION",
    "NEWS_STOP_WORDS",
    "TopicsumBERTopic",
    "TopicsumBackend",
    "as_topicsum_model",
    "describe_topics",
    "embedding_backend",
    "fit_bertopic",
    "keyword_model",
]

logger = logging.getLogger(__name__)

#: Reporting verbs and fillers that c-TF-IDF ranks high in news but that say nothing about a theme.
#: Bump when the keyword rules (tokens, stop words) change, so models fitted by an earlier version are fitted again.
KEYWORD_RULES_VERSION = 2
#: News agencies, whose names sit in datelines and bylines ("(Reuters) -", "AP Photo"), not in the story, are
#: not keywords either.
NEWS_STOP_WORDS = frozenset(
    "said says say told according added reported reportedly mr mrs ms just like also year years "
    "week weeks time times new people including did does don didn ve ll re "
    "reuters ap afp upi xinhua tass interfax yonhap kyodo dpa efe ansa getty".split()
)
#: A keyword token: two or more word characters, at least one a letter ("MH370" yes; "39", "000" no); a
#: hyphen or an apostrophe before two letters keeps it whole ("jong-un", "o'brien", "22-hour"; "russia's" is
#: "russia"), so names are not cut.
WORD_PATTERN = r"(?u)\b(?=[\w'’-]*[^\W\d_])\w+(?:['’]\w{2,}|-\w+)*(?<=\w\w)\b"
#: Keyword vectors remembered by the embedding backend, at most (bounded memory).
_MEMO_LIMIT = 200_000


def _stop_words(name: str | None) -> list[str] | str | None:
    """sklearn's English list plus :data:`NEWS_STOP_WORDS` for ``"english"``; other names as given."""
    if name == "english":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return sorted(ENGLISH_STOP_WORDS | NEWS_STOP_WORDS)
    return name


def _make_backend_class() -> type:
    from bertopic.backend import BaseEmbedder

    class TopicsumBackend(BaseEmbedder):  # type: ignore[misc]
        """A topicsum :class:`~topicsum._protocols.Embedder` as a BERTopic embedding backend.

        It remembers vectors: the fitted segments' embeddings are known up front
        and keyword candidates are encoded once, so the keyword model does not
        re-encode what is already known.  New texts are encoded in sorted order,
        so their vectors do not depend on the order BERTopic asks for them in
        (a set's order, which changes with Python's hash seed).  ``_hf_model`` is
        what ``BERTopic.save(..., serialization="safetensors")`` records for
        ``BERTopic.load`` to load the embedding model with: the model's folder
        (offline on this machine) or its hub name.
        """

        def __init__(self, inner: Embedder) -> None:
            super().__init__()
            self.inner = inner
            self.memo: dict[str, np.ndarray] = {}

        @property
        def _hf_model(self) -> str | None:
            return getattr(self.inner, "location", None)

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

    TopicsumBackend.__module__ = __name__
    TopicsumBackend.__qualname__ = "TopicsumBackend"
    return TopicsumBackend


def _make_model_class() -> type:
    from bertopic import BERTopic

    class TopicsumBERTopic(BERTopic):  # type: ignore[misc]
        """The BERTopic model topicsum hands out (``Result.model``): BERTopic itself, with two differences.

        * ``update_topics(docs)`` keeps topicsum's keyword settings (its
          vectorizer: stop words, news fillers, names kept whole; and its
          keyword model) unless you pass your own; ``n_gram_range`` alone
          changes only the n-gram range of that vectorizer.  Plain BERTopic
          falls back to a bare ``CountVectorizer`` and no keyword model.
        * ``delete_topics`` works with the story names set as custom labels
          (BERTopic 0.17 expects a dict there, though ``set_topic_labels``
          stores a list).
        """

        def update_topics(self, docs: list[str], *args: Any, **kwargs: Any) -> None:
            import inspect

            from sklearn.base import clone

            given = inspect.signature(BERTopic.update_topics).bind(self, docs, *args, **kwargs).arguments
            if given.get("vectorizer_model") is None and self.vectorizer_model is not None:
                vectorizer = self.vectorizer_model
                if given.get("n_gram_range") is not None:
                    vectorizer = clone(vectorizer).set_params(ngram_range=tuple(given["n_gram_range"]))
                kwargs["vectorizer_model"] = vectorizer
            if "representation_model" not in given:
                kwargs["representation_model"] = self.representation_model
            super().update_topics(docs, *args, **kwargs)

        def delete_topics(self, topics_to_delete: list[int]) -> None:
            labels = self.custom_labels_
            if isinstance(labels, list):  # one per topic, in topic order: as a dict for BERTopic, then back
                self.custom_labels_ = dict(zip(sorted(self.topic_labels_), labels))
            try:
                super().delete_topics(topics_to_delete)
            finally:
                if isinstance(labels, list) and isinstance(self.custom_labels_, dict):
                    by_topic = self.custom_labels_
                    self.custom_labels_ = [by_topic.get(t, self.topic_labels_[t]) for t in sorted(self.topic_labels_)]

    TopicsumBERTopic.__module__ = __name__
    TopicsumBERTopic.__qualname__ = "TopicsumBERTopic"
    return TopicsumBERTopic


_LAZY_CLASSES = {"TopicsumBackend": _make_backend_class, "TopicsumBERTopic": _make_model_class}


def __getattr__(name: str) -> Any:
    if name in globals():  # made already (called directly, not through attribute lookup)
        return globals()[name]
    make = _LAZY_CLASSES.get(name)
    if make is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    cls = make()
    globals()[name] = cls
    return cls


def embedding_backend(embedder: Embedder, texts: Sequence[str] = (), vectors: np.ndarray | None = None) -> Any:
    """``embedder`` as a BERTopic embedding backend (:class:`TopicsumBackend`) that knows the vectors of ``texts``."""
    backend = __getattr__("TopicsumBackend")(embedder)
    if vectors is not None:
        backend.memo.update(zip(texts, vectors))
    return backend


def keyword_model(backend: Any, texts: Sequence[str], articles: Sequence[str], n_keywords: int) -> list[Any]:
    """topicsum's keyword model for BERTopic (``representation_model``): :class:`StoryKeywords` on ``backend``."""
    return [
        StoryKeywords(
            encode=backend.embed, doc_vectors=backend.memo, articles=articles, texts=texts, top_n_words=n_keywords
        )
    ]


def as_topicsum_model(model: Any) -> Any:
    """A fitted (or loaded) ``BERTopic`` as a :class:`TopicsumBERTopic`, with the same state."""
    cls = __getattr__("TopicsumBERTopic")
    if isinstance(model, cls):
        return model
    out = cls.__new__(cls)
    out.__dict__.update(model.__dict__)
    return out


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
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction

    model_class = __getattr__("TopicsumBERTopic")
    rep = keyword_model(backend, texts, articles, n_keywords) if backend is not None else None
    for fallback in (False, True):
        model = model_class(
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
