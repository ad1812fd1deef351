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


def test_every_error_topicsum_raises_is_exported_and_in_the_tree():
    """Issue 19: ClusterError, ThemeNotFoundError and NotFittedError reached users but were not exported."""
    import ast
    from pathlib import Path

    from topicsum import _errors

    raised = set()
    for path in Path(topicsum.__path__[0]).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
                raised.add(node.exc.func.id)
    ours = {name for name in raised if name in _errors.__all__}
    assert {"DaskError", "ThemeNotFoundError", "NotFittedError", "InputError"} <= ours
    tree = _errors.__doc__
    for name in _errors.__all__:
        assert name in topicsum.__all__, f"{name} is not exported from topicsum"
        assert name in tree, f"{name} is missing from the error tree in topicsum._errors"
    assert not hasattr(_errors, "ClusterError")  # renamed: it is the Dask cluster, not the clustering stage
