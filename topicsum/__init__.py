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
from typing import Any

from ._config import (
    ClusterConfig,
    Config,
    EmbedConfig,
    IngestConfig,
    LabelConfig,
    ReportConfig,
    SegmentConfig,
    SummariseConfig,
)
from ._errors import (
    ConfigError,
    DaskError,
    InputError,
    MissingDependencyError,
    ModelChangedError,
    ModelUnavailableError,
    NotFittedError,
    OutputError,
    OutputExistsError,
    SkippedInputWarning,
    SmallCorpusWarning,
    StageSkippedError,
    ThemeNotFoundError,
    ToolError,
    TopicsumError,
    UserError,
)
from ._types import Article, Corpus, Digest, DigestSentence, Segment, Theme
from ._version import __version__ as __version__

#: The ``plot_*`` figure functions (the report's figures: ``topicsum._report._figures.FIGURES``).
_PLOTS = ("plot_hierarchy", "plot_keywords", "plot_outlets", "plot_over_time", "plot_similarity", "plot_timeline", "plot_topic_map",
          "plot_topic_sizes")

# Public names served lazily, so that `import topicsum` stays light.
_LAZY: dict[str, str] = {
    "Result": "._result",
    "ThemeModel": "._cluster",
    "load": "._result",
    "load_corpus": "._ingest",
    "run": "._pipeline",
    "segment_corpus": "._segment",
    **{name: "._report" for name in _PLOTS},
}

__all__ = [
    "Article",
    "ClusterConfig",
    "Config",
    "ConfigError",
    "Corpus",
    "DaskError",
    "Digest",
    "DigestSentence",
    "EmbedConfig",
    "IngestConfig",
    "InputError",
    "LabelConfig",
    "MissingDependencyError",
    "ModelChangedError",
    "ModelUnavailableError",
    "NotFittedError",
    "OutputError",
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
    "ThemeNotFoundError",
    "ToolError",
    "TopicsumError",
    "UserError",
    "load",
    "load_corpus",
    "plot_hierarchy",
    "plot_keywords",
    "plot_outlets",
    "plot_over_time",
    "plot_similarity",
    "plot_timeline",
    "plot_topic_map",
    "plot_topic_sizes",
    "run",
    "segment_corpus",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'topicsum' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
