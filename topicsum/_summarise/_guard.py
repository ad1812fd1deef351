"""The faithfulness guard: a generated sentence is kept only when its sources support it.

A generated sentence is checked against the theme's source sentences: it must
be close to one of them (embedding cosine), every number, number word and
capitalised name in it must occur in the sentences that support it, and a
quoted phrase must be quoted word for word.  Sentences that talk about "the
excerpts" instead of the news are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._sentences import SourceSentence, encode, norm_text, split_sentences

__all__ = ["META", "STOP_WORDS", "GuardResult", "clean_generated", "guard_sentences", "strip_word"]


_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "million": "1000000",
    "billion": "1000000000", "dozen": "12", "half": "0.5",
}  # fmt: skip
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours new says said say according one many much us since while amid another every within without
    however meanwhile still yet although though overall according also today yesterday news report
    reports article articles excerpt excerpts summary title""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-.]*[A-Za-z]|[A-Za-z]")
_NUM = re.compile(r"\d+(?:[.,:/]\d+)*")
META = re.compile(
    r"\b(?:excerpts?|the (?:above|below) text|this (?:article|text|summary))\b"
    r"|^(?:they|these|the (?:articles?|stories|reports?|news))\s+(?:cover|discuss|describe|focus|are about|talk|deal)\b",
    re.I,
)
#: A quoted phrase in a generated sentence: it must be quoted from the sources, word for word.
_QUOTED = re.compile(r"[\"“](?P<a>[^\"“”]{2,200})[\"”]|(?<!\w)['‘](?P<b>[^'‘’]{2,200})['’](?!\w)")


def _numbers(text: str) -> set[str]:
    out = {m.group(0).replace(",", "").rstrip(".") for m in _NUM.finditer(text)}
    low = text.lower()
    for word, digit in _NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", low):
            out.add(digit)
    return out


def strip_word(w: str) -> str:
    for suffix in ("'s", "’s", "'", "’"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    return w.rstrip(".-")


def _names(text: str) -> list[tuple[str, bool]]:
    """Capitalised words (name candidates) with a flag for sentence-initial position."""
    out = []
    for i, m in enumerate(_WORD.finditer(text)):
        w = strip_word(m.group(0))
        if not w or not w[0].isupper() or w == "I":
            continue
        if i == 0 and (w.endswith("ly") or text[m.end() : m.end() + 1] == ","):
            continue  # "Additionally," "Meanwhile," -- sentence adverbs, not names
        out.append((w, i == 0))
    return out


def _name_variants(w: str) -> set[str]:
    v = {w}
    if w.endswith("s"):
        v.add(w[:-1])
    if w.endswith("ns"):
        v.add(w[:-2])
    if w.endswith("n"):
        v.add(w[:-1])
    if w.endswith("ians"):
        v.add(w[:-4] + "ia")
    if w.endswith("ian"):
        v.add(w[:-3] + "ia")
    v.add(w + "s")
    return v


def _unsupported_facts(sentence: str, support: str) -> list[str]:
    """Numbers and capitalised names of ``sentence`` that do not occur in ``support``."""
    missing: list[str] = []
    src_numbers = _numbers(support)
    for num in _numbers(sentence):
        if num not in src_numbers:
            missing.append(num)
    src_words = {strip_word(m.group(0)) for m in _WORD.finditer(support)}
    src_lower = {w.lower() for w in src_words}
    for name, initial in _names(sentence):
        if initial and (name.lower() in STOP_WORDS or name.lower() in src_lower):
            continue
        if not (_name_variants(name) & src_words):
            # hyphenated or dotted names: every part must be there
            parts = [p for p in re.split(r"[-.]", name) if p]
            if len(parts) > 1 and all(_name_variants(p) & src_words for p in parts):
                continue
            missing.append(name)
    folded = " ".join(support.lower().split())
    for m in _QUOTED.finditer(sentence):
        quote = " ".join((m.group("a") or m.group("b") or "").lower().split()).strip(" ,.")
        if quote and quote not in folded:
            missing.append(f"'{quote}'")
    return missing


@dataclass
class GuardResult:
    """The guard's verdict on one generated sentence."""

    text: str
    kept: bool
    segment_ids: tuple[str, ...] = ()
    verbatim: bool = False
    cosine: float = 0.0
    missing: tuple[str, ...] = ()
    reason: str = ""


def clean_generated(text: str) -> list[str]:
    """Split generated text into candidate sentences, dropping list markers and citation tags."""
    text = re.sub(r"\[(?:\d+(?:,\s*)?)+\]", " ", text)  # [1], [2, 3]
    text = re.sub(r"\*\*|__|#+\s*", "", text)
    out = []
    for line in text.split("\n"):
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        if not line:
            continue
        for s in split_sentences(line):
            s = re.sub(r"^(?:in summary|overall|summary|overview|title)\s*[:,]\s*", "", s, flags=re.I).strip()
            s = s.strip(" \"'“”")
            if len(s.split()) >= 4 and s[-1:] in ".!?\"'”":
                out.append(s)
    return out


def guard_sentences(
    generated: Sequence[str],
    sources: Sequence[SourceSentence],
    source_embeddings: np.ndarray,
    embedder: Any,
    *,
    threshold: float = 0.6,
    max_support: int = 3,
) -> list[GuardResult]:
    """Check generated sentences against the theme's source sentences.

    A sentence is kept when (1) its embedding's cosine similarity to its
    closest source sentence is at least ``threshold`` and (2) every number,
    number word and capitalised name in it occurs in its supporting sentences
    (the closest source sentences, up to ``max_support``, added until the facts
    are covered).  A kept sentence cites the segments of its supporting
    sentences; a verbatim copy of a source sentence is flagged ``verbatim``.

    Examples
    --------
    >>> class Bag:  # a toy embedder: bag of words over a tiny vocabulary
    ...     vocab = ["park", "fell", "arm", "toe", "moon"]
    ...     def encode(self, texts, **kw):
    ...         return np.array([[float(v in t.lower()) + 1e-3 for v in self.vocab] for t in texts])
    >>> src = [SourceSentence("Mr Park said one colleague fell and broke his arm.", "s1")]
    >>> emb = Bag().encode([s.text for s in src]); emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    >>> [r.kept for r in guard_sentences(["Park says a colleague fell and broke an arm.",
    ...                                   "Mr Moon says 12 colleagues fell."], src, emb, Bag())]
    [True, False]
    """
    sentences = list(generated)
    if not sentences or not len(sources):
        return [GuardResult(s, False, reason="no sources") for s in sentences]
    gen_emb = encode(embedder, sentences)
    sims = gen_emb @ source_embeddings.T
    norm_sources = [norm_text(s.text) for s in sources]
    results = []
    for i, sent in enumerate(sentences):
        ns = norm_text(sent)
        if META.search(sent):
            results.append(GuardResult(sent, False, reason="talks about the excerpts, not the news"))
            continue
        # verbatim copy (or a copy of most of one source sentence) -> extractive
        for j, src in enumerate(norm_sources):
            if ns and (ns == src or (ns in src and len(ns) >= 0.8 * len(src))):
                results.append(GuardResult(sources[j].text, True, (sources[j].segment_id,), True, 1.0))
                break
        else:
            order = np.argsort(-sims[i])
            best = float(sims[i, order[0]])
            if best < threshold:
                results.append(GuardResult(sent, False, cosine=best, reason="not close to any source sentence"))
                continue
            floor = max(threshold - 0.15, 0.3)
            support: list[int] = []
            missing = _unsupported_facts(sent, "")
            for j in order[:max_support]:
                if float(sims[i, j]) < floor and support:
                    break
                before = len(missing)
                if support and not missing:
                    break
                support.append(int(j))
                missing = _unsupported_facts(sent, " ".join(sources[k].text for k in support))
                if support[1:] and len(missing) == before:
                    support.pop()  # this sentence added no fact; do not cite it
            if missing:
                results.append(
                    GuardResult(sent, False, cosine=best, missing=tuple(missing), reason="unsupported facts")
                )
                continue
            seg_ids = tuple(dict.fromkeys(sources[k].segment_id for k in support))
            results.append(GuardResult(sent, True, seg_ids, False, best))
    return results
