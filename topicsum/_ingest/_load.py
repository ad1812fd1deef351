"""Reading inputs: paths, folders, tables and strings -> :class:`Document` records.

Decoding is strict UTF-8 first (with or without BOM), then cp1252 (a superset
of printable Latin-1), then charset-normalizer's best guess; newlines are
normalised to ``\\n``.  A file that cannot be used raises :class:`_Skip` with
the reason, so the caller can record it and go on with the other inputs.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._config import IngestConfig
from .._errors import InputError
from .._types import Document, InputFile

logger = logging.getLogger(__name__)

__all__ = ["SUPPORTED_EXTENSIONS", "decode_bytes", "normalise_newlines"]

#: Extensions a folder walk picks up; other files in a folder are ignored.
SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".jsonl", ".csv")
_HTML = (".html", ".htm")
_TEXT = (".txt", ".text", ".md", ".markdown")

# Control characters that never occur in real text (tab, newline, CR, form feed excluded).
_CONTROL = frozenset(chr(c) for c in (*range(0, 9), 11, *range(14, 32), 127))


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


def normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR into ``\\n``.

    Examples
    --------
    >>> normalise_newlines("a\\r\\nb\\rc")
    'a\\nb\\nc'
    """
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    return sum(ch in _CONTROL or "\x80" <= ch <= "\x9f" for ch in sample) / len(sample)


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` as text and normalise its newlines.

    Tries strict UTF-8 (a BOM is dropped), then cp1252, then
    charset-normalizer's best guess; ``encoding`` forces one codec.

    Returns
    -------
    (text, encoding)

    Raises
    ------
    _Skip
        The bytes are binary or cannot be decoded as text.

    Examples
    --------
    >>> decode_bytes("café “quoted”".encode("cp1252"))
    ('café “quoted”', 'cp1252')
    >>> decode_bytes(b"\\xef\\xbb\\xbfa\\r\\nb")
    ('a\\nb', 'utf-8-sig')
    """
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise _Skip(f"cannot be decoded as {encoding} ({exc.__class__.__name__})") from None
        return normalise_newlines(text.lstrip("\ufeff")), encoding
    if _looks_binary(data):
        raise _Skip("looks like a binary file, not text")
    text: str | None = None
    used = ""
    if data.startswith(codecs.BOM_UTF8):
        try:
            text, used = data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            text = None
    if text is None:
        for codec in ("utf-8", "cp1252"):
            try:
                text, used = data.decode(codec), codec
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise _Skip("cannot be decoded as text (tried UTF-8, cp1252 and charset detection)")
        text, used = str(best), best.encoding
    if _control_ratio(text) > 0.05:
        raise _Skip(f"decodes as {used} but is mostly control characters, so it is not text")
    return normalise_newlines(text), used


# ---------------------------------------------------------------------------
# collecting the inputs


@dataclass
class _Path:
    path: Path
    source: str
    explicit: bool  # named by the user (not found by a folder walk)
    rank: tuple[int, ...]


def _is_hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def collect_paths(inputs: Any) -> list[_Path]:
    """Expand paths and folders (recursively, sorted) into files, in the order given.

    Raises
    ------
    InputError
        A path does not exist, or a folder holds no supported file.
    """
    if isinstance(inputs, (str, os.PathLike)):
        items = [inputs]
    elif isinstance(inputs, (list, tuple)):
        items = list(inputs)
    else:
        raise InputError(
            f"inputs must be a path, a list of paths or a pandas DataFrame, not {type(inputs).__name__}; "
            "pass texts=[...] for strings."
        )
    if not items:
        raise InputError("No inputs were given; pass a file, a folder, a list of paths or texts=[...].")
    out: list[_Path] = []
    for i, item in enumerate(items):
        if not isinstance(item, (str, os.PathLike)):
            raise InputError(f"Input {item!r} is not a path; pass file or folder paths (str or pathlib.Path).")
        given = os.fspath(item)
        path = Path(given).expanduser()
        if not path.exists():
            raise InputError(
                f"Input path {given!r} does not exist; check the spelling or pass an existing file or folder."
            )
        if path.is_dir():
            found = sorted(
                (p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            found = [p for p in found if not _is_hidden(p.relative_to(path))]
            if not found:
                raise InputError(
                    f"Folder {given!r} holds no supported files ({', '.join(SUPPORTED_EXTENSIONS)}); "
                    "add some or point to another folder."
                )
            for j, p in enumerate(found):
                rel = p.relative_to(path).as_posix()
                out.append(_Path(p, str(Path(given) / rel), False, (i, j)))
        else:
            out.append(_Path(path, given, True, (i, 0)))
    return out


# ---------------------------------------------------------------------------
# readers


def _meta_from(row: Mapping[str, Any], config: IngestConfig) -> dict[str, str]:
    meta: dict[str, str] = {}
    for name, col in (
        ("title", config.title_column),
        ("date", config.date_column),
        ("url", config.url_column),
        ("id", config.id_column),
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


def read_file(item: _Path, config: IngestConfig, skipped: list[tuple[str, str]]) -> tuple[list[_Unit], InputFile]:
    """Read one file into document units; raises _Skip when the file is unusable.

    Rows of a table that cannot be used are appended to ``skipped``.
    """
    try:
        data = item.path.read_bytes()
    except OSError as exc:
        raise _Skip(f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    info_hash = hashlib.sha256(data).hexdigest()
    size = len(data)
    if not data.strip():
        raise _Skip("is empty")
    text, encoding = decode_bytes(data, config.encoding)
    del data
    info = InputFile(item.source, info_hash, size, encoding)
    ext = item.path.suffix.lower()
    if ext in _HTML:
        return [_html_unit(item, text)], info
    if ext == ".jsonl":
        return _jsonl_units(item, text, config, skipped), info
    if ext == ".csv":
        return _csv_units(item, text, config), info
    if ext not in _TEXT:
        logger.info("reading %s as plain text (unknown extension %r)", item.source, ext)
    return [_Unit(item.source, "", item.rank, text, {})], info


def _html_unit(item: _Path, html: str) -> _Unit:
    import trafilatura

    # dates only from explicit page metadata (no guessing from copyright lines)
    doc = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise _Skip("is an HTML page in which no article text was found")
    meta = {k: str(v) for k in ("title", "date", "url") if (v := getattr(doc, k, None))}
    return _Unit(item.source, "", item.rank, normalise_newlines(text), meta)


def _jsonl_units(item: _Path, text: str, config: IngestConfig, skipped: list[tuple[str, str]]) -> list[_Unit]:
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
                normalise_newlines(body),
                meta,
                lineno,
            )
        )
    return units


def _csv_units(item: _Path, text: str, config: IngestConfig) -> list[_Unit]:
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (ValueError, csv.Error) as exc:  # pandas.errors.ParserError is a ValueError
        raise _Skip(f"cannot be parsed as CSV ({str(exc).splitlines()[0]})") from None
    return frame_units(frame, item.source, item.rank, config, skip=True)


def frame_units(frame: Any, source: str, rank: tuple[int, ...], config: IngestConfig, *, skip: bool) -> list[_Unit]:
    """One unit per row of a DataFrame (rows without text are left out)."""
    col = config.text_column
    if col not in frame.columns:
        cols = ", ".join(map(str, list(frame.columns)[:12]))
        msg = f"has no column {col!r} (columns: {cols}); set text_column to the column holding the text"
        if skip:
            raise _Skip(msg)
        raise InputError(f"The DataFrame {msg}.")
    wanted = [
        c
        for c in (col, config.title_column, config.date_column, config.url_column, config.id_column)
        if c in frame.columns
    ]
    records = frame[wanted].to_dict("records")
    metas = [_meta_from(r, config) for r in records]
    ids = [m.get("id") for m in metas]
    unique = None not in ids and len(set(ids)) == len(ids)
    units = []
    for pos, (row, meta) in enumerate(zip(records, metas)):
        body = _row_text(row.get(col))
        if body is None or not body.strip():
            continue
        units.append(_Unit(source, _row_key(meta, pos, unique), (*rank, pos), normalise_newlines(body), meta, pos))
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
        units.append(_Unit(name, "", (rank0, j), normalise_newlines(value), {}))
    return units


def make_doc_id(source: str, key: str) -> str:
    """Stable short id of a document: a hash of its source and row key.

    Examples
    --------
    >>> make_doc_id("seeds/a.txt", "") == make_doc_id("seeds/a.txt", "")
    True
    """
    return "d" + hashlib.sha1(f"{source}\0{key}".encode()).hexdigest()[:11]


def to_document(unit: _Unit) -> Document:
    return Document(make_doc_id(unit.source, unit.key), unit.source, unit.text, dict(unit.metadata))
