"""The :class:`Result` of a run: tables, themes, digests, figures and the fitted model."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._config import Config
from ._errors import InputError, StageSkippedError, ThemeNotFoundError, UserError
from ._io import MANIFEST
from ._ownership import MODEL_DIR, TABLE_FILES, changed_outputs, interrupted
from ._serialise import groups_frame, groups_from_json, themes_from_json, topics_frame
from ._types import Digest, Theme

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._cluster import ThemeModel

__all__ = ["Result", "load"]

logger = logging.getLogger(__name__)

#: The files ``load`` reads besides run.json and model/.
_DATA_FILES = TABLE_FILES


@dataclass
class Result:
    """Everything a run produced.

    Attributes
    ----------
    segments : pandas.DataFrame
        One row per segment: provenance columns (segment_id, doc_id,
        article_id, source, headline, outlet, published, start, end,
        duplicate_of, text) plus ``topic``, ``topic_label`` and ``was_outlier``.
    articles : pandas.DataFrame
        One row per article, with its majority ``topic`` and ``topic_label``.
    topics : pandas.DataFrame
        One row per theme (a story): topic, label, keyword_label, size, share,
        keywords, representative_segment_ids, article_ids, outlets, group,
        group_label, digest.
    themes : list of Theme
        The same themes as records.
    digests : dict of int to Digest, or None
        Cited digests by topic id; ``None`` when summarisation was off.
    config : Config
        The configuration used.
    manifest : dict
        The content of run.json (versions, inputs, timings, counts...).
    embeddings : numpy.ndarray or None
        Segment embeddings aligned with ``segments`` rows.
    coords_2d : numpy.ndarray or None
        2-D map of the segments (aligned with ``segments`` rows).
    theme_model : ThemeModel or None
        The fitted theme model; ``.model`` is its BERTopic.
    groups : pandas.DataFrame
        Groups of related stories (group, label, size, stories, topics,
        keywords); empty when the run holds too few stories for groups.

    Examples
    --------
    >>> import topicsum
    >>> result = topicsum.run("seeds", summariser="extractive", formats=())
    >>> result
    <topicsum.Result: 56 segments, 8 articles, 6 themes, digests>
    """

    segments: pd.DataFrame
    articles: pd.DataFrame
    topics: pd.DataFrame
    themes: list[Theme]
    digests: dict[int, Digest] | None
    config: Config
    manifest: dict[str, Any]
    embeddings: np.ndarray | None = None
    coords_2d: np.ndarray | None = None
    theme_model: ThemeModel | None = None
    groups: pd.DataFrame = field(default_factory=lambda: groups_frame([]))
    _figures: dict[str, Figure] | None = field(default=None, repr=False)
    _model_problem: str | None = field(default=None, repr=False)  # why a loaded result has no model

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
        if self._figures is None:
            from ._report import make_figures

            self._figures = make_figures(self)
        return self._figures

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
        from ._output import write_outputs

        return write_outputs(self, Path(directory), formats=formats, overwrite=overwrite)

    def transform(self, documents: Any, **load_options: Any) -> pd.DataFrame:
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

        return transform_documents(self, documents, **load_options)

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
    folder = Path(directory)
    manifest = _read_manifest(folder)
    config = _read(folder / MANIFEST, lambda p: Config.from_dict(manifest["config"]))
    segments = _read(folder / "segments.csv", _read_table, {"duplicate_of": "string"})
    articles = _read(folder / "articles.csv", _read_table)
    topics_data = _read(folder / "topics.json", lambda p: json.loads(p.read_text(encoding="utf-8")))
    pairs = _read(folder / "topics.json", lambda p: themes_from_json(topics_data))
    groups = _read(folder / "topics.json", lambda p: groups_from_json(topics_data))
    themes = [t for t, _ in pairs]
    digests = {t.topic_id: d for t, d in pairs if d is not None}
    theme_model, embeddings, coords, problem = _load_model(folder / MODEL_DIR)
    result = Result(
        segments=segments,
        articles=articles,
        topics=topics_frame(themes, digests or None),
        themes=themes,
        digests=digests or None,
        config=config,
        manifest=manifest,
        embeddings=embeddings,
        coords_2d=coords,
        theme_model=theme_model,
        groups=groups_frame(groups),
    )
    result._model_problem = problem
    return result


def _read_manifest(folder: Path) -> dict[str, Any]:
    """run.json of a complete run whose data files are the ones it lists; else an InputError saying why."""
    again = "run topicsum again into it (or point topicsum.load() at another folder)"
    path = folder / MANIFEST
    problem = interrupted(folder)
    if problem is not None:
        raise InputError(f"{str(folder)!r} holds an incomplete topicsum run: {problem}; {again}.")
    if not path.is_file():
        raise InputError(f"{str(folder)!r} holds no run.json; point topicsum.load() at a folder written by topicsum run.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{str(path)!r} cannot be read as a topicsum run record ({exc}); {again}.") from None
    if not isinstance(manifest, dict) or manifest.get("tool") != "topicsum" or not isinstance(manifest.get("config"), dict):
        raise InputError(f"{str(path)!r} is not a topicsum run record; {again}.")
    changed = changed_outputs(folder, manifest, [*_DATA_FILES, f"{MODEL_DIR}/"])
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise InputError(
            f"{str(folder)!r} mixes files of different runs: {shown} changed or went missing since run.json was "
            f"written; {again}."
        )
    return manifest


def _read(path: Path, reader: Callable[..., Any], *args: Any) -> Any:
    """``reader(path, *args)``, with any failure turned into an InputError naming the file."""
    try:
        return reader(path, *args)
    except UserError as exc:
        raise InputError(f"{str(path)!r} cannot be used ({exc}); run topicsum again to rewrite it.") from None
    except Exception as exc:  # noqa: BLE001 - pandas, json and the record parsers raise many types
        what = "is missing" if isinstance(exc, FileNotFoundError) else f"cannot be read ({type(exc).__name__}: {exc})"
        raise InputError(f"{str(path)!r} {what}; run topicsum again to rewrite it.") from None


def _read_table(path: Path, dtype: dict[str, str] | None = None) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False)
    if "duplicate_of" in frame:
        frame["duplicate_of"] = frame["duplicate_of"].replace("", None)
    return frame


def _load_model(model_dir: Path) -> tuple[ThemeModel | None, np.ndarray | None, np.ndarray | None, str | None]:
    """The fitted theme model and the segments' arrays of a run's ``model/`` folder, and why not when they fail.

    ``model/`` absent: all ``None``.  A ``model/`` that cannot be loaded gives
    the tables only, with a warning and the reason (kept for ``transform``).
    """
    if not model_dir.is_dir():
        return None, None, None, None
    from safetensors.numpy import load_file

    from ._cluster import ThemeModel

    try:
        theme_model = ThemeModel.load(model_dir)
        arrays = model_dir / "segments.safetensors"
        data = load_file(str(arrays)) if arrays.is_file() else {}
    except Exception as exc:  # noqa: BLE001 - a damaged model folder should not hide the tables
        problem = f"{str(model_dir)!r} cannot be loaded ({type(exc).__name__}: {str(exc)[:200]})"
        logger.warning(
            "%s; the tables, themes and digests are loaded, but transform() and .model need it: run topicsum again "
            "to rewrite it.", problem,
        )  # fmt: skip
        return None, None, None, problem
    return theme_model, data.get("embeddings"), data.get("coords_2d"), None
