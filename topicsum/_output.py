"""Writing the output folder: tables, topics.json, model/, reports, and run.json last.

Every file is written atomically (a temporary name, then a rename), and only
inside the output folder, which :func:`~topicsum._io.prepare_output_dir`
checks first.
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

from ._errors import MissingDependencyError
from ._io import MANIFEST, atomic_write, atomic_write_json, prepare_output_dir, umask
from ._manifest import Timer
from ._serialise import groups_from_frame, topics_json

if TYPE_CHECKING:  # pragma: no cover
    from ._result import Result

__all__ = ["write_outputs"]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_write(path, "w") as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")


def _save_model(result: Result, folder: Path) -> None:
    """Write model/ atomically: build it in a temp folder, then swap it in."""
    if result.theme_model is None:
        return
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
            save_file(arrays, str(tmp / "segments.safetensors"))
        for sub in (tmp, *[p for p in tmp.rglob("*") if p.is_dir()]):
            os.chmod(sub, 0o777 & ~umask())
        for file in [p for p in tmp.rglob("*") if p.is_file()]:
            os.chmod(file, 0o666 & ~umask())
        target = folder / "model"
        old = None
        if target.exists():
            old = folder / f".model.old.{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_reports(result: Result, folder: Path, formats: Sequence[str]) -> MissingDependencyError | None:
    """Write the reports asked for; a PDF that cannot be made is returned, not raised, so the rest is written."""
    from ._report import write_html, write_markdown, write_pdf

    template_dir = result.config.report.template_dir
    if "html" in formats:
        write_html(result, folder / "report.html", template_dir=template_dir)
    if "md" in formats:
        write_markdown(result, folder / "report.md")
    if "pdf" in formats:
        try:
            write_pdf(result, folder / "report.pdf", template_dir=template_dir)
        except MissingDependencyError as exc:
            return exc
    return None


def write_outputs(
    result: Result,
    directory: Path,
    *,
    formats: Sequence[str] | None = None,
    overwrite: bool = False,
    timer: Timer | None = None,
) -> Path:
    """Write the output folder for ``result`` (every file atomically, nothing outside ``directory``).

    A PDF that cannot be made (WeasyPrint missing) does not stop the other
    files: they are written first and the error is raised at the end.
    """
    folder = prepare_output_dir(directory, overwrite=overwrite)
    formats = tuple(result.config.report.formats if formats is None else formats)
    run_timer = timer  # the run's own timer: its total then covers the writing too
    timer = timer or Timer()
    pending_error: MissingDependencyError | None = None
    with timer.stage("write"):
        _write_csv(result.segments, folder / "segments.csv")
        _write_csv(result.articles, folder / "articles.csv")
        atomic_write_json(folder / "topics.json", topics_json(result.themes, result.digests, groups_from_frame(result.groups)))
        _save_model(result, folder)
    if formats:
        with timer.stage("report"):
            pending_error = _write_reports(result, folder, formats)
    manifest = dict(result.manifest)
    timings = dict(manifest.get("timings", {}))
    timings.update(timer.seconds)
    if run_timer is not None:
        timings["total"] = run_timer.timings()["total"]
    manifest["timings"] = timings
    manifest["outputs"] = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    if MANIFEST not in manifest["outputs"]:
        manifest["outputs"] = sorted([*manifest["outputs"], MANIFEST])
    result.manifest = manifest
    atomic_write_json(folder / MANIFEST, manifest)
    if pending_error is not None:
        raise pending_error
    return folder
