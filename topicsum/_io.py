"""Safe output: atomic writes, confined to the output folder.

Every file is written to a temporary name in the same folder and renamed over
the target, so an interrupted run never leaves a half-written file.  An output
folder that holds files topicsum did not write is refused unless the caller
passes ``overwrite=True``; nothing outside the folder is ever touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ._errors import InputError, OutputExistsError

__all__ = [
    "MANIFEST",
    "OUTPUT_FILES",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "is_output_folder",
    "prepare_output_dir",
    "sha256_file",
]

MANIFEST = "run.json"
#: A hidden file written when topicsum prepares an output folder: the folder is then never read as input.
MARKER = ".topicsum"

#: Files and folders topicsum writes in an output folder.
OUTPUT_FILES: tuple[str, ...] = (
    "segments.csv",
    "articles.csv",
    "topics.json",
    MANIFEST,
    "report.html",
    "report.pdf",
    "report.md",
    "model",
)


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


def prepare_output_dir(path: str | os.PathLike[str], *, overwrite: bool = False, create: bool = True) -> Path:
    """Create ``path`` if needed (``create``) and check that topicsum may write into it.

    A folder is accepted when it is new, empty, or already holds a topicsum
    run (a ``run.json`` written by topicsum).  A folder holding other files
    with the names topicsum writes is refused unless ``overwrite`` is true.
    Files with other names are left alone in every case.

    Raises
    ------
    OutputExistsError
        The folder holds files with topicsum's names that topicsum did not write.
    InputError
        ``path`` exists and is not a folder.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"Output path {str(out)!r} exists and is not a folder; choose a folder for --out.")
    if not out.exists():
        if create:
            out.mkdir(parents=True)
        return out
    if overwrite or _is_topicsum_run(out):
        return out
    clashes = sorted(name for name in OUTPUT_FILES if (out / name).exists())
    if clashes:
        raise OutputExistsError(
            f"Output folder {str(out)!r} already holds {', '.join(clashes)}, not written by topicsum; "
            "choose another folder or pass --overwrite (overwrite=True) to replace them."
        )
    return out


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
    return (path / MARKER).is_file() or _is_topicsum_run(path)


def _is_topicsum_run(folder: Path) -> bool:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return False
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == "topicsum"


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
