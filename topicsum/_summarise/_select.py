"""Choosing a digest's sentences the way news works, and ordering them for a reader.

:func:`select_sentences` scores every sentence that can stand alone
(:mod:`._standalone`) on a few interpretable features: its position in its
article (leads carry the facts), its centrality to the story, and its support
across outlets (a fact several articles report); greedy MMR with a cap on
near-duplicates picks them, the best article lead opens the digest (what
happened), and :func:`order_for_reader` puts the facts next (by date when
known) and what was said last.  A one-article story reads its own lead.

Measured on the 200 Multi-News clusters (bench/digests.py): ROUGE-1/2
44.6/15.0 at 9 sentences against 42.3/13.1 for a lead of the same length.
:func:`extract_sentences` (centrality + MMR) fills the abstractive mode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._sentences import SourceSentence
from ._furniture import JUNK
from ._standalone import Verdict, annotate_standalone, straight_quotes

__all__ = [
    "DUPLICATE_COSINE",
    "Weights",
    "extract_sentences",
    "features",
    "order_for_reader",
    "score_sentences",
    "eligible_sentences",
    "select_sentences",
]

#: Two sentences at least this similar say the same thing; only one is chosen.
DUPLICATE_COSINE = 0.92


def extract_sentences(
    embeddings: np.ndarray,
    k: int,
    *,
    lambda_: float = 0.7,
    selected: np.ndarray | None = None,
    exclude: set[int] | None = None,
    lengths: Sequence[int] | None = None,
) -> list[int]:
    """Rank sentences by centrality with maximal marginal relevance; return up to ``k`` indices.

    Centrality is the cosine similarity to the theme's mean vector.  Each pick
    maximises ``lambda * centrality - (1 - lambda) * max similarity to what is
    already chosen`` (``selected`` seeds that set, e.g. a generated overview);
    near-duplicates of a chosen sentence are skipped.

    Examples
    --------
    >>> e = np.eye(3, dtype=np.float32)[[0, 0, 1, 2]]
    >>> extract_sentences(e, 2)
    [0, 2]
    """
    n = len(embeddings)
    if n == 0 or k <= 0:
        return []
    centroid = embeddings.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    central = embeddings @ centroid
    if lengths is not None:
        # very short sentences carry little; lean slightly towards informative ones
        ln = np.asarray(lengths, dtype=np.float32)
        central = central * np.clip(ln / 80.0, 0.5, 1.0)
    chosen: list[int] = []
    if selected is not None and len(selected):
        max_sim = (embeddings @ np.asarray(selected, dtype=np.float32).T).max(axis=1)
    else:
        max_sim = np.full(n, -1.0, dtype=np.float32)
    blocked = np.zeros(n, dtype=bool)
    for i in exclude or ():
        blocked[i] = True
    blocked |= max_sim >= DUPLICATE_COSINE
    while len(chosen) < k:
        red = np.where(max_sim > -1.0, max_sim, 0.0)
        score = lambda_ * central - (1.0 - lambda_) * red
        score[blocked] = -np.inf
        best = int(np.argmax(score))
        if not np.isfinite(score[best]):
            break
        chosen.append(best)
        blocked[best] = True
        sims = embeddings @ embeddings[best]
        max_sim = np.maximum(max_sim, sims)
        blocked |= sims >= DUPLICATE_COSINE
    return chosen


def _n_words(text: str) -> int:
    return len(text.split())


@dataclass
class Weights:
    """The weights of :func:`score_sentences` and of the selection (few, interpretable).

    score = position * pos + central * cent + support * sup + headline * head + facts * fact,
    times the length factor ``min(1, words / full_words)`` (off when 0); selection is
    greedy MMR: ``score - redundancy * max cosine to the chosen``, skipping
    sentences with cosine >= ``dup_cap`` to a chosen one.
    """

    position: float = 1.0
    central: float = 1.0
    support: float = 1.5
    headline: float = 0.0  # no gain on Multi-News's few headline-like first lines; see REPORT.md
    facts: float = 0.0  # hurts ROUGE at >= 0.2; see REPORT.md
    redundancy: float = 1.0
    dup_cap: float = 0.8
    full_words: float = 0.0  # 0 = off (neutral on Multi-News; the 8-70 word filter does the length control)
    pos_decay: float = 20.0  # pos = 1 / (1 + rank / pos_decay): 1 for the lead, 0.67 for rank 10
    lead_opener: bool = True
    single_doc_lead: bool = True  # a story with one usable article: its first k standalone sentences
    extra: dict[str, float] = field(default_factory=dict)


_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight)"
_FACT = re.compile(rf"\d|\b{_MONTHS}\.?\b|\b{_DAYS}\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
                   r"dozens?|hundreds?|thousands?|millions?|billions?|percent)\b", re.I)


def features(
    sents: Sequence[SourceSentence],
    embeddings: np.ndarray,
    eligible: np.ndarray,
    texts: Sequence[str],
    *,
    pos_decay: float = 1.0,
) -> dict[str, np.ndarray]:
    """Per-sentence features in [0, 1] (computed for all, meaningful for ``eligible``).

    * ``pos``: 1 / (1 + r / pos_decay), r = rank of the sentence among the eligible
      sentences of its article (0 = the article's first usable sentence);
    * ``cent``: cosine to the story centroid, the mean of per-article mean vectors
      of eligible sentences (so a long article does not dominate), clipped at 0;
    * ``sup``: support across outlets, mean over the OTHER articles of the best
      cosine to one of their eligible sentences (0 for a one-article story);
    * ``head``: best cosine to the story's headlines (0 when there are none);
    * ``fact``: concrete facts, min(1, count of numbers/dates/number words / 2);
    * ``words``: word count of the (repaired) text.
    """
    n = len(sents)
    docs = np.array([s.article for s in sents])
    E = np.asarray(embeddings, dtype=np.float32)
    feats: dict[str, np.ndarray] = {}
    rank = np.zeros(n)
    counter: dict[int, int] = {}
    for i in range(n):
        if eligible[i]:
            rank[i] = counter.get(docs[i], 0)
            counter[docs[i]] = rank[i] + 1
        else:
            rank[i] = 99
    feats["rank"] = rank
    feats["pos"] = 1.0 / (1.0 + rank / pos_decay)
    udocs = sorted({int(d) for d in docs[eligible]})
    if udocs:
        means = [E[(docs == d) & eligible].mean(axis=0) for d in udocs]
        c = np.mean(means, axis=0)
        c /= max(float(np.linalg.norm(c)), 1e-12)
        feats["cent"] = np.clip(E @ c, 0, 1)
    else:
        feats["cent"] = np.zeros(n)
    sup = np.zeros(n)
    if len(udocs) > 1:
        sims = E @ E[eligible].T
        edocs = docs[eligible]
        per_doc = np.stack([sims[:, edocs == d].max(axis=1) for d in udocs], axis=1)  # n x D
        own = (docs[:, None] == np.array(udocs)[None, :])
        per_doc = np.where(own, np.nan, per_doc)
        with np.errstate(invalid="ignore"):
            sup = np.nan_to_num(np.nanmean(per_doc, axis=1), nan=0.0)
    feats["sup"] = np.clip(sup, 0, 1)
    heads = [h for h in dict.fromkeys(s.headline for s in sents) if h]
    head = np.zeros(n)
    if heads:
        hidx = [i for i, s in enumerate(sents) if s.text in heads]
        hv = E[hidx] if hidx else None
        if hv is not None and len(hv):
            head = np.clip((E @ hv.T).max(axis=1), 0, 1)
    feats["head"] = head
    feats["fact"] = np.array([min(1.0, len(_FACT.findall(t)) / 2.0) for t in texts])
    feats["words"] = np.array([_n_words(t) for t in texts], dtype=float)
    return feats


def score_sentences(feats: dict[str, np.ndarray], w: Weights) -> np.ndarray:
    """The weighted feature sum, times the length factor ``min(1, words / full_words)`` when ``full_words > 0``."""
    s = (w.position * feats["pos"] + w.central * feats["cent"] + w.support * feats["sup"]
         + w.headline * feats["head"] + w.facts * feats["fact"])  # fmt: skip
    for name, val in w.extra.items():
        s = s + val * feats[name]
    if w.full_words > 0:
        s = s * np.minimum(1.0, feats["words"] / w.full_words)
    return s


# --------------------------------------------------------------------------
# selection and order
# --------------------------------------------------------------------------
def _is_quote(text: str) -> bool:
    """Carries a quotation (a quoted span of 4+ words), not just a quoted title like “Fixer Upper”."""
    return any(len(q.split()) >= 4 for q in re.findall(r'"([^"]*)"', straight_quotes(text)))


def order_for_reader(
    picks: Sequence[int],
    sents: Sequence[SourceSentence],
    texts: Sequence[str],
    scores: np.ndarray,
    opener: int | None,
) -> list[int]:
    """Opener first (what happened), then facts, then attributed quotes.

    Within facts and quotes: chronological by the article's ``published``
    when known, then by score (the most important first).  A one-article
    story keeps the article's own order (its lead says what happened).
    """
    if len({sents[i].article for i in picks}) == 1:
        return sorted(picks)
    rest = [i for i in picks if i != opener]

    def key(i: int) -> tuple[Any, ...]:
        pub = sents[i].published or "9999"
        return (_is_quote(texts[i]), pub, -float(scores[i]))

    rest.sort(key=key)
    return ([opener] if opener is not None and opener in picks else []) + rest


def eligible_sentences(sents: Sequence[SourceSentence], verdicts: Sequence[Verdict]) -> tuple[np.ndarray, list[str]]:
    """Which sentences may be chosen, and their (repaired) texts.

    When no sentence stands alone, those that only lack context may be chosen
    (never page furniture).
    """
    eligible = np.array([v.ok for v in verdicts], dtype=bool)
    texts = [v.text if v.ok else s.text for v, s in zip(verdicts, sents)]
    if not eligible.any():
        eligible = np.array([v.reason not in JUNK and len(s.text) >= 25 for v, s in zip(verdicts, sents)], dtype=bool)
    return eligible, texts


def select_sentences(
    sents: Sequence[SourceSentence],
    embeddings: np.ndarray,
    *,
    k_sentences: int | None = 9,
    k_words: int | None = None,
    weights: Weights | None = None,
    verdicts: Sequence[Verdict] | None = None,
) -> list[tuple[int, str]]:
    """Choose and order a digest's sentences; returns ``[(index, text), ...]`` in reading order.

    Parameters
    ----------
    sents : sequence of SourceSentence
        The theme's sentences (:func:`~._sentences.theme_sentences`).
    embeddings : numpy.ndarray
        ``(n, d)`` unit vectors of the sentences (rows of sentences that cannot
        be chosen may be zero).
    k_sentences, k_words : int or None
        The budget: at most this many sentences and/or words (the opener is always taken).
    weights : Weights, optional
        The recipe (the defaults are the measured one).
    verdicts : sequence of Verdict, optional
        :func:`~._standalone.annotate_standalone` of ``sents`` (computed when ``None``).

    Examples
    --------
    >>> sents = [SourceSentence(t, f"s{d}{k}", position=k, article=d) for d, k, t in [
    ...     (0, 0, "A storm hit the coast of Texas on Monday, killing three people."),
    ...     (0, 1, "He said the damage was severe across the whole region today."),
    ...     (1, 0, "Three people died when a storm struck the Texas coast on Monday."),
    ...     (1, 1, "Officials in Texas said power would be restored by Friday evening.")]]
    >>> emb = np.array([[1, 0, 0], [0, 1, 0], [0.95, 0.31, 0], [0.3, 0, 0.95]], dtype=np.float32)
    >>> emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    >>> [i for i, _ in select_sentences(sents, emb, k_sentences=2)]
    [0, 3]
    """
    w = weights or Weights()
    if not sents:
        return []
    verdicts = list(verdicts) if verdicts is not None else annotate_standalone(sents)
    eligible, texts = eligible_sentences(sents, verdicts)
    if not eligible.any():
        return []
    if w.single_doc_lead and len({sents[i].article for i in np.flatnonzero(eligible)}) == 1:
        return _lead(eligible, texts, k_sentences, k_words)  # one article: its lead says what happened
    E = np.asarray(embeddings, dtype=np.float32)
    f = features(sents, E, eligible, texts, pos_decay=w.pos_decay)
    score = np.where(eligible, score_sentences(f, w), -np.inf)
    opener = None
    if w.lead_opener:
        leads = np.flatnonzero(eligible & (f["rank"] == 0))
        if len(leads):
            opener = int(leads[np.argmax(score[leads])])
    chosen = _greedy(E, score, f["words"], ~eligible, opener, w, k_sentences, k_words)
    return [(i, texts[i]) for i in order_for_reader(chosen, sents, texts, score, opener)]


def _lead(eligible: np.ndarray, texts: Sequence[str], k_sentences: int | None, k_words: int | None) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    words = 0
    for i in np.flatnonzero(eligible):
        if (k_sentences is not None and len(out) >= k_sentences) or (k_words is not None and words >= k_words):
            break
        out.append((int(i), texts[i]))
        words += _n_words(texts[i])
    return out


def _greedy(
    E: np.ndarray,
    score: np.ndarray,
    n_words: np.ndarray,
    blocked: np.ndarray,
    opener: int | None,
    w: Weights,
    k_sentences: int | None,
    k_words: int | None,
) -> list[int]:
    """Greedy MMR from the opener: ``score - redundancy * max cosine to the chosen``, near-duplicates blocked."""
    chosen: list[int] = []
    words = 0
    max_sim = np.zeros(len(score))
    blocked = blocked.copy()

    def take(i: int) -> None:
        nonlocal words, max_sim
        chosen.append(i)
        words += int(n_words[i])
        sims = E @ E[i]
        max_sim = np.maximum(max_sim, sims)
        blocked[sims >= w.dup_cap] = True
        blocked[i] = True

    if opener is not None:
        take(opener)
    while (k_sentences is None or len(chosen) < k_sentences) and (k_words is None or words < k_words):
        cand = np.where(blocked, -np.inf, score - w.redundancy * max_sim)
        if k_words is not None and chosen:
            cand = np.where(words + n_words > k_words + 5, -np.inf, cand)  # do not overshoot much
        best = int(np.argmax(cand))
        if not np.isfinite(cand[best]):
            break
        take(best)
    return chosen
