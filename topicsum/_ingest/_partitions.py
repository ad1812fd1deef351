"""Ingestion in partitions, for the run context's executor (:mod:`topicsum._parallel`): read, then clean.

:func:`~topicsum._ingest.load_corpus` runs up to three rounds of tasks, each
over contiguous partitions of the inputs, and gives exactly the corpus the
serial path gives:

1. :func:`read_partition` -- read and decode files (HTML extraction included);
2. :func:`short_lines_partition` -- each document's short-line keys; the
   client counts them over distinct documents, which is the cleaner's
   corpus-wide step (:meth:`Cleaner.fit_counts`);
3. :func:`clean_partition` -- clean (with the learned repeated lines) and
   split into articles.

Serially (the default executor) the files are read one by one and the
cleaner reads each document's lines once (:meth:`Cleaner.fit_transform`).
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .._errors import DaskError
from .._parallel import partitions
from .._types import Document, InputFile
from ._clean import ArticleDraft, Cleaner
from ._load import _Skip, _Unit, read_file
from ._paths import InputPath

if TYPE_CHECKING:  # pragma: no cover
    from .._config import IngestConfig
    from .._context import RunContext

__all__ = ["clean_documents", "clean_partition", "read_inputs", "read_partition", "short_lines_partition"]

#: What reading one input gives: its units, the file record, skipped rows, and the reason it was skipped.
ReadOutcome = tuple[list[_Unit], InputFile | None, list[tuple[str, str]], str | None]

_NOT_VISIBLE = "\0not visible on this worker"


def read_one(item: InputPath, config: IngestConfig) -> ReadOutcome:
    """Read one input file; an unusable file gives its reason instead of raising."""
    rows: list[tuple[str, str]] = []
    try:
        got, info = read_file(item, config, rows)
    except _Skip as exc:
        return [], None, rows, str(exc)
    return got, info, rows, None


def read_partition(items: Sequence[InputPath], *, config: IngestConfig) -> list[ReadOutcome]:
    """Task: read a partition of input files (on a worker, which must see the same paths)."""
    return [read_one(item, config) if item.path.exists() else ([], None, [], _NOT_VISIBLE) for item in items]


def read_inputs(items: Sequence[InputPath], config: IngestConfig, context: RunContext) -> Iterator[ReadOutcome]:
    """What reading each of ``items`` gives, in order: here one by one, or in partitions on the context's executor."""
    executor = context.executor
    if not executor.remote:
        yield from (read_one(item, config) for item in items)
        return
    parts = partitions(items, executor)
    done = executor.map(
        functools.partial(read_partition, config=config), parts, desc="read", unit="file",
        sizes=[len(p) for p in parts], progress=context.progress,
    )  # fmt: skip
    for part, outcomes in zip(parts, done):
        for item, outcome in zip(part, outcomes):
            if outcome[3] == _NOT_VISIBLE:
                raise DaskError(
                    f"The Dask workers cannot see the input {item.source!r}; put the inputs on a filesystem "
                    "every worker mounts at the same path, or pass a DataFrame or texts= instead."
                )
            yield outcome


def short_lines_partition(docs: Sequence[Document], *, cleaner: Cleaner) -> list[tuple[bytes, frozenset[str]]]:
    """Task: each document's text digest and short-line keys (what :meth:`Cleaner.fit` counts)."""
    return [
        (hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).digest(), cleaner.short_lines(doc)) for doc in docs
    ]


def clean_partition(docs: Sequence[Document], *, cleaner: Cleaner) -> list[list[ArticleDraft]]:
    """Task: the articles of a partition of documents, with an already fitted cleaner."""
    return [cleaner.transform(doc) for doc in docs]


def clean_documents(docs: Sequence[Document], cleaner: Cleaner, context: RunContext) -> list[list[ArticleDraft]]:
    """The articles of each of ``docs``, as :meth:`Cleaner.fit_transform` gives them, here or on the executor."""
    executor = context.executor
    if not executor.remote:
        return cleaner.fit_transform(docs)
    parts = partitions(docs, executor)
    sizes = [len(p) for p in parts]
    keys = executor.map(
        functools.partial(short_lines_partition, cleaner=cleaner), parts, desc="clean", unit="doc",
        sizes=sizes, progress=context.progress,
    )  # fmt: skip
    counts: Counter[str] = Counter()
    seen: set[bytes] = set()
    for digest, lines in (pair for part in keys for pair in part):
        if digest not in seen:  # a text repeated in several inputs counts once, as in Cleaner.fit
            seen.add(digest)
            counts.update(lines)
    cleaner.fit_counts(counts)
    results = executor.map(
        functools.partial(clean_partition, cleaner=cleaner), parts, desc="clean", unit="doc",
        sizes=sizes, progress=context.progress,
    )  # fmt: skip
    return [drafts for part in results for drafts in part]
