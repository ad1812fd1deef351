"""The run context: the shared state of one run, built once by ``run`` and handed to every stage.

:func:`topicsum._setup.build_context` builds it from a Config.  A stage
takes its input, its own config and the context::

    corpus = load_corpus(inputs, config=cfg.ingest, context=ctx)
    corpus = segment_corpus(corpus, cfg.segment, ctx)

The context holds what every stage may use and no stage owns: the cache
folder and whether it is used, the executor the parallel work runs on, the
progress display, the run's one seed, the clock of the stages, the loaded
embedder and the summariser backend (resolved by one check).  It is frozen:
a stage reads it and never changes it, and no stage reads another stage's
config through it.

Examples
--------
>>> ctx = RunContext(progress=Progress(False))
>>> ctx.seed, ctx.executor.threads, ctx.progress.enabled()
(42, 1, False)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ._parallel import Executor, SerialExecutor
from ._progress import Progress

if TYPE_CHECKING:  # pragma: no cover
    from ._protocols import Embedder, Summariser

__all__ = ["CacheSettings", "Progress", "RunContext", "Timer"]

logger = logging.getLogger(__name__)


def _default_cache_folder() -> Path:
    from ._config import Config

    return Config().resolved_cache_dir()


@dataclass(frozen=True)
class CacheSettings:
    """Where earlier work is kept, and whether this run uses it.

    ``folder`` also holds converted model weights, which are made once
    whatever ``enabled`` says (they are not results, only a faster way to load).

    Examples
    --------
    >>> CacheSettings(Path("/tmp/c")).entry("digests")
    PosixPath('/tmp/c/digests')
    >>> CacheSettings(Path("/tmp/c"), enabled=False).entry("digests") is None
    True
    """

    folder: Path = field(default_factory=_default_cache_folder)
    enabled: bool = True

    def entry(self, kind: str) -> Path | None:
        """The cache folder of one kind of work (``"embeddings"``, ``"themes"``, ``"digests"``), or ``None`` when off."""
        return self.folder / kind if self.enabled else None


class Timer:
    """Wall-clock seconds per stage, in the order the stages ran.

    Examples
    --------
    >>> timer = Timer()
    >>> with timer.stage("ingest"):
    ...     pass
    >>> list(timer.seconds)
    ['ingest']
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage ``name`` (times of a stage run twice add up)."""
        logger.info("stage %s: started", name)
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[name] = round(self.seconds.get(name, 0.0) + elapsed, 3)
            logger.info("stage %s: %.2f s", name, elapsed)

    def timings(self) -> dict[str, float]:
        """The stage times plus ``total`` (seconds since the timer was made)."""
        return {**self.seconds, "total": round(time.perf_counter() - self.started, 3)}


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class RunContext:
    """The shared state of one run (see the module docstring).

    Attributes
    ----------
    cache : CacheSettings
        The cache folder and whether earlier work is reused.
    executor : Executor
        Where the parallel work runs (:class:`~topicsum._parallel.SerialExecutor`
        here, or a Dask cluster's).
    progress : Progress
        Whether long work shows a bar.
    seed : int
        The run's one random seed.
    embedder : Embedder or None
        The embedding backend (:class:`~topicsum._embed.PortableEmbedder`: the
        model is loaded on first use, once per process, and tasks on a cluster
        get its settings).  ``None`` in a context made for work that embeds nothing.
    summariser : Summariser or None
        The summariser backend, checked once; ``None`` when digests are off.
    timer : Timer
        The clock of the stages (run.json's ``timings``).
    created : str
        When the run started (UTC, ISO 8601).
    """

    cache: CacheSettings = field(default_factory=CacheSettings)
    executor: Executor = field(default_factory=SerialExecutor)
    progress: Progress = field(default_factory=Progress)
    seed: int = 42
    embedder: Embedder | None = None
    summariser: Summariser | None = None
    timer: Timer = field(default_factory=Timer, compare=False)
    created: str = field(default_factory=_now)

    def require_embedder(self) -> Embedder:
        """The embedder, which the stage asking for it needs."""
        if self.embedder is None:
            from ._errors import StageSkippedError

            raise StageSkippedError(
                "This step embeds text but the run context has no embedder; build the context with "
                "topicsum._setup.build_context(config), or give RunContext an embedder."
            )
        return self.embedder
