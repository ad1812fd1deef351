"""Exceptions raised by topicsum.

Every exception derives from :class:`TopicsumError` and also from the
built-in type it refines, so ``except ValueError`` keeps working for callers
who do not know topicsum.  Every message says what happened and what to do.
The CLI turns a :class:`UserError` into one line on stderr and exit code 2.
"""

from __future__ import annotations

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
