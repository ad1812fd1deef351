"""Ingest stage: inputs -> documents -> cleaned articles (headline, outlet, time, body spans).

Inputs
------
* a path to a file or folder (folders are walked recursively in sorted order,
  taking only the supported extensions ``.txt .text .md .markdown .html .htm
  .jsonl .csv``; hidden files and folders are ignored);
* a list or tuple of such paths (their order is the input order);
* a pandas DataFrame, one document per row;
* ``texts=``: a list of strings or a dict name -> string.

A file named explicitly with another extension is read as plain text when it
decodes as text, else skipped.  An unusable file among good ones (binary,
undecodable, empty, a table without the text column, a named pipe or other
special file, a broken link) and a topicsum output folder found in an input
folder are recorded in ``Corpus.skipped`` and announced with a
:class:`~topicsum._errors.SkippedInputWarning`; the others are processed.
NUL characters are dropped from the text, with a warning that counts them.
A missing path, a folder with no supported file, or inputs with no usable
text raise :class:`~topicsum._errors.InputError`.

The modules: :mod:`._paths` collects the files, :mod:`._decode` turns bytes
into text, :mod:`._load` reads files, tables and strings, :mod:`._patterns`
says what furniture looks like and :mod:`._clean` finds the articles;
:mod:`._partitions` does the same work in partitions on an executor.
Cutting articles into segments is the next stage (:mod:`topicsum._segment`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._config import IngestConfig
from .._errors import InputError, SkippedInputWarning
from .._types import Article, Corpus, Document, InputFile, Skipped
from ._clean import INLINE_PATTERNS, LINE_PATTERNS, ArticleDraft, Cleaner
from ._decode import decode_bytes, drop_nuls
from ._load import (
    SUPPORTED_EXTENSIONS,
    _Unit,
    frame_units,
    note_dropped_nuls,
    text_units,
    to_document,
)
from ._paths import collect_paths

if TYPE_CHECKING:
    from .._context import RunContext

logger = logging.getLogger(__name__)

__all__ = [
    "INLINE_PATTERNS",
    "LINE_PATTERNS",
    "SUPPORTED_EXTENSIONS",
    "ArticleDraft",
    "Cleaner",
    "Corpus",
    "decode_bytes",
    "load_corpus",
]


def _gather(
    inputs: Any, texts: Any, config: IngestConfig, context: RunContext, exclude: Iterable[str | os.PathLike[str]] = ()
) -> tuple[list[_Unit], list[InputFile], list[tuple[str, str]]]:
    units: list[_Unit] = []
    files: list[InputFile] = []
    skipped: list[tuple[str, str]] = []
    if inputs is None and texts is None:
        raise InputError("No inputs were given; pass a file, a folder, a list of paths, a DataFrame or texts=[...].")
    rank = 0
    if inputs is not None:
        if hasattr(inputs, "columns") and hasattr(inputs, "to_dict"):
            units.extend(frame_units(inputs, "<dataframe>", (0,), config, skip=False))
        else:
            from ._partitions import read_inputs

            seen: set[str] = set()
            paths, skipped = collect_paths(inputs, exclude=exclude)
            first: list[bool] = []  # False: the same file as an earlier input
            for item in paths:
                real = os.path.realpath(item.path)
                first.append(real not in seen)
                seen.add(real)
            outcomes = read_inputs([p for p, f in zip(paths, first) if f], config, context)
            for item, is_first in zip(paths, first):
                if not is_first:
                    skipped.append((item.source, "is the same file as an earlier input"))
                    continue
                got, info, rows, reason = next(outcomes)
                skipped.extend(rows)
                if info is None:
                    skipped.append((item.source, str(reason)))
                    continue
                files.append(info)
                if not got:
                    skipped.append((item.source, "holds no rows with text"))
                units.extend(got)
        rank = 1 + max((u.rank[0] for u in units), default=0)
    if texts is not None:
        units.extend(text_units(texts, rank + 10**6))
    return units, files, skipped


def load_corpus(
    inputs: Any = None,
    *,
    texts: Any = None,
    config: IngestConfig | None = None,
    context: RunContext | None = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> Corpus:
    """The ingest stage: read, decode and clean the inputs, and split them into articles.

    Parameters
    ----------
    inputs : path, list of paths, or pandas.DataFrame, optional
        Files or folders (walked recursively, sorted), or a table with one
        document per row (``config.text_column`` required; title/date/url/id
        columns are kept as metadata).
    texts : list of str or dict name -> str, optional
        In-memory documents.
    config : IngestConfig, optional
    context : RunContext, optional
        Its executor (files are read and cleaned in partitions there; a Dask
        cluster's workers must see the input paths) and progress display; by
        default here, without a bar.
    exclude : iterable of paths
        Folders never read, even inside an input folder (``run`` passes its
        output folder).  Output folders of earlier runs are skipped anyway.

    Returns
    -------
    Corpus
        Documents and articles; :func:`topicsum.segment_corpus` cuts the
        articles into segments.

    Raises
    ------
    InputError
        A path does not exist, a folder holds no supported file, or no usable
        text was found.

    Warns
    -----
    SkippedInputWarning
        For each input that was skipped (the others are processed).

    Examples
    --------
    >>> corpus = load_corpus(texts=["Rates rise\\nThe central bank raised rates by half a point on Tuesday."])
    >>> [(a.headline, a.outlet) for a in corpus.articles]
    [('Rates rise', '')]
    """
    from .._context import RunContext
    from .._progress import Progress

    config = config or IngestConfig()
    context = context or RunContext(progress=Progress(False))
    units, files, skipped_pairs = _gather(inputs, texts, config, context, exclude)
    skipped = [Skipped(s, r) for s, r in skipped_pairs]
    for item in skipped:
        warnings.warn(f"Skipped input {item.source}: it {item.reason}.", SkippedInputWarning, stacklevel=2)
    docs, ranks, rows, labels = _documents(units)
    del units
    cleaner = Cleaner(
        extra_furniture=config.extra_furniture,
        builtin_furniture=config.builtin_furniture,
        repeated_line_min_docs=config.repeated_line_min_docs,
        split_articles=config.split_articles,
    )
    from ._partitions import clean_documents

    drafts = clean_documents(docs, cleaner, context)
    order = {doc.doc_id: (doc.source, rows[doc.doc_id]) for doc in docs}
    per_doc = [_articles(doc, found) for doc, found in zip(docs, drafts)]
    empty = [Skipped(labels[doc.doc_id], "holds no article text, only site furniture") for doc, found in zip(docs, per_doc) if not found]
    skipped.extend(empty)  # nothing of it is article text: say so, never drop it in silence
    articles = sorted((a for found in per_doc for a in found), key=lambda a: (*order[a.doc_id], a.start, a.end))
    for item in empty if articles else ():  # (without any article, the error below names them)
        warnings.warn(f"Skipped input {item.source}: it {item.reason}.", SkippedInputWarning, stacklevel=2)
    if not articles:
        reasons = "; ".join(f"{s.source} {s.reason}" for s in skipped[:3])
        raise InputError(
            "No usable article text was found in the inputs"
            + (f" ({reasons})" if reasons else " (only empty text or site furniture)")
            + "; pass files or texts that contain article paragraphs."
        )
    documents = [
        {"doc_id": d.doc_id, "source": d.source, **d.metadata}
        for d in sorted(docs, key=lambda d: (order[d.doc_id], d.doc_id))
    ]
    logger.info(
        "ingested %d documents -> %d articles (%d skipped inputs)", len(docs), len(articles), len(skipped),
    )  # fmt: skip
    return Corpus(articles, [], files, skipped, documents, {d.doc_id: d.text for d in docs}, ranks)


def _articles(doc: Document, drafts: list[ArticleDraft]) -> list[Article]:
    """The articles of ``doc``, numbered in reading order.

    The first also takes what the page's metadata says of it (its date, its
    site's name as the outlet); each records its language: the page's when it
    states one, else the one its body is written in.
    """
    from ._dates import iso_date
    from ._language import detect_language

    meta = doc.metadata
    out = []
    for n, draft in enumerate((d for d in drafts if d.blocks), start=1):
        body = "\n".join(doc.text[a:b] for block in draft.blocks for a, b in block)
        language = meta.get("language", "") or detect_language(body)
        published = draft.published or (meta.get("date", "") if n == 1 else "")
        out.append(
            Article(
                article_id=f"{doc.doc_id}-a{n}", doc_id=doc.doc_id, source=doc.source, headline=draft.headline,
                outlet=draft.outlet or (meta.get("sitename", "") if n == 1 else ""), published=published,
                start=draft.start, end=draft.end, language=language,
                date=iso_date(published, meta.get("captured", ""), language),
                blocks=tuple(tuple(block) for block in draft.blocks),
            )  # fmt: skip
        )
    return out


def _documents(
    units: list[_Unit],
) -> tuple[list[Document], dict[str, tuple[int, ...]], dict[str, int], dict[str, str]]:
    """One :class:`Document` per unit (ids made unique), with each one's input rank, row and name for a reader."""
    docs: list[Document] = []
    ranks: dict[str, tuple[int, ...]] = {}
    rows: dict[str, int] = {}
    labels: dict[str, str] = {}
    seen_ids: set[str] = set()
    nuls: Counter[str] = Counter()
    for unit in units:
        unit.text, dropped = drop_nuls(unit.text)  # rows and strings; file text had them dropped when read
        nuls[unit.source] += dropped
        doc = to_document(unit)
        if doc.doc_id in seen_ids:  # same source and row key twice (e.g. repeated ids): fall back to rank
            doc = dataclasses.replace(doc, doc_id=doc.doc_id + "-" + "-".join(map(str, unit.rank)))
        seen_ids.add(doc.doc_id)
        docs.append(doc)
        ranks[doc.doc_id] = unit.rank
        rows[doc.doc_id] = unit.row
        labels[doc.doc_id] = f"{unit.source} ({unit.key.replace('=', ' ')})" if unit.key else unit.source
    for source, count in nuls.items():
        note_dropped_nuls(source, count)
    return docs, ranks, rows, labels
