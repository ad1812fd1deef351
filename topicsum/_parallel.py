"""Where the parallel stages run: one small executor interface, serial by default.

The stages that parallelise (reading and segmenting input partitions,
embedding chunks, assigning segments to themes, one digest per theme) hand
their work to an *executor*: a ``map`` over items that keeps their order.
They never know whether it runs in this process (:class:`SerialExecutor`)
or on a Dask cluster (:class:`~topicsum._dask.DaskExecutor`); without one
they run exactly as before.

Work is cut the same way on both executors, so a Dask run gives the same
answer as a serial one.  Models are never shipped: a task gets a
:class:`~topicsum._embed.PortableEmbedder` (the embedder's settings) and loads the model once
per process (:func:`~topicsum._embed.shared_embedder`); the summariser backend
(:func:`~topicsum._summarise.resolve_summariser`) travels as its settings too and
loads its model once per process.

Examples
--------
>>> executor = SerialExecutor()
>>> executor.map(len, ["a", "bb", "ccc"], desc="lengths")
[1, 2, 3]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from ._progress import Progress

__all__ = ["Executor", "SerialExecutor", "ordered", "partitions"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Most items one partition task takes (documents to read or segment: a few MB of text).
MAX_PARTITION = 500
#: Partitions per worker thread: enough to balance uneven partitions, few enough to keep tasks long.
PARTITIONS_PER_THREAD = 4


@runtime_checkable
class Executor(Protocol):
    """Runs a function over items, here or elsewhere; results keep the items' order.

    ``threads`` is how many tasks can run at once; ``remote`` says whether
    tasks run in other processes (then work goes out in partitions, and
    models as their settings); ``imap`` yields
    ``(index, result)`` pairs as results arrive (any order); ``map`` returns
    the results in the items' order (subclasses inherit it).  ``fn`` must be a picklable,
    deterministic function of its item (a module-level function or a
    ``functools.partial`` of one).
    """

    threads: int
    remote: bool

    def imap(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        desc: str,
        unit: str = "item",
        sizes: Sequence[int] | None = None,
        progress: Progress | None = None,
    ) -> Iterator[tuple[int, R]]: ...

    def map(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        desc: str,
        unit: str = "item",
        sizes: Sequence[int] | None = None,
        progress: Progress | None = None,
    ) -> list[R]:
        """The results in the items' order, however the tasks ran (executors inherit this)."""
        return ordered(self.imap(fn, items, desc=desc, unit=unit, sizes=sizes, progress=progress), len(items))

    def describe(self) -> dict[str, Any]: ...


def ordered(pairs: Iterable[tuple[int, R]], n: int) -> list[R]:
    """The results of ``imap`` in the items' order.

    Examples
    --------
    >>> ordered([(1, "b"), (0, "a")], 2)
    ['a', 'b']
    """
    out: list[Any] = [None] * n
    for i, result in pairs:
        out[i] = result
    return out


class SerialExecutor(Executor):
    """Runs every task in this process, one after the other (the default).

    Examples
    --------
    >>> list(SerialExecutor().imap(str.upper, ["a", "b"], desc="upper"))
    [(0, 'A'), (1, 'B')]
    """

    threads = 1
    remote = False

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
        """Yield ``(index, fn(item))`` in order."""
        bar = (progress or Progress(False)).bar(sum(sizes) if sizes is not None else len(items), desc, unit)
        try:
            for i, item in enumerate(items):
                result = fn(item)
                bar.update(sizes[i] if sizes is not None else 1)
                yield i, result
        finally:
            bar.close()

    def describe(self) -> dict[str, Any]:
        """For run.json."""
        return {"kind": "serial", "threads": 1}

    def __repr__(self) -> str:
        return "SerialExecutor()"


def partitions(items: Sequence[T], executor: Executor, *, max_size: int = MAX_PARTITION) -> list[Sequence[T]]:
    """Cut ``items`` into contiguous partitions: a few per worker thread, none above ``max_size``.

    Examples
    --------
    >>> [len(p) for p in partitions(list(range(10)), SerialExecutor())]
    [3, 3, 3, 1]
    >>> partitions([], SerialExecutor())
    []
    """
    n = len(items)
    if n == 0:
        return []
    count = max(PARTITIONS_PER_THREAD * max(int(executor.threads), 1), math.ceil(n / max_size))
    size = max(1, math.ceil(n / count))
    return [items[s : s + size] for s in range(0, n, size)]
