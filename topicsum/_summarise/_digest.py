"""One theme's digest: extract -> generate -> guard -> fill.

The theme's most central, non-duplicate sentences are extracted (MMR); the
model sees as many of them as fit in its prompt budget, each with its outlet;
what it writes is split into sentences and passed through the faithfulness
guard.  A dropped sentence is replaced by the best extracted sentence, so a
digest keeps its length and every sentence cites the segments it came from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._generators import DIGEST_INSTRUCTION, LABEL_INSTRUCTION, OVERVIEW_INSTRUCTION, REWRITE_INSTRUCTION, Generator
from ._guard import META, STOP_WORDS, GuardResult, clean_generated, guard_sentences, strip_word
from ._select import extract_sentences
from ._sentences import SourceSentence, encode
from .._types import Digest, DigestSentence, Theme

if TYPE_CHECKING:  # pragma: no cover
    from .._config import SummariseConfig

__all__ = ["REWRITE_TRIES", "ThemeWork", "check_label", "digest_theme", "fit_excerpts"]

logger = logging.getLogger(__name__)

#: Central sentences the model may try to condense when its overview fails the guard.
REWRITE_TRIES = 3


@dataclass
class ThemeWork:
    """A theme with its source sentences and their unit embeddings (rows aligned)."""

    theme: Theme
    sources: list[SourceSentence]
    embeddings: np.ndarray


def fit_excerpts(gen: Generator, instruction: str, candidates: Sequence[str], budget: int) -> list[str]:
    """Take excerpts in priority order while the whole prompt stays within ``budget`` tokens.

    Whole excerpts are dropped; the instruction is never cut.
    """
    base = gen.prompt_tokens(instruction, [])
    chosen: list[str] = []
    used = base
    for text in candidates:
        cost = gen.text_tokens(text) + 2
        if used + cost > budget:
            continue  # an excerpt that does not fit is skipped; a shorter one later may fit
        chosen.append(text)
        used += cost
    while chosen and gen.prompt_tokens(instruction, chosen) > budget:
        chosen.pop()
    return chosen


def _excerpt(s: SourceSentence) -> str:
    return f"({s.outlet}) {s.text}" if s.outlet else s.text


def _label_words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", text)]


def check_label(raw: str, theme: Theme, sources: Sequence[SourceSentence]) -> str | None:
    """Clean the proposed label; ``None`` unless it has 3-6 words whose content words occur in the theme.

    Examples
    --------
    >>> theme = Theme(0, "", (("rail", 1.0),), 1, ("s1",), ("a1",), ("s1",))
    >>> src = [SourceSentence("The rail line reopened after the storm.", "s1")]
    >>> check_label("Rail line reopened", theme, src), check_label("The 3-word title:", theme, src)
    ('Rail line reopened', None)
    """
    line = next((ln for ln in raw.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^\s*(?:title|label|headline)\s*:\s*", "", line, flags=re.I)
    line = re.sub(r"[*_#`]", "", line).strip().strip(" \"'“”.:;!-")
    words = line.split()
    if not 3 <= len(words) <= 6 or len(line) > 80 or re.search(r"[:\"“”()\[\]]", line):
        return None
    if len({w.lower() for w in words}) < len(words) or META.search(line):
        return None  # repeated words or talk about the excerpts
    vocab: set[str] = set()
    for kw, _ in theme.keywords:
        vocab.update(_label_words(kw))
    for s in sources:
        vocab.update(_label_words(s.text))
    for w in _label_words(line):
        w = w.strip("'’-")
        if w in STOP_WORDS or len(w) <= 2:
            continue
        if not ({w, w.rstrip("s"), w + "s", strip_word(w)} & vocab):
            return None
    return line


@dataclass
class _Draft:
    """The digest being built: chosen sentences (``dropped`` placeholders included) and guard counts."""

    sources: list[SourceSentence]
    embeddings: np.ndarray
    chosen: list[DigestSentence] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    generated: int = 0
    kept: int = 0
    dropped: int = 0

    def quote(self, idx: int) -> DigestSentence:
        s = self.sources[idx]
        return DigestSentence(s.text, (s.segment_id,), "extractive")

    def take(self, verdicts: Sequence[GuardResult], embedder: Any) -> None:
        """Add the guard's verdicts: verbatim copies as quotes, kept sentences, placeholders for dropped ones."""
        for v in verdicts:
            if v.verbatim:
                j = next(k for k, s in enumerate(self.sources) if s.text == v.text)
                if j not in self.used:
                    self.used.add(j)
                    self.chosen.append(self.quote(j))
                    self.vectors.append(self.embeddings[j])
                continue
            self.generated += 1
            if v.kept:
                self.kept += 1
                self.chosen.append(DigestSentence(v.text, v.segment_ids, "generated"))
                self.vectors.append(encode(embedder, [v.text])[0])
            else:
                self.dropped += 1
                self.chosen.append(DigestSentence("", (), "dropped"))  # placeholder, filled later
                logger.debug("Guard dropped %r (%s %s)", v.text, v.reason, v.missing)


def digest_theme(
    work: ThemeWork, gen: Generator | None, embedder: Any, config: SummariseConfig, seed: int
) -> tuple[Digest, dict[str, Any]]:
    """The digest of one theme, and per-theme statistics for run.json."""
    sources, emb = work.sources, work.embeddings
    n = config.digest_sentences
    lengths = [len(s.text) for s in sources]
    stats: dict[str, Any] = {"prompt_excerpts": 0, "label_proposed": None}
    draft = _Draft(sources, emb)
    if gen is None or config.mode == "extractive" or len(sources) <= 1:
        picks = extract_sentences(emb, n, lengths=lengths)
        return Digest(work.theme.topic_id, tuple(draft.quote(i) for i in picks)), stats

    ranking = extract_sentences(emb, max(n * 4, 24), lengths=lengths)
    label = _propose_label(work, gen, ranking, stats, seed) if config.llm_labels and gen.instructions else None
    abstractive = config.mode == "abstractive"
    budget = min(config.prompt_tokens, gen.context_tokens - config.max_new_tokens - 8)
    excerpts = fit_excerpts(
        gen, DIGEST_INSTRUCTION if abstractive else OVERVIEW_INSTRUCTION, [_excerpt(sources[i]) for i in ranking], budget
    )
    stats["prompt_excerpts"] = len(excerpts)
    instruction = DIGEST_INSTRUCTION.format(n=n) if abstractive else OVERVIEW_INSTRUCTION
    raw = gen.generate(
        instruction, excerpts, max_new_tokens=config.max_new_tokens,
        repetition_penalty=config.repetition_penalty, seed=seed,
    )  # fmt: skip
    candidates = clean_generated(raw)[: n if abstractive else config.overview_sentences]
    draft.take(guard_sentences(candidates, sources, emb, embedder, threshold=config.guard_threshold), embedder)
    if draft.kept == 0 and gen.instructions:
        _rewrite_central(draft, gen, embedder, config, ranking, seed)
    target = n if config.mode == "hybrid" else max(len(draft.chosen), 1)
    out, replaced = _fill(draft, target, lengths)
    if not out:
        out = [draft.quote(i) for i in extract_sentences(emb, n, lengths=lengths)]
    digest = Digest(
        work.theme.topic_id, tuple(out[: max(target, 1)]), generated=draft.generated, kept=draft.kept,
        replaced=replaced, label=label,
    )  # fmt: skip
    stats["raw"] = raw[:2000]
    return digest, stats


def _propose_label(
    work: ThemeWork, gen: Generator, ranking: Sequence[int], stats: dict[str, Any], seed: int
) -> str | None:
    kw = ", ".join(k for k, _ in work.theme.keywords[:8])
    excerpts = [f"Keywords: {kw}"] + [_excerpt(work.sources[i]) for i in ranking[:3]]
    raw = gen.generate(LABEL_INSTRUCTION, excerpts, max_new_tokens=16, repetition_penalty=1.0, seed=seed)
    stats["label_proposed"] = raw.strip()[:120]
    return check_label(raw, work.theme, work.sources)


def _rewrite_central(
    draft: _Draft, gen: Generator, embedder: Any, config: SummariseConfig, ranking: Sequence[int], seed: int
) -> None:
    """The overview failed the guard: let the model condense the most central sentences one at a time.

    A task small enough for a small model to stay faithful; the first rewrite
    the guard keeps opens the digest.
    """
    sources, emb = draft.sources, draft.embeddings
    for j in [i for i in ranking if i not in draft.used][:REWRITE_TRIES]:
        raw = gen.generate(
            REWRITE_INSTRUCTION, [sources[j].text], max_new_tokens=min(config.max_new_tokens, 64),
            repetition_penalty=config.repetition_penalty, seed=seed,
        )  # fmt: skip
        candidates = clean_generated(raw)[:1]
        verdict = next(iter(guard_sentences(candidates, sources, emb, embedder, threshold=config.guard_threshold)), None)
        if verdict is None or verdict.verbatim:
            continue
        draft.generated += 1
        if verdict.kept:
            draft.kept += 1
            draft.used.add(j)
            draft.chosen.insert(0, DigestSentence(verdict.text, verdict.segment_ids, "generated"))
            draft.vectors.insert(0, encode(embedder, [verdict.text])[0])
            return
        logger.debug("Guard dropped rewrite %r (%s %s)", verdict.text, verdict.reason, verdict.missing)
        draft.dropped += 1


def _fill(draft: _Draft, target: int, lengths: Sequence[int]) -> tuple[list[DigestSentence], int]:
    """Replace dropped placeholders, then top up to ``target``, with the best unused extracted sentences."""
    n_fill = target - sum(1 for c in draft.chosen if c.method != "dropped")
    selected = np.stack(draft.vectors) if draft.vectors else None
    fill = extract_sentences(draft.embeddings, max(n_fill, 0), selected=selected, exclude=draft.used, lengths=lengths)
    replaced = min(draft.dropped, len(fill))
    fill_iter = iter(fill)
    out: list[DigestSentence] = []
    for c in draft.chosen:
        if c.method != "dropped":
            out.append(c)
        elif (j := next(fill_iter, None)) is not None:
            out.append(draft.quote(j))
    out.extend(draft.quote(j) for j in fill_iter)
    return out, replaced
