"""Which files of an output folder topicsum owns, and how a run replaces them without losing anyone's work.

The rule (README, "Output folder"):

* ``run.json`` is the commit record, written last.  Its ``outputs`` list
  exactly the files the run wrote, each with its sha256 and size (the files
  of ``model/`` one by one).
* A file is *ours* when the last run.json, or the journal of an interrupted
  run, lists it and it is unchanged (same sha256).  Without ``overwrite`` a
  run never replaces or deletes a file that is not ours: it refuses before
  any work, naming the files.
* Before it replaces anything a run writes the journal (:data:`JOURNAL`): the
  previous run's outputs with their hashes and the files it is about to
  write.  The journal is removed once run.json is written, so a folder that
  still holds one was interrupted; the next run treats the files it lists as
  ours and removes the leftovers of interrupted writes (topicsum's own
  temporary names only).
* Outputs of the previous run that this run does not write are removed when
  they are still ours, else left in place and named in a warning; they are
  never listed in the new run.json.

An output folder also holds the hidden marker :data:`MARKER`, so that it is
never read back as input (:mod:`topicsum._ingest` skips such folders).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .._errors import OutputError, OutputExistsError
from .._io import atomic_write_json, sha256_file
from ._folder import JOURNAL, MANIFEST, MARKER, check_output_path, read_manifest

__all__ = [
    "MODEL_DIR",
    "REPORT_FILES",
    "TABLE_FILES",
    "changed_outputs",
    "check_not_input",
    "check_owned",
    "describe_outputs",
    "finish_journal",
    "interrupted",
    "mark_folder",
    "output_lock",
    "planned_outputs",
    "prepare_output_dir",
    "read_owned",
    "remove_leftovers",
    "remove_stale",
    "write_journal",
]

logger = logging.getLogger(__name__)

MODEL_DIR = "model"
TABLE_FILES = ("segments.csv", "articles.csv", "topics.json")
REPORT_FILES = {"html": "report.html", "pdf": "report.pdf", "md": "report.md"}
_ALL_FORMATS = tuple(REPORT_FILES)
#: The top-level names topicsum writes (an older run.json's name list is trusted for these only).
_OUTPUT_NAMES = frozenset((*TABLE_FILES, *REPORT_FILES.values(), MODEL_DIR))

#: Temporary names topicsum itself uses in an output folder (``atomic_write``'s ``.<name>.XXXXXXXX.tmp``,
#: the ``model/`` swap's ``.model.XXXXXXXX`` and ``.model.old.<pid>``, the writability probe).
_NAMES = "|".join(re.escape(n) for n in (*TABLE_FILES, MANIFEST, *REPORT_FILES.values(), JOURNAL, MARKER))
_LEFTOVER_FILE = re.compile(rf"^\.(?:{_NAMES})\.[a-z0-9_]{{8}}\.tmp$|^\.topicsum-probe\.[a-z0-9_]{{8}}$")
_LEFTOVER_DIR = re.compile(r"^\.model\.(?:[a-z0-9_]{8}|old\.\d+)$")

#: What the records say topicsum wrote: relative path -> sha256, or ``None`` for "ours by name"
#: (an older run.json without hashes, or a file an interrupted run was writing).  A key ending
#: in "/" stands for a whole folder.
Owned = dict[str, "str | None"]


def planned_outputs(formats: Iterable[str], *, model: bool = True) -> list[str]:
    """The paths a run writes, relative to the output folder (``"model/"``: the whole folder), run.json last.

    Examples
    --------
    >>> planned_outputs(["md"])
    ['segments.csv', 'articles.csv', 'topics.json', 'model/', 'report.md', 'run.json']
    """
    wanted = set(formats)
    reports = [REPORT_FILES[f] for f in _ALL_FORMATS if f in wanted]
    return [*TABLE_FILES, *([f"{MODEL_DIR}/"] if model else []), *reports, MANIFEST]


def _safe_rel(rel: Any) -> bool:
    """A plain relative path inside the folder (no ``..``, not absolute): records are data, not trusted paths."""
    if not isinstance(rel, str) or rel.startswith("/") or "\\" in rel:
        return False
    return all(part not in ("", ".", "..") for part in rel.removesuffix("/").split("/"))


def _entries(records: Any, owned: Owned, *, by_name: bool = False) -> None:
    """Add a list of outputs (``{"path", "sha256"}`` dicts, or plain names in run.json before hashes) to ``owned``."""
    if not isinstance(records, list):
        return
    for item in records:
        if isinstance(item, str):  # run.json before outputs had hashes: top-level names, the user's files too
            if item.rstrip("/") not in _OUTPUT_NAMES:
                continue
            rel, sha = item, None
        elif isinstance(item, dict):
            rel, sha = item.get("path"), item.get("sha256")
            sha = None if by_name or not isinstance(sha, str) else sha
        else:
            continue
        if _safe_rel(rel) and rel != MANIFEST:
            owned[rel] = sha


def _read_journal(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == "topicsum" else None


def read_owned(folder: Path) -> Owned:
    """The outputs ``folder``'s records say topicsum wrote: run.json's ``outputs`` and an interrupted run's journal."""
    owned: Owned = {}
    manifest = read_manifest(folder)
    if manifest is not None:
        outputs = manifest.get("outputs")
        _entries(outputs, owned)
        for name in [o for o in (outputs or []) if isinstance(o, str) and _safe_rel(o)]:
            if (folder / name).is_dir():  # an older run.json names model/ as one entry
                del owned[name]
                owned[name.rstrip("/") + "/"] = None
    journal = _read_journal(folder)
    if journal is not None:
        _entries(journal.get("previous"), owned)
        _entries(journal.get("writing"), owned, by_name=True)  # may have been replaced: ours whatever its content
    return owned


def _inside(folder: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def owns(folder: Path, rel: str, owned: Owned) -> bool:
    """Whether the file ``folder/rel`` is ours: listed in the records and unchanged since."""
    path = folder / rel
    if path.is_symlink() or not path.is_file() or not _inside(folder, path.parent):
        return False
    if rel in owned:
        sha = owned[rel]
        try:
            return sha is None or sha256_file(path) == sha
        except OSError:
            return False
    return any(key.endswith("/") and rel.startswith(key) for key in owned)


def _files_under(folder: Path, sub: Path) -> list[str]:
    """Every file (or link, or other non-folder) under ``sub``, relative to ``folder``, in POSIX form."""
    found = []
    for root, dirs, files in os.walk(sub):
        dirs.sort()
        for name in [*sorted(files), *[d for d in dirs if os.path.islink(os.path.join(root, d))]]:
            found.append(Path(root, name).relative_to(folder).as_posix())
    return sorted(found)


def foreign_files(folder: Path, planned: Sequence[str], owned: Owned) -> list[str]:
    """The files a run writing ``planned`` would replace or delete although they are not ours."""
    clashes: list[str] = []
    for rel in planned:
        path = folder / rel.rstrip("/")
        if not (path.exists() or path.is_symlink()):
            continue
        if rel.endswith("/"):
            if path.is_symlink() or not path.is_dir():
                clashes.append(rel.rstrip("/"))
            else:
                clashes.extend(f for f in _files_under(folder, path) if not owns(folder, f, owned))
        elif rel == MANIFEST:
            if path.is_symlink() or read_manifest(folder) is None:
                clashes.append(rel)
        elif not owns(folder, rel, owned):
            clashes.append(rel)
    return clashes


def check_owned(folder: Path, planned: Sequence[str], owned: Owned, *, overwrite: bool) -> None:
    """Refuse (before any work) to replace files topicsum did not write, unless ``overwrite``.

    Raises
    ------
    OutputExistsError
        Some of ``planned`` exist in ``folder`` and are not ours; the message names them.
    """
    if overwrite:
        return
    clashes = foreign_files(folder, planned, owned)
    if clashes:
        shown = ", ".join(clashes[:8]) + (f" and {len(clashes) - 8} more" if len(clashes) > 8 else "")
        raise OutputExistsError(
            f"Output folder {str(folder)!r} holds {shown}, which topicsum did not write (or which changed since); "
            "move them away, choose another folder, or pass --overwrite (overwrite=True) to replace them."
        )


def prepare_output_dir(
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    create: bool = True,
    formats: Iterable[str] = _ALL_FORMATS,
    model: bool = True,
) -> Path:
    """Check that a run may write ``formats`` (and ``model/``) into ``path``; create the folder when ``create``.

    The folder must be usable (:func:`~._folder.check_output_path`), and
    the files the run would replace must be ours unless ``overwrite``.
    Files with other names are never touched.

    Raises
    ------
    OutputError
        The path cannot be an output folder (a file, under a file, not writable).
    OutputExistsError
        Files the run would replace were not written by topicsum.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (out / "report.md").write_text("my notes")
    >>> prepare_output_dir(out, formats=["md"])
    Traceback (most recent call last):
    ...
    topicsum._errors.OutputExistsError: Output folder ... holds report.md, which topicsum did not write ...
    >>> prepare_output_dir(out, formats=["html"]) == out
    True
    """
    folder = check_output_path(path, create=create)
    if folder.is_dir():
        check_owned(folder, planned_outputs(formats, model=model), read_owned(folder), overwrite=overwrite)
    return folder


def check_not_input(out: str | os.PathLike[str], inputs: Any) -> None:
    """Refuse an output folder that is an input folder or holds an input (it would be read back next time).

    An output folder inside an input folder is fine: the input walk skips it.

    Raises
    ------
    OutputError
        ``out`` is one of the input folders, or an input lies inside it.
    """
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else inputs if isinstance(inputs, (list, tuple)) else []
    out_real = Path(os.path.realpath(os.fspath(out)))
    for item in items:
        if not isinstance(item, (str, os.PathLike)) or not os.fspath(item).strip():
            continue
        given = os.fspath(item)
        real = Path(os.path.realpath(given))
        if real == out_real or out_real in real.parents:
            what = "is the input folder" if real == out_real else "holds the input"
            raise OutputError(
                f"Output folder {os.fspath(out)!r} {what} {given!r}, so its results would be read back as input; "
                "choose an --out outside the inputs."
            )
        if real in out_real.parents and real.is_dir():
            logger.info("The output folder %s is inside the input folder %s; it is skipped when reading inputs.",
                        os.fspath(out), given)


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` while a run writes it (runs into one folder take turns)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def remove_leftovers(folder: Path) -> list[str]:
    """Delete what interrupted writes left in ``folder`` (topicsum's own temporary names only); return the names."""
    removed = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_symlink():
            continue
        if entry.is_file() and _LEFTOVER_FILE.match(entry.name):
            os.unlink(entry.path)
        elif entry.is_dir() and _LEFTOVER_DIR.match(entry.name):
            shutil.rmtree(entry.path)
        else:
            continue
        removed.append(entry.name)
    if removed:
        logger.info("Removed what an interrupted run left in %s: %s", folder, ", ".join(removed))
    return removed


def mark_folder(folder: Path) -> None:
    """Write the marker that says "a topicsum output folder: never read it as input" (once)."""
    if not (folder / MARKER).is_file():
        atomic_write_json(
            folder / MARKER, {"tool": "topicsum", "note": "a topicsum output folder; topicsum never reads it as input"}
        )


def write_journal(folder: Path, owned: Owned, planned: Sequence[str]) -> None:
    """Record, before replacing anything, what the folder held (with hashes) and what this run will write."""
    atomic_write_json(
        folder / JOURNAL,
        {
            "tool": "topicsum",
            "previous": [{"path": rel, "sha256": sha} for rel, sha in sorted(owned.items())],
            "writing": [{"path": rel} for rel in planned if rel != MANIFEST],
        },
    )


def finish_journal(folder: Path) -> None:
    """Remove the journal: run.json is written, the run is complete."""
    try:
        os.unlink(folder / JOURNAL)
    except FileNotFoundError:
        pass


def describe_outputs(folder: Path, written: Iterable[str]) -> list[dict[str, Any]]:
    """run.json's ``outputs``: each written file (``model/`` expanded into its files) with sha256 and size."""
    files: list[str] = []
    for rel in written:
        path = folder / rel.rstrip("/")
        if rel.endswith("/"):
            files.extend(_files_under(folder, path))
        elif path.is_file():
            files.append(rel)
    return [
        {"path": rel, "sha256": sha256_file(folder / rel), "bytes": (folder / rel).stat().st_size}
        for rel in sorted(set(files))
    ]


def remove_stale(folder: Path, owned: Owned, written: Iterable[str]) -> list[str]:
    """Remove the previous run's outputs that this run did not write, when still ours; return those left.

    A file the user changed since is left in place and named in a warning.
    """
    fresh = set(written)
    new_model = f"{MODEL_DIR}/" in fresh
    candidates: set[str] = set()
    for rel in owned:
        if rel.endswith("/"):
            if not (new_model and rel == f"{MODEL_DIR}/") and (folder / rel).is_dir():
                candidates.update(_files_under(folder, folder / rel))
        elif rel not in fresh and not (new_model and rel.startswith(f"{MODEL_DIR}/")):
            candidates.add(rel)
    left = []
    for rel in sorted(candidates):
        path = folder / rel
        if not (path.exists() or path.is_symlink()):
            continue
        if not owns(folder, rel, owned):
            left.append(rel)
            continue
        path.unlink()
        _remove_empty_parents(folder, path.parent)
    if left:
        logger.warning(
            "%s holds %s from an earlier run, changed since, so it was left in place; it is not part of this run.",
            folder, ", ".join(left),
        )  # fmt: skip
    return left


def _remove_empty_parents(folder: Path, path: Path) -> None:
    top = folder.resolve()
    while path.resolve() != top and _inside(folder, path):
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent



def changed_outputs(folder: Path, manifest: dict[str, Any], names: Sequence[str]) -> list[str]:
    """The files among ``names`` (a name ending in "/": everything under it) that run.json lists with a
    sha256 and that are now missing or different: the folder mixes files of two runs.

    A run.json written before outputs had hashes gives an empty list (nothing to check against).
    """
    changed = []
    for item in manifest.get("outputs") or []:
        if not isinstance(item, dict) or not _safe_rel(item.get("path")) or not isinstance(item.get("sha256"), str):
            continue
        rel = item["path"]
        if not any(rel == n or (n.endswith("/") and rel.startswith(n)) for n in names):
            continue
        path = folder / rel
        try:
            same = path.is_file() and sha256_file(path) == item["sha256"]
        except OSError:
            same = False
        if not same:
            changed.append(rel)
    return changed


def interrupted(folder: Path) -> str | None:
    """Why ``folder`` holds an incomplete run (``None``: it does not): a journal left, or the marker without run.json."""
    if (folder / JOURNAL).exists():
        return f"an interrupted run's journal ({JOURNAL}) is still there, so its files may mix two runs"
    if (folder / MARKER).is_file() and not (folder / MANIFEST).exists():
        return "run.json is missing although topicsum prepared the folder, so a run was interrupted"
    return None
