"""Configuration: one frozen dataclass per pipeline stage, gathered in :class:`Config`.

The same :class:`Config` serves the notebook (``topicsum.run(..., n_topics=6)``),
the CLI (``--config run.toml`` and flags) and ``run.json`` (``Config.to_dict()``).
Unknown keys are rejected with the list of valid ones, so a typo never silently
falls back to a default.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from ._errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "ClusterConfig",
    "Config",
    "EmbedConfig",
    "IngestConfig",
    "ReportConfig",
    "SegmentConfig",
    "SummariseConfig",
]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    _check(value in choices, f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}.")


@dataclass(frozen=True)
class IngestConfig:
    """How inputs are read, cleaned of site furniture and split into articles.

    Parameters
    ----------
    text_column, title_column, date_column, url_column, id_column : str
        Column (CSV, DataFrame) or key (JSONL) names.  Only ``text_column`` is
        required; the others are kept as metadata when present.
    encoding : str or None
        Force an encoding for text files; ``None`` detects it per file
        (UTF-8, UTF-8 with BOM, cp1252, Latin-1...).
    extra_furniture : tuple of str
        Extra regular expressions; a line or in-body passage matching one is
        dropped as site furniture.  Added to the built-in list.
    builtin_furniture : bool
        Use topicsum's documented built-in furniture patterns.
    repeated_line_min_docs : int
        A short line found in at least this many distinct documents is furniture.
    split_articles : bool
        Split saved pages into their articles (headline, outlet, time).

    Examples
    --------
    >>> IngestConfig(text_column="body").text_column
    'body'
    """

    text_column: str = "text"
    title_column: str = "title"
    date_column: str = "date"
    url_column: str = "url"
    id_column: str = "id"
    encoding: str | None = None
    extra_furniture: tuple[str, ...] = ()
    builtin_furniture: bool = True
    repeated_line_min_docs: int = 2
    split_articles: bool = True

    def __post_init__(self) -> None:
        _check(bool(self.text_column), "text_column must be a non-empty column name.")
        _check(self.repeated_line_min_docs >= 2, "repeated_line_min_docs must be at least 2.")


@dataclass(frozen=True)
class SegmentConfig:
    """How articles become segments, and how duplicates are found.

    Parameters
    ----------
    max_chars : int
        A paragraph longer than this is split into windows of whole sentences.
    max_sentences : int
        At most this many sentences per window.
    min_chars : int
        A fragment shorter than this is merged into a neighbouring segment.
    dedupe : bool
        Flag exact and near-duplicate segments and articles with ``duplicate_of``.
    near_duplicate_threshold : float
        Estimated Jaccard similarity (word shingles, MinHash) above which two
        segments are near-duplicates.

    Examples
    --------
    >>> SegmentConfig(max_chars=400).max_chars
    400
    """

    max_chars: int = 800
    max_sentences: int = 5
    min_chars: int = 150
    dedupe: bool = True
    near_duplicate_threshold: float = 0.8

    def __post_init__(self) -> None:
        _check(self.max_chars >= 50, "max_chars must be at least 50.")
        _check(self.max_sentences >= 1, "max_sentences must be at least 1.")
        _check(0 <= self.min_chars < self.max_chars, "min_chars must be between 0 and max_chars.")
        _check(0.0 < self.near_duplicate_threshold <= 1.0, "near_duplicate_threshold must be in (0, 1].")


@dataclass(frozen=True)
class EmbedConfig:
    """Which sentence embedder turns segments into vectors.

    Parameters
    ----------
    model : str
        ``"minilm"`` (the bundled all-MiniLM-L6-v2, offline), or any
        sentence-transformers model name or local folder.
    backend : str
        ``"torch"`` (sentence-transformers) or ``"onnx-int8"`` (an int8 ONNX
        export of the model, made once and cached; needs ``topicsum[onnx]``).
    batch_size : int
        Texts per forward pass.
    cache : bool
        Cache embeddings on disk by model and text hash.

    Examples
    --------
    >>> EmbedConfig().model
    'minilm'
    """

    model: str = "minilm"
    backend: str = "torch"
    batch_size: int = 32
    cache: bool = True

    def __post_init__(self) -> None:
        _check(bool(self.model), "model must name an embedding model, e.g. 'minilm'.")
        _choice("backend", self.backend, ("torch", "onnx-int8"))
        _check(self.batch_size >= 1, "batch_size must be at least 1.")


@dataclass(frozen=True)
class ClusterConfig:
    """How segments are grouped into themes with BERTopic.

    Parameters
    ----------
    n_topics : int or "auto"
        Number of themes wanted, or ``"auto"`` to let the corpus decide.
    min_topic_size : int or None
        Smallest theme; ``None`` adapts it to the corpus size.
    seed : int
        Random seed; the same input and seed give the same themes.
    reduce_outliers : bool
        Reassign outliers that are close to a theme (BERTopic's reduce_outliers);
        segments.csv keeps the original flag in ``was_outlier``.
    article_context : float
        Weight (0-1) of the article's mean embedding mixed into each segment's
        clustering vector, so segments of one article stay together.
    n_keywords : int
        Keywords kept per theme.
    ngram_max : int
        Longest keyword n-gram.
    stop_words : str
        Stop-word list for keywords (``"english"``).

    Examples
    --------
    >>> ClusterConfig(n_topics=6).n_topics
    6
    """

    n_topics: int | str = "auto"
    min_topic_size: int | None = None
    seed: int = 42
    reduce_outliers: bool = True
    article_context: float = 0.5
    n_keywords: int = 10
    ngram_max: int = 2
    stop_words: str = "english"

    def __post_init__(self) -> None:
        n = self.n_topics
        _check(
            n == "auto" or (isinstance(n, int) and not isinstance(n, bool) and n >= 1),
            f"n_topics must be a positive integer or 'auto', not {n!r}.",
        )
        _check(self.min_topic_size is None or self.min_topic_size >= 2, "min_topic_size must be at least 2.")
        _check(0.0 <= self.article_context <= 1.0, "article_context must be between 0 and 1.")
        _check(self.n_keywords >= 1, "n_keywords must be at least 1.")
        _check(self.ngram_max >= 1, "ngram_max must be at least 1.")


@dataclass(frozen=True)
class SummariseConfig:
    """Which summariser writes each theme's digest, and how.

    Parameters
    ----------
    summariser : str
        ``"smollm2"`` (bundled SmolLM2-135M-Instruct, offline), ``"extractive"``
        (verbatim sentences only), ``"none"`` (skip digests), or any Hugging
        Face model name or local folder (seq2seq or instruction-tuned causal).
    engine : str
        For GGUF models: ``"auto"`` (llama.cpp when installed, else
        transformers), ``"transformers"`` or ``"llama.cpp"``.
    mode : str
        ``"hybrid"`` (a generated overview, then key extracted sentences),
        ``"abstractive"`` (guarded generated digest) or ``"extractive"``.
    digest_sentences : int
        Sentences per digest.
    max_new_tokens : int
        Generation budget per digest.
    repetition_penalty : float
        Decoding repetition penalty (greedy decoding is always used).
    llm_labels : bool
        Let the summariser propose short theme labels (checked, with the
        keyword label as fallback).
    prompt_tokens : int
        Prompt budget in model tokens: the instruction plus as many of the
        theme's central sentences as fit (whole sentences are dropped, the
        instruction is never cut).
    overview_sentences : int
        Generated overview sentences at the head of a hybrid digest.
    guard_threshold : float
        Cosine similarity a generated sentence needs to its closest source
        sentence to be kept by the faithfulness guard.

    Examples
    --------
    >>> SummariseConfig(mode="extractive").mode
    'extractive'
    """

    summariser: str = "smollm2"
    engine: str = "auto"
    mode: str = "hybrid"
    digest_sentences: int = 5
    max_new_tokens: int = 96
    repetition_penalty: float = 1.0
    llm_labels: bool = True
    prompt_tokens: int = 512
    overview_sentences: int = 2
    guard_threshold: float = 0.6

    def __post_init__(self) -> None:
        _check(bool(self.summariser), "summariser must be 'smollm2', 'extractive', 'none' or a model name.")
        _choice("engine", self.engine, ("auto", "transformers", "llama.cpp"))
        _choice("mode", self.mode, ("hybrid", "abstractive", "extractive"))
        _check(self.digest_sentences >= 1, "digest_sentences must be at least 1.")
        _check(self.max_new_tokens >= 8, "max_new_tokens must be at least 8.")
        _check(self.repetition_penalty >= 1.0, "repetition_penalty must be at least 1.0.")
        _check(self.prompt_tokens >= 64, "prompt_tokens must be at least 64.")
        _check(1 <= self.overview_sentences <= 3, "overview_sentences must be between 1 and 3.")
        _check(0.0 < self.guard_threshold < 1.0, "guard_threshold must be between 0 and 1.")


REPORT_FORMATS = ("html", "pdf", "md")


@dataclass(frozen=True)
class ReportConfig:
    """Which reports are written, and how they look.

    Parameters
    ----------
    formats : tuple of str
        Any of ``"html"``, ``"pdf"``, ``"md"``; empty writes no report.
    template_dir : str or None
        A folder with your own Jinja2 templates (same names as the built-in ones).
    title : str
        Report title.
    figures : bool
        Draw the matplotlib figures.
    appendix_limit : int
        The reports' appendix lists every segment when the corpus has at most
        this many; above it, only the segments the digests cite and the
        representative ones (segments.csv always has them all).  0: no limit.

    Examples
    --------
    >>> ReportConfig(formats=("html", "md")).formats
    ('html', 'md')
    """

    formats: tuple[str, ...] = ("html", "pdf")
    template_dir: str | None = None
    title: str = "topicsum report"
    figures: bool = True
    appendix_limit: int = 2000

    def __post_init__(self) -> None:
        for fmt in self.formats:
            _choice("formats", fmt, REPORT_FORMATS)
        _check(
            isinstance(self.appendix_limit, int) and not isinstance(self.appendix_limit, bool) and self.appendix_limit >= 0,
            "appendix_limit must be a whole number of segments (0 for no limit).",
        )


_STAGES: dict[str, type] = {
    "ingest": IngestConfig,
    "segment": SegmentConfig,
    "embed": EmbedConfig,
    "cluster": ClusterConfig,
    "summarise": SummariseConfig,
    "report": ReportConfig,
}


def _coerce(cls: type, name: str, value: Any) -> Any:
    """Turn TOML/JSON/CLI values into the field's type (lists into tuples, "6" into 6)."""
    default = next(f.default for f in fields(cls) if f.name == name)
    if isinstance(default, tuple):
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, (list, tuple)):
            return tuple(value)
    if name == "n_topics" and isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(default, bool) and isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "yes", "1", "on"):
            return True
        if low in ("false", "no", "0", "off"):
            return False
    if isinstance(default, (int, float)) and not isinstance(default, bool) and isinstance(value, str):
        try:
            return type(default)(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {value!r}.") from None
    return value


def _build(cls: type, section: str, data: Mapping[str, Any]) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"[{section}] must be a table of options, not {type(data).__name__}.")
    valid = [f.name for f in fields(cls)]
    unknown = sorted(set(data) - set(valid))
    if unknown:
        raise ConfigError(
            f"Unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"in [{section}]; valid options are: {', '.join(valid)}."
        )
    return cls(**{k: _coerce(cls, k, v) for k, v in data.items()})


@dataclass(frozen=True)
class Config:
    """The whole run's configuration: one frozen config per stage.

    Build it from keyword arguments (flat option names are routed to their
    stage), from a dict (``from_dict``, the format of ``run.json``) or from a
    TOML file with one table per stage (``from_toml``).

    Parameters
    ----------
    ingest, segment, embed, cluster, summarise, report
        The stage configs.
    cache_dir : str or None
        Where embeddings and converted model weights are cached; ``None`` uses
        ``$TOPICSUM_CACHE`` or the user cache folder.

    Examples
    --------
    >>> cfg = Config.from_options(n_topics=6, summariser="extractive")
    >>> cfg.cluster.n_topics, cfg.summarise.summariser
    (6, 'extractive')
    >>> Config.from_dict(cfg.to_dict()) == cfg
    True
    >>> Config.from_options(n_topic=6)
    Traceback (most recent call last):
    ...
    topicsum._errors.ConfigError: Unknown option 'n_topic'; did you mean 'n_topics'? ...
    """

    ingest: IngestConfig = field(default_factory=IngestConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    summarise: SummariseConfig = field(default_factory=SummariseConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    cache_dir: str | None = None

    STAGES: ClassVar[tuple[str, ...]] = tuple(_STAGES)

    # -- construction -----------------------------------------------------
    @classmethod
    def option_names(cls) -> dict[str, str]:
        """Map every flat option name to the stage that owns it.

        Examples
        --------
        >>> Config.option_names()["n_topics"]
        'cluster'
        """
        names: dict[str, str] = {}
        for stage, stage_cls in _STAGES.items():
            for f in fields(stage_cls):
                names[f.name] = stage
        return names

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """Build a Config from nested dicts, rejecting unknown keys.

        Examples
        --------
        >>> Config.from_dict({"cluster": {"n_topics": 3}}).cluster.n_topics
        3
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"A config must be a mapping of stage tables, not {type(data).__name__}.")
        valid = [*_STAGES, "cache_dir"]
        unknown = sorted(set(data) - set(valid))
        if unknown:
            raise ConfigError(
                f"Unknown config section{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"valid sections are: {', '.join(valid)}."
            )
        kwargs: dict[str, Any] = {s: _build(c, s, data.get(s, {})) for s, c in _STAGES.items()}
        cache_dir = data.get("cache_dir")
        return cls(**kwargs, cache_dir=None if cache_dir is None else str(cache_dir))

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Config:
        """Read a TOML file with one table per stage (``[cluster]``, ``[summarise]``...).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "run.toml"
        >>> _ = p.write_text('[cluster]\\nn_topics = 4\\n')
        >>> Config.from_toml(p).cluster.n_topics
        4
        """
        p = Path(path)
        try:
            with p.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"Config file {str(p)!r} does not exist; check the path given to --config.") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Config file {str(p)!r} is not valid TOML ({exc}); fix the file and retry.") from None
        return cls.from_dict(data)

    @classmethod
    def from_options(cls, base: Config | None = None, **options: Any) -> Config:
        """Return ``base`` (or the defaults) with flat or per-stage options applied.

        ``from_options(n_topics=6)`` and ``from_options(cluster={"n_topics": 6})``
        are the same.

        Examples
        --------
        >>> Config.from_options(mode="extractive").summarise.mode
        'extractive'
        """
        cfg = base if base is not None else cls()
        names = cls.option_names()
        per_stage: dict[str, dict[str, Any]] = {}
        cache_dir = cfg.cache_dir
        for key, value in options.items():
            if key == "cache_dir":
                cache_dir = None if value is None else str(value)
            elif key in _STAGES:
                if isinstance(value, _STAGES[key]):
                    per_stage.setdefault(key, {}).update(dataclasses.asdict(value))
                elif isinstance(value, Mapping):
                    per_stage.setdefault(key, {}).update(value)
                else:
                    raise ConfigError(f"{key}= must be a dict of options or a {_STAGES[key].__name__}.")
            elif key in names:
                per_stage.setdefault(names[key], {})[key] = value
            else:
                import difflib

                close = difflib.get_close_matches(key, [*names, *_STAGES, "cache_dir"], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "."
                raise ConfigError(
                    f"Unknown option {key!r}{hint} Valid options are: {', '.join(sorted([*names, 'cache_dir']))}."
                )
        data = cfg.to_dict()
        for stage, values in per_stage.items():
            data[stage].update(values)
        data["cache_dir"] = cache_dir
        return cls.from_dict(data)

    # -- serialisation ----------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict (tuples become lists); inverse of ``from_dict``.

        Examples
        --------
        >>> Config().to_dict()["cluster"]["n_topics"]
        'auto'
        """
        out: dict[str, Any] = {}
        for stage in _STAGES:
            d = dataclasses.asdict(getattr(self, stage))
            out[stage] = {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
        out["cache_dir"] = self.cache_dir
        return out

    def resolved_cache_dir(self) -> Path:
        """The cache folder: ``cache_dir``, else ``$TOPICSUM_CACHE``, else the user cache folder.

        Examples
        --------
        >>> Config(cache_dir="/tmp/ts-cache").resolved_cache_dir()
        PosixPath('/tmp/ts-cache')
        """
        if self.cache_dir:
            return Path(self.cache_dir).expanduser()
        env = os.environ.get("TOPICSUM_CACHE")
        if env:
            return Path(env).expanduser()
        import platformdirs

        return Path(platformdirs.user_cache_dir("topicsum"))
