"""Building a run's context from its Config: the one place that picks the backends and checks them.

:func:`build_context` checks, before any work on the inputs, what can fail
for a user's reason (a summariser that cannot be used, a Dask cluster that
cannot) and returns the frozen :class:`~topicsum._context.RunContext` every
stage then reads.  It sits above the stages (it imports their backends),
so that the context itself imports none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._context import CacheSettings, RunContext, Timer
from ._parallel import Executor, SerialExecutor
from ._progress import Progress

if TYPE_CHECKING:  # pragma: no cover
    from ._config import Config
    from ._protocols import Embedder

__all__ = ["build_context"]


def build_context(
    config: Config, *, client: Any = None, show_progress: bool | None = None, embedder: Embedder | None = None
) -> RunContext:
    """The context of a run of ``config``: the summariser checked, the executor checked, the embedder ready.

    The embedder is loaded when text is first encoded, once per process
    (:class:`~topicsum._embed.PortableEmbedder`); tasks on a cluster get its
    settings.

    Parameters
    ----------
    config : Config
    client : dask.distributed.Client, optional
        Run the parallel stages on its cluster (checked here).
    show_progress : bool, optional
    embedder : Embedder, optional
        Use this embedder instead of the one ``config.embed`` names.

    Raises
    ------
    ModelUnavailableError, MissingDependencyError
        The summariser cannot be used.
    DaskError
        The Dask cluster cannot be used.

    Examples
    --------
    >>> from topicsum import Config
    >>> ctx = build_context(Config.from_options(summariser="extractive", seed=7), show_progress=False)
    >>> ctx.seed, ctx.summariser, ctx.executor
    (7, Extractive(), SerialExecutor())
    """
    from ._embed import PortableEmbedder
    from ._summarise import resolve_summariser

    timer = Timer()
    with timer.stage("models"):
        cache = CacheSettings(config.resolved_cache_dir(), config.cache)
        summariser = resolve_summariser(config.summarise, cache.folder)
        executor = _executor(client)
        if embedder is None:
            embedder = PortableEmbedder(config.embed, cache.folder)
    return RunContext(
        cache=cache, executor=executor, progress=Progress(show_progress), seed=config.seed, embedder=embedder,
        summariser=summariser, timer=timer,
    )  # fmt: skip


def _executor(client: Any) -> Executor:
    """Where the parallel stages run: here, serially, or on a Dask client's cluster (checked)."""
    if client is None:
        return SerialExecutor()
    from ._dask import as_executor

    return as_executor(client)
