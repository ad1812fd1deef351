"""Configuration: one frozen dataclass per pipeline stage, gathered in :class:`Config`.

The same :class:`Config` serves the notebook (``topicsum.run(..., n_topics=6)``),
the CLI (``--config run.toml`` and flags) and ``run.json`` (``Config.to_dict()``).
Unknown keys are rejected with the list of valid ones, so a typo never silently
falls back to a default.  The stage configs live in :mod:`._stages`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from .._errors import ConfigError
from ._stages import (
    REPORT_FORMATS,
    STAGES,
    ClusterConfig,
    EmbedConfig,
    IngestConfig,
    LabelConfig,
    ReportConfig,
    SegmentConfig,
    SummariseConfig,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

logger = logging.getLogger(__name__)

__all__ = [
    "REPORT_FORMATS",
    "ClusterConfig",
    "Config",
    "EmbedConfig",
    "IngestConfig",
    "LabelConfig",
    "ReportConfig",
    "SegmentConfig",
    "SummariseConfig",
]


#: Settings of the whole run (not of one stage), with their defaults: they sit at the top of a config.
RUN_SETTINGS: dict[str, object] = {"cache_dir": None, "cache": True, "seed": 42}


def _coerce(cls: type, name: str, value: Any) -> Any:
    """Turn TOML/JSON/CLI values into the field's type (lists into tuples, "6" into 6)."""
    default = next(f.default for f in fields(cls) if f.name == name)
    if isinstance(default, tuple):
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, (list, tuple)):
            return tuple(value)
    if name in ("n_topics", "n_groups") and isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if default is None and isinstance(value, str):  # optional numbers: "0.55", "3", "none"
        text = value.strip().lower()
        if text in ("none", "null", ""):
            return None
        try:
            return int(text) if text.isdigit() else float(text)
        except ValueError:
            return value
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


#: Options of earlier versions that now belong to the whole run: read from an old run.json and moved up.
MOVED: dict[tuple[str, str], str] = {("cluster", "seed"): "seed", ("embed", "cache"): "cache"}

#: Options of earlier versions that no longer exist: read (from an old run.json) and ignored, with why.
RETIRED: dict[tuple[str, str], str] = {
    ("cluster", "article_context"): "stories are found per article, so segments no longer mix in their article",
    ("summarise", "llm_labels"): "the model's proposed labels were rejected on every theme and cost seconds a theme",
    ("summarise", "overview_sentences"): "the hybrid digest opens with one generated sentence",
}


def _run_settings(run: Mapping[str, Any]) -> dict[str, Any]:
    """The run-wide settings of a config dict, coerced from strings (TOML, CLI) where needed."""
    out: dict[str, Any] = {}
    if "cache_dir" in run:
        out["cache_dir"] = None if run["cache_dir"] in (None, "") else str(run["cache_dir"])
    if "cache" in run:
        value = run["cache"]
        if isinstance(value, str):
            low = value.strip().lower()
            value = True if low in ("true", "yes", "1", "on") else False if low in ("false", "no", "0", "off") else value
        out["cache"] = value
    if "seed" in run:
        value = run["seed"]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        out["seed"] = value
    return out


def _build(cls: type, section: str, data: Mapping[str, Any]) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"[{section}] must be a table of options, not {type(data).__name__}.")
    retired = [k for k in data if (section, k) in RETIRED]
    for key in retired:
        logger.info("ignoring the retired option %s.%s: %s", section, key, RETIRED[(section, key)])
    data = {k: v for k, v in data.items() if k not in retired}
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
    ingest, segment, embed, cluster, label, summarise, report
        The stage configs.
    cache_dir : str or None
        Where embeddings, fitted stories, digests and converted model weights
        are cached; ``None`` uses ``$TOPICSUM_CACHE`` or the user cache folder.
    cache : bool
        Reuse earlier work from the cache folder (embeddings by text, stories
        fitted on the same segments, digests of the same stories); ``False``
        computes everything again and writes no cache entries.
    seed : int
        The run's one random seed (the map layout, the sample a very large
        pile is fitted on, generation); the same input gives the same output.

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
    label: LabelConfig = field(default_factory=LabelConfig)
    summarise: SummariseConfig = field(default_factory=SummariseConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    cache_dir: str | None = None
    cache: bool = True
    seed: int = 42

    def __post_init__(self) -> None:
        if not isinstance(self.cache, bool):
            raise ConfigError(f"cache must be true or false, not {self.cache!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be a whole number of 0 or more, not {self.seed!r}.")

    STAGES: ClassVar[tuple[str, ...]] = tuple(STAGES)

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
        for stage, stage_cls in STAGES.items():
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
        valid = [*STAGES, *RUN_SETTINGS]
        unknown = sorted(set(data) - set(valid))
        if unknown:
            raise ConfigError(
                f"Unknown config section{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"valid sections are: {', '.join(valid)}."
            )
        run = {k: data[k] for k in RUN_SETTINGS if k in data}
        sections: dict[str, Any] = {}
        for stage in STAGES:
            section = data.get(stage, {})
            if isinstance(section, Mapping):
                for (owner, key), to in MOVED.items():
                    if owner == stage and key in section:
                        run.setdefault(to, section[key])
                section = {k: v for k, v in section.items() if (stage, k) not in MOVED}
            sections[stage] = section
        kwargs: dict[str, Any] = {s: _build(c, s, sections[s]) for s, c in STAGES.items()}
        return cls(**kwargs, **_run_settings(run))

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
        run = {k: getattr(cfg, k) for k in RUN_SETTINGS}
        for key, value in options.items():
            if key in RUN_SETTINGS:
                run[key] = value
            elif key in STAGES:
                if isinstance(value, STAGES[key]):
                    per_stage.setdefault(key, {}).update(dataclasses.asdict(value))
                elif isinstance(value, Mapping):
                    per_stage.setdefault(key, {}).update(value)
                else:
                    raise ConfigError(f"{key}= must be a dict of options or a {STAGES[key].__name__}.")
            elif key in names:
                per_stage.setdefault(names[key], {})[key] = value
            else:
                import difflib

                close = difflib.get_close_matches(key, [*names, *STAGES, *RUN_SETTINGS], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "."
                raise ConfigError(
                    f"Unknown option {key!r}{hint} Valid options are: {', '.join(sorted([*names, *RUN_SETTINGS]))}."
                )
        data = cfg.to_dict()
        for stage, values in per_stage.items():
            data[stage].update(values)
        data.update(run)
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
        for stage in STAGES:
            d = dataclasses.asdict(getattr(self, stage))
            out[stage] = {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
        for key in RUN_SETTINGS:
            out[key] = getattr(self, key)
        return out

    def stage(self, name: str) -> Any:
        """The config of the stage ``name`` (``"cluster"`` -> :class:`ClusterConfig`).

        Examples
        --------
        >>> Config().stage("label").representatives
        3
        """
        if name not in STAGES:
            raise ConfigError(f"There is no stage {name!r}; the stages are: {', '.join(STAGES)}.")
        return getattr(self, name)

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
