"""Saving and loading a fitted :class:`~topicsum._cluster.ThemeModel`: safetensors and JSON, never pickle.

The functions take the model as ``Any`` (its attributes are read and set by
name): :mod:`._model` calls them, and a type-checking import back would be a cycle.

A model folder holds BERTopic's own safetensors save (``bertopic/``),
topicsum's arrays (``theme_model.safetensors``) and its state
(``theme_model.json``: parameters, keywords, texts, articles, groups).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import quiet_third_party
from .._errors import InputError

__all__ = ["ARRAYS_FILE", "BERTOPIC_DIR", "STATE_FILE", "STATE_FORMAT", "load_state", "save_state"]

STATE_FILE = "theme_model.json"
#: 2: BERTopic's folder names no embedding model (loading no longer reaches for the hub).
#: 3: no labels (the label stage names the stories), the seed among the parameters.
#: 4: BERTopic's representative documents are kept (its safetensors save leaves them out).
STATE_FORMAT = 4
ARRAYS_FILE = "theme_model.safetensors"
BERTOPIC_DIR = "bertopic"


def save_state(model: Any, path: Path, *, embedding_model: str | bool | None = None) -> None:
    """Write a fitted ``model`` into the folder ``path`` (see :meth:`ThemeModel.save`)."""
    from safetensors.numpy import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if embedding_model is None:
        # Nothing for BERTopic to reload: BERTopic.load tries SentenceTransformer(name) on every load, even
        # when given a model, and a name that is not on the hub ("minilm") costs a minute of network retries.
        # The embedder's source is recorded in topicsum's own state instead, and load() attaches it.
        embedding_model = False
    vec = getattr(model.bertopic_, "vectorizer_model", None)
    if vec is not None and hasattr(vec, "vocabulary_"):  # numpy ints are not JSON serialisable
        vec.vocabulary_ = {str(k): int(v) for k, v in vec.vocabulary_.items()}
    with quiet_third_party("BERTopic"):  # its "no embedding model" warning: the source is recorded in our state
        model.bertopic_.save(
            str(path / BERTOPIC_DIR),
            serialization="safetensors",
            save_ctfidf=True,
            save_embedding_model=embedding_model,
        )
    ids = sorted(model.topic_embeddings_)
    save_file(
        {
            "topics": np.ascontiguousarray(model.topics_, dtype=np.int64),
            "was_outlier": np.ascontiguousarray(model.was_outlier_, dtype=np.uint8),
            "coords_2d": np.ascontiguousarray(model.coords_2d_, dtype=np.float32),
            "embeddings": np.ascontiguousarray(model.embeddings_, dtype=np.float32),
            "topic_ids": np.asarray(ids, dtype=np.int64),
            "topic_embeddings": np.ascontiguousarray(np.stack([model.topic_embeddings_[t] for t in ids])),
        },
        str(path / ARRAYS_FILE),
    )
    state = {
        "format": STATE_FORMAT,
        "params": model.get_params(),
        "embedding_model_id": model.embedding_model_id_,
        "embedding_model_source": model.embedding_model_source_,
        "keywords": {str(k): [[w, s] for w, s in v] for k, v in model.keywords_.items()},
        "texts": model.texts_,
        "articles": model.articles_,
        "groups": {str(k): v for k, v in model.groups_.items()},
        "grain": model.grain_,
        "representative_docs": {
            str(k): list(v) for k, v in (getattr(model.bertopic_, "representative_docs_", None) or {}).items()
        },
    }
    (path / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")


def load_state(model: Any, path: Path) -> dict[str, Any]:
    """Fill the unfitted ``model`` from the folder ``path``; return the saved parameters.

    Raises
    ------
    InputError
        ``path`` holds no saved model.
    """
    from bertopic import BERTopic
    from safetensors.numpy import load_file

    path = Path(path)
    state_file = path / STATE_FILE
    if not state_file.is_file():
        raise InputError(
            f"{str(path)!r} holds no saved ThemeModel ({STATE_FILE} is missing); pass a folder written by save()."
        )
    state = json.loads(state_file.read_text(encoding="utf-8"))
    arrays = load_file(str(path / ARRAYS_FILE))
    from ._bertopic import as_topicsum_model

    with quiet_third_party("BERTopic"):
        model.bertopic_ = as_topicsum_model(BERTopic.load(str(path / BERTOPIC_DIR)))
    bertopic = model.bertopic_
    # BERTopic.load gives a bare BaseCluster; a fitted one knows its labels, which BERTopic's topic mapper (saved
    # with the model) maps to the current topics: the labels are the topics mapped back
    original = {int(row[-1]): int(row[0]) for row in bertopic.topic_mapper_.mappings_}
    bertopic.hdbscan_model.labels_ = np.asarray([original.get(t, t) for t in bertopic.topics_], dtype=np.int64)
    bertopic.representative_docs_ = {int(k): list(v) for k, v in (state.get("representative_docs") or {}).items()}
    # a fresh fit's sizes are a Counter (a topic it lacks has size 0: delete_topics reads the outliers' -1);
    # BERTopic.load gives a plain dict
    bertopic.topic_sizes_ = Counter({int(k): int(v) for k, v in bertopic.topic_sizes_.items()})
    # JSON gives lists: keywords as (word, weight) tuples, as a fresh fit has them
    bertopic.topic_representations_ = {
        int(k): [(str(w), float(s)) for w, s in v] for k, v in bertopic.topic_representations_.items()
    }
    model.topics_ = arrays["topics"].astype(np.int64)
    model.was_outlier_ = arrays["was_outlier"].astype(bool)
    model.coords_2d_ = arrays["coords_2d"].astype(np.float32)
    model.embeddings_ = arrays["embeddings"].astype(np.float32)
    model.topic_embeddings_ = {
        int(t): arrays["topic_embeddings"][i] for i, t in enumerate(arrays["topic_ids"].tolist())
    }
    model.texts_ = list(state["texts"])
    model.embedding_model_id_ = state.get("embedding_model_id")
    model.embedding_model_source_ = state.get("embedding_model_source")
    model.keywords_ = {int(k): [(w, float(s)) for w, s in v] for k, v in state["keywords"].items()}
    model.articles_ = list(state.get("articles") or [f"text-{i}" for i in range(len(model.texts_))])
    model.groups_ = {int(k): int(v) for k, v in (state.get("groups") or {}).items()}
    model.grain_ = dict(state.get("grain") or {})
    params = dict(state["params"])
    params.pop("article_context", None)  # retired: models saved by topicsum before stories
    return params
