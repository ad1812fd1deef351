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

__all__ = [
    "MAX_SENTENCES_PER_ARTICLE",
    "SegmentInfo",
    "SourceSentence",
    "encode",
    "merge_time_splits",
    "norm_text",
    "split_sentences",
    "theme_sentences",
]

MAX_SENTENCE_CHARS = 600


#: Sentences read per article: a news story's facts are in its first paragraphs (and the cost stays bounded).
MAX_SENTENCES_PER_ARTICLE = 25


@dataclass(frozen=True)
class SourceSentence:
    """One sentence of a theme's segment: the unit that is extracted and cited.

    ``position`` counts sentences from the start of the article (0 = its lead);
    ``article`` numbers the theme's articles, ``para`` the article's segments.
    """

    text: str
    segment_id: str
    outlet: str = ""
    position: int = 0
    article: int = 0
    para: int = 0
    headline: str = ""
    published: str = ""


@dataclass(frozen=True)
class SegmentInfo:
    """What the digest stage knows of a segment: its text and where it sits in its article."""

    text: str
    article_id: str = ""
    start: int = 0
    outlet: str = ""
    headline: str = ""
    published: str = ""


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


def theme_sentences(segment_ids: Sequence[str], segments: Mapping[str, SegmentInfo]) -> list[SourceSentence]:
    """The theme's sentences with their place in their article, article by article in reading order.

    Articles come in the order of their first segment in ``segment_ids``; an
    article's segments are read by offset, so ``position`` counts from the
    article's lead.  At most :data:`MAX_SENTENCES_PER_ARTICLE` sentences are
    read per article; a sentence already seen (a copy) is left out.

    Examples
    --------
    >>> segs = {"b": SegmentInfo("More came later. It rained.", "a1", 40), "a": SegmentInfo("Rain fell. Roads shut.", "a1", 0)}
    >>> [(s.text, s.position, s.para) for s in theme_sentences(["b", "a"], segs)]
    [('Rain fell.', 0, 0), ('Roads shut.', 1, 0), ('More came later.', 2, 1), ('It rained.', 3, 1)]
    """
    by_article: dict[str, list[tuple[int, str]]] = {}
    for sid in segment_ids:
        info = segments.get(sid)
        if info is not None and info.text.strip():
            by_article.setdefault(info.article_id or sid, []).append((info.start, sid))
    out: list[SourceSentence] = []
    seen: set[str] = set()
    for a, (_, members) in enumerate(by_article.items()):
        position = 0
        for para, (_, sid) in enumerate(sorted(members)):
            info = segments[sid]
            for text in merge_time_splits(split_sentences(info.text)):
                if position >= MAX_SENTENCES_PER_ARTICLE:
                    break
                key = norm_text(text)
                if key and key not in seen:
                    seen.add(key)
                    out.append(
                        SourceSentence(text[:MAX_SENTENCE_CHARS * 2], sid, info.outlet, position, a, para,
                                       info.headline, info.published)  # fmt: skip
                    )
                position += 1
    return out


_TIME_END = re.compile(r"\b(?:[ap]\.m\.|noon\.)$", re.I)
_TIME_CONT = re.compile(
    r"^(?:(?i:(?:mon|tues|wednes|thurs|fri|satur|sun)day|local time|today|tonight)\b|(?:E|C|M|P)[SD]?T\b|GMT\b|UTC\b|[a-z(])"
)


def merge_time_splits(sentences: list[str]) -> list[str]:
    """Undo a sentence cut after "a.m."/"p.m." when the sentence goes on ("at 5 p.m. Sunday and ...").

    Examples
    --------
    >>> merge_time_splits(["It began at 5 p.m.", "Sunday and ended late.", "Then rain."])
    ['It began at 5 p.m. Sunday and ended late.', 'Then rain.']
    """
    out: list[str] = []
    for s in sentences:
        if out and _TIME_END.search(out[-1]) and _TIME_CONT.match(s):
            out[-1] = f"{out[-1]} {s}"
        else:
            out.append(s)
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
