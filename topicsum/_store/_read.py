"""Reading an output folder back: run.json, the tables, topics.json and model/, checked against their hashes.

:func:`read_run` gives the parts of a run (:class:`~topicsum._types.RunData`);
``topicsum.load`` wraps them in a :class:`~topicsum.Result`.  A folder whose
run was interrupted, or whose files no longer match the sha256 run.json
records for them (a folder mixing two runs), is refused with one
:class:`~topicsum._errors.InputError` naming the file; a ``model/`` that
matches but cannot be loaded gives the tables with a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._config import Config
from .._errors import InputError, UserError
from .._types import RunData
from ._folder import MANIFEST, parse_manifest
from ._ownership import MODEL_DIR, TABLE_FILES, changed_outputs, interrupted
from ._records import groups_frame, groups_from_json, themes_from_json, topics_frame

if TYPE_CHECKING:  # pragma: no cover
    from .._cluster import ThemeModel

__all__ = ["SEGMENT_ARRAYS", "read_record", "read_run"]

logger = logging.getLogger(__name__)

#: The segments' arrays in model/ (embeddings and map coordinates, aligned with segments.csv).
SEGMENT_ARRAYS = "segments.safetensors"


def read_run(folder: str | Path, *, advice: str | None = None, changed_advice: str | None = None) -> RunData:
    """The run written in ``folder``: tables, themes, digests and (when present) the fitted model.

    ``advice`` and ``changed_advice`` replace the end of the messages ("run
    topicsum again into it") for callers that offer another way out
    (:func:`read_record`).

    Raises
    ------
    InputError
        The folder holds no complete run, or one of its files cannot be read;
        the message names the file and says to run topicsum again.
    """
    folder = Path(folder)
    manifest = read_record(folder, advice=advice, changed_advice=changed_advice)
    again = advice or "run topicsum again to rewrite it"
    config = _read(folder / MANIFEST, again, lambda p: Config.from_dict(manifest["config"]))
    segments = _read(folder / "segments.csv", again, _read_table, {"duplicate_of": "string"})
    articles = _read(folder / "articles.csv", again, _read_table)
    topics_data = _read(folder / "topics.json", again, lambda p: json.loads(p.read_text(encoding="utf-8")))
    pairs = _read(folder / "topics.json", again, lambda p: themes_from_json(topics_data))
    groups = _read(folder / "topics.json", again, lambda p: groups_from_json(topics_data))
    stories = topics_data.get("stories") if isinstance(topics_data, dict) else None
    themes = [t for t, _ in pairs]
    digests = {t.topic_id: d for t, d in pairs if d is not None}
    theme_model, embeddings, coords, problem = _load_model(folder / MODEL_DIR, config)
    if theme_model is not None:
        _check_agreement(folder, segments, theme_model)
    return RunData(
        segments=segments, articles=articles, topics=topics_frame(themes, digests or None), themes=themes,
        digests=digests or None, config=config, manifest=manifest, embeddings=embeddings, coords_2d=coords,
        theme_model=theme_model, groups=groups_frame(groups), _model_problem=problem,
        _model_state=theme_model.state() if theme_model is not None else None,
        stories=stories if isinstance(stories, dict) else None,
    )  # fmt: skip


def _check_agreement(folder: Path, segments: pd.DataFrame, model: ThemeModel) -> None:
    """Refuse a folder whose segments.csv puts segments in other stories than its model/ does.

    The model holds every segment in the tables' canonical order (by segment id).
    """
    if "topic" not in segments or "segment_id" not in segments:
        return
    table = segments.sort_values("segment_id", kind="stable")["topic"].to_numpy(dtype=np.int64)
    fitted = np.asarray(model.topics_, dtype=np.int64)
    bertopic = np.asarray(model.bertopic_.topics_, dtype=np.int64)
    if table.shape != fitted.shape or not np.array_equal(table, fitted) or not np.array_equal(fitted, bertopic):
        raise InputError(
            f"{str(folder)!r} holds tables and a model/ that disagree on the stories (the model was changed "
            "after the tables were made); load the run it came from and call result.refresh() before saving, "
            "or run topicsum again into it."
        )


def read_record(folder: Path, *, advice: str | None = None, changed_advice: str | None = None) -> dict[str, Any]:
    """run.json of a complete run whose data files are the ones it lists; else an InputError saying why.

    ``advice`` ends the messages (default: run topicsum again into it);
    ``changed_advice`` ends the one for files changed since the run wrote them.
    """
    again = advice or "run topicsum again into it (or point topicsum.load() at another folder)"
    problem = interrupted(folder)
    if problem is not None:
        raise InputError(f"{str(folder)!r} holds an incomplete topicsum run: {problem}; {again}.")
    manifest, why = parse_manifest(folder)
    if manifest is not None and not isinstance(manifest.get("config"), dict):
        manifest, why = None, "is not a topicsum run record (it has no config)"
    if manifest is None:
        if why is None:
            raise InputError(
                f"{str(folder)!r} holds no run.json; point topicsum.load() at a folder written by topicsum run."
            )
        raise InputError(f"{str(folder / MANIFEST)!r} {why}; {again}.")
    changed = changed_outputs(folder, manifest, [*TABLE_FILES, f"{MODEL_DIR}/"])
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise InputError(
            f"{str(folder)!r} mixes files of different runs: {shown} changed or went missing since run.json was "
            f"written; {changed_advice or again}."
        )
    return manifest


def _read(path: Path, again: str, reader: Callable[..., Any], *args: Any) -> Any:
    """``reader(path, *args)``, with any failure turned into an InputError naming the file (and ``again``)."""
    try:
        return reader(path, *args)
    except UserError as exc:
        raise InputError(f"{str(path)!r} cannot be used ({exc}); {again}.") from None
    except Exception as exc:  # noqa: BLE001 - pandas, json and the record parsers raise many types
        what = "is missing" if isinstance(exc, FileNotFoundError) else f"cannot be read ({type(exc).__name__}: {exc})"
        raise InputError(f"{str(path)!r} {what}; {again}.") from None


def _read_table(path: Path, dtype: dict[str, str] | None = None) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False)
    if "duplicate_of" in frame:
        frame["duplicate_of"] = frame["duplicate_of"].replace("", None)
    return frame


def _load_model(
    model_dir: Path, config: Config
) -> tuple[ThemeModel | None, np.ndarray | None, np.ndarray | None, str | None]:
    """The fitted theme model and the segments' arrays of a run's ``model/`` folder, and why not when they fail.

    The model gets back the embedder it was fitted with (``config.embed``,
    loaded on first use), so its BERTopic can ``transform`` and find topics.
    ``model/`` absent: all ``None``.  A ``model/`` that cannot be loaded gives
    the tables only, with a warning and the reason (kept for ``transform``).
    """
    if not model_dir.is_dir():
        return None, None, None, None
    from safetensors.numpy import load_file

    from .._cluster import ThemeModel
    from .._embed import PortableEmbedder

    try:
        theme_model = ThemeModel.load(model_dir).attach(PortableEmbedder(config.embed, config.resolved_cache_dir()))
        arrays = model_dir / SEGMENT_ARRAYS
        data = load_file(str(arrays)) if arrays.is_file() else {}
    except Exception as exc:  # noqa: BLE001 - a damaged model folder should not hide the tables
        problem = f"{str(model_dir)!r} cannot be loaded ({type(exc).__name__}: {str(exc)[:200]})"
        logger.warning(
            "%s; the tables, themes and digests are loaded, but transform() and .model need it: run topicsum again "
            "to rewrite it.", problem,
        )  # fmt: skip
        return None, None, None, problem
    return theme_model, data.get("embeddings"), data.get("coords_2d"), None
