"""The embedding cache: one SQLite file per model, rows of (sha256 of the text, float32 vector).

Written as vectors are computed, so an interrupted run keeps its work; safe
for several processes at once (SQLite WAL, a generous busy timeout).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["EmbeddingStore"]

_SQL_CHUNK = 900  # stays under SQLite's default limit of host parameters


class EmbeddingStore:
    """One SQLite file per model under ``cache_dir/embeddings``; rows are (sha256, float32 blob)."""

    def __init__(self, cache_dir: Path, model_id: str, dimension: int) -> None:
        folder = Path(cache_dir) / "embeddings"
        folder.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(model_id.encode()).hexdigest()[:16]
        self.path = folder / f"{key}.sqlite"
        self.dimension = dimension
        self._con = sqlite3.connect(str(self.path), timeout=60)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._con.execute("CREATE TABLE IF NOT EXISTS emb (h BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
        self._con.execute("INSERT OR IGNORE INTO meta VALUES ('model_id', ?)", (model_id,))
        self._con.execute("INSERT OR IGNORE INTO meta VALUES ('dimension', ?)", (str(dimension),))
        self._con.commit()

    def get(self, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        nbytes = 4 * self.dimension
        for i in range(0, len(hashes), _SQL_CHUNK):
            chunk = hashes[i : i + _SQL_CHUNK]
            q = f"SELECT h, v FROM emb WHERE h IN ({','.join('?' * len(chunk))})"
            for h, v in self._con.execute(q, chunk):
                if len(v) == nbytes:
                    found[h] = np.frombuffer(v, dtype=np.float32)
        return found

    def put(self, hashes: Sequence[bytes], vectors: np.ndarray) -> None:
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._con:
            self._con.executemany(
                "INSERT OR REPLACE INTO emb VALUES (?, ?)", ((h, vecs[i].tobytes()) for i, h in enumerate(hashes))
            )

    def close(self) -> None:
        self._con.close()
