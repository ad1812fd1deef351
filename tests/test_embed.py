"""Embedding stage: the bundled model works offline, the cache encodes each text once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from collections.abc import Sequence

import numpy as np
import pytest

from topicsum._config import EmbedConfig
from topicsum._context import CacheSettings, RunContext
from topicsum._embed import embed_texts as _embed_texts
from topicsum._embed import get_embedder
from topicsum._errors import ModelUnavailableError


def embed_texts(texts, embedder, *, cache_dir, batch_size=32):
    """The embed stage with ``embedder`` and a cache folder of its own (``None``: no cache)."""
    cache = CacheSettings(cache_dir, True) if cache_dir is not None else CacheSettings(Path("."), False)
    return _embed_texts(texts, EmbedConfig(batch_size=batch_size), RunContext(cache=cache, embedder=embedder))


class CountingEmbedder:
    """Wraps an embedder and records every text it is asked to encode."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None) -> np.ndarray:
        self.encoded.extend(texts)
        return self.inner.encode(texts, batch_size=batch_size, show_progress=show_progress)


def test_bundled_model_gives_normalised_384_d_vectors(embedder) -> None:
    vecs = embedder.encode(["Russia restricts WhatsApp calls.", "A boat capsized off Lampedusa."])
    assert vecs.shape == (2, 384)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert "all-MiniLM-L6-v2" in embedder.model_id


def test_cache_encodes_only_unseen_texts(embedder, tmp_path) -> None:
    counting = CountingEmbedder(embedder)
    texts = ["Putin met Trump in Alaska.", "Migrants drowned off Italy.", "Putin met Trump in Alaska."]
    first = embed_texts(texts, counting, cache_dir=tmp_path)
    assert sorted(counting.encoded) == ["Migrants drowned off Italy.", "Putin met Trump in Alaska."]
    np.testing.assert_array_equal(first[0], first[2])

    counting.encoded.clear()
    again = embed_texts(texts, counting, cache_dir=tmp_path)
    assert counting.encoded == []
    np.testing.assert_array_equal(again, first)

    grown = [*texts, "Telegram calls were blocked."]
    out = embed_texts(grown, counting, cache_dir=tmp_path)
    assert counting.encoded == ["Telegram calls were blocked."]
    assert out.shape == (4, 384)
    np.testing.assert_allclose(out[:3], first, atol=1e-6)
    assert list((tmp_path / "embeddings").glob("*.sqlite"))


def test_without_cache_dir_still_dedupes(embedder) -> None:
    counting = CountingEmbedder(embedder)
    out = embed_texts(["same", "same", "other"], counting, cache_dir=None)
    assert out.shape == (3, 384)
    assert sorted(counting.encoded) == ["other", "same"]
    assert embed_texts([], counting, cache_dir=None).shape == (0, 384)


def test_batches_are_canonical_so_input_order_never_changes_a_vector(embedder) -> None:
    # a vector depends on the texts padded into its batch; batches are formed from the texts themselves
    texts = [f"Item {i}: " + "the council met again " * (i % 7) + "to vote." for i in range(40)]
    forward = embed_texts(texts, embedder, cache_dir=None, batch_size=2)
    backward = embed_texts(texts[::-1], embedder, cache_dir=None, batch_size=2)[::-1]
    np.testing.assert_array_equal(forward, backward)
    counting = CountingEmbedder(embedder)
    embed_texts(texts, counting, cache_dir=None, batch_size=2)
    assert [len(t) for t in counting.encoded] == sorted((len(t) for t in texts), reverse=True)  # longest first


def test_unknown_model_names_the_offline_choice() -> None:
    with pytest.raises(ModelUnavailableError) as info:
        get_embedder(EmbedConfig(model="no-such-org/no-such-embedding-model"))
    message = str(info.value)
    assert "no-such-org/no-such-embedding-model" in message
    assert "minilm" in message


def test_stage_modules_import_no_heavy_packages() -> None:
    code = (
        "import sys, topicsum._embed, topicsum._cluster, topicsum._label\n"
        "heavy = [m for m in ('torch', 'bertopic', 'sentence_transformers', 'umap', 'hdbscan') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


# ---------------------------------------------------------------------------
# issue 16, case 5: a damaged cache is dropped with a warning naming it; bad vectors are computed again

TEXTS = ["Putin met Trump in Alaska.", "Migrants drowned off Italy.", "Telegram calls were blocked."]


def _cache_file(cache_dir: Path) -> Path:
    (path,) = (cache_dir / "embeddings").glob("*.sqlite")
    return path


@pytest.mark.parametrize("damage", ["random bytes", "truncated"])
def test_a_damaged_cache_file_is_rebuilt_with_a_warning(embedder, tmp_path, caplog, damage) -> None:
    import logging
    import os
    import sqlite3

    expected = embed_texts(TEXTS + [f"Filler sentence number {i} about the news." for i in range(300)], embedder,
                           cache_dir=tmp_path)[:3]  # fmt: skip
    path = _cache_file(tmp_path)
    with sqlite3.connect(path) as con:  # fold the write-ahead log in, so the damage hits the data
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if damage == "random bytes":
        path.write_bytes(os.urandom(path.stat().st_size))
    else:
        with open(path, "r+b") as fh:
            fh.truncate(path.stat().st_size // 3)
    counting = CountingEmbedder(embedder)
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        out = embed_texts(TEXTS, counting, cache_dir=tmp_path)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert str(path) in caplog.text and "damaged" in caplog.text
    assert sorted(counting.encoded) == sorted(TEXTS)
    counting.encoded.clear()
    embed_texts(TEXTS, counting, cache_dir=tmp_path)  # the rebuilt cache works again
    assert counting.encoded == []


@pytest.mark.parametrize("bad", ["random", "nan", "short"])
def test_damaged_vectors_in_the_cache_are_computed_again(embedder, tmp_path, caplog, bad) -> None:
    import logging
    import sqlite3

    from topicsum._embed import text_hash

    expected = embed_texts(TEXTS, embedder, cache_dir=tmp_path)
    rng = np.random.default_rng(16)
    forged = {
        "random": rng.normal(size=384).astype(np.float32).tobytes(),  # right length, wrong everything else
        "nan": np.full(384, np.nan, dtype=np.float32).tobytes(),
        "short": np.ones(100, dtype=np.float32).tobytes(),
    }[bad]
    with sqlite3.connect(_cache_file(tmp_path)) as con:
        con.execute("UPDATE emb SET v = ? WHERE h = ?", (forged, text_hash(TEXTS[1])))
    counting = CountingEmbedder(embedder)
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        out = embed_texts(TEXTS, counting, cache_dir=tmp_path)
    assert counting.encoded == [TEXTS[1]]
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert np.isfinite(out).all()
    assert "1 cached vector(s)" in caplog.text and str(_cache_file(tmp_path)) in caplog.text


def test_the_cache_file_holds_a_vector_in_little_more_than_its_bytes(tmp_path) -> None:
    """A 384-float vector is 1,536 bytes; on 4 KiB pages each row took an overflow page (4.7 KB a row)."""
    import hashlib

    from topicsum._embed._store import EmbeddingStore

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keys = [hashlib.sha256(str(i).encode()).digest() for i in range(2000)]
    store = EmbeddingStore(tmp_path, "some-model", 384)
    for i in range(0, 2000, 500):
        store.put(keys[i : i + 500], vectors[i : i + 500])
    assert (store.get(keys[:3])[keys[2]] == vectors[2]).all()
    store.close()
    size = sum(f.stat().st_size for f in tmp_path.iterdir())
    assert size / 2000 < 2500, f"{size / 2000:.0f} bytes a vector"
