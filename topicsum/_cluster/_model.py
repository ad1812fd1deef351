""":class:`ThemeModel`: the clustering stage as a scikit-learn style estimator.

A thin class: its parameters are a :class:`~topicsum._config.ClusterConfig`
(and the run's ``seed``), the algorithm is :mod:`._algorithm`, keywords and
BERTopic are :mod:`._bertopic`, the report's map is :mod:`._layout` and
saving is :mod:`._persist`.  It finds stories and groups and their keywords;
naming them is the label stage's job (:mod:`topicsum._label`).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._config import ClusterConfig
from .._errors import ConfigError, InputError, NotFittedError
from ._algorithm import find_themes, unit
from ._bertopic import describe_topics, embedding_backend, fit_bertopic, keyword_model
from ._layout import map_coords
from ._persist import load_state, save_state

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .._protocols import Embedder

__all__ = ["ThemeModel", "nearest_theme"]

#: transform: a new segment at least this similar to its nearest story centre joins it ...
REASSIGN_SIMILARITY = 0.10
#: ... or, with reduce_outliers off, at least this similar.
OUTLIER_SIMILARITY = 0.25


def nearest_theme(
    vectors: np.ndarray, ids: np.ndarray, centres: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each vector's theme (the most similar centre, -1 below ``threshold``) and its similarity to it.

    Examples
    --------
    >>> topics, score = nearest_theme(np.array([[1, 0.1], [-1, -1]], dtype=np.float32),
    ...     np.array([0, 1]), np.eye(2, dtype=np.float32), 0.1)
    >>> topics.tolist()
    [0, -1]
    """
    X = unit(np.asarray(vectors, dtype=np.float32))
    sims = X @ centres.T
    best = sims.argmax(axis=1)
    score = sims[np.arange(len(best)), best]
    topics = np.asarray(ids, dtype=np.int64)[best]
    if ids.tolist() != [-1]:
        topics = np.where(score >= threshold, topics, -1)
    return topics, score


class ThemeModel:
    """Group segments into stories (the themes), and stories into groups, with a fitted BERTopic model.

    Articles are the unit: each article's segments share its story
    (:mod:`._stories`); stories are numbered by size.

    Parameters
    ----------
    config : ClusterConfig, optional
        The parameters (see :class:`~topicsum._config.ClusterConfig`); keyword
        arguments override its fields, e.g. ``ThemeModel(n_topics=6)``.  They
        are validated when the model is built.
    seed : int
        Random seed (the map's layout); the same input gives the same model.

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
    keywords_ : dict of int to list of (str, float)
        Keywords and weights, best first.
    groups_ : dict of int to int
        Group of every story (empty when there are too few stories for groups).
    grain_ : dict
        How the stories were cut: the method, the threshold and where its
        calibration came from, the number of stories and groups (run.json
        records it).

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
    >>> ThemeModel(n_topic=2)
    Traceback (most recent call last):
    ...
    topicsum._errors.ConfigError: ThemeModel has no parameter 'n_topic'; valid parameters are: ...
    """

    def __init__(self, config: ClusterConfig | None = None, /, *, seed: int = 42, **params: Any) -> None:
        base = config if config is not None else ClusterConfig()
        unknown = sorted(set(params) - {f.name for f in dataclasses.fields(ClusterConfig)})
        if unknown:
            valid = ", ".join([*(f.name for f in dataclasses.fields(ClusterConfig)), "seed"])
            raise ConfigError(
                f"ThemeModel has no parameter {unknown[0]!r}; valid parameters are: {valid}."
            )
        self.config = dataclasses.replace(base, **params)
        self.seed = int(seed)

    @classmethod
    def from_config(cls, config: ClusterConfig) -> ThemeModel:
        """Build a model from a :class:`~topicsum._config.ClusterConfig`.

        Examples
        --------
        >>> ThemeModel.from_config(ClusterConfig(n_topics=6)).n_topics
        6
        """
        return cls(config)

    def __getattr__(self, name: str) -> Any:
        # the parameters read as attributes, as in scikit-learn (model.n_topics)
        config = self.__dict__.get("config")
        if config is not None and name in {f.name for f in dataclasses.fields(config)}:
            return getattr(config, name)
        if name.endswith("_") and not name.startswith("_") and "topics_" not in self.__dict__:
            raise NotFittedError(f"This ThemeModel is not fitted yet ({name} is set by fit); call fit(texts, embeddings) first.")
        raise AttributeError(f"'ThemeModel' object has no attribute {name!r}")

    def get_params(self) -> dict[str, Any]:
        """The parameters (as scikit-learn's ``get_params``).

        Examples
        --------
        >>> ThemeModel(seed=7).get_params()["seed"]
        7
        """
        return {**dataclasses.asdict(self.config), "seed": self.seed}

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
        embedder: Embedder | None = None,
        init: Mapping[str, int] | None = None,
    ) -> ThemeModel:
        """Find the themes of ``texts`` (unique segments, in canonical order).

        Parameters
        ----------
        texts : sequence of str
            Segment texts, duplicates removed, in a canonical order.
        embeddings : numpy.ndarray
            ``(len(texts), d)`` L2-normalised vectors.
        groups : sequence of str or None
            Article id of each text: articles are the unit of a story (each text is its own article when ``None``).
        embedder : Embedder or None
            Used to embed keyword candidates; without it keywords are plain
            c-TF-IDF.
        init : mapping of str to int, optional
            The story an earlier run put each article (``groups`` value) in:
            those stories are kept whole, and the other articles join them or
            form new stories (with ``n_topics="auto"``; see
            :func:`topicsum._cluster._stories.sticky_stories`).

        Returns
        -------
        ThemeModel
            ``self``, fitted.
        """
        texts = [str(t) for t in texts]
        X = self._check_inputs(texts, embeddings, groups)
        cfg = self.config
        articles = [str(g) for g in groups] if groups is not None else [f"text-{i}" for i in range(len(texts))]
        found = find_themes(
            X, articles, n_topics=None if cfg.n_topics == "auto" else int(cfg.n_topics),
            granularity=cfg.granularity, threshold=cfg.story_threshold, model_id=getattr(embedder, "model_id", None),
            min_topic_size=cfg.min_topic_size, reduce_outliers=cfg.reduce_outliers, n_groups=cfg.n_groups,
            init=init,
        )  # fmt: skip
        self.grain_ = found.grain
        self.was_outlier_ = found.was_outlier
        self.coords_2d_ = np.ascontiguousarray(map_coords(X, found.labels, self.seed), dtype=np.float32)
        self.texts_ = texts
        self.articles_ = articles
        self.embeddings_ = X
        self.embedding_model_id_ = getattr(embedder, "model_id", None)
        self.embedding_model_source_ = getattr(embedder, "source", None)
        backend = embedding_backend(embedder, texts, X) if embedder is not None else None
        self.bertopic_, self.topics_ = fit_bertopic(
            texts, X, found.labels, backend, articles=articles,
            n_keywords=cfg.n_keywords, ngram_max=cfg.ngram_max, stop_words=cfg.stop_words or None,
        )  # fmt: skip
        # BERTopic numbers topics by size itself (ties in its own order): follow its numbering
        renumber = dict(zip(found.labels.tolist(), self.topics_.tolist()))
        self.groups_ = {renumber[t]: g for t, g in found.groups.items()}
        self._describe()
        return self

    def _check_inputs(
        self, texts: list[str], embeddings: np.ndarray, groups: Sequence[str] | None
    ) -> np.ndarray:
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
        k = self.config.n_topics
        n_articles = len(set(groups)) if groups is not None else n
        if k != "auto" and int(k) > n_articles:
            raise ConfigError(
                f"n_topics={k} is more than the {n_articles} articles; ask for at most {n_articles} stories or use 'auto'."
            )
        return unit(X)

    def _describe(self) -> None:
        self.keywords_, self.topic_embeddings_ = describe_topics(
            self.bertopic_, self.topics_, self.embeddings_, self.config.n_keywords
        )

    def _check_fitted(self) -> None:
        if "topics_" not in self.__dict__:
            raise NotFittedError("This ThemeModel is not fitted yet; call fit(texts, embeddings) first.")

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
        X = np.asarray(embeddings, dtype=np.float32)
        if X.shape[0] != len(texts):
            raise InputError(f"embeddings have {X.shape[0]} rows but there are {len(texts)} texts.")
        return nearest_theme(X, *self.centres())[0]

    def centres(self) -> tuple[np.ndarray, np.ndarray, float]:
        """The themes' ids, unit centres ``(k, d)`` and the similarity below which a text is an outlier."""
        self._check_fitted()
        ids = [t for t in sorted(self.topic_embeddings_) if t != -1] or [-1]
        centres = np.stack([self.topic_embeddings_[t] for t in ids]).astype(np.float32)
        # The same rule as in fit: far from every theme -> outlier.
        threshold = REASSIGN_SIMILARITY if self.config.reduce_outliers else OUTLIER_SIMILARITY
        return np.asarray(ids, dtype=np.int64), centres, float(threshold)

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

    def state(self) -> str:
        """A fingerprint of the fitted BERTopic's topics and keywords: it changes when the model is changed.

        ``Result`` records it, so that a model changed behind the result's back
        (``result.model.reduce_topics(...)``) is noticed before the result's
        tables are written or reported.
        """
        import hashlib
        import json

        self._check_fitted()
        bt = self.bertopic_
        data = {
            "topics": [int(t) for t in bt.topics_],
            "keywords": {str(k): [str(w) for w, _ in v] for k, v in sorted((bt.topic_representations_ or {}).items())},
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()[:16]

    def sync(self) -> ThemeModel:
        """Follow the fitted BERTopic after it was changed directly (``reduce_topics``, ``merge_topics``,
        ``update_topics``...): its topics, keywords and centres, and the groups of merged stories.  Returns ``self``."""
        self._check_fitted()
        self._refresh_after_bertopic_change()
        return self

    def _refresh_after_bertopic_change(self) -> None:
        old = self.topics_
        self.topics_ = np.asarray(self.bertopic_.topics_, dtype=np.int64)
        # a merged story keeps the group of the largest story it absorbed
        moved: dict[int, int] = {}
        for new_t in set(self.topics_.tolist()):
            olds = old[self.topics_ == new_t]
            vals, counts = np.unique(olds, return_counts=True)
            moved[int(new_t)] = self.groups_.get(int(vals[counts.argmax()]), -1)
        self.groups_ = {t: g for t, g in moved.items() if g >= 0 and t >= 0} if self.groups_ else {}
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
        """Theme frequency over time (BERTopic's ``topics_over_time``), one timestamp per fitted text.

        ``timestamps`` may be strings or datetimes; texts whose timestamp is
        missing (``None``, ``""``, unreadable) are left out.  Strings are
        parsed here (pandas), so BERTopic gets datetimes: its own parsing
        passes an option that pandas 3 no longer has.
        """
        import pandas as pd

        self._check_fitted()
        if len(timestamps) != len(self.texts_):
            raise InputError(
                f"{len(timestamps)} timestamps were given for {len(self.texts_)} texts; give one per fitted text."
            )
        values = pd.Series([None if v is None or v == "" else v for v in timestamps], dtype=object)
        stamps = pd.to_datetime(values, utc=True, format="mixed", errors="coerce").dt.tz_convert(None)
        keep = np.flatnonzero(stamps.notna().to_numpy())
        if not len(keep):
            raise InputError("None of the texts has a readable timestamp, so there is no time to count topics over.")
        topics = [int(t) for t in np.asarray(self.bertopic_.topics_)[keep]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.bertopic_.topics_over_time(
                [self.texts_[i] for i in keep], list(stamps.iloc[keep]), topics=topics, nr_bins=nr_bins
            )

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
            A Hugging Face name or local folder for BERTopic's own
            ``BERTopic.load`` to reload (it tries to, on every load, and may
            reach for the hub); ``None`` or ``False`` records none: topicsum
            records the embedder's source itself and :meth:`load` attaches
            the ``embedder`` it is given.
        """
        self._check_fitted()
        save_state(self, Path(path), embedding_model=embedding_model)

    @classmethod
    def load(cls, path: Path) -> ThemeModel:
        """Load a model written by :meth:`save`; :meth:`attach` gives it its embedder back.

        Examples
        --------
        >>> loaded = ThemeModel.load(folder).attach(embedder)  # doctest: +SKIP
        """
        model = cls.__new__(cls)
        params = load_state(model, Path(path))
        model.seed = int(params.pop("seed", 42))
        model.config = ClusterConfig(**params)
        return model

    def attach(self, embedder: Embedder) -> ThemeModel:
        """Give the fitted BERTopic its embedding model and topicsum's keyword model (what a fresh fit has).

        A model loaded from disk has neither until it is given the embedder it
        was fitted with: BERTopic's ``transform``, ``find_topics`` and keyword
        work need them.  Returns ``self``.
        """
        self._check_fitted()
        backend = embedding_backend(embedder, self.texts_, self.embeddings_)
        self.bertopic_.embedding_model = backend
        self.bertopic_.representation_model = keyword_model(
            backend, self.texts_, self.articles_, self.config.n_keywords
        )
        return self
