"""Segmentation and duplicate detection.

An article's body (blocks of paragraph spans, see
:class:`topicsum._ingest._clean.ArticleDraft`) becomes segments of about a
paragraph: a paragraph longer than ``max_chars`` is cut into windows of at
most ``max_sentences`` whole sentences (sentence boundaries from
`sentencex <https://github.com/wikimedia/sentencex>`_), and fragments shorter
than ``min_chars`` are merged into a neighbour of the same block -- never
across removed furniture.  A segment's text is the whitespace-normalised slice
``document.text[start:end]``.

Duplicates are flagged, never dropped: exact copies (same normalised text)
and near copies (MinHash over word 3-shingles, LSH from datasketch, estimated
Jaccard >= ``near_duplicate_threshold``) point to the first copy in input
order.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from collections.abc import Sequence

import numpy as np

from ._config import SegmentConfig

logger = logging.getLogger(__name__)

__all__ = [
    "duplicate_of_indices",
    "minhash_signatures",
    "normalise_ws",
    "segment_id",
    "segment_spans",
    "sentence_spans",
]

_CHUNK = 20_000  # paragraphs longer than this are pre-cut before sentence splitting
_TOKEN = re.compile(r"\w+")
_NUM_PERM = 64
_SHINGLE = 3


def normalise_ws(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends.

    Examples
    --------
    >>> normalise_ws("  a\\n\\n b\\tc ")
    'a b c'
    """
    return " ".join(text.split())


def segment_id(doc_id: str, start: int, end: int, text: str) -> str:
    """Stable id of a segment: a short hash of its document's id, where it is and what it says.

    Document ids do not depend on how the input path was spelled (see
    :func:`topicsum._ingest._load.make_doc_id`), so neither do segment ids.

    Examples
    --------
    >>> segment_id("d0123456789a", 0, 5, "Hello") == segment_id("d0123456789a", 0, 5, "Hello")
    True
    """
    return hashlib.sha1(f"{doc_id}\0{start}\0{end}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _strip_span(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def _chunks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a giant paragraph at sentence-like or whitespace boundaries into pieces of about _CHUNK chars."""
    out = []
    pos = start
    while end - pos > _CHUNK:
        limit = pos + _CHUNK
        cut = max(
            text.rfind(". ", pos + _CHUNK // 2, limit),
            text.rfind("? ", pos + _CHUNK // 2, limit),
            text.rfind("! ", pos + _CHUNK // 2, limit),
        )
        if cut > 0:
            cut += 2
        else:
            cut = text.rfind(" ", pos + _CHUNK // 2, limit)
            cut = cut + 1 if cut > 0 else limit
        out.append((pos, cut))
        pos = cut
    out.append((pos, end))
    return out


def sentence_spans(text: str, start: int, end: int, language: str = "en") -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text[start:end]`` (whitespace trimmed).

    Examples
    --------
    >>> t = "First one. Second one here. Third."
    >>> [t[a:b] for a, b in sentence_spans(t, 0, len(t))]
    ['First one.', 'Second one here.', 'Third.']
    """
    import sentencex

    spans: list[tuple[int, int]] = []
    for a, b in _chunks(text, start, end):
        piece = text[a:b]
        sents = list(sentencex.segment(language, piece))
        if "".join(sents) == piece:
            pos = a
            for s in sents:
                stripped = s.strip()
                if stripped:
                    lead = len(s) - len(s.lstrip())
                    spans.append((pos + lead, pos + lead + len(stripped)))
                pos += len(s)
        else:  # pragma: no cover - sentencex reproduces its input; be safe anyway
            pos = 0
            for s in sents:
                s = s.strip()
                if not s:
                    continue
                k = piece.find(s, pos)
                if k < 0:
                    continue
                spans.append((a + k, a + k + len(s)))
                pos = k + len(s)
    return spans


def _hard_split(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    out = []
    while b - a > max_chars:
        cut = text.rfind(" ", a + max_chars // 2, a + max_chars)
        cut = cut if cut > a else a + max_chars
        span = _strip_span(text, a, cut)
        if span:
            out.append(span)
        a = cut
    span = _strip_span(text, a, b)
    if span:
        out.append(span)
    return out


def _windows(text: str, a: int, b: int, config: SegmentConfig) -> list[tuple[int, int]]:
    if b - a <= config.max_chars:
        return [(a, b)]
    out: list[tuple[int, int]] = []
    cur_s = cur_e = -1
    count = 0
    for s, e in sentence_spans(text, a, b):
        if cur_s >= 0 and (count >= config.max_sentences or e - cur_s > config.max_chars):
            out.append((cur_s, cur_e))
            cur_s = -1
        if cur_s < 0:
            cur_s, count = s, 0
        cur_e = e
        count += 1
    if cur_s >= 0:
        out.append((cur_s, cur_e))
    final: list[tuple[int, int]] = []
    for s, e in out:
        if e - s > 2 * config.max_chars:
            final.extend(_hard_split(text, s, e, config.max_chars))
        else:
            final.append((s, e))
    return final


def segment_spans(
    text: str, blocks: Sequence[Sequence[tuple[int, int]]], config: SegmentConfig
) -> list[tuple[int, int]]:
    """Segment spans of an article body.

    Parameters
    ----------
    text : str
        The document text.
    blocks : sequence of sequences of (start, end)
        Paragraph spans; spans of one block may be merged, spans of different
        blocks (separated by removed furniture) never are.
    config : SegmentConfig

    Examples
    --------
    >>> from topicsum._config import SegmentConfig
    >>> t = "Short one.\\nA second paragraph that is a little longer than the first."
    >>> [t[a:b] for a, b in segment_spans(t, [[(0, 10), (11, len(t))]], SegmentConfig(min_chars=20))]
    ['Short one.\\nA second paragraph that is a little longer than the first.']
    """
    out: list[tuple[int, int]] = []
    limit = config.max_chars + config.min_chars
    for block in blocks:
        merged: list[tuple[int, int]] = []
        for a, b in block:
            for s, e in _windows(text, a, b, config):
                if merged:
                    ps, pe = merged[-1]
                    if ((pe - ps) < config.min_chars or (e - s) < config.min_chars) and e - ps <= limit:
                        merged[-1] = (ps, e)
                        continue
                merged.append((s, e))
        out.extend(merged)
    return out


# ---------------------------------------------------------------------------
# duplicates

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
