"""Exceptions raised by topicsum.

Every exception derives from :class:`TopicsumError` and also from the
built-in type it refines, so ``except ValueError`` keeps working for callers
who do not know topicsum.  Every message says what happened and what to do.
The CLI turns a :class:`UserError` into one line on stderr and exit code 2.
:func:`quiet_third_party` keeps other libraries' warnings and log chatter
out of the user's way where topicsum already reports what matters.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "ConfigError",
    "InputError",
    "MissingDependencyError",
    "ModelUnavailableError",
    "OutputExistsError",
    "SkippedInputWarning",
    "SmallCorpusWarning",
    "StageSkippedError",
    "TopicsumError",
    "UserError",
    "quiet_third_party",
]


class TopicsumError(Exception):
    """Base class of every error raised by topicsum."""


class UserError(TopicsumError):
    """An error caused by what the user asked for, not by a bug.

    The CLI reports these in one line, without a traceback, and exits with 2.
    """


class ConfigError(UserError, ValueError):
    """An option has an unknown name or an invalid value."""


class InputError(UserError, ValueError):
    """An input path, file or table cannot be used."""


class OutputExistsError(UserError, FileExistsError):
    """The output folder holds files that topicsum did not write."""


class MissingDependencyError(UserError, ImportError):
    """An optional package is not installed; the message names the extra."""

    @classmethod
    def for_package(cls, package: str, extra: str, purpose: str) -> MissingDependencyError:
        """Build the standard message for a missing optional package.

        Examples
        --------
        >>> str(MissingDependencyError.for_package("weasyprint", "pdf", "PDF reports"))
        "PDF reports need the package 'weasyprint', which is not installed: run pip install 'topicsum[pdf]'."
        """
        return cls(
            f"{purpose} need the package {package!r}, which is not installed: "
            f"run pip install 'topicsum[{extra}]'."
        )


class ModelUnavailableError(UserError, OSError):
    """A model cannot be loaded (not installed locally and no network)."""


class StageSkippedError(UserError, RuntimeError):
    """A result was asked for from a pipeline stage that was turned off."""


class SkippedInputWarning(UserWarning):
    """An input was skipped (unreadable, binary, empty); the others were processed."""


class SmallCorpusWarning(UserWarning):
    """The corpus is too small to cluster meaningfully; a fallback was used."""


@contextmanager
def quiet_third_party(logger_name: str = "") -> Iterator[None]:
    """Silence a library's warnings and its log records below ERROR while it runs.

    ``logger_name`` is the library's logger ("" for the root logger, which the
    ONNX optimiser and quantiser log to).  A ``NullHandler`` stays on that logger
    meanwhile, so logging to a handler-less root does not install one
    (``logging.basicConfig``) as a side effect.
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
