"""Exceptions and warnings raised by topicsum.

Every exception derives from :class:`TopicsumError` and also from the
built-in type it refines, so ``except ValueError`` keeps working for callers
who do not know topicsum.  Every message says what happened and what to do.
The CLI turns a :class:`UserError` into one line on stderr and exit code 2.

The tree::

    TopicsumError(Exception)
    ├── UserError                      the CLI prints one line and exits 2
    │   ├── ConfigError(ValueError)        an option has an unknown name or a bad value
    │   ├── InputError(ValueError)         an input path, file, table or saved run cannot be used
    │   ├── OutputError(OSError)           the output folder cannot be used
    │   │   └── OutputExistsError(FileExistsError)  it holds files topicsum did not write
    │   ├── MissingDependencyError(ImportError)      an optional package is missing (names the extra)
    │   ├── ModelUnavailableError(OSError)           a model or model server cannot be reached or loaded
    │   ├── StageSkippedError(RuntimeError)          a result of a stage that was turned off
    │   ├── ThemeNotFoundError(KeyError)             no theme has the id asked for
    │   ├── ModelChangedError(RuntimeError)          ``result.model`` was changed behind the result's back
    │   └── DaskError(RuntimeError)                  a Dask cluster cannot be used (run(client=...), --dask)
    ├── NotFittedError(ValueError, AttributeError)  an estimator was used before ``fit``
    └── ToolError(RuntimeError)        an external tool (Chromium) failed

    SkippedInputWarning(UserWarning)   an input (or NUL characters in one) was skipped; the others were processed
    SmallCorpusWarning(UserWarning)    too few segments to find themes; a fallback was used
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DaskError",
    "InputError",
    "MissingDependencyError",
    "ModelChangedError",
    "ModelUnavailableError",
    "NotFittedError",
    "OutputError",
    "OutputExistsError",
    "SkippedInputWarning",
    "SmallCorpusWarning",
    "StageSkippedError",
    "ThemeNotFoundError",
    "ToolError",
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
    """An input path, file, table or saved run cannot be used."""


class OutputError(UserError, OSError):
    """The output folder cannot be created or written."""


class OutputExistsError(OutputError, FileExistsError):
    """The output folder holds files that topicsum did not write."""


class MissingDependencyError(UserError, ImportError):
    """An optional package is not installed; the message names the extra."""


class ModelUnavailableError(UserError, OSError):
    """A model cannot be loaded (not installed locally and no network), or a model server cannot be reached."""


class StageSkippedError(UserError, RuntimeError):
    """A result was asked for from a pipeline stage that was turned off."""


class ThemeNotFoundError(UserError, KeyError):
    """No theme has the id asked for."""

    def __str__(self) -> str:  # KeyError quotes its argument; the message reads better without
        return str(self.args[0]) if self.args else ""


class ModelChangedError(UserError, RuntimeError):
    """``result.model`` (its BERTopic) was changed directly, so the result's tables, digests and report no
    longer match it; ``Result.refresh()`` brings them back in line."""


class DaskError(UserError, RuntimeError):
    """A Dask cluster cannot be used (unreachable scheduler, no workers, workers without topicsum or with
    another version): raised by ``run(client=...)`` and ``--dask`` before any work."""


class NotFittedError(TopicsumError, ValueError, AttributeError):
    """An estimator was used before it was fitted (as scikit-learn's ``NotFittedError``)."""


class ToolError(TopicsumError, RuntimeError):
    """An external program (Chromium) ran but did not do its job."""


class SkippedInputWarning(UserWarning):
    """An input was skipped (unreadable, binary, empty, a pipe, a topicsum output folder), or NUL characters
    were dropped from one; the others were processed."""


class SmallCorpusWarning(UserWarning):
    """The corpus is too small to cluster meaningfully; a fallback was used."""
