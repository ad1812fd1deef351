"""The embedder loaded once per process, and the form of it that travels to other processes.

:func:`shared_embedder` keeps one loaded model per embedding config and
process (notebooks re-run often, Dask workers serve many tasks);
:class:`PortableEmbedder` is what a task on another process gets instead of
the model: the settings, from which the model is loaded there once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._errors import DaskError

if TYPE_CHECKING:  # pragma: no cover
    from .._config import EmbedConfig
    from .._protocols import Embedder

__all__ = ["PortableEmbedder", "shared_embedder"]


@functools.lru_cache(maxsize=2)
def shared_embedder(config: EmbedConfig, cache_dir: Path) -> Embedder:
    """One loaded embedder per embedding config and process."""
    from . import get_embedder

    return get_embedder(config, cache_dir=cache_dir)


class PortableEmbedder:
    """The embedder of an :class:`~topicsum.EmbedConfig`, loaded on first use, once per process; it travels as its settings.

    The run context holds one: the model is loaded when text is first
    encoded (so a run that fails on its inputs never loads it), and a task
    on another process (a Dask worker) gets the settings, loads the model
    there once and checks that it is the same model as the client's.

    Examples
    --------
    >>> from topicsum._config import EmbedConfig
    >>> emb = PortableEmbedder(EmbedConfig(), Path("."))
    >>> import pickle; len(pickle.dumps(emb)) < 1000
    True
    >>> emb.dimension
    384
    """

    def __init__(
        self, config: EmbedConfig, cache_dir: Path, *, model_id: str | None = None, dimension: int | None = None
    ) -> None:
        self.config = config
        self.cache_dir = Path(cache_dir)
        self._model_id = model_id
        self._dimension = dimension

    @classmethod
    def of(cls, embedder: Embedder, config: EmbedConfig, cache_dir: Path) -> PortableEmbedder:
        """The portable form of a loaded ``embedder``, which was built from ``config`` (see :func:`shared_embedder`)."""
        return cls(config, cache_dir, model_id=embedder.model_id, dimension=embedder.dimension)

    def loaded(self) -> Embedder:
        """The model, loaded in this process (once)."""
        embedder = shared_embedder(self.config, self.cache_dir)
        if self._model_id is not None and embedder.model_id != self._model_id:
            raise DaskError(
                f"A Dask worker loaded the embedding model {embedder.model_id!r} but the client uses "
                f"{self._model_id!r}; install the same model package on the client and every worker."
            )
        self._model_id, self._dimension = embedder.model_id, int(embedder.dimension)
        return embedder

    @property
    def model_id(self) -> str:
        """The model's stable id (loads the model when it is not known yet)."""
        return self._model_id if self._model_id is not None else self.loaded().model_id

    @property
    def dimension(self) -> int:
        """The vectors' length (loads the model when it is not known yet)."""
        return self._dimension if self._dimension is not None else int(self.loaded().dimension)

    @property
    def location(self) -> str | None:
        """What sentence-transformers loads the model from on this machine (a folder or a hub name)."""
        return getattr(self.loaded(), "location", None)

    @property
    def source(self) -> str | None:
        """What the model is loaded from (a name, or a folder), as the loaded backend records it."""
        return getattr(self.loaded(), "source", None)

    def __getstate__(self) -> dict[str, object]:
        # a task that travels carries the client's model id, so the worker can check it has the same model
        return {"config": self.config, "cache_dir": self.cache_dir, "_model_id": self.model_id, "_dimension": self.dimension}

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None) -> np.ndarray:
        """Encode with the model loaded in this process (loading it on first use)."""
        return self.loaded().encode(texts, batch_size=batch_size, show_progress=show_progress)

    def __repr__(self) -> str:
        return f"PortableEmbedder(model={self.config.model!r}, backend={self.config.backend!r})"
