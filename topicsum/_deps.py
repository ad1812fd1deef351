"""One place for what topicsum needs from its environment.

* Optional packages: :func:`require` imports one or raises a
  :class:`~topicsum._errors.MissingDependencyError` that names the install
  extra (every extra named here exists in pyproject.toml: a test checks).
* Offline mode: :func:`offline` reads ``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE``.
* Third-party noise: :func:`quiet_third_party` silences a library's warnings
  and log chatter where topicsum already reports what matters.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from ._errors import MissingDependencyError

__all__ = [
    "EXTRAS",
    "has",
    "install_hint",
    "missing",
    "offline",
    "quiet_third_party",
    "require",
]

#: The install extras of pyproject.toml that messages may name, and what each brings.
EXTRAS: dict[str, str] = {
    "pdf": "WeasyPrint, for PDF reports",
    "onnx": "onnx and onnxruntime, for the onnx-int8 embedding backend",
    "llama": "llama-cpp-python, for the llama.cpp engine and local GGUF models",
    "dask": "dask.distributed, for running on a Dask cluster (run(client=...), --dask)",
}

_TRUE = ("1", "true", "yes", "on")


def install_hint(package: str, extra: str | None = None) -> str:
    """The command that installs ``package``: through its extra when it has one.

    Examples
    --------
    >>> install_hint("weasyprint", "pdf")
    "pip install 'topicsum[pdf]'"
    >>> install_hint("sentencex")
    'pip install sentencex'
    """
    if extra is None:
        return f"pip install {package}"
    assert extra in EXTRAS, f"unknown extra {extra!r}; add it to pyproject.toml and _deps.EXTRAS"
    return f"pip install 'topicsum[{extra}]'"


def missing(package: str, purpose: str, extra: str | None = None) -> MissingDependencyError:
    """The standard error for a missing package.

    Examples
    --------
    >>> str(missing("weasyprint", "PDF reports", "pdf"))
    "PDF reports need the package 'weasyprint', which is not installed: run pip install 'topicsum[pdf]'."
    """
    return MissingDependencyError(
        f"{purpose} need the package {package!r}, which is not installed: run {install_hint(package, extra)}."
    )


def has(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it.

    Examples
    --------
    >>> has("json"), has("no_such_module_here")
    (True, False)
    """
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, *, purpose: str, package: str | None = None, extra: str | None = None) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming how to install it.

    Parameters
    ----------
    module : str
        The module to import (``"weasyprint"``).
    purpose : str
        What needs it, as the subject of the message ("PDF reports").
    package : str, optional
        The distribution name when it differs from the module (``"llama-cpp-python"``).
    extra : str, optional
        The topicsum extra that installs it (a key of :data:`EXTRAS`).

    Examples
    --------
    >>> require("json", purpose="Reading JSON").__name__
    'json'
    >>> require("no_such_module_here", purpose="Magic", extra="pdf")
    Traceback (most recent call last):
    ...
    topicsum._errors.MissingDependencyError: Magic need the package 'no_such_module_here', which is not installed: run pip install 'topicsum[pdf]'.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise missing(package or module, purpose, extra) from None


def offline() -> bool:
    """Whether the Hugging Face hub must not be contacted (``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``).

    Examples
    --------
    >>> isinstance(offline(), bool)
    True
    """
    return any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


@contextmanager
def quiet_third_party(logger_name: str = "") -> Iterator[None]:
    """Silence a library's warnings and its log records below ERROR while it runs.

    ``logger_name`` is the library's logger ("" for the root logger, which the
    ONNX optimiser and quantiser log to).  A ``NullHandler`` stays on that logger
    meanwhile, so logging to a handler-less root does not install one
    (``logging.basicConfig``) as a side effect.

    Examples
    --------
    >>> import warnings
    >>> with quiet_third_party("somelib"):
    ...     warnings.warn("noise")
    """
    target = logging.getLogger(logger_name or None)
    level, guard = target.level, logging.NullHandler()
    target.addHandler(guard)
    target.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        target.setLevel(level)
        target.removeHandler(guard)
