"""Clustering stage: unique segments + embeddings -> themes, with a fitted BERTopic model.

:class:`ThemeModel` is a scikit-learn style estimator.  It finds the themes
itself and hands the assignment to BERTopic as a manual topic model
(``BaseCluster`` + ``BaseDimensionalityReduction``), so BERTopic's c-TF-IDF,
KeyBERTInspired + MaximalMarginalRelevance keywords, hierarchy,
topics-over-time and safetensors serialisation work as usual.

How themes are found (see :meth:`ThemeModel._cluster`):

1. Each segment's clustering vector mixes in its article's mean embedding
   (``article_context``), so the paragraphs of one article stay together.
2. One hierarchical clustering (average linkage on cosine distance for up to
   1,000 segments; Ward linkage on a seeded sample of 3,000 above that) is cut
   at every k from 2 to a size-aware maximum, and the cut with the best cosine
   silhouette is kept; an explicit ``n_topics`` picks the cut.  Big corpora are
   then polished with k-means on every vector, started from the cut's centres.
3. Segments far from their theme centre, or in a theme smaller than
   ``min_topic_size``, are flagged ``was_outlier_``; with ``reduce_outliers``
   they move to the nearest theme when it is at all similar.

Why not BERTopic's UMAP + HDBSCAN defaults: on news they give many small
themes and a large outlier share (BBC News: 41 topics, 19% outliers, NMI 0.53;
here 5 themes, NMI 0.87), two ``the_of_to_and`` topics on a handful of saved
pages, and UMAP's cost dominates at 100,000 segments.  The cost here is linear
in the corpus apart from the fixed-size sample.

Heavy packages (bertopic, scipy, scikit-learn) are imported inside the methods.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import ConfigError, InputError, SmallCorpusWarning, quiet_third_party

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ._config import ClusterConfig
    from ._embed import Embedder

__all__ = ["ThemeModel", "auto_min_topic_size"]

logger = logging.getLogger(__name__)

#: Above this many segments the number of themes is chosen on a seeded sample.
K_SAMPLE = 3_000
#: Up to this many segments, average-linkage (cosine) clustering; above it, k-means.
AGGLOMERATIVE_MAX = 1_000
#: Most themes "auto" will choose.
MAX_AUTO_TOPICS = 25
#: A segment less similar than this to its theme centre is flagged ``was_outlier``.
OUTLIER_SIMILARITY = 0.25
#: A flagged segment at least this similar to some theme centre is reassigned (reduce_outliers).
REASSIGN_SIMILARITY = 0.10
_SMALL = 5  # fewer (distinct) segments than this: one theme, with a SmallCorpusWarning
_STATE_FILE = "theme_model.json"
_ARRAYS_FILE = "theme_model.safetensors"
_BERTOPIC_DIR = "bertopic"


def auto_min_topic_size(n: int) -> int:
    """The smallest theme for a corpus of ``n`` segments when none is given.

    A theme needs at least 0.2% of the segments, and at least 2: 2 for a few
    hundred segments, 4 for 2,000 and 200 for 100,000.

    Examples
    --------
    >>> [auto_min_topic_size(n) for n in (10, 90, 2225, 100_000)]
    [2, 2, 4, 200]
    """
    return int(max(2, n // 500))


#: Reporting verbs and fillers that c-TF-IDF ranks high in news but that say nothing about a theme.
NEWS_STOP_WORDS = frozenset(
    "said says say told according added reported reportedly mr mrs ms just like also year years "
    "week weeks time times new people including did does don didn ve ll re".split()
)


def _stop_words(name: str | None) -> list[str] | str | None:
    """sklearn's English list plus :data:`NEWS_STOP_WORDS` for ``"english"``; other names as given."""
    if name == "english":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return sorted(ENGLISH_STOP_WORDS | NEWS_STOP_WORDS)
    return name


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32)


def _centroids(vectors: np.ndarray, labels: np.ndarray, ids: Sequence[int]) -> np.ndarray:
    return _unit(np.stack([vectors[labels == t].mean(axis=0) for t in ids])) if len(ids) else np.zeros(
        (0, vectors.shape[1]), dtype=np.float32
    )


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber themes 0..k-1 by size (largest first; ties by first occurrence); -1 stays -1."""
    ids = [t for t in dict.fromkeys(labels.tolist()) if t != -1]  # first-occurrence order
    sizes = {t: int((labels == t).sum()) for t in ids}
    order = sorted(ids, key=lambda t: -sizes[t])  # stable: ties keep first-occurrence order
    mapping = {t: i for i, t in enumerate(order)}
    mapping[-1] = -1
    return np.array([mapping[t] for t in labels.tolist()], dtype=np.int64)


class _EmbedderBackend:
    """Adapter: a topicsum Embedder as a BERTopic embedding backend (built lazily).

    It remembers vectors: the fitted segments' embeddings are known up front
    and keyword candidates are encoded once, so KeyBERTInspired and MMR do not
    re-encode what is already known.
    """

    @staticmethod
    def make(embedder: Embedder, texts: Sequence[str] = (), vectors: np.ndarray | None = None) -> Any:
        from bertopic.backend import BaseEmbedder

        class Backend(BaseEmbedder):  # type: ignore[misc]
            def __init__(self, inner: Embedder) -> None:
                super().__init__()
                self.inner = inner
                self.memo: dict[str, np.ndarray] = {}

            def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
                docs = [str(d) for d in documents]
                todo = list(dict.fromkeys(d for d in docs if d not in self.memo))
                if todo:
                    enc = self.inner.encode(todo, show_progress=False)
                    if len(self.memo) < 200_000:
                        self.memo.update(zip(todo, enc))
                    else:  # bounded memory: answer without remembering
                        fresh = dict(zip(todo, enc))
                        return np.stack([self.memo.get(d, fresh.get(d)) for d in docs])
                return np.stack([self.memo[d] for d in docs]) if docs else np.zeros((0, self.inner.dimension))

        backend = Backend(embedder)
        if vectors is not None:
            backend.memo.update(zip(texts, vectors))
        return backend


class ThemeModel:
    """Group segments into themes (BERTopic with settings that adapt to the corpus).

    Parameters
    ----------
    n_topics : int or "auto"
        Themes wanted; ``"auto"`` picks the number with the best silhouette
        (2 to 25).  An int cuts the theme tree at exactly that number.
    min_topic_size : int or None
        Smallest theme: smaller ones are dissolved into outliers (then
        reassigned when ``reduce_outliers``); ``None`` uses
        :func:`auto_min_topic_size`.
    seed : int
        Random seed of the sample, k-means and the keyword model.
    reduce_outliers : bool
        Reassign outliers whose nearest theme is similar enough.
    article_context : float
        Weight (0-1) of the article's mean embedding in each segment's
        clustering vector (needs ``groups`` in :meth:`fit`).
    n_keywords, ngram_max, stop_words
        Keyword extraction (c-TF-IDF refined with KeyBERTInspired and MMR).

    Attributes
    ----------
    topics_ : numpy.ndarray of int
        Theme per segment (-1 = outlier), ids ordered by size (0 = largest).
    was_outlier_ : numpy.ndarray of bool
        Outlier before outlier reduction.
    bertopic_ : bertopic.BERTopic
        The fitted BERTopic model.
    coords_2d_ : numpy.ndarray
        float32 ``(n, 2)`` map coordinates for the report.
    topic_embeddings_ : dict of int to numpy.ndarray
        Unit-length mean embedding of each theme.
    labels_ : dict of int to str
        Short readable label of each theme.
    keywords_ : dict of int to list of (str, float)
        Keywords and weights, best first.

    Examples
    --------
    >>> from topicsum._config import EmbedConfig
    >>> from topicsum._embed import get_embedder
    >>> emb = get_embedder(EmbedConfig())
    >>> texts = ["Stocks fell sharply on Monday.", "Shares dropped as markets slid.",
    ...          "The striker scored twice.", "The team won the cup final."]
    >>> model = ThemeModel(n_topics=2).fit(texts, emb.encode(texts), embedder=emb)
    >>> sorted(set(model.topics_.tolist()))
    [0, 1]
    """

    def __init__(
        self,
        *,
        n_topics: int | str = "auto",
        min_topic_size: int | None = None,
        seed: int = 42,
        reduce_outliers: bool = True,
        article_context: float = 0.5,
        n_keywords: int = 10,
        ngram_max: int = 2,
        stop_words: str | None = "english",
    ) -> None:
        self.n_topics = n_topics
        self.min_topic_size = min_topic_size
        self.seed = seed
        self.reduce_outliers = reduce_outliers
        self.article_context = article_context
        self.n_keywords = n_keywords
        self.ngram_max = ngram_max
        self.stop_words = stop_words

    @classmethod
    def from_config(cls, config: ClusterConfig) -> ThemeModel:
        """Build a model from a :class:`~topicsum._config.ClusterConfig`.

        Examples
        --------
        >>> from topicsum._config import ClusterConfig
        >>> ThemeModel.from_config(ClusterConfig(n_topics=6)).n_topics
        6
        """
        return cls(
            n_topics=config.n_topics,
            min_topic_size=config.min_topic_size,
            seed=config.seed,
            reduce_outliers=config.reduce_outliers,
            article_context=config.article_context,
            n_keywords=config.n_keywords,
            ngram_max=config.ngram_max,
            stop_words=config.stop_words or None,
        )

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (as scikit-learn's ``get_params``)."""
        return {
            "n_topics": self.n_topics,
            "min_topic_size": self.min_topic_size,
            "seed": self.seed,
            "reduce_outliers": self.reduce_outliers,
            "article_context": self.article_context,
            "n_keywords": self.n_keywords,
            "ngram_max": self.ngram_max,
            "stop_words": self.stop_words,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"ThemeModel({args})"

    # -- fitting ------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        *,
        groups: Sequence[str] | None = None,
        titles: Sequence[str] | None = None,
        embedder: Embedder | None = None,
    ) -> ThemeModel:
        """Find the themes of ``texts`` (unique segments, in canonical order).

        Parameters
        ----------
        texts : sequence of str
            Segment texts, duplicates removed, in a canonical order.
        embeddings : numpy.ndarray
            ``(len(texts), d)`` L2-normalised vectors.
        groups : sequence of str or None
            Article id of each text, used for ``article_context``.
        titles : sequence of str or None
            Headline of each text's article ("" when unknown).  Labels prefer
            keywords the theme's headlines use, in the headline's word order.
        embedder : Embedder or None
            Used to embed keyword candidates (KeyBERTInspired, MMR); without
            it keywords are plain c-TF-IDF.

        Returns
        -------
        ThemeModel
            ``self``, fitted.
        """
        texts = [str(t) for t in texts]
        X = np.asarray(embeddings, dtype=np.float32)
        n = len(texts)
        if X.ndim != 2 or X.shape[0] != n:
            raise InputError(
                f"embeddings have shape {X.shape} but there are {n} texts; pass one embedding row per text."
            )
        if n == 0:
            raise InputError("There are no segments to cluster; check that the inputs contain article text.")
        if groups is not None and len(groups) != n:
            raise InputError(f"groups has {len(groups)} entries but there are {n} texts; pass one article id per text.")
        if titles is not None and len(titles) != n:
            raise InputError(f"titles has {len(titles)} entries but there are {n} texts; pass one headline per text.")
        k = None if self.n_topics == "auto" else int(self.n_topics)
        if k is not None and k > n:
            raise ConfigError(
                f"n_topics={k} is more than the {n} unique segments; ask for at most {n} themes or use 'auto'."
            )
        X = _unit(X)
        V = self._clustering_vectors(X, groups)
        n_distinct = len(np.unique(np.round(V, 4), axis=0))

        if n < _SMALL or n_distinct < _SMALL:
            labels, was_outlier = self._small_corpus(V, n, n_distinct, k)
        else:
            labels = self._cluster(V, k)
            labels, was_outlier = self._outliers(V, labels, n)
        labels = _relabel_by_size(labels)
        coords = self._map_coords(X, labels)

        self.topics_ = labels
        self.was_outlier_ = np.asarray(was_outlier, dtype=bool)
        self.coords_2d_ = np.ascontiguousarray(coords, dtype=np.float32)
        self.texts_ = texts
        self.titles_ = ["" if t is None else str(t) for t in titles] if titles is not None else [""] * n
        self.embeddings_ = X
        self.embedding_model_id_ = getattr(embedder, "model_id", None)
        self.embedding_model_source_ = getattr(embedder, "source", None)
        self.bertopic_ = self._fit_bertopic(texts, X, labels, embedder)
        self._describe()
        return self

    def _clustering_vectors(self, X: np.ndarray, groups: Sequence[str] | None) -> np.ndarray:
        a = float(self.article_context)
        if groups is None or a <= 0:
            return X
        keys = np.unique(np.asarray(list(groups), dtype=object).astype(str), return_inverse=True)[1]
        sums = np.zeros((keys.max() + 1, X.shape[1]), dtype=np.float64)
        np.add.at(sums, keys, X)
        means = _unit(sums)
        return _unit((1 - a) * X + a * means[keys])

    def _small_corpus(
        self, V: np.ndarray, n: int, n_distinct: int, k: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if k is not None and k > 1 and n_distinct >= k:
            return self._cluster(V, k), np.zeros(n, dtype=bool)
        if n == 1:
            found = "Only 1 segment was found"
        else:
            what = "all identical" if n_distinct == 1 else f"{n_distinct} distinct"
            found = f"Only {n} unique segments ({what}) were found"
        warnings.warn(
            SmallCorpusWarning(
                f"{found}, too few to find themes, so they form a single theme; add more articles to get "
                "several themes."
            ),
            stacklevel=3,
        )
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)

    def _cluster(self, V: np.ndarray, k: int | None) -> np.ndarray:
        """Theme per row of ``V``.

        One hierarchical clustering of (a seeded sample of) the vectors is cut at
        every k from 2 to a size-aware maximum, and the cut with the best cosine
        silhouette wins (or the cut at the given ``k``).  Up to
        :data:`AGGLOMERATIVE_MAX` segments: average linkage on cosine distance,
        used as is (exact, and it keeps small stories apart).  Above: Ward
        linkage on a sample of :data:`K_SAMPLE`, then k-means on all vectors
        started from the cut's centres.
        """
        from scipy.cluster.hierarchy import fcluster, linkage
        from sklearn.metrics import silhouette_score

        n = V.shape[0]
        small = n <= AGGLOMERATIVE_MAX
        S = V
        if n > K_SAMPLE:
            rng = np.random.default_rng(self.seed)
            S = V[np.sort(rng.choice(n, size=K_SAMPLE, replace=False))]
        S64 = S.astype(np.float64)
        Z = linkage(S64, method="average", metric="cosine") if small else linkage(S64, method="ward")

        def cut(k_: int) -> np.ndarray:
            raw = fcluster(Z, k_, criterion="maxclust")
            return np.unique(raw, return_inverse=True)[1].astype(np.int64)

        if k is not None:
            best_k, best_labels = k, cut(k)
        else:
            n_distinct = len(np.unique(np.round(S, 4), axis=0))
            k_max = int(min(n_distinct - 1, MAX_AUTO_TOPICS, max(8, math.isqrt(n))))
            best_k, best_score, best_labels = 1, -1.0, np.zeros(len(S), dtype=np.int64)
            scores: dict[int, float] = {}
            for k_try in range(2, k_max + 1):
                labels = cut(k_try)
                if len(set(labels.tolist())) < 2:
                    continue
                score = float(silhouette_score(S, labels, metric="cosine"))
                scores[k_try] = round(score, 4)
                if score > best_score + 1e-9:
                    best_k, best_score, best_labels = k_try, score, labels
            logger.debug("silhouette by number of themes: %s", scores)
            self.silhouette_ = scores
        if small:
            return best_labels
        # Polish with k-means on every vector, started from the cut's centres.
        from sklearn.cluster import KMeans

        n_found = int(best_labels.max()) + 1
        centres = np.stack([S[best_labels == t].mean(axis=0) for t in range(n_found)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning when there are fewer distinct points than k
            km = KMeans(n_clusters=n_found, init=centres, n_init=1, random_state=self.seed)
            return km.fit_predict(V).astype(np.int64)

    def _outliers(self, V: np.ndarray, labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Flag segments that fit their theme badly or sit in a too-small theme; reassign them if asked."""
        if self.min_topic_size:
            m = self.min_topic_size
        else:  # an explicit n_topics is kept exactly; "auto" dissolves specks
            m = 1 if self.n_topics != "auto" else auto_min_topic_size(n)
        ids = sorted(set(labels.tolist()))
        sizes = {t: int((labels == t).sum()) for t in ids}
        keep = [t for t in ids if sizes[t] >= m] or [max(ids, key=lambda t: sizes[t])]
        C = _centroids(V, labels, keep)
        sims = V @ C.T
        own = np.full(n, -1.0, dtype=np.float32)
        pos = {t: i for i, t in enumerate(keep)}
        for i, t in enumerate(labels.tolist()):
            if t in pos:
                own[i] = sims[i, pos[t]]
        was_outlier = own < OUTLIER_SIMILARITY
        out = labels.copy()
        out[was_outlier] = -1
        if self.reduce_outliers:
            best = sims.argmax(axis=1)
            ok = was_outlier & (sims[np.arange(n), best] >= REASSIGN_SIMILARITY)
            out[ok] = np.asarray(keep)[best[ok]]
        return out, was_outlier

    def _map_coords(self, X: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """2-D map: theme centres placed by PCA of the centres, segments around them by PCA of their offsets.

        Cheap (linear in the corpus) and deterministic; themes that are
        similar sit close together.
        """
        from sklearn.decomposition import PCA

        n = X.shape[0]
        ids = sorted(set(labels.tolist()))
        C = _centroids(X, labels, ids)
        centres = np.zeros((len(ids), 2), dtype=np.float64)
        if len(ids) >= 3:
            centres = PCA(n_components=2, random_state=self.seed).fit_transform(C)
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
            local = PCA(n_components=2, random_state=self.seed).fit_transform(offsets)
            local /= max(float(np.percentile(np.linalg.norm(local, axis=1), 95)), 1e-9)
        return (centres[idx] + 0.35 * spacing * local).astype(np.float32)

    # -- BERTopic -----------------------------------------------------------
    def _vectorizer(self, n: int, *, fallback: bool = False) -> Any:
        from sklearn.feature_extraction.text import CountVectorizer

        if fallback:
            return CountVectorizer(ngram_range=(1, self.ngram_max), token_pattern=r"(?u)\b\w+\b")
        return CountVectorizer(
            stop_words=_stop_words(self.stop_words),
            ngram_range=(1, self.ngram_max),
            min_df=1 if n < 2000 else 2,
            max_features=200_000,
        )

    def _fit_bertopic(self, texts: list[str], X: np.ndarray, labels: np.ndarray, embedder: Embedder | None) -> Any:
        from bertopic import BERTopic
        from bertopic.cluster import BaseCluster
        from bertopic.dimensionality import BaseDimensionalityReduction
        from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance

        n = len(texts)
        backend = _EmbedderBackend.make(embedder, texts, X) if embedder is not None else None
        rep: Any = None
        if backend is not None:
            rep = [
                KeyBERTInspired(top_n_words=self.n_keywords, nr_candidate_words=30, random_state=self.seed),
                MaximalMarginalRelevance(diversity=0.3, top_n_words=self.n_keywords),
            ]
        for fallback in (False, True):
            model = BERTopic(
                embedding_model=backend,
                umap_model=BaseDimensionalityReduction(),
                hdbscan_model=BaseCluster(),
                vectorizer_model=self._vectorizer(n, fallback=fallback),
                representation_model=rep,
                top_n_words=self.n_keywords,
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
        # BaseCluster keeps our ids; check BERTopic did not renumber them.
        fitted = np.asarray(model.topics_, dtype=np.int64)
        if not np.array_equal(fitted, labels):  # pragma: no cover - defensive
            logger.debug("BERTopic renumbered topics; using its numbering.")
            self.topics_ = fitted
        return model

    def _describe(self) -> None:
        from ._label import readable_label

        model = self.bertopic_
        ids = sorted(set(self.topics_.tolist()))
        self.keywords_: dict[int, list[tuple[str, float]]] = {}
        self.labels_: dict[int, str] = {}
        self.topic_embeddings_: dict[int, np.ndarray] = {}
        for t in ids:
            words = model.get_topic(t) or []
            kw = [(str(w), float(s)) for w, s in words if str(w).strip()][: self.n_keywords]
            self.keywords_[t] = kw
            members = np.flatnonzero(self.topics_ == t)
            sample = [self.texts_[i] for i in members[:200]]
            heads = [self.titles_[i] for i in members]
            self.labels_[t] = "Outliers" if t == -1 else readable_label(kw, sample, headlines=heads)
            self.topic_embeddings_[t] = _unit(self.embeddings_[members].mean(axis=0, keepdims=True))[0]

    def _check_fitted(self) -> None:
        if not hasattr(self, "topics_"):
            raise RuntimeError("This ThemeModel is not fitted yet; call fit(texts, embeddings) first.")

    # -- using a fitted model -----------------------------------------------
    def transform(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Theme of new documents: the most similar theme centre (cosine), -1 when none is similar.

        Examples
        --------
        >>> from topicsum._config import EmbedConfig
        >>> from topicsum._embed import get_embedder
        >>> emb = get_embedder(EmbedConfig())
        >>> texts = ["Stocks fell sharply.", "Shares slid again.", "The striker scored.", "The team won the cup."]
        >>> model = ThemeModel(n_topics=2).fit(texts, emb.encode(texts))
        >>> new = ["Markets dropped on Monday."]
        >>> model.transform(new, emb.encode(new)).tolist() == [model.topics_[0]]
        True
        """
        self._check_fitted()
        X = _unit(np.asarray(embeddings, dtype=np.float32))
        if X.shape[0] != len(texts):
            raise InputError(f"embeddings have {X.shape[0]} rows but there are {len(texts)} texts.")
        ids = [t for t in sorted(self.topic_embeddings_) if t != -1] or [-1]
        C = np.stack([self.topic_embeddings_[t] for t in ids])
        sims = X @ C.T
        best = sims.argmax(axis=1)
        out = np.asarray(ids, dtype=np.int64)[best]
        if ids == [-1]:
            return out
        # The same rule as in fit: far from every theme -> outlier.
        threshold = REASSIGN_SIMILARITY if self.reduce_outliers else OUTLIER_SIMILARITY
        return np.where(sims[np.arange(len(out)), best] >= threshold, out, -1)

    def hierarchy(self) -> pd.DataFrame:
        """BERTopic's hierarchical topic tree (``hierarchical_topics``)."""
        self._check_fitted()
        return self.bertopic_.hierarchical_topics(self.texts_)

    def similarity(self) -> pd.DataFrame:
        """Cosine similarity between theme centres, as a labelled square DataFrame."""
        import pandas as pd

        self._check_fitted()
        ids = sorted(self.topic_embeddings_)
        C = np.stack([self.topic_embeddings_[t] for t in ids])
        return pd.DataFrame(C @ C.T, index=ids, columns=ids)

    def _refresh_after_bertopic_change(self) -> None:
        self.topics_ = np.asarray(self.bertopic_.topics_, dtype=np.int64)
        self._describe()

    def reduce(self, n_topics: int) -> ThemeModel:
        """Merge themes until ``n_topics`` remain (BERTopic's ``reduce_topics``); returns ``self``."""
        self._check_fitted()
        n_now = len([t for t in set(self.topics_.tolist()) if t != -1])
        if n_topics < 1:
            raise ConfigError(f"n_topics must be at least 1, not {n_topics}.")
        if n_topics >= n_now:
            return self
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.bertopic_.reduce_topics(self.texts_, nr_topics=n_topics)
        self._refresh_after_bertopic_change()
        return self

    def merge(self, topics_to_merge: Sequence[int] | Sequence[Sequence[int]]) -> ThemeModel:
        """Merge the given themes (BERTopic's ``merge_topics``); returns ``self``."""
        self._check_fitted()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.bertopic_.merge_topics(self.texts_, list(topics_to_merge))
        self._refresh_after_bertopic_change()
        return self

    def topics_over_time(self, timestamps: Sequence[Any], nr_bins: int | None = None) -> pd.DataFrame:
        """Theme frequency over time (BERTopic's ``topics_over_time``)."""
        self._check_fitted()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.bertopic_.topics_over_time(self.texts_, list(timestamps), nr_bins=nr_bins)

    def topics_per_class(self, classes: Sequence[str]) -> pd.DataFrame:
        """Theme frequency per class, e.g. outlet (BERTopic's ``topics_per_class``)."""
        self._check_fitted()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.bertopic_.topics_per_class(self.texts_, list(classes))

    # -- persistence --------------------------------------------------------
    def save(self, path: Path, *, embedding_model: str | bool | None = None) -> None:
        """Save to the folder ``path``: BERTopic (safetensors + c-TF-IDF) plus topicsum's arrays; no pickle.

        Parameters
        ----------
        path : Path
            Folder to create or fill.
        embedding_model : str, bool or None
            Recorded by BERTopic as the embedding model to reload (a name or
            local folder); ``None`` records the embedder used in :meth:`fit`
            when it has a ``source``; ``False`` records none.
        """
        from safetensors.numpy import save_file

        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if embedding_model is None:
            embedding_model = self.embedding_model_source_ or False
        vec = getattr(self.bertopic_, "vectorizer_model", None)
        if vec is not None and hasattr(vec, "vocabulary_"):  # numpy ints are not JSON serialisable
            vec.vocabulary_ = {str(k): int(v) for k, v in vec.vocabulary_.items()}
        with quiet_third_party("BERTopic"):  # its "no embedding model" warning: the source is recorded in our state
            self.bertopic_.save(
                str(path / _BERTOPIC_DIR),
                serialization="safetensors",
                save_ctfidf=True,
                save_embedding_model=embedding_model,
            )
        ids = sorted(self.topic_embeddings_)
        save_file(
            {
                "topics": np.ascontiguousarray(self.topics_, dtype=np.int64),
                "was_outlier": np.ascontiguousarray(self.was_outlier_, dtype=np.uint8),
                "coords_2d": np.ascontiguousarray(self.coords_2d_, dtype=np.float32),
                "embeddings": np.ascontiguousarray(self.embeddings_, dtype=np.float32),
                "topic_ids": np.asarray(ids, dtype=np.int64),
                "topic_embeddings": np.ascontiguousarray(np.stack([self.topic_embeddings_[t] for t in ids])),
            },
            str(path / _ARRAYS_FILE),
        )
        state = {
            "format": 1,
            "params": self.get_params(),
            "embedding_model_id": self.embedding_model_id_,
            "embedding_model_source": self.embedding_model_source_,
            "labels": {str(k): v for k, v in self.labels_.items()},
            "keywords": {str(k): [[w, s] for w, s in v] for k, v in self.keywords_.items()},
            "texts": self.texts_,
            "titles": self.titles_,
        }
        (path / _STATE_FILE).write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, *, embedder: Embedder | None = None) -> ThemeModel:
        """Load a model written by :meth:`save`.

        ``embedder`` (optional) is attached to BERTopic for keyword work after
        loading; without it no embedding model is loaded.
        """
        from bertopic import BERTopic
        from safetensors.numpy import load_file

        path = Path(path)
        state_file = path / _STATE_FILE
        if not state_file.is_file():
            raise InputError(f"{str(path)!r} holds no saved ThemeModel ({_STATE_FILE} is missing); pass a folder written by save().")
        state = json.loads(state_file.read_text(encoding="utf-8"))
        arrays = load_file(str(path / _ARRAYS_FILE))
        model = cls(**state["params"])
        source = state.get("embedding_model_source")
        if embedder is None and source:
            from ._config import EmbedConfig
            from ._embed import get_embedder
            from ._errors import TopicsumError

            try:
                embedder = get_embedder(EmbedConfig(model=source))
            except TopicsumError as exc:
                logger.warning("Loaded themes without their embedding model %r (%s).", source, exc)
        backend = (
            _EmbedderBackend.make(embedder, state["texts"], arrays["embeddings"]) if embedder is not None else None
        )
        with quiet_third_party("BERTopic"):
            model.bertopic_ = BERTopic.load(str(path / _BERTOPIC_DIR), embedding_model=backend)
        model.topics_ = arrays["topics"].astype(np.int64)
        model.was_outlier_ = arrays["was_outlier"].astype(bool)
        model.coords_2d_ = arrays["coords_2d"].astype(np.float32)
        model.embeddings_ = arrays["embeddings"].astype(np.float32)
        model.topic_embeddings_ = {
            int(t): arrays["topic_embeddings"][i] for i, t in enumerate(arrays["topic_ids"].tolist())
        }
        model.texts_ = list(state["texts"])
        model.titles_ = list(state.get("titles") or [""] * len(model.texts_))
        model.embedding_model_id_ = state.get("embedding_model_id")
        model.embedding_model_source_ = state.get("embedding_model_source")
        model.labels_ = {int(k): v for k, v in state["labels"].items()}
        model.keywords_ = {int(k): [(w, float(s)) for w, s in v] for k, v in state["keywords"].items()}
        return model
