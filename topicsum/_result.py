"""The :class:`Result` of a run: its data (:class:`~topicsum._types.RunData`) and thin methods.

The methods call the store (:mod:`topicsum._store`: ``save``, :func:`load`),
the reports (:mod:`topicsum._report`) and :mod:`topicsum._transform`; the
data is plain tables and records.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._errors import StageSkippedError, ThemeNotFoundError
from ._types import Digest, RunData

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["Result", "load"]

logger = logging.getLogger(__name__)


@dataclass(repr=False)
class Result(RunData):
    """Everything a run produced (see :class:`~topicsum._types.RunData` for the attributes), with thin methods.

    Examples
    --------
    >>> import topicsum
    >>> result = topicsum.run("seeds", summariser="extractive", formats=())
    >>> result
    <topicsum.Result: 56 segments, 8 articles, 6 themes, digests>
    """

    # -- access -----------------------------------------------------------
    @property
    def model(self) -> Any:
        """The fitted BERTopic model, for users who want BERTopic's own API."""
        if self.theme_model is None:
            raise StageSkippedError(self._no_model_reason())
        return self.theme_model.bertopic_

    def _no_model_reason(self) -> str:
        """Why this result has no fitted theme model, and what to do (one sentence)."""
        if self._model_problem:
            return f"This result has no fitted theme model: {self._model_problem}; run topicsum again to rewrite it."
        return (
            "This result has no fitted theme model (the folder it was loaded from has no model/); "
            "run topicsum again to write one."
        )

    def digest(self, topic: int) -> Digest:
        """The cited digest of one theme.

        Raises
        ------
        StageSkippedError
            Summarisation was turned off for this run.
        ThemeNotFoundError
            There is no theme with that id (a ``KeyError``).

        Examples
        --------
        >>> result.digest(0).sentences[0].segment_ids[0] in result.segments["segment_id"].tolist()
        True
        """
        if self.digests is None:
            raise StageSkippedError(
                "Digests were not made in this run (summariser='none'); "
                "run again with summariser='smollm2' or summariser='extractive'."
            )
        try:
            return self.digests[int(topic)]
        except KeyError:
            valid = ", ".join(str(t) for t in sorted(self.digests))
            raise ThemeNotFoundError(f"No digest for theme {topic!r}; themes with digests are: {valid}.") from None

    @property
    def figures(self) -> dict[str, Figure]:
        """The report's matplotlib figures by name, drawn once on first access."""
        from ._report import figures_of

        return figures_of(self)

    # -- export -----------------------------------------------------------
    def to_html(self, path: str | os.PathLike[str], *, template_dir: str | os.PathLike[str] | None = None) -> Path:
        """Write the self-contained HTML report to ``path`` (atomically).

        Examples
        --------
        >>> result.to_html("report.html")
        PosixPath('report.html')
        """
        from ._report import write_html

        return write_html(self, Path(path), template_dir=template_dir)

    def to_pdf(self, path: str | os.PathLike[str], *, template_dir: str | os.PathLike[str] | None = None) -> Path:
        """Write the PDF report (WeasyPrint, extra ``topicsum[pdf]``) to ``path``.

        Examples
        --------
        >>> result.to_pdf("report.pdf")
        PosixPath('report.pdf')
        """
        from ._report import write_pdf

        return write_pdf(self, Path(path), template_dir=template_dir)

    def to_markdown(self, path: str | os.PathLike[str]) -> Path:
        """Write the Markdown report to ``path``.

        Examples
        --------
        >>> result.to_markdown("report.md")
        PosixPath('report.md')
        """
        from ._report import write_markdown

        return write_markdown(self, Path(path))

    def save(self, directory: str | os.PathLike[str], *, formats: tuple[str, ...] | None = None, overwrite: bool = False) -> Path:
        """Write the output folder: segments.csv, articles.csv, topics.json, run.json, reports, model/.

        Examples
        --------
        >>> result.save("saved")
        PosixPath('saved')
        """
        from ._store import write_outputs

        return write_outputs(self, Path(directory), formats=formats, overwrite=overwrite)

    def transform(self, documents: Any) -> pd.DataFrame:
        """Place new documents into the existing themes.

        ``documents`` is anything :func:`topicsum.load_corpus` accepts (paths,
        a DataFrame) or a list of strings.  Returns one row per new segment
        with ``topic`` and ``topic_label``.

        Examples
        --------
        >>> new = result.transform(["Russia and Ukraine swapped more bodies of fallen soldiers."])
        >>> new[["text", "topic"]].shape
        (1, 2)
        """
        from ._transform import transform_documents

        return transform_documents(self, documents, no_model_reason=self._no_model_reason())

    # -- notebook display ---------------------------------------------------
    def _repr_html_(self) -> str:
        from ._report import overview_html

        return overview_html(self)

    def __repr__(self) -> str:
        n_themes = int((self.topics["topic"] >= 0).sum()) if len(self.topics) else 0
        n_groups = len(self.groups) if self.groups is not None else 0
        return (
            f"<topicsum.Result: {len(self.segments)} segments, {len(self.articles)} articles, "
            f"{n_themes} themes{f', {n_groups} groups' if n_groups else ''}{'' if self.digests is None else ', digests'}>"
        )


def load(directory: str | os.PathLike[str]) -> Result:
    """Load a run written by ``topicsum run`` or :meth:`Result.save`.

    The tables, themes and digests come from the CSV/JSON files; the fitted
    theme model (safetensors, never pickle) from ``model/`` when present.
    A folder whose run was interrupted, or whose files no longer match the
    sha256 run.json records for them (a folder mixing two runs), is refused.
    When ``model/`` cannot be loaded although it matches, the tables are
    loaded with a warning and :meth:`Result.transform` says why it cannot run.

    Raises
    ------
    InputError
        The folder holds no complete run, or one of its files cannot be read;
        the message names the file and says to run topicsum again.

    Examples
    --------
    >>> _ = result.save("saved-run")
    >>> topicsum.load("saved-run")
    <topicsum.Result: 56 segments, 8 articles, 6 themes, digests>
    """
    from ._store import read_run

    data = read_run(Path(directory))
    return Result(**{f: getattr(data, f) for f in data.__dataclass_fields__})
