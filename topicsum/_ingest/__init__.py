"""Ingestion: inputs -> documents -> cleaned articles -> segments, with duplicates flagged.

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
NUL characters are dropped from the text, with a warning that counts them.  A missing path, a folder with no supported file, or
inputs with no usable text raise :class:`~topicsum._errors.InputError`.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._config import IngestConfig, SegmentConfig
from .._deps import progress_enabled
from .._errors import InputError, SkippedInputWarning
from .._types import (
    ARTICLE_COLUMNS,
    SEGMENT_COLUMNS,
    Article,
    Document,
    InputFile,
    Segment,
    Skipped,
)
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
    import pandas

    from .._parallel import Executor

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


@dataclass
class Corpus:
    """The ingested corpus: articles and segments with provenance.

    Attributes
    ----------
    articles : list of Article
        Sorted by (source, row, start).
    segments : list of Segment
        Sorted by (source, row, start).
    inputs : list of InputFile
        Files read, with sha256 (for run.json).
    skipped : list of Skipped
        Inputs (files or table rows) not used, with the reason.
    documents : list of dict
        Per document: doc_id, source and metadata (title/date/url/id); no text.
    texts : dict
        doc_id -> ``Document.text`` (what every offset indexes into).

    Examples
    --------
    >>> c = load_corpus(texts={"a": "Headline here\\nThe body of the article is one sentence long."})
    >>> c.segments_frame()[["source", "headline", "text"]].values.tolist()
    [['a', 'Headline here', 'The body of the article is one sentence long.']]
    """

    articles: list[Article]
    segments: list[Segment]
    inputs: list[InputFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict, repr=False)

    def segments_frame(self) -> pandas.DataFrame:
        """Segments as a DataFrame with columns exactly ``SEGMENT_COLUMNS``."""
        import pandas as pd

        return pd.DataFrame(
            {c: [getattr(s, c) for s in self.segments] for c in SEGMENT_COLUMNS}, columns=list(SEGMENT_COLUMNS)
        )

    def articles_frame(self) -> pandas.DataFrame:
        """Articles as a DataFrame with columns exactly ``ARTICLE_COLUMNS``."""
        import pandas as pd

        return pd.DataFrame(
            {c: [getattr(a, c) for a in self.articles] for c in ARTICLE_COLUMNS}, columns=list(ARTICLE_COLUMNS)
        )

    def document(self, doc_id: str) -> Document:
        """The :class:`Document` with this id (text included)."""
        meta = next(d for d in self.documents if d["doc_id"] == doc_id)
        extra = {k: v for k, v in meta.items() if k not in ("doc_id", "source")}
        return Document(doc_id, meta["source"], self.texts[doc_id], extra)


def _gather(
    inputs: Any,
    texts: Any,
    config: IngestConfig,
    exclude: Iterable[str | os.PathLike[str]] = (),
    executor: Executor | None = None,
    show_progress: bool | None = None,
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
            outcomes = read_inputs([p for p, f in zip(paths, first) if f], config, executor, show_progress)
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
    segment_config: SegmentConfig | None = None,
    show_progress: bool | None = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
    executor: Executor | None = None,
) -> Corpus:
    """Read, clean, split and segment the inputs; flag duplicates.

    Parameters
    ----------
    inputs : path, list of paths, or pandas.DataFrame, optional
        Files or folders (walked recursively, sorted), or a table with one
        document per row (``config.text_column`` required; title/date/url/id
        columns are kept as metadata).
    texts : list of str or dict name -> str, optional
        In-memory documents.
    config : IngestConfig, optional
    segment_config : SegmentConfig, optional
    show_progress : bool, optional
        Progress bar; ``None`` shows it only on an interactive terminal.
    exclude : iterable of paths
        Folders never read, even inside an input folder (``run`` passes its
        output folder).  Output folders of earlier runs are skipped anyway.
    executor : Executor, optional
        Read, clean and segment partitions of the inputs there (see
        :mod:`topicsum._parallel`; a Dask cluster's workers must see the input
        paths); the corpus is the same.  ``None``: here.

    Returns
    -------
    Corpus

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
    >>> [(a.headline, len(corpus.segments)) for a in corpus.articles]
    [('Rates rise', 1)]
    """
    config = config or IngestConfig()
    segment_config = segment_config or SegmentConfig()
    units, files, skipped_pairs = _gather(inputs, texts, config, exclude, executor, show_progress)
    skipped = [Skipped(s, r) for s, r in skipped_pairs]
    for item in skipped:
        warnings.warn(f"Skipped input {item.source}: it {item.reason}.", SkippedInputWarning, stacklevel=2)
    docs, ranks, rows = _documents(units)
    del units
    cleaner = Cleaner(
        extra_furniture=config.extra_furniture,
        builtin_furniture=config.builtin_furniture,
        repeated_line_min_docs=config.repeated_line_min_docs,
        split_articles=config.split_articles,
    )
    if executor is None:
        art_rows, seg_rows = _article_rows(docs, cleaner.fit_transform(docs), segment_config, show_progress)
    else:
        from ._partitions import clean_and_segment

        art_rows, seg_rows = clean_and_segment(docs, cleaner, segment_config, executor, show_progress)
    if not seg_rows:
        reasons = "; ".join(f"{s.source} {s.reason}" for s in skipped[:3])
        raise InputError(
            "No usable article text was found in the inputs"
            + (f" ({reasons})" if reasons else " (only empty text or site furniture)")
            + "; pass files or texts that contain article paragraphs."
        )
    if segment_config.dedupe:
        _flag_duplicates(art_rows, seg_rows, ranks, segment_config.near_duplicate_threshold)
    order = {doc.doc_id: (doc.source, rows[doc.doc_id]) for doc in docs}

    def sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
        return (*order[row["doc_id"]], row["start"], row["end"])

    articles = [Article(**{k: v for k, v in r.items() if not k.startswith("_")}) for r in sorted(art_rows, key=sort_key)]
    segments = [Segment(**r) for r in sorted(seg_rows, key=sort_key)]
    documents = [
        {"doc_id": d.doc_id, "source": d.source, **d.metadata}
        for d in sorted(docs, key=lambda d: (order[d.doc_id], d.doc_id))
    ]
    logger.info(
        "ingested %d documents -> %d articles, %d segments (%d skipped inputs)",
        len(docs), len(articles), len(segments), len(skipped),
    )  # fmt: skip
    return Corpus(articles, segments, files, skipped, documents, {d.doc_id: d.text for d in docs})


def _documents(units: list[_Unit]) -> tuple[list[Document], dict[str, tuple[int, ...]], dict[str, int]]:
    """One :class:`Document` per unit (ids made unique), with each one's input rank and row."""
    docs: list[Document] = []
    ranks: dict[str, tuple[int, ...]] = {}
    rows: dict[str, int] = {}
    seen_ids: set[str] = set()
    nuls: Counter[str] = Counter()
    for unit in units:
        unit.text, dropped = drop_nuls(unit.text)  # rows and strings; file text had them dropped when read
        nuls[unit.source] += dropped
        doc = to_document(unit)
        if doc.doc_id in seen_ids:  # same source and row key twice (e.g. repeated ids): fall back to rank
            doc = Document(doc.doc_id + "-" + "-".join(map(str, unit.rank)), doc.source, doc.text, doc.metadata)
        seen_ids.add(doc.doc_id)
        docs.append(doc)
        ranks[doc.doc_id] = unit.rank
        rows[doc.doc_id] = unit.row
    for source, count in nuls.items():
        note_dropped_nuls(source, count)
    return docs, ranks, rows


def _article_rows(
    docs: list[Document],
    drafts_per_doc: list[list[ArticleDraft]],
    segment_config: SegmentConfig,
    show_progress: bool | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Article and segment records, in input order ((rank, start): the "first" copy is the earliest input)."""
    from tqdm.auto import tqdm

    art_rows: list[dict[str, Any]] = []
    seg_rows: list[dict[str, Any]] = []
    bar = tqdm(
        zip(docs, drafts_per_doc), total=len(docs), desc="segment", unit="doc",
        disable=not progress_enabled(show_progress), leave=False,
    )  # fmt: skip
    for doc, drafts in bar:
        n = 0
        for draft in drafts:
            if _add_article(doc, draft, n + 1, segment_config, art_rows, seg_rows):
                n += 1
    bar.close()
    return art_rows, seg_rows


def _add_article(
    doc: Document,
    draft: ArticleDraft,
    n: int,
    segment_config: SegmentConfig,
    art_rows: list[dict[str, Any]],
    seg_rows: list[dict[str, Any]],
) -> bool:
    """Append the ``n``-th article of ``doc`` and its segments; ``False`` when it has no segment."""
    from .._segment import normalise_ws, segment_id, segment_spans

    spans = segment_spans(doc.text, draft.blocks, segment_config)
    if not spans:
        return False
    art = {
        "article_id": f"{doc.doc_id}-a{n}",
        "doc_id": doc.doc_id,
        "source": doc.source,
        "headline": draft.headline,
        "outlet": draft.outlet,
        "published": draft.published or (doc.metadata.get("date", "") if n == 1 else ""),
        "start": draft.start,
        "end": draft.end,
        "duplicate_of": None,
        "_seg": (len(seg_rows), len(seg_rows) + len(spans)),
    }
    art_rows.append(art)
    for s, e in spans:
        text = normalise_ws(doc.text[s:e])
        seg_rows.append(
            {
                "segment_id": segment_id(doc.doc_id, s, e, text),
                "article_id": art["article_id"],
                "doc_id": doc.doc_id,
                "source": doc.source,
                "headline": art["headline"],
                "outlet": art["outlet"],
                "published": art["published"],
                "start": s,
                "end": e,
                "text": text,
                "duplicate_of": None,
            }
        )
    return True


def _flag_duplicates(
    art_rows: list[dict[str, Any]], seg_rows: list[dict[str, Any]], ranks: dict[str, tuple[int, ...]], threshold: float
) -> None:
    """Set ``duplicate_of`` on segment and article rows (in place); first = earliest input position."""
    import numpy as np

    from .._segment import (
        _resolve,
        best_match,
        duplicate_of_indices,
        minhash_signatures,
    )

    seg_order = sorted(range(len(seg_rows)), key=lambda i: (ranks[seg_rows[i]["doc_id"]], seg_rows[i]["start"]))
    texts = [seg_rows[i]["text"] for i in seg_order]
    near = threshold < 1.0
    # exact copies first; MinHash signatures only for the distinct texts
    dup = duplicate_of_indices(texts, threshold, near=False, normalised=True)
    unique = [pos for pos, j in enumerate(dup) if j is None]
    sigs = minhash_signatures([texts[pos] for pos in unique]) if near else None
    if near and sigs is not None:
        near_dup = duplicate_of_indices([texts[pos] for pos in unique], threshold, signatures=sigs, normalised=True)
        for u, j in enumerate(near_dup):
            if j is not None:
                dup[unique[u]] = unique[j]
        dup = _resolve(dup)
    for pos, j in enumerate(dup):
        if j is not None:
            seg_rows[seg_order[pos]]["duplicate_of"] = seg_rows[seg_order[j]]["segment_id"]

    # articles: exact on the joined text; near on the union of their segments' shingles
    row_of_unique = {pos: u for u, pos in enumerate(unique)}
    sig_row = {}
    for pos, i in enumerate(seg_order):
        root = pos
        while root not in row_of_unique:  # an exact copy shares its original's signature
            root = dup[root]
        sig_row[i] = row_of_unique[root]
    art_order = sorted(range(len(art_rows)), key=lambda i: (ranks[art_rows[i]["doc_id"]], art_rows[i]["start"]))
    art_texts = []
    art_sigs = np.empty((len(art_order), sigs.shape[1]), dtype=sigs.dtype) if sigs is not None else None
    for pos, i in enumerate(art_order):
        a, b = art_rows[i]["_seg"]
        art_texts.append(" ".join(seg_rows[k]["text"] for k in range(a, b)))
        if art_sigs is not None and sigs is not None:
            art_sigs[pos] = sigs[[sig_row[k] for k in range(a, b)]].min(axis=0)
    adup = duplicate_of_indices(art_texts, threshold, near=near, signatures=art_sigs, normalised=True)
    by_id = {r["segment_id"]: r for r in seg_rows}
    for pos, j in enumerate(adup):
        if j is None:
            continue
        copy, orig = art_rows[art_order[pos]], art_rows[art_order[j]]
        copy["duplicate_of"] = orig["article_id"]
        oa, ob = orig["_seg"]
        originals = [seg_rows[k] for k in range(oa, ob)]
        a, b = copy["_seg"]
        for k in range(a, b):
            row = seg_rows[k]
            if row["duplicate_of"] is None:
                m = best_match(row["text"], [o["text"] for o in originals])
                if m is not None:
                    target = originals[m]
                    while target["duplicate_of"] is not None and target["duplicate_of"] in by_id:
                        target = by_id[target["duplicate_of"]]
                    if target is not row:
                        row["duplicate_of"] = target["segment_id"]
