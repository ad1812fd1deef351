"""The public API: a pinned __all__, and an `import topicsum` that stays light."""

from __future__ import annotations

import subprocess
import sys

import topicsum

EXPECTED_ALL = [
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


def test_all_is_pinned_and_sorted():
    assert topicsum.__all__ == EXPECTED_ALL
    assert sorted(topicsum.__all__) == topicsum.__all__


def test_every_public_name_resolves_and_is_documented():
    for name in topicsum.__all__:
        obj = getattr(topicsum, name)
        assert obj.__doc__, f"topicsum.{name} has no docstring"


def test_import_is_light():
    code = (
        "import sys, topicsum; "
        "heavy = [m for m in ('torch', 'transformers', 'bertopic', 'sentence_transformers', 'umap', 'weasyprint', 'dask', 'distributed') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_errors_inherit_builtin_types():
    assert issubclass(topicsum.ConfigError, ValueError)
    assert issubclass(topicsum.InputError, ValueError)
    assert issubclass(topicsum.MissingDependencyError, ImportError)
    assert issubclass(topicsum.ModelUnavailableError, OSError)
    for name in ("ConfigError", "InputError", "MissingDependencyError", "StageSkippedError"):
        assert issubclass(getattr(topicsum, name), topicsum.TopicsumError)
