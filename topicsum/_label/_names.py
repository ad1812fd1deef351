"""Readable names from keywords: a few words with their usual capitalisation, anchored on the headlines.

:func:`readable_label` turns a theme's keywords (c-TF-IDF refined
KeyBERT-style) into a few words with their usual capitalisation, chaining
overlapping phrases ("north korean" + "korean workers" -> "North Korean
workers") and following the story's main headline.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["keyword_label", "readable_label"]

logger = logging.getLogger(__name__)

_MAX_WORDS = 5
_MAX_PHRASES = 3
_MAX_QUOTE_WORDS = 6
_MAX_LABEL_WORDS = 8


def _norm(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


_GAP = r"(?:[\s\-]+(?:of|the|a|an|and|to|in|on|for|with|from|by|at|as|its|their|his|her|over|off)){0,2}[\s\-]+"


@functools.lru_cache(maxsize=8192)
def _phrase_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """The regex of a keyword phrase (compiled once: thousands of stories reuse few phrases)."""
    return re.compile(r"\b" + _GAP.join(map(re.escape, words)) + r"\b", re.IGNORECASE)


def _find(phrase: str, texts: Sequence[str]) -> str | None:
    """How ``phrase`` (keywords, stop words removed) is written in ``texts``, most frequent form first.

    Up to two short function words may sit between keywords ("bodies russian" ->
    "bodies of Russian"); a sentence-initial capital is dropped unless the
    phrase is mostly written capitalised.
    """
    words = phrase.split()
    if not words:
        return None
    pattern = _phrase_pattern(tuple(words))
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update(" ".join(m.group(0).split()) for m in pattern.finditer(t))
    if not counts:
        return None
    best = max(counts.items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0]
    lower = sum(c for form, c in counts.items() if form[:1].islower())
    if best[:1].isupper() and lower >= counts[best] and not any(w[:1].isupper() for w in best.split()[1:]):
        best = best[:1].lower() + best[1:]
    return best


_QUOTE = re.compile(r"(?:(?<=\s)|^)['‘\"“]([A-Za-z0-9][^'‘’\"“”]{2,80}?[A-Za-z0-9.!?])['’\"”](?=[\s,.;:!?]|$)")


def _tokens(text: str) -> list[str]:
    return [_norm(w) for w in re.findall(r"[A-Za-z0-9]+", text)]


def _in_headline(phrase: str, tokens: Sequence[str]) -> int | None:
    """Position of ``phrase``'s first word in a headline's ``tokens`` when all its words occur there."""
    words = _tokens(phrase)
    if not words or not all(w in tokens for w in words):
        return None
    return tokens.index(words[0])


def _headline_quote(headline: str, keywords: Sequence[str]) -> str | None:
    """A quoted claim of 3-6 words in ``headline`` that holds one of the theme's keywords."""
    vocab = {w for k in keywords for w in _tokens(k)}
    for m in _QUOTE.finditer(headline):
        quote = " ".join(m.group(1).split())
        if 3 <= len(quote.split()) <= _MAX_QUOTE_WORDS and vocab & set(_tokens(quote)):
            return quote
    return None


_GAP_ONLY = re.compile(r"^" + _GAP[:-len(r"[\s\-]+")] + r"[\s\-]+$", re.IGNORECASE)


def _span(phrase: str, text: str) -> tuple[int, int] | None:
    words = phrase.split()
    m = re.search(r"\b" + _GAP.join(map(re.escape, words)) + r"\b", text, re.IGNORECASE) if words else None
    return (m.start(), m.end()) if m else None


def _join_in_headline(parts: list[str], headline: str, vocab: set[str], others: Sequence[str] = ()) -> list[str]:
    """Join parts that sit side by side in ``headline`` ("ceasefire" + "Ukraine" -> "ceasefire in Ukraine")
    and finish a part cut before a keyword ("bodies of Russian" -> "bodies of Russian soldiers")."""
    out: list[str] = []
    spans: list[tuple[int, int] | None] = []
    for part in parts:
        sp = _span(part, headline)
        prev = spans[-1] if spans else None
        if sp and prev and prev[1] <= sp[0] and _GAP_ONLY.match(" " + headline[prev[1] : sp[0]] + " "):
            spans[-1] = (prev[0], sp[1])
            out[-1] = headline[prev[0] : sp[1]]
            continue
        out.append(part)
        spans.append(sp)
    for i in range(len(out)):
        for head in (headline, *others):
            sp = _span(out[i], head)
            if sp is None:
                continue
            nxt = re.match(r"\s+([A-Za-z][A-Za-z\-]*)\b", head[sp[1] :])
            if nxt and _norm(nxt.group(1)) in vocab and _norm(nxt.group(1)) not in _tokens(out[i]):
                out[i] = head[sp[0] : sp[1] + nxt.end()]
            break
    return [" ".join(p.split()) for p in out]


def readable_label(
    keywords: Sequence[tuple[str, float]], texts: Sequence[str] = (), *, headlines: Sequence[str] = ()
) -> str:
    """A short label from a theme's keywords, written as in its texts.

    Keywords that overlap are chained when the longer phrase occurs in the
    texts ("north korean" + "korean workers" -> "North Korean workers"); up
    to three phrases (four single words) are kept.  With ``headlines``, the
    keywords the theme's headlines use rank first and come in the order of
    its main headline, and a short quoted claim in that headline that
    mentions a keyword ends the label: editors put a story's core in its
    headline.

    Parameters
    ----------
    keywords : sequence of (str, float)
        Keywords, best first (1- or 2-grams, stop words removed).
    texts : sequence of str
        Some of the theme's texts, to recover spelling and function words.
    headlines : sequence of str
        The headline of each of the theme's segments ("" when unknown), so
        a headline counts as often as its article has segments in the theme.

    Examples
    --------
    >>> readable_label([("north korean", .9), ("korean workers", .8), ("russia", .7)],
    ...                ["North Korean workers in Russia."])
    'North Korean workers, Russia'
    >>> readable_label([("ukraine", .4), ("allies", .39), ("putin", .37), ("trump", .29)],
    ...                ["Trump and Putin meet; allies of Ukraine wait."],
    ...                headlines=["Trump and Putin to meet on Ukraine"] * 3)
    'Trump and Putin, Ukraine, allies'
    >>> readable_label([("putin", .5), ("ukraine", .4)], ["Putin said all of Ukraine is ours."],
    ...                headlines=["Putin: 'the whole of Ukraine is ours'"])
    "Putin: 'the whole of Ukraine is ours'"
    >>> readable_label([])
    'Miscellaneous'
    """
    phrases = [" ".join(str(w).split()) for w, _ in keywords if str(w).strip()]
    if not phrases:
        return "Miscellaneous"
    heads = Counter(" ".join(h.split()) for h in headlines if h and h.strip())
    main_tokens: list[str] = []
    main = ""
    if heads:
        main = min(heads, key=lambda h: (-heads[h], h))
        head_tokens = {h: _tokens(h) for h in heads}
        main_tokens = head_tokens[main]
        total = sum(heads.values())
        weight = {" ".join(str(w).split()): float(v) for w, v in keywords}

        def score(ph: str) -> float:
            share = sum(c for h, c in heads.items() if _in_headline(ph, head_tokens[h]) is not None) / total
            return weight.get(ph, 0.0) * (1.0 + share)

        phrases = sorted(phrases, key=lambda ph: -score(ph))  # stable: ties keep the keyword order
        texts = [*heads, *texts]
    if texts:
        found = [p for p in phrases if _find(p, texts)]
        phrases = found or phrases
    chosen: list[list[str]] = []
    used: set[str] = set()
    for ph in phrases:
        words = ph.split()
        new = [w for w in words if _norm(w) not in used]
        if not new:
            continue
        merged = False
        for c in chosen:
            for cand in (c + words[1:] if _norm(c[-1]) == _norm(words[0]) else None,
                         words[:-1] + c if _norm(words[-1]) == _norm(c[0]) else None):
                if cand and len(cand) <= _MAX_WORDS - 1 and (not texts or _find(" ".join(cand), texts)):
                    c[:] = cand
                    merged = True
                    break
            if merged:
                break
        if not merged:
            if len(new) < len(words):  # overlaps a chosen phrase but does not chain: redundant
                continue
            singles = all(len(c) == 1 for c in chosen) and len(words) == 1
            if len(chosen) >= _MAX_PHRASES + singles or sum(map(len, chosen)) + len(words) > _MAX_WORDS:
                continue
            chosen.append(list(words))
        used.update(_norm(w) for w in words)
        if sum(map(len, chosen)) >= _MAX_WORDS - 1 and len(chosen) >= 2:
            break
    if main_tokens:
        pos = [_in_headline(" ".join(c), main_tokens) for c in chosen]
        chosen = [c for _, _, c in sorted(
            ((p if p is not None else len(main_tokens), i, c) for i, (p, c) in enumerate(zip(pos, chosen)))
        )]  # fmt: skip
    parts = [(_find(" ".join(c), texts) if texts else None) or " ".join(c) for c in chosen]
    if main:
        vocab = {w for ph, _ in keywords for w in _tokens(str(ph))}
        parts = _join_in_headline(parts, main, vocab, sorted(h for h in heads if h != main))
    while len(parts) > 1 and sum(len(p.split()) for p in parts) > _MAX_LABEL_WORDS:
        parts.pop()  # the last part is the least tied to the main headline
    quote = _headline_quote(main, [str(w) for w, _ in keywords]) if main else None
    if quote:
        qtokens = set(_tokens(quote))
        lead = next((p for p in parts if not set(_tokens(p)) <= qtokens), None)
        if lead and len(lead.split()) + len(quote.split()) > _MAX_LABEL_WORDS:
            lead = None
        label = f"{lead}: '{quote}'" if lead else f"'{quote}'"
    else:
        label = ", ".join(parts)
    return label[:1].upper() + label[1:]


def keyword_label(keywords: Sequence[tuple[str, float]], n: int = 4) -> str:
    """The keyword-based label: the first ``n`` keywords joined by ", ".

    Examples
    --------
    >>> keyword_label([("whatsapp", .9), ("telegram", .8)])
    'whatsapp, telegram'
    """
    return ", ".join(str(w) for w, _ in list(keywords)[:n])
