"""Duplicates: exact and near copies of segments and articles, flagged, never dropped.

Exact copies have the same whitespace-normalised, case-folded text; near
copies an estimated Jaccard similarity of word 3-shingles of at least
``near_duplicate_threshold`` (MinHash signatures, candidates from
datasketch's MinHashLSH).  A copy points to the first copy in input order.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._windows import normalise_ws

__all__ = ["best_match", "duplicate_of_indices", "flag_duplicates", "minhash_signatures"]

_TOKEN = re.compile(r"\w+")
_NUM_PERM = 64
_SHINGLE = 3


_MASK32 = np.uint64(0xFFFFFFFF)


def _permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Parameters of the affine permutations ``a * h + b mod 2**32`` (``a`` odd: a bijection)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = gen.randint(0, 1 << 32, size=num_perm, dtype=np.uint64)
    return a.astype(np.uint32), b.astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (spreads the input hashes before the affine permutation)."""
    h = h.astype(np.uint32)  # numpy uint32 arithmetic wraps mod 2**32
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


class _Sketch:
    """A MinHash signature in the shape datasketch's MinHashLSH reads (``hashvalues``, ``scheme``)."""

    __slots__ = ("hashvalues",)
    scheme = "affine32"

    def __init__(self, hashvalues: np.ndarray) -> None:
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)


def minhash_signatures(texts: Sequence[str], num_perm: int = _NUM_PERM) -> np.ndarray:
    """MinHash signatures of the word 3-shingles, one uint32 row per text.

    Words are the case-folded, whitespace-separated tokens; a text with fewer
    than 3 words is hashed by its words.  Rows of texts without words are all
    ``2**32 - 1``.  The signature of a concatenation is (up to the shingles
    across the seam) the element-wise minimum of the parts' signatures.

    Vectorised over many texts at once, in chunks (bounded memory):
    datasketch's per-object ``MinHash.update_batch`` costs about 0.2 ms a
    segment, too slow for 100k segments; the permutation scheme is the same as
    datasketch's "affine32".

    Examples
    --------
    >>> s = minhash_signatures(["the cat sat on the mat", "the cat sat on the mat", "dogs bark"])
    >>> bool((s[0] == s[1]).all()), float((s[0] == s[2]).mean()) < 0.5
    (True, True)
    """
    import pandas as pd

    a, b = _permutations(num_perm)
    n = len(texts)
    sigs = np.full((n, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    i = 0
    while i < n:
        # a chunk of texts of about 2 MB
        j, size = i, 0
        while j < n and (size < 2_000_000 or j == i):
            size += len(texts[j])
            j += 1
        toks = [t.casefold().split() for t in texts[i:j]]
        lengths = np.fromiter(map(len, toks), dtype=np.int64, count=j - i)
        flat_tokens = [w for ws in toks for w in ws]
        del toks
        if not flat_tokens:
            i = j
            continue
        codes, uniques = pd.factorize(pd.Index(flat_tokens, dtype=object))
        del flat_tokens
        word_hash = np.fromiter(
            (zlib.crc32(u.encode("utf-8", "surrogatepass")) for u in uniques), dtype=np.uint64, count=len(uniques)
        )
        ids = word_hash[codes]
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        # shingle hashes at every position; a text's shingles start at its own positions only
        tri = (
            (ids[:-2] * np.uint64(0x9E3779B1) + ids[1:-1] * np.uint64(0x85EBCA77) + ids[2:]) & _MASK32
            if len(ids) >= 3
            else np.zeros(0, dtype=np.uint64)
        )
        parts, rows = [], []
        for k in np.flatnonzero(lengths):
            o, L = int(offsets[k]), int(lengths[k])
            parts.append(tri[o : o + L - 2] if L >= _SHINGLE else ids[o : o + L])
            rows.append(i + int(k))
        # permute and take minima in sub-batches of about 50k shingles
        start = 0
        while start < len(parts):
            stop, count = start, 0
            while stop < len(parts) and (count < 50_000 or stop == start):
                count += len(parts[stop])
                stop += 1
            batch = parts[start:stop]
            flat = _fmix32(np.concatenate(batch))
            perm = np.multiply.outer(flat, a)  # uint32: wraps mod 2**32
            perm += b
            cuts = np.concatenate(([0], np.cumsum([len(p) for p in batch])[:-1]))
            sigs[rows[start:stop]] = np.minimum.reduceat(perm, cuts, axis=0)
            start = stop
        i = j
    return sigs


def duplicate_of_indices(
    texts: Sequence[str],
    threshold: float = 0.8,
    *,
    near: bool = True,
    signatures: np.ndarray | None = None,
    normalised: bool = False,
) -> list[int | None]:
    """For each text, the index of the first earlier copy (exact or near), else None.

    Texts are compared in the order given, so "first" means earliest index.
    Exact copies have the same whitespace-normalised, case-folded text; near
    copies have an estimated Jaccard similarity of word 3-shingles of at least
    ``threshold`` (MinHash signatures, candidates from datasketch's MinHashLSH).
    A copy always points to an original, never to another copy.
    ``signatures`` (rows aligned with ``texts``) skips computing them;
    ``normalised=True`` says the texts are already whitespace-normalised.

    Examples
    --------
    >>> duplicate_of_indices(["a b c d", "A  b c d", "x y z"])
    [None, 0, None]
    """
    result: list[int | None] = [None] * len(texts)
    first: dict[str, int] = {}
    todo: list[int] = []
    for i, t in enumerate(texts):
        key = hashlib.sha1((t if normalised else normalise_ws(t)).casefold().encode("utf-8", "surrogatepass")).digest()
        j = first.setdefault(key, i)
        if j != i:
            result[i] = j
        else:
            todo.append(i)
    if not near or threshold >= 1.0 or len(todo) < 2:
        return result
    from datasketch import MinHashLSH

    sigs = minhash_signatures([texts[i] for i in todo]) if signatures is None else signatures[todo]
    empty = np.iinfo(np.uint32).max
    lsh = MinHashLSH(threshold=threshold, num_perm=sigs.shape[1])
    # Prefilter: a text that shares no LSH band with any other cannot be a near
    # duplicate, so only texts with a band collision go through the index.
    collide = np.zeros(len(todo), dtype=bool)
    for start, end in lsh.hashranges:
        band = np.zeros(len(todo), dtype=np.uint64)
        for col in range(start, end):  # a 64-bit key per band (wrapping polynomial hash)
            band = band * np.uint64(0x100000001B3) + sigs[:, col].astype(np.uint64)
        _, inverse, counts = np.unique(band, return_inverse=True, return_counts=True)
        collide |= counts[inverse.ravel()] > 1
    collide &= sigs[:, 0] != empty
    originals: dict[int, np.ndarray] = {}
    for row in np.flatnonzero(collide):
        i = todo[row]
        sig = sigs[row]
        mh = _Sketch(sig)
        best = None
        for cand in lsh.query(mh):
            if (best is None or cand < best) and float(np.mean(originals[cand] == sig)) >= threshold:
                best = cand
        if best is not None:
            result[i] = best
        else:
            lsh.insert(i, mh, check_duplication=False)
            originals[i] = sig
    return _resolve(result)


def _resolve(result: list[int | None]) -> list[int | None]:
    """Point every copy at its root original (an exact copy of a near copy, say)."""
    for i, j in enumerate(result):
        if j is not None and result[j] is not None:
            result[i] = result[j]
    return result


def best_match(text: str, candidates: Sequence[str]) -> int | None:
    """Index of the candidate with the most similar word set (Jaccard), None if no candidates."""
    words = set(_TOKEN.findall(text.casefold()))
    best, score = None, -1.0
    for k, c in enumerate(candidates):
        other = set(_TOKEN.findall(c.casefold()))
        union = len(words | other) or 1
        s = len(words & other) / union
        if s > score:
            best, score = k, s
    return best


def flag_duplicates(
    art_rows: list[dict[str, Any]], seg_rows: list[dict[str, Any]], ranks: dict[str, tuple[int, ...]], threshold: float
) -> None:
    """Set ``duplicate_of`` on segment and article rows (in place); first = earliest input position.

    An article row's ``_seg`` is the range of its segment rows; articles are
    exact copies by their joined text, near copies by the union of their
    segments' shingles, and a copied article's segments point to the most
    similar segment of the original.
    """

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
