"""The output folder itself: its names, whether a path can be one, and reading its run.json (the one parser).

An output folder holds the hidden marker :data:`MARKER`, so that it is never
read back as input; ``run.json`` (:data:`MANIFEST`) is the commit record of
the run that wrote it; :data:`JOURNAL` exists only while a run writes it.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .._errors import OutputError

__all__ = [
    "JOURNAL",
    "MANIFEST",
    "MARKER",
    "check_output_path",
    "is_output_folder",
    "parse_manifest",
    "read_manifest",
]

MANIFEST = "run.json"
#: A hidden file written when topicsum prepares an output folder: the folder is then never read as input.
MARKER = ".topicsum"
#: Written before a run replaces any file and removed after run.json: its presence means "interrupted".
JOURNAL = ".topicsum-journal.json"


def parse_manifest(folder: Path) -> tuple[dict[str, Any] | None, str | None]:
    """``folder``'s run.json as a topicsum run record, or ``None`` and why not (``None``, ``None``: there is none).

    The one place run.json is parsed: a JSON object with ``"tool": "topicsum"``
    (reading the run back also needs its ``config``: :func:`~._read.read_record`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> parse_manifest(folder)
    (None, None)
    >>> _ = (folder / "run.json").write_text("[1, 2]")
    >>> parse_manifest(folder)
    (None, 'is not a topicsum run record')
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"cannot be read as a topicsum run record ({exc})"
    if not isinstance(data, dict) or data.get("tool") != "topicsum":
        return None, "is not a topicsum run record"
    return data, None


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """``folder``'s run.json when it is a topicsum run record, else ``None``."""
    return parse_manifest(folder)[0]


def is_output_folder(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` is a topicsum output folder (it holds the marker file or a topicsum run.json).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> is_output_folder(folder)
    False
    >>> _ = (folder / ".topicsum").write_text("{}")
    >>> is_output_folder(folder)
    True
    """
    path = Path(folder)
    return (path / MARKER).is_file() or read_manifest(path) is not None


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def check_output_path(path: str | os.PathLike[str], *, create: bool = True) -> Path:
    """Check that ``path`` can be an output folder: it is a folder, or can be made one, and is writable.

    With ``create`` the folder (and its parents) are made; without it nothing
    is left behind (writability is tried with a temporary file, then removed).

    Raises
    ------
    OutputError
        The path is empty, is a file, lies under a file, cannot be created or
        is not writable; the message names the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_path(base / "out", create=False) == base / "out"
    True
    >>> _ = (base / "afile").write_text("x")
    >>> check_output_path(base / "afile" / "sub")
    Traceback (most recent call last):
    ...
    topicsum._errors.OutputError: Output folder ... is under ..., which is a file, not a folder; choose another --out.
    """
    if not os.fspath(path).strip():
        raise OutputError("The output folder is empty (--out ''); give a folder name, e.g. --out out.")
    out = Path(path).expanduser()
    if out.is_symlink() and not out.exists():
        raise OutputError(f"Output path {str(out)!r} is a broken symbolic link; choose a folder for --out.")
    if out.exists() and not out.is_dir():
        raise OutputError(f"Output path {str(out)!r} exists and is not a folder; choose a folder for --out.")
    existing = out
    while not existing.is_dir():
        if existing.exists() or existing.is_symlink():
            raise OutputError(
                f"Output folder {str(out)!r} is under {str(existing)!r}, which is a file, not a folder; "
                "choose another --out."
            )
        if existing.parent == existing:
            break
        existing = existing.parent
    if create and not out.is_dir():
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"Output folder {str(out)!r} cannot be created ({_why(exc)}); choose a folder you can write to."
            ) from None
        existing = out
    _check_writable(existing, out)
    return out


def _check_writable(folder: Path, out: Path) -> None:
    """Try creating and removing a temporary file in ``folder`` (the output folder or its nearest existing parent)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".topicsum-probe.", dir=folder)
    except OSError as exc:
        verb = "written to" if folder == out else "created"
        what = "" if folder == out else f" ({str(folder)!r} is not writable)"
        raise OutputError(
            f"Output folder {str(out)!r} cannot be {verb}{what}: {_why(exc)}; choose a folder you can write to."
        ) from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError as exc:  # pragma: no cover - created but not removable: an odd file system
        if exc.errno != errno.ENOENT:
            raise OutputError(f"Output folder {str(out)!r} does not let files be removed ({_why(exc)}).") from None


