"""Collecting the inputs: paths and folders -> the files to read, and what was passed over and why.

Folders are walked recursively, in sorted order of the paths relative to the
folder, taking files with the supported extensions; hidden files and folders
are ignored.  Passed over and listed, with the reason:

* a topicsum output folder (it holds the marker ``.topicsum`` or a topicsum
  run.json), and the run's own output folder even before it holds either;
* anything that is not a regular file: named pipes, sockets and devices are
  never opened (a pipe would block the run);
* broken symbolic links and symbolic-link loops.

Links to folders are followed, each folder read once.  Every file carries
the name its ids are made from: its path relative to the folder given, or
its file name when it was named explicitly, so ``seeds``, ``./seeds/`` and
``/abs/seeds`` give the same ids.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import InputError
from .._store import is_output_folder

__all__ = ["SUPPORTED_EXTENSIONS", "InputPath", "collect_paths", "file_kind"]

#: Extensions a folder walk picks up; other files in a folder are ignored.
SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".jsonl", ".csv")


@dataclass
class InputPath:
    """One file to read: where it is, the path as the user spelled it, and its place in the input order."""

    path: Path
    source: str  # the path as given (folder given + relative path for files found in a folder)
    explicit: bool  # named by the user (not found by a folder walk)
    rank: tuple[int, ...]
    name: str = ""  # what ids are made from: the path relative to the folder given, or the file name


def file_kind(mode: int) -> str:
    """What a file that is not a regular file or a folder is, in words.

    Examples
    --------
    >>> import stat
    >>> file_kind(stat.S_IFIFO)
    'a named pipe'
    """
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _broken_link_reason(exc: OSError) -> str:
    return "is a symbolic link loop" if exc.errno == errno.ELOOP else "is a broken symbolic link"


class _Walk:
    """One folder walk: the supported files found and what was passed over."""

    def __init__(self, root: Path, given: str, excluded: set[str], skipped: list[tuple[str, str]]) -> None:
        self.root = root
        self.given = given
        self.excluded = excluded
        self.skipped = skipped
        self.found: list[tuple[str, Path]] = []
        self.seen: dict[str, str] = {}  # real path of each folder read -> its relative path

    def source(self, rel: str) -> str:
        return str(Path(self.given) / rel)

    def run(self) -> list[tuple[str, Path]]:
        self.seen[os.path.realpath(self.root)] = "."
        stack: list[tuple[Path, str]] = [(self.root, "")]
        while stack:
            folder, rel = stack.pop()
            for entry_rel, path in reversed(self._entries(folder, rel)):
                stack.append((path, entry_rel))
        self.found.sort(key=lambda item: item[0])
        return self.found

    def _entries(self, folder: Path, rel: str) -> list[tuple[str, Path]]:
        """Record the files of one folder; return its subfolders to walk."""
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.skipped.append((self.source(rel), f"cannot be read ({exc.strerror or type(exc).__name__})"))
            return []
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            entry_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                mode = os.stat(entry.path).st_mode  # follows links
            except OSError as exc:
                reason = _broken_link_reason(exc) if entry.is_symlink() else f"cannot be read ({exc.strerror})"
                self.skipped.append((self.source(entry_rel), reason))
                continue
            if stat.S_ISDIR(mode):
                if self._walk_into(Path(entry.path), entry_rel, folder):
                    subfolders.append((entry_rel, Path(entry.path)))
            elif stat.S_ISREG(mode):
                if Path(entry.name).suffix.lower() in SUPPORTED_EXTENSIONS:
                    self.found.append((entry_rel, Path(entry.path)))
            else:
                self.skipped.append((self.source(entry_rel), f"is {file_kind(mode)}, not a regular file"))
        return subfolders

    def _walk_into(self, path: Path, rel: str, parent: Path) -> bool:
        """Whether to walk the subfolder ``path``; records why not."""
        real = os.path.realpath(path)
        parent_real = os.path.realpath(parent)
        reason = None
        if parent_real == real or parent_real.startswith(real.rstrip(os.sep) + os.sep):
            reason = "is a symbolic link loop (a link to a folder that contains it)"
        elif real in self.seen:
            reason = f"is the same folder as {self.source(self.seen[real])}, read already"
        elif real in self.excluded:
            reason = "is this run's output folder"
        elif is_output_folder(path):
            reason = "is a topicsum output folder"
        if reason is not None:
            self.skipped.append((self.source(rel), reason))
            return False
        self.seen[real] = rel
        return True


def _stat_given(given: str, path: Path) -> int:
    """The mode of a path the user named (links followed); a clear error when there is nothing there."""
    try:
        return os.stat(path).st_mode
    except OSError as exc:
        if path.is_symlink():
            raise InputError(
                f"Input path {given!r} {_broken_link_reason(exc)}; point to the file or folder itself."
            ) from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise InputError(
                f"Input path {given!r} does not exist; check the spelling or pass an existing file or folder."
            ) from None
        raise InputError(f"Input path {given!r} cannot be read ({exc.strerror}); check its permissions.") from None


def collect_paths(inputs: Any, *, exclude: Iterable[str | os.PathLike[str]] = ()) -> tuple[list[InputPath], list[tuple[str, str]]]:
    """Expand paths and folders (recursively, sorted) into files, in the order given.

    ``exclude`` names folders never read (the run's output folder).  Returns
    the files and the ``(source, reason)`` of everything passed over.

    Raises
    ------
    InputError
        A path does not exist, or a folder holds no supported file.
    """
    if isinstance(inputs, (str, os.PathLike)):
        items = [inputs]
    elif isinstance(inputs, (list, tuple)):
        items = list(inputs)
    else:
        raise InputError(
            f"inputs must be a path, a list of paths or a pandas DataFrame, not {type(inputs).__name__}; "
            "pass texts=[...] for strings."
        )
    if not items:
        raise InputError("No inputs were given; pass a file, a folder, a list of paths or texts=[...].")
    excluded = {os.path.realpath(os.fspath(p)) for p in exclude}
    out: list[InputPath] = []
    skipped: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        if not isinstance(item, (str, os.PathLike)):
            raise InputError(f"Input {item!r} is not a path; pass file or folder paths (str or pathlib.Path).")
        given = os.fspath(item)
        path = Path(given).expanduser()
        mode = _stat_given(given, path)
        if stat.S_ISDIR(mode):
            out.extend(_folder_files(i, given, path, excluded, skipped))
        elif stat.S_ISREG(mode):
            out.append(InputPath(path, given, True, (i, 0), path.name))
        else:
            skipped.append((given, f"is {file_kind(mode)}, not a regular file"))
    return out, skipped


def _folder_files(
    i: int, given: str, path: Path, excluded: set[str], skipped: list[tuple[str, str]]
) -> list[InputPath]:
    """The supported files of the folder ``path`` (the ``i``-th input); raises when it holds none."""
    if os.path.realpath(path) in excluded or is_output_folder(path):
        skipped.append((given, "is a topicsum output folder"))
        return []
    passed_over: list[tuple[str, str]] = []
    found = _Walk(path, given, excluded, passed_over).run()
    skipped.extend(sorted(passed_over))
    if not found:
        raise InputError(
            f"Folder {given!r} holds no supported files ({', '.join(SUPPORTED_EXTENSIONS)}); "
            "add some or point to another folder."
        )
    return [InputPath(p, str(Path(given) / rel), False, (i, j), rel) for j, (rel, p) in enumerate(found)]
