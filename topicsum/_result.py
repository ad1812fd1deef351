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

from ._errors import ModelChangedError, StageSkippedError, ThemeNotFoundError
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
        """The fitted BERTopic model, for BERTopic's own API (the same object whether fresh, cached or loaded).

        It has topicsum's embedding model and keyword model, representative
        documents, and the story names as custom labels.  Changing it directly
        (``reduce_topics``, ``merge_topics``, ``update_topics``) leaves this
        result's tables behind: :meth:`refresh` brings them back in line, and
        until then saving or reporting says so (:class:`~topicsum.ModelChangedError`).
        :meth:`reduce` and :meth:`merge` do both at once.
        """
        if self.theme_model is None:
            raise StageSkippedError(self._no_model_reason())
        return self.theme_model.bertopic_

    def _check_model(self) -> None:
        """Raise :class:`ModelChangedError` when the model no longer matches this result's tables."""
        if self.theme_model is None or self._model_state is None:
            return
        if self.theme_model.state() != self._model_state:
            raise ModelChangedError(
                "result.model was changed (reduce_topics, merge_topics, update_topics...) after this result was "
                "made, so its tables, digests and report no longer match it; call result.refresh() to bring them "
                "in line (or use result.reduce() / result.merge(), which do both)."
            )

    @property
    def changes(self) -> pd.DataFrame:
        """What changed since the run this one continued: one row per story id, new stories first.

        Columns: ``story_id``, ``status`` (``new``, ``updated``,
        ``unchanged``; ``merged`` and ``gone`` for ids this run retired),
        ``topic``, ``label``, ``articles``, ``added`` (articles new to this
        run), ``first_seen``, ``last_updated``, ``first_date``, ``last_date``
        and ``merged_into``.  On a first run every story is ``new``.

        Examples
        --------
        >>> result.changes["status"].value_counts().to_dict()
        {'new': 6}
        """
        from ._follow import changes_frame

        return changes_frame(self.themes, self.stories, str(self.manifest.get("created", "")))

    def topics_over_time(self, nr_bins: int | None = None) -> pd.DataFrame:
        """Stories over the articles' publication dates (BERTopic's ``topics_over_time``).

        Segments whose article has no known date (``date`` column empty) are
        left out.  ``nr_bins`` groups the dates into that many bins.

        Raises
        ------
        InputError
            No article of the run has a known publication date.

        Examples
        --------
        >>> result.topics_over_time()[["Topic", "Timestamp", "Frequency"]].head(2)  # doctest: +SKIP
        """
        self._check_model()
        model = self._require_model()
        date_of = dict(zip(self.segments["segment_id"].astype(str), self.segments["date"].fillna("").astype(str)))
        return model.topics_over_time([date_of.get(sid, "") for sid in sorted(date_of)], nr_bins=nr_bins)

    # -- changing the stories -----------------------------------------------
    def reduce(self, n_topics: int) -> Result:
        """Merge the closest stories until ``n_topics`` remain, and bring the tables, names and digests along.

        Digests are written again only for stories whose segments changed.

        Examples
        --------
        >>> len(result.reduce(3).topics)  # doctest: +SKIP
        3
        """
        self._require_model().reduce(n_topics)
        return self.refresh()

    def merge(self, topics_to_merge: Any) -> Result:
        """Merge the given stories (``[0, 3]``, or ``[[0, 3], [1, 2]]``), and bring the tables, names and digests along."""
        self._require_model().merge(topics_to_merge)
        return self.refresh()

    def refresh(self) -> Result:
        """Bring the tables, names, digests and figures in line with the model after it changed; returns ``self``."""
        from ._refresh import refresh_run

        self._require_model()
        refresh_run(self)
        return self

    def _require_model(self) -> Any:
        if self.theme_model is None:
            raise StageSkippedError(self._no_model_reason())
        return self.theme_model

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

        self._check_model()
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

        self._check_model()
        return write_html(self, Path(path), template_dir=template_dir)

    def to_pdf(self, path: str | os.PathLike[str], *, template_dir: str | os.PathLike[str] | None = None) -> Path:
        """Write the PDF report (WeasyPrint, extra ``topicsum[pdf]``) to ``path``.

        Examples
        --------
        >>> result.to_pdf("report.pdf")
        PosixPath('report.pdf')
        """
        from ._report import write_pdf

        self._check_model()
        return write_pdf(self, Path(path), template_dir=template_dir)

    def to_markdown(self, path: str | os.PathLike[str]) -> Path:
        """Write the Markdown report to ``path``.

        Examples
        --------
        >>> result.to_markdown("report.md")
        PosixPath('report.md')
        """
        from ._report import write_markdown

        self._check_model()
        return write_markdown(self, Path(path))

    def save(self, directory: str | os.PathLike[str], *, formats: tuple[str, ...] | None = None, overwrite: bool = False) -> Path:
        """Write the output folder: segments.csv, articles.csv, topics.json, run.json, reports, model/.

        Examples
        --------
        >>> result.save("saved")
        PosixPath('saved')
        """
        from ._store import write_outputs

        self._check_model()
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

        self._check_model()
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
