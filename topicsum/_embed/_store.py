"""The embedding cache: one SQLite file per model, rows of (sha256 of the text, float32 vector).

Written as vectors are computed, so an interrupted run keeps its work; safe
for several processes at once (SQLite WAL, a generous busy timeout).

A cache problem never fails a run.  A damaged file (random bytes, a
truncated database) is deleted with a warning naming it and built again; a
file that cannot be used for another reason (locked past the timeout, a
read-only folder) is left alone and the run goes on without it.  Every
vector read is checked before use (its length, finite values, unit length
within 1e-3); a row that fails is computed again and replaced.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["EmbeddingStore", "read_through", "text_hash", "valid_rows"]

logger = logging.getLogger(__name__)

_SQL_CHUNK = 900  # stays under SQLite's default limit of host parameters
#: Page size of a new cache file (an existing file keeps its own).
_PAGE_SIZE = 16384
#: How far a cached vector's length may be from 1 (vectors are L2-normalised).
NORM_TOLERANCE = 1e-3


def text_hash(text: str) -> bytes:
    """The cache key of one text: the raw 32-byte sha256 of its UTF-8 encoding.

    Examples
    --------
    >>> len(text_hash("hello"))
    32
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


#: ``encode(keys, texts)``: the vectors of texts the cache lacks, as ``(keys, vectors)`` pieces in any order.
EncodeMissing = Callable[[list[bytes], list[str]], Iterable[tuple[Sequence[bytes], np.ndarray]]]


def read_through(
    texts: Sequence[str], store: EmbeddingStore | None, encode: EncodeMissing, dimension: int
) -> tuple[np.ndarray, int]:
    """Vectors of ``texts`` (float32 rows in their order): the cached ones read, the others encoded and stored.

    Identical texts are looked up and encoded once.  ``encode`` receives the
    missing texts (one of each) with their keys and yields ``(keys, vectors)``
    pieces; each piece is stored as soon as it arrives, so an interrupted
    encoding keeps what it finished.  ``store=None`` (the cache is off)
    encodes every distinct text.  Returns the vectors and how many texts were
    encoded.

    Examples
    --------
    >>> import tempfile
    >>> store = EmbeddingStore(Path(tempfile.mkdtemp()), "toy", 2)
    >>> def encode(keys, texts):
    ...     yield keys, np.array([[0.6, 0.8]] * len(texts), dtype=np.float32)
    >>> read_through(["a", "b", "a"], store, encode, 2)[1], read_through(["b"], store, encode, 2)[1]
    (2, 0)
    """
    keys = [text_hash(t) for t in texts]
    first: dict[bytes, str] = {}
    for k, t in zip(keys, texts):
        first.setdefault(k, t)
    vectors = store.get(list(first)) if store is not None else {}
    todo = [k for k in first if k not in vectors]
    if todo:
        for piece, enc in encode(todo, [first[k] for k in todo]):
            if store is not None:
                store.put(piece, enc)
            vectors.update(zip(piece, np.asarray(enc, dtype=np.float32)))
    if not keys:
        return np.empty((0, dimension), dtype=np.float32), 0
    return np.stack([vectors[k] for k in keys]).astype(np.float32, copy=False), len(todo)


def valid_rows(vectors: np.ndarray) -> np.ndarray:
    """Which rows of ``vectors`` are usable embeddings: finite and of unit length (within 1e-3).

    Examples
    --------
    >>> valid_rows(np.array([[0.6, 0.8], [np.nan, 1.0], [3.0, 4.0]], dtype=np.float32)).tolist()
    [True, False, False]
    """
    with np.errstate(all="ignore"):
        finite = np.isfinite(vectors).all(axis=1)
        norms = np.linalg.norm(np.where(np.isfinite(vectors), vectors, 0.0), axis=1)
    return finite & (np.abs(norms - 1.0) <= NORM_TOLERANCE)


class EmbeddingStore:
    """One SQLite file per model in ``folder`` (the cache's ``embeddings/``); rows are (sha256, float32 blob)."""

    def __init__(self, folder: Path, model_id: str, dimension: int) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(model_id.encode()).hexdigest()[:16]
        self.path = folder / f"{key}.sqlite"
        self.model_id = model_id
        self.dimension = dimension
        self._con: sqlite3.Connection | None = None
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            self._recover(exc)

    def _open(self) -> None:
        con = sqlite3.connect(str(self.path), timeout=60)
        try:
            # a new file gets pages that hold whole rows: on SQLite's default 4 KiB pages a 384-float row
            # (1.5 KiB) spills into an overflow page of its own and the file is three times as large
            con.execute(f"PRAGMA page_size={_PAGE_SIZE}")
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            con.execute("CREATE TABLE IF NOT EXISTS emb (h BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
            con.execute("INSERT OR IGNORE INTO meta VALUES ('model_id', ?)", (self.model_id,))
            con.execute("INSERT OR IGNORE INTO meta VALUES ('dimension', ?)", (str(self.dimension),))
            con.commit()
        except BaseException:
            con.close()
            raise
        self._con = con

    def _recover(self, exc: sqlite3.DatabaseError) -> None:
        """A damaged file is deleted and made again; any other problem turns the cache off for this run."""
        self.close()
        if isinstance(exc, sqlite3.OperationalError):  # locked, read-only, disk full: not damage, keep the file
            logger.warning("embeddings: the cache %s cannot be used (%s); going on without it.", self.path, exc)
            return
        logger.warning(
            "embeddings: the cache file %s is damaged (%s); deleting it and computing the vectors again.", self.path, exc
        )
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        try:
            self._open()
        except sqlite3.DatabaseError as again:
            self.close()
            logger.warning("embeddings: the cache %s cannot be made again (%s); going on without it.", self.path, again)

    def get(self, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors of ``hashes`` that pass the checks (the others are left out, to be computed)."""
        if self._con is None:
            return {}
        try:
            rows = self._rows(hashes)
        except sqlite3.DatabaseError as exc:
            self._recover(exc)
            return {}
        nbytes = 4 * self.dimension
        good = [(h, v) for h, v in rows if isinstance(v, bytes) and len(v) == nbytes]
        if not good:
            found: dict[bytes, np.ndarray] = {}
        else:
            matrix = np.frombuffer(b"".join(v for _, v in good), dtype=np.float32).reshape(len(good), self.dimension)
            ok = valid_rows(matrix)
            found = {h: matrix[i] for i, (h, _) in enumerate(good) if ok[i]}
        bad = len(rows) - len(found)
        if bad:
            logger.warning(
                "embeddings: %d cached vector(s) in %s are damaged (wrong length, not finite or not unit length); "
                "computing them again.", bad, self.path,
            )  # fmt: skip
        return found

    def _rows(self, hashes: Sequence[bytes]) -> list[tuple[bytes, bytes]]:
        assert self._con is not None
        rows: list[tuple[bytes, bytes]] = []
        for i in range(0, len(hashes), _SQL_CHUNK):
            chunk = hashes[i : i + _SQL_CHUNK]
            q = f"SELECT h, v FROM emb WHERE h IN ({','.join('?' * len(chunk))})"
            rows.extend(self._con.execute(q, chunk))
        return rows

    def put(self, hashes: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store ``vectors`` (only the valid ones: a bad vector is never cached)."""
        if self._con is None:
            return
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        ok = valid_rows(vecs) if len(vecs) else np.zeros(0, dtype=bool)
        rows = [(h, vecs[i].tobytes()) for i, h in enumerate(hashes) if ok[i]]
        try:
            with self._con:
                self._con.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)", rows)
        except sqlite3.DatabaseError as exc:
            self._recover(exc)

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
