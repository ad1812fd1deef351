"""topicsum: themes and cited digests from the news pages you collect.

Point it at saved news pages; it splits them into articles and segments,
groups the segments into themes with BERTopic, writes a cited digest for
each theme and renders HTML/PDF/Markdown reports.

Examples
--------
>>> import topicsum
>>> result = topicsum.run("seeds", summariser="extractive", out="out", formats=("html",))
>>> result.topics[["topic", "size"]].head(2)
   topic  size
0      0    31
1      1     8

``import topicsum`` is light: torch, transformers and BERTopic are imported
only when a stage needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._config import (
    ClusterConfig,
    Config,
    EmbedConfig,
    IngestConfig,
    ReportConfig,
    SegmentConfig,
    SummariseConfig,
)
from ._errors import (
    ConfigError,
    InputError,
    MissingDependencyError,
    ModelUnavailableError,
    OutputExistsError,
    SkippedInputWarning,
    SmallCorpusWarning,
    StageSkippedError,
    TopicsumError,
)
from ._types import Article, Digest, DigestSentence, Segment, Theme
from ._version import __version__ as __version__


# Public names served lazily, so that `import topicsum` stays light.
_LAZY: dict[str, str] = {
    "Corpus": "._ingest",
    "Result": "._result",
    "ThemeModel": "._cluster",
    "load": "._result",
    "load_corpus": "._ingest",
    "plot_hierarchy": "._report",
    "plot_keywords": "._report",
    "plot_over_time": "._report",
    "plot_similarity": "._report",
    "plot_topic_map": "._report",
    "plot_topic_sizes": "._report",
    "run": "._pipeline",
}

__all__ = [
    "Article",
    "ClusterConfig",
    "Config",
    "ConfigError",
    "Corpus",
    "Digest",
    "DigestSentence",
    "EmbedConfig",
    "IngestConfig",
    "InputError",
    "MissingDependencyError",
    "ModelUnavailableError",
    "OutputExistsError",
    "ReportConfig",
    "Result",
    "Segment",
    "SegmentConfig",
    "SkippedInputWarning",
    "SmallCorpusWarning",
    "StageSkippedError",
    "SummariseConfig",
    "Theme",
    "ThemeModel",
    "TopicsumError",
    "load",
    "load_corpus",
    "plot_hierarchy",
    "plot_keywords",
    "plot_over_time",
    "plot_similarity",
    "plot_topic_map",
    "plot_topic_sizes",
    "run",
]

if TYPE_CHECKING:  # pragma: no cover
    from ._cluster import ThemeModel
    from ._ingest import Corpus, load_corpus
    from ._pipeline import run
    from ._report import (
        plot_hierarchy,
        plot_keywords,
        plot_over_time,
        plot_similarity,
        plot_topic_map,
        plot_topic_sizes,
    )
    from ._result import Result, load


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'topicsum' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
