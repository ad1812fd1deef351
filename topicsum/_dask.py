"""Running the parallel stages on a Dask cluster (the ``dask`` extra; imported only when asked for).

* :func:`dask_client` -- what ``--dask ADDRESS`` opens: a scheduler's
  address, or ``local`` / ``local:N`` for a LocalCluster of N worker
  processes with one thread each, closed at the end;
* :func:`check_cluster` -- fails early, in one sentence
  (:class:`~topicsum._errors.DaskError`), when the workers cannot run
  this topicsum: none connected, topicsum not importable there, or another
  version than the client's;
* :class:`DaskExecutor` -- the :class:`~topicsum._parallel.Executor` on a
  client: tasks are submitted a window at a time (memory on the scheduler
  stays bounded), results come back in the items' order, and a progress bar
  on the client follows them.  Each task's item travels inside its task (not
  scattered), so the scheduler can run it again elsewhere.  A worker process that dies is replaced by its
  nanny and the scheduler runs its tasks again elsewhere; since every task is
  a deterministic function of its item, the output is the same.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from ._deps import require
from ._errors import DaskError, ConfigError
from ._parallel import Executor
from ._progress import Progress
from ._version import __version__

__all__ = ["CONNECT_TIMEOUT", "DaskExecutor", "as_executor", "check_cluster", "dask_client"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT = 10
#: Tasks in flight per worker thread (more are submitted as these finish).
WINDOW_PER_THREAD = 4


def _brief(exc: BaseException) -> str:
    """An exception's message on one line, cut to a readable length."""
    return " ".join(str(exc).split())[:160]


def _distributed() -> Any:
    return require("distributed", purpose="Dask runs", package="dask[distributed]", extra="dask")


def worker_report() -> dict[str, str]:
    """What :func:`check_cluster` asks every worker: its topicsum version (and process id)."""
    import topicsum  # the installed package's version, as the worker sees it

    return {"topicsum": topicsum.__version__, "pid": str(os.getpid())}


def check_cluster(client: Any) -> int:
    """Check that the cluster's workers can run this topicsum; return how many worker threads it has.

    Raises
    ------
    DaskError
        No worker is connected, a worker cannot import topicsum, or a worker
        runs another topicsum version than this client.
    """
    address = getattr(getattr(client, "scheduler", None), "address", None) or "the scheduler"
    try:
        nthreads = client.nthreads()
    except Exception as exc:  # noqa: BLE001 - a closed client or a lost scheduler
        raise DaskError(
            f"The Dask scheduler at {address} cannot be reached ({type(exc).__name__}: {_brief(exc)}); "
            "check that it is running and that the client is open."
        ) from None
    if not nthreads:
        raise DaskError(
            f"The Dask scheduler at {address} has no workers; start some with 'dask worker {address}' and run again."
        )
    try:
        reports = client.run(worker_report)  # unpickling it on a worker imports topicsum there
    except Exception as exc:  # noqa: BLE001 - a worker's failure comes back wrapped, its type in the text
        if isinstance(exc, ImportError) or re.search(r"ImportError|ModuleNotFoundError", repr(exc)):
            raise DaskError(
                f"The Dask workers cannot import topicsum ({_brief(exc)}); install topicsum {__version__} "
                "(with the same models) on every worker and run again."
            ) from None
        raise DaskError(
            f"The Dask workers could not be asked for their topicsum version ({type(exc).__name__}: {_brief(exc)}); "
            f"install topicsum {__version__} on every worker and run again."
        ) from None
    other = sorted({r.get("topicsum", "?") for r in reports.values()} - {__version__})
    if other:
        raise DaskError(
            f"The Dask workers run topicsum {', '.join(other)} but this client runs {__version__}; "
            "install the same version on the client and every worker."
        )
    return sum(int(n) for n in nthreads.values())


class DaskExecutor(Executor):
    """The :class:`~topicsum._parallel.Executor` that runs tasks on a Dask cluster.

    Parameters
    ----------
    client : dask.distributed.Client
        A connected client; its workers are checked (:func:`check_cluster`).

    Examples
    --------
    >>> from dask.distributed import Client, LocalCluster  # doctest: +SKIP
    >>> with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:  # doctest: +SKIP
    ...     DaskExecutor(client).map(abs, [-1, 2, -3], desc="abs")
    [1, 2, 3]
    """

    remote = True

    def __init__(self, client: Any) -> None:
        self.client = client
        self._threads = check_cluster(client)

    @property
    def threads(self) -> int:
        """Worker threads in the cluster now (at least 1)."""
        try:
            return max(sum(int(n) for n in self.client.nthreads().values()), 1)
        except Exception:  # noqa: BLE001 - the count only sizes partitions
            return max(self._threads, 1)

    def describe(self) -> dict[str, Any]:
        """For run.json: the scheduler and how many worker threads it had."""
        return {"kind": "dask", "scheduler": getattr(self.client.scheduler, "address", None), "threads": self.threads}

    def imap(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        desc: str,
        unit: str = "item",
        sizes: Sequence[int] | None = None,
        progress: Progress | None = None,
    ) -> Iterator[tuple[int, R]]:
        """Yield ``(index, result)`` as tasks finish; a window of tasks is in flight at a time."""
        distributed = _distributed()
        n = len(items)
        tag = f"topicsum-{re.sub(r'[^a-z0-9]+', '-', desc.lower()).strip('-')}-{uuid.uuid4().hex[:10]}"
        index: dict[str, int] = {}

        def submit(i: int) -> Any:
            with warnings.catch_warnings():  # items ride in the graph on purpose: a lost worker's task re-runs from it
                warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
                future = self.client.submit(fn, items[i], key=f"{tag}-{i}", pure=False)
            index[future.key] = i
            return future

        window = min(n, WINDOW_PER_THREAD * self.threads)
        queue = distributed.as_completed([submit(i) for i in range(window)], with_results=True)
        nxt = window
        bar = (progress or Progress(False)).bar(sum(sizes) if sizes is not None else n, desc, unit)
        try:
            for future, result in queue:
                i = index.pop(future.key)
                if nxt < n:
                    queue.add(submit(nxt))
                    nxt += 1
                bar.update(sizes[i] if sizes is not None else 1)
                yield i, result
        except (distributed.KilledWorker, distributed.client.FutureCancelledError) as exc:
            raise DaskError(
                f"The Dask cluster could not finish the {desc} tasks ({type(exc).__name__}: {_brief(exc)}); "
                "workers that die again and again usually run out of memory: give them more, or use fewer threads each."
            ) from None
        finally:
            bar.close()
            left = [f for f in list(queue.futures) if not f.done()]
            if left:
                self.client.cancel(left)

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client!r})"


def _local_workers(address: str) -> int | None:
    """N for ``local`` / ``local:N`` (``local`` alone: one worker per CPU core); ``None`` for an address."""
    if address != "local" and not address.startswith("local:"):
        return None
    count = address.partition(":")[2].strip()
    if not count:
        return max(os.cpu_count() or 1, 1)
    if not count.isdigit() or int(count) < 1:
        raise DaskError(
            f"--dask {address!r}: the number of local workers must be a whole number >= 1, e.g. local:4."
        )
    return int(count)


@contextmanager
def dask_client(address: str, *, quiet: bool = False) -> Iterator[Any]:
    """A Dask client for ``--dask ADDRESS``; a ``local`` / ``local:N`` cluster is started and closed with it.

    ``quiet`` keeps dask's own log records below ERROR off the terminal (the CLI without ``-v``).

    Raises
    ------
    DaskError
        The scheduler cannot be reached within :data:`CONNECT_TIMEOUT` seconds.
    MissingDependencyError
        dask.distributed is not installed (the ``dask`` extra).

    Examples
    --------
    >>> with dask_client("local:2") as client:  # doctest: +SKIP
    ...     len(client.nthreads())
    2
    """
    distributed = _distributed()
    if quiet:  # after the import, which sets distributed's own log levels
        logging.getLogger("distributed").setLevel(logging.ERROR)
    n_local = _local_workers(address)
    if n_local is not None:
        with distributed.LocalCluster(
            n_workers=n_local, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster, distributed.Client(cluster) as client:
            logger.info("Dask: %d local worker processes; dashboard %s", n_local, cluster.dashboard_link)
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - refused, timed out, a bad address, or garbage from something else
        raise DaskError(
            f"The Dask scheduler at {address!r} cannot be reached ({type(exc).__name__}: {_brief(exc)}); "
            "check the address and that 'dask scheduler' is running there, or use --dask local."
        ) from None
    try:
        yield client
    finally:
        client.close()


def as_executor(client: Any) -> Executor:
    """The executor for ``run(client=...)``: a Dask client (checked) or an executor as it is.

    Raises
    ------
    DaskError
        The cluster cannot be used (no workers, workers without topicsum, another topicsum version).
    ConfigError
        ``client`` is neither a ``dask.distributed.Client`` nor an executor.

    Examples
    --------
    >>> from topicsum._parallel import SerialExecutor
    >>> as_executor(SerialExecutor())
    SerialExecutor()
    """
    if isinstance(client, Executor):
        return client
    distributed = sys.modules.get("distributed")  # a Client means dask is imported already
    if distributed is not None and isinstance(client, distributed.Client):
        return DaskExecutor(client)
    raise ConfigError(
        f"client must be a dask.distributed.Client, not {type(client).__name__}; "
        "create one with dask.distributed.Client(address), or use --dask ADDRESS on the command line."
    )
