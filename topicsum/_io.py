"""Safe output: atomic writes, confined to the output folder, and the checks an output path must pass.

Every file is written to a temporary name in the same folder and renamed over
the target, so an interrupted run never leaves a half-written file.
:func:`check_output_path` says, before any work, whether a folder can be used
for output at all (:mod:`._ownership` says which of its files a run may
replace); nothing outside the folder is ever touched.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ._errors import OutputError

__all__ = [
    "JOURNAL",
    "MANIFEST",
    "MARKER",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_output_path",
    "is_output_folder",
    "read_manifest",
    "sha256_file",
]

MANIFEST = "run.json"
#: A hidden file written when topicsum prepares an output folder: the folder is then never read as input.
MARKER = ".topicsum"
#: Written before a run replaces any file and removed after run.json: its presence means "interrupted".
JOURNAL = ".topicsum-journal.json"


def umask() -> int:
    """The process umask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks (bounded memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """``folder``'s run.json when it is a topicsum manifest (a JSON object with ``"tool": "topicsum"``), else ``None``."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == "topicsum" else None


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


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; rename it over ``path`` on success.

    On an exception the temporary file is removed and ``path`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_write(p) as fh:
    ...     _ = fh.write("hello")
    >>> p.read_text()
    'hello'
    """
    target = Path(path)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path, "w") as fh:
        fh.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def atomic_write_json(path: str | os.PathLike[str], data: Any, default: Callable[[Any], Any] | None = None) -> None:
    """Write ``data`` as pretty, key-sorted-where-given UTF-8 JSON atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=default) + "\n")
