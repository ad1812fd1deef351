"""Sentences: the unit a digest extracts, generates and cites.

A theme's segments are split into sentences with `sentencex
<https://github.com/wikimedia/sentencex>`_; each :class:`SourceSentence`
remembers the segment it came from, so every digest sentence can cite it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SourceSentence", "encode", "norm_text", "split_sentences", "theme_sentences"]

MIN_SENTENCE_CHARS = 25
MAX_SENTENCE_CHARS = 600


@dataclass(frozen=True)
class SourceSentence:
    """One sentence of a theme's segment: the unit that is extracted and cited."""

    text: str
    segment_id: str
    outlet: str = ""
    position: int = 0  # index of the sentence inside its segment


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split ``text`` into sentences with sentencex, whitespace collapsed.

    Examples
    --------
    >>> split_sentences("Mr. Park said it. The U.S. disagreed.")
    ['Mr. Park said it.', 'The U.S. disagreed.']
    """
    from sentencex import segment

    out = []
    for part in text.split("\n"):
        for s in segment(language, part):
            s = _clean(s)
            if s:
                out.append(s)
    return out


def theme_sentences(
    segment_ids: Sequence[str], texts: Mapping[str, str], outlets: Mapping[str, str]
) -> list[SourceSentence]:
    """The theme's sentences, in segment order; a segment without a usable sentence gives its text.

    Examples
    --------
    >>> [s.segment_id for s in theme_sentences(["a"], {"a": "Short."}, {})]
    ['a']
    """
    out: list[SourceSentence] = []
    seen: set[str] = set()
    for sid in segment_ids:
        text = texts.get(sid, "")
        if not text or not text.strip():
            continue
        sents = [s for s in split_sentences(text) if MIN_SENTENCE_CHARS <= len(s) <= MAX_SENTENCE_CHARS]
        if not sents:
            sents = [_clean(text)[: MAX_SENTENCE_CHARS * 2]]
        for k, s in enumerate(sents):
            key = norm_text(s)
            if key in seen:
                continue
            seen.add(key)
            out.append(SourceSentence(s, sid, outlets.get(sid, "") or "", k))
    return out


def norm_text(text: str) -> str:
    """Lower-case letters and digits only, single-spaced: the key under which sentences count as the same."""
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def encode(embedder: Any, texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of ``texts`` with any embedder (a topicsum Embedder or a raw SentenceTransformer)."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    try:
        vecs = embedder.encode(list(texts), batch_size=64, show_progress=False)
    except (TypeError, ValueError):  # e.g. a raw SentenceTransformer (show_progress_bar)
        vecs = embedder.encode(list(texts))
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)
