"""Writing the output folder: tables, topics.json, model/, reports, and run.json last.

Every file is written atomically (a temporary name, then a rename), and only
inside the output folder.  The folder's ownership rule (:mod:`._ownership`)
is checked first; the journal is written before the first file is replaced
and removed after run.json, the commit record that lists every file written
with its sha256.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._errors import MissingDependencyError
from .._io import atomic_write, atomic_write_json, umask
from ._folder import MANIFEST, check_output_path
from ._ownership import (
    MODEL_DIR,
    REPORT_FILES,
    check_owned,
    describe_outputs,
    finish_journal,
    mark_folder,
    output_lock,
    planned_outputs,
    read_owned,
    remove_leftovers,
    remove_stale,
    write_journal,
)
from ._read import SEGMENT_ARRAYS
from ._records import groups_from_frame, topics_json

if TYPE_CHECKING:  # pragma: no cover
    from .._context import Timer
    from .._types import RunData

__all__ = ["write_outputs"]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_write(path, "w") as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")


def _save_model(result: RunData, folder: Path) -> None:
    """Write model/ atomically: build it in a temp folder, then swap it in."""
    assert result.theme_model is not None
    from safetensors.numpy import save_file

    tmp = Path(tempfile.mkdtemp(prefix=".model.", dir=folder))
    try:
        result.theme_model.save(tmp)
        arrays = {}
        if result.embeddings is not None:
            arrays["embeddings"] = np.ascontiguousarray(result.embeddings, dtype=np.float32)
        if result.coords_2d is not None:
            arrays["coords_2d"] = np.ascontiguousarray(result.coords_2d, dtype=np.float32)
        if arrays:
            save_file(arrays, str(tmp / SEGMENT_ARRAYS))
        for sub in (tmp, *[p for p in tmp.rglob("*") if p.is_dir()]):
            os.chmod(sub, 0o777 & ~umask())
        for file in [p for p in tmp.rglob("*") if p.is_file()]:
            os.chmod(file, 0o666 & ~umask())
        target = folder / MODEL_DIR
        old = None
        if target.exists() or target.is_symlink():  # a link or a file only with overwrite: moved, never followed
            old = folder / f".model.old.{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_reports(result: RunData, folder: Path, formats: Sequence[str]) -> tuple[list[str], MissingDependencyError | None]:
    """Write the reports asked for; return the names written and the PDF error, if any (returned, not raised)."""
    from .._report import figure_items, write_html, write_markdown, write_pdf

    template_dir = result.config.report.template_dir
    # the HTML and PDF reports embed the same SVG figures: drawn once
    figures = figure_items(result) if {"html", "pdf"} <= set(formats) else None
    written = []
    if "html" in formats:
        write_html(result, folder / REPORT_FILES["html"], template_dir=template_dir, figures=figures)
        written.append(REPORT_FILES["html"])
    if "md" in formats:
        write_markdown(result, folder / REPORT_FILES["md"])
        written.append(REPORT_FILES["md"])
    if "pdf" in formats:
        try:
            write_pdf(result, folder / REPORT_FILES["pdf"], template_dir=template_dir, figures=figures)
        except MissingDependencyError as exc:
            return written, exc
        written.append(REPORT_FILES["pdf"])
    return written, None


def write_outputs(
    result: RunData,
    directory: Path,
    *,
    formats: Sequence[str] | None = None,
    overwrite: bool = False,
    timer: Timer | None = None,
) -> Path:
    """Write the output folder for ``result`` (every file atomically, nothing outside ``directory``).

    Files that are not ours (see :mod:`._ownership`) are never replaced
    without ``overwrite``; the previous run's outputs that this run does not
    write are removed when unchanged.  A PDF that cannot be made (WeasyPrint
    missing) does not stop the other files: they are written first and the
    error is raised at the end.

    Raises
    ------
    OutputError
        ``directory`` cannot be created or written.
    OutputExistsError
        It holds files topicsum did not write (and ``overwrite`` is false).
    """
    formats = tuple(result.config.report.formats if formats is None else formats)
    planned = planned_outputs(formats, model=result.theme_model is not None)
    folder = check_output_path(directory)
    from .._context import Timer

    run_timer = timer  # the run's own timer: its total then covers the writing too
    timer = timer or Timer()
    with output_lock(folder):
        owned = read_owned(folder)
        check_owned(folder, planned, owned, overwrite=overwrite)
        remove_leftovers(folder)
        mark_folder(folder)
        write_journal(folder, owned, planned)
        written, pending_error = _write_files(result, folder, formats, timer)
        manifest = dict(result.manifest)
        timings = dict(manifest.get("timings", {}))
        timings.update(timer.seconds)
        if run_timer is not None:
            timings["total"] = run_timer.timings()["total"]
        manifest["timings"] = timings
        manifest["outputs"] = describe_outputs(folder, written)
        result.manifest = manifest
        atomic_write_json(folder / MANIFEST, manifest)  # the commit record
        remove_stale(folder, owned, written)
        finish_journal(folder)
    if pending_error is not None:
        raise pending_error
    return folder


def _write_files(
    result: RunData, folder: Path, formats: Sequence[str], timer: Timer
) -> tuple[list[str], MissingDependencyError | None]:
    """Write the tables, topics.json, model/ and the reports; return what was written (relative paths)."""
    pending_error: MissingDependencyError | None = None
    with timer.stage("write"):
        _write_csv(result.segments, folder / "segments.csv")
        _write_csv(result.articles, folder / "articles.csv")
        atomic_write_json(
            folder / "topics.json", topics_json(result.themes, result.digests, groups_from_frame(result.groups), result.stories)
        )
        written = ["segments.csv", "articles.csv", "topics.json"]
        if result.theme_model is not None:
            _save_model(result, folder)
            written.append(f"{MODEL_DIR}/")
    if formats:
        with timer.stage("report"):
            reports, pending_error = _write_reports(result, folder, formats)
        written.extend(reports)
    return written, pending_error
