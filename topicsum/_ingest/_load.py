"""Reading inputs: files, tables and strings -> :class:`Document` records.

Which files to read is :mod:`._paths`' job, decoding bytes :mod:`._decode`'s.
A file that cannot be used raises :class:`_Skip` with the reason, so the
caller can record it and go on with the other inputs.  Only regular files
are opened, and without blocking: a named pipe put in a file's place is
skipped, never read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import stat
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._config import IngestConfig
from .._errors import InputError, SkippedInputWarning
from .._types import Document, InputFile
from ._decode import Undecodable, decode_bytes, decode_references, drop_nuls, normalise_newlines
from ._paths import SUPPORTED_EXTENSIONS, InputPath, file_kind

logger = logging.getLogger(__name__)

__all__ = ["SUPPORTED_EXTENSIONS", "decode_bytes", "normalise_newlines"]

_HTML = (".html", ".htm")
_TEXT = (".txt", ".text", ".md", ".markdown")


class _Skip(Exception):
    """An input cannot be used; ``str(exc)`` is the reason."""


@dataclass
class _Unit:
    """One document in the making, with its place in the input order."""

    source: str
    key: str  # row key within the source ("" for whole files)
    rank: tuple[int, ...]  # position in the order the user gave the inputs
    text: str
    metadata: dict[str, str]
    row: int = 0  # row position within a table source (sort tiebreak)
    name: str = ""  # what the document id is made from (see make_doc_id); the source when empty
    furniture: tuple[tuple[int, int], ...] = ()  # spans the reader knows are furniture (a page's link blocks)


# ---------------------------------------------------------------------------
# readers


def _meta_from(row: Mapping[str, Any], config: IngestConfig) -> dict[str, str]:
    meta: dict[str, str] = {}
    for name, col in (
        ("title", config.title_column),
        ("date", config.date_column),
        ("url", config.url_column),
        ("id", config.id_column),
        ("sitename", config.outlet_column),
        ("captured", config.captured_column),
    ):
        value = row.get(col)
        if value is None or (isinstance(value, float) and value != value):  # missing or NaN
            continue
        if not isinstance(value, str):
            try:
                import pandas as pd

                if pd.isna(value):
                    continue
            except (TypeError, ValueError):
                pass
        text = str(value).strip()
        if name in ("title", "sitename"):  # a headline or outlet as scraped: "&#163;1.8m deal", "Caf&eacute;"
            text = decode_references(text)
        if text:
            meta[name] = text
    return meta


def _row_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    return None


def _row_key(meta: Mapping[str, str], index: int, ids_unique: bool) -> str:
    return f"id={meta['id']}" if ids_unique and "id" in meta else f"row={index}"


def _read_regular(item: InputPath) -> bytes:
    """The bytes of ``item``, opened without blocking and read only when it is a regular file."""
    try:
        fd = os.open(item.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _Skip(f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # e.g. replaced by a pipe since the inputs were collected
            raise _Skip(f"is {file_kind(mode)}, not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    except OSError as exc:
        raise _Skip(f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    finally:
        os.close(fd)


def note_dropped_nuls(source: str, count: int) -> None:
    """Say that ``count`` NUL characters were dropped from the text of ``source``."""
    if count:
        warnings.warn(
            f"Input {source}: dropped {count} NUL character{'s' if count > 1 else ''} from its text.",
            SkippedInputWarning,
            stacklevel=3,
        )


def read_file(item: InputPath, config: IngestConfig, skipped: list[tuple[str, str]]) -> tuple[list[_Unit], InputFile]:
    """Read one file into document units; raises _Skip when the file is unusable.

    Rows of a table that cannot be used are appended to ``skipped``.
    """
    data = _read_regular(item)
    info_hash = hashlib.sha256(data).hexdigest()
    size = len(data)
    if not data.strip():
        raise _Skip("is empty")
    try:
        text, encoding = decode_bytes(data, config.encoding)
    except Undecodable as exc:
        raise _Skip(str(exc)) from None
    text, nuls = drop_nuls(text)
    note_dropped_nuls(item.source, nuls)
    if not text.strip():
        raise _Skip("is empty")
    ext = item.path.suffix.lower()
    if ext in _HTML:  # the page's own bytes: trafilatura reads the charset it declares (<meta charset>)
        html: str | bytes = text if config.encoding else data.replace(b"\0", b"")
        return [_html_unit(item, html)], InputFile(item.source, info_hash, size, None if not config.encoding else encoding)
    del data
    info = InputFile(item.source, info_hash, size, encoding)
    if ext == ".jsonl":
        return _jsonl_units(item, text, config, skipped), info
    if ext == ".csv":
        return _csv_units(item, text, config), info
    if ext not in _TEXT:
        logger.info("reading %s as plain text (unknown extension %r)", item.source, ext)
    return [_Unit(item.source, "", item.rank, text, {}, name=item.name)], info


def _html_unit(item: InputPath, html: str | bytes) -> _Unit:
    from ._html import read_html

    page = read_html(html)
    if page is None or not page.text.strip():
        raise _Skip("is an HTML page in which no article text was found")
    return _Unit(item.source, "", item.rank, page.text, page.metadata, name=item.name, furniture=tuple(page.furniture))


def _jsonl_units(item: InputPath, text: str, config: IngestConfig, skipped: list[tuple[str, str]]) -> list[_Unit]:
    rows: list[tuple[int, dict[str, Any]]] = []
    bad = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            bad += 1
            skipped.append((f"{item.source}:{lineno}", "is not valid JSON"))
            continue
        if not isinstance(obj, dict):
            skipped.append((f"{item.source}:{lineno}", "is not a JSON object"))
            continue
        rows.append((lineno, obj))
    if not rows:
        raise _Skip("holds no JSON objects, one per line")
    if not any(config.text_column in obj for _, obj in rows):
        keys = sorted({k for _, obj in rows for k in obj})[:12]
        raise _Skip(f"has no key {config.text_column!r} (keys: {', '.join(keys)}); set text_column")
    metas = [_meta_from(obj, config) for _, obj in rows]
    ids = [m.get("id") for m in metas]
    unique = None not in ids and len(set(ids)) == len(ids)
    units = []
    for (lineno, obj), meta in zip(rows, metas):
        body = _row_text(obj.get(config.text_column))
        if body is None or not body.strip():
            skipped.append((f"{item.source}:{lineno}", f"has no text in {config.text_column!r}"))
            continue
        units.append(
            _Unit(
                item.source,
                _row_key(meta, lineno, unique),
                (*item.rank, lineno),
                normalise_newlines(decode_references(body)),
                meta,
                lineno,
                item.name,
            )
        )
    return units


def _csv_units(item: InputPath, text: str, config: IngestConfig) -> list[_Unit]:
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (ValueError, csv.Error) as exc:  # pandas.errors.ParserError is a ValueError
        raise _Skip(f"cannot be parsed as CSV ({str(exc).splitlines()[0]})") from None
    return frame_units(frame, item.source, item.rank, config, skip=True, name=item.name)


def frame_units(
    frame: Any, source: str, rank: tuple[int, ...], config: IngestConfig, *, skip: bool, name: str = ""
) -> list[_Unit]:
    """One unit per row of a DataFrame (rows without text are left out); ``name`` is what ids are made from."""
    col = config.text_column
    if col not in frame.columns:
        cols = ", ".join(map(str, list(frame.columns)[:12]))
        msg = f"has no column {col!r} (columns: {cols}); set text_column to the column holding the text"
        if skip:
            raise _Skip(msg)
        raise InputError(f"The DataFrame {msg}.")
    wanted = [
        c
        for c in (col, config.title_column, config.date_column, config.url_column, config.id_column,
                  config.outlet_column, config.captured_column)
        if c in frame.columns
    ]  # fmt: skip
    records = frame[wanted].to_dict("records")
    metas = [_meta_from(r, config) for r in records]
    ids = [m.get("id") for m in metas]
    unique = None not in ids and len(set(ids)) == len(ids)
    units = []
    for pos, (row, meta) in enumerate(zip(records, metas)):
        body = _row_text(row.get(col))
        if body is None or not body.strip():
            continue
        body = normalise_newlines(decode_references(body))
        units.append(_Unit(source, _row_key(meta, pos, unique), (*rank, pos), body, meta, pos, name))
    return units


def text_units(texts: Any, rank0: int) -> list[_Unit]:
    """Units for in-memory strings: a list of str, or a dict name -> str."""
    if isinstance(texts, str):
        texts = [texts]
    if isinstance(texts, Mapping):
        pairs: Iterable[tuple[str, Any]] = ((str(k), v) for k, v in texts.items())
    elif isinstance(texts, (list, tuple)):
        pairs = ((f"text[{i}]", v) for i, v in enumerate(texts))
    else:
        raise InputError(f"texts must be a list of strings or a dict name -> string, not {type(texts).__name__}.")
    units = []
    for j, (name, value) in enumerate(pairs):
        if not isinstance(value, str):
            raise InputError(f"texts[{name!r}] is a {type(value).__name__}, not a string; pass strings only.")
        units.append(_Unit(name, "", (rank0, j), normalise_newlines(decode_references(value)), {}))
    return units


def make_doc_id(name: str, key: str, text: str) -> str:
    """Stable short id of a document: a hash of its name, row key and text.

    ``name`` is the file's path relative to the folder given, or its file
    name when it was named explicitly (never the path as spelled), so the ids
    do not depend on how a path is written; the text tells apart two files
    of the same name.

    Examples
    --------
    >>> make_doc_id("a.txt", "", "Some text.") == make_doc_id("a.txt", "", "Some text.")
    True
    >>> make_doc_id("a.txt", "", "Some text.") == make_doc_id("a.txt", "", "Other text.")
    False
    """
    content = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return "d" + hashlib.sha1(f"{name}\0{key}\0{content}".encode("utf-8", "surrogatepass")).hexdigest()[:11]


def to_document(unit: _Unit) -> Document:
    """The :class:`Document` of a unit; its id is made from the unit's name, row key and text."""
    return Document(
        make_doc_id(unit.name or unit.source, unit.key, unit.text), unit.source, unit.text, dict(unit.metadata),
        unit.furniture,
    )
