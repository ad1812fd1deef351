"""One story's digest: the sentences that say what happened, opened by a generated sentence when it is faithful.

* ``extractive``: :func:`~._select.select_sentences` picks the story's key
  sentences (leads, facts several outlets report, then what was said) from
  the sentences that can stand alone (:mod:`._standalone`).
* ``hybrid`` (the default): the same, and the model condenses the opening
  lead sentence into one shorter sentence that says what happened.  It is
  kept only when the guard passes it (close to its source, every number and
  name supported, quotes word for word), it keeps its speaker, polarity and
  units (:mod:`._attribution`) and it is its source sentence with words left
  out (:func:`insertions`: no word added or moved); else the next article's
  lead is tried, up to ``opening_tries``.  A one-article story needs no
  model: its lead says what happened.
* ``abstractive``: the model writes the digest from the key sentences; what
  the guard keeps opens it, key sentences fill the rest.

Every sentence cites the segments it comes from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import Digest, DigestSentence, Theme
from ._attribution import attribution_problems
from ._generators import DIGEST_INSTRUCTION, Generator
from ._guard import STOP_WORDS, GuardResult, clean_generated, guard_sentences
from ._select import select_sentences
from ._sentences import SourceSentence
from ._standalone import Verdict

if TYPE_CHECKING:  # pragma: no cover
    from .._config import SummariseConfig

__all__ = [
    "OPENING_EXAMPLE",
    "REWRITE_INSTRUCTION",
    "DigestTools",
    "ThemeWork",
    "digest_theme",
    "fit_excerpts",
    "insertions",
]

logger = logging.getLogger(__name__)

REWRITE_INSTRUCTION = (
    "Shorten the news sentence below by leaving out words, so that it says what happened. "
    "Keep who said it, its names and its numbers exactly. Reply with the sentence only."
)
#: A made-up worked example shown before the request: shorten by leaving words out, keep the speaker and numbers.
OPENING_EXAMPLE = (
    "Officials said on Tuesday that the city council, which met for four hours behind closed doors, had voted "
    "7-2 to close the Elm Street bridge for repairs until March, according to a statement.",
    "Officials said the city council had voted 7-2 to close the Elm Street bridge until March.",
)
#: A generated opening must condense its source: at most this share of its length.
MAX_LENGTH_RATIO = 1.0
_META_LINE = re.compile(
    r"^\s*(?:the\s+)?(?:news(?:\s+sentence)?|rewritten(?:\s+sentence)?|(?:shorter\s+)?sentence|answer|"
    r"here is[^:]{0,40}|the (?:shorter|rewritten) sentence(?: is)?)\s*:\s*",
    re.I,
)


@dataclass
class ThemeWork:
    """A theme with its sentences, their verdicts and unit embeddings (zero rows for sentences not chosen from)."""

    theme: Theme
    sources: list[SourceSentence]
    embeddings: np.ndarray
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass(frozen=True)
class DigestTools:
    """What writing one story's digest needs: the model (``None``: quote only), the embedder, the settings, the seed."""

    generator: Generator | None
    embedder: Any
    config: SummariseConfig
    seed: int


def fit_excerpts(gen: Generator, instruction: str, candidates: Sequence[str], budget: int) -> list[str]:
    """Take excerpts in priority order while the whole prompt stays within ``budget`` tokens.

    Whole excerpts are dropped; the instruction is never cut.
    """
    used = gen.prompt_tokens(instruction, [])
    chosen: list[str] = []
    for text in candidates:
        cost = gen.text_tokens(text) + 2
        if used + cost > budget:
            continue  # an excerpt that does not fit is skipped; a shorter one later may fit
        chosen.append(text)
        used += cost
    while chosen and gen.prompt_tokens(instruction, chosen) > budget:
        chosen.pop()
    return chosen


def insertions(generated: str, source: str) -> list[str]:
    """Words of ``generated`` that are not ``source``'s words in the same order (by five-letter stem).

    A faithful condensed sentence leaves words out; it does not add or move them.

    Examples
    --------
    >>> insertions("Police closed the bridge on Monday.", "Police in riot gear closed the old bridge early on Monday.")
    []
    >>> insertions("The bridge was closed by police.", "Police closed the bridge on Monday.")
    ['was', 'closed', 'by', 'police']
    """
    src = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", source)]
    out, k = [], 0
    for word in re.findall(r"[A-Za-z0-9]+", generated):
        low = word.lower()
        # the same word, or the same stem ("work" / "working"): a five-letter prefix either way
        j = next((j for j in range(k, len(src)) if src[j].startswith(low[:5]) or low.startswith(src[j][:5])), None)
        if j is None:
            out.append(low)
        else:
            k = j + 1
    return out


def digest_theme(work: ThemeWork, tools: DigestTools) -> tuple[Digest, dict[str, Any]]:
    """The digest of one theme, and per-theme statistics for run.json."""
    gen, config = tools.generator, tools.config
    n = config.digest_sentences
    picks = select_sentences(work.sources, work.embeddings, k_sentences=n, verdicts=work.verdicts)
    if not picks:  # nothing can stand alone: the first sentences, as they are
        picks = [(i, s.text) for i, s in enumerate(work.sources[:n])]
    quoted = [DigestSentence(text, (work.sources[i].segment_id,), "extractive") for i, text in picks]
    stats: dict[str, Any] = {"tries": 0}
    if gen is None or config.mode == "extractive":
        return Digest(work.theme.topic_id, tuple(quoted)), stats
    if config.mode == "abstractive":
        return _abstractive(work, picks, quoted, tools, stats)
    if len({s.article for s in work.sources}) <= 1:
        return Digest(work.theme.topic_id, tuple(quoted)), stats  # one article: its lead says what happened
    opening, index, tries, dropped = _opening(work, picks, tools)
    stats["tries"] = tries
    if opening is None:
        return Digest(work.theme.topic_id, tuple(quoted), generated=tries, replaced=dropped), stats
    rest = [q for (i, _), q in zip(picks, quoted) if i != index]
    sentences = (opening, *rest[: n - 1])
    return Digest(work.theme.topic_id, sentences, generated=tries, kept=1, replaced=dropped), stats


def _candidates(work: ThemeWork, picks: Sequence[tuple[int, str]]) -> list[int]:
    """Sentences worth condensing into the opening: the digest's opener, then other articles' leads."""
    order = [picks[0][0]] if picks else []
    lead_rank: dict[int, int] = {}
    for i, (s, v) in enumerate(zip(work.sources, work.verdicts)):
        if v.ok and s.article not in lead_rank:
            lead_rank[s.article] = i
    order += [i for i in lead_rank.values() if i not in order]
    return order


def _opening(
    work: ThemeWork, picks: Sequence[tuple[int, str]], tools: DigestTools
) -> tuple[DigestSentence | None, int, int, int]:
    """The first generated opening the checks keep: (sentence, index of its source, tries, dropped)."""
    gen, config = tools.generator, tools.config
    assert gen is not None
    texts = {i: t for i, t in picks}
    dropped = 0
    candidates = _candidates(work, picks)[: config.opening_tries]
    for tries, i in enumerate(candidates, 1):
        source = texts.get(i) or (work.verdicts[i].text if work.verdicts[i].ok else work.sources[i].text)
        raw = gen.generate(
            f"{REWRITE_INSTRUCTION}\n\nNews sentence:\n{source}", [], max_new_tokens=min(config.max_new_tokens, 64),
            repetition_penalty=config.repetition_penalty, seed=tools.seed,
            examples=[(f"{REWRITE_INSTRUCTION}\n\nNews sentence:\n{OPENING_EXAMPLE[0]}", OPENING_EXAMPLE[1])],
        )  # fmt: skip
        cleaned = clean_generated("\n".join(_META_LINE.sub("", line) for line in raw.split("\n")))[:1]
        verdicts = guard_sentences(
            cleaned, work.sources, work.embeddings, tools.embedder, threshold=config.guard_threshold
        )
        if not verdicts or verdicts[0].verbatim:
            continue
        verdict = _checked(verdicts[0], work, i, source)
        if verdict.kept:
            cites = tuple(dict.fromkeys((work.sources[i].segment_id, *verdict.segment_ids)))
            return DigestSentence(verdict.text, cites, "generated"), i, tries, dropped
        dropped += 1
        logger.debug("Opening dropped %r (%s %s)", verdict.text, verdict.reason, verdict.missing)
    return None, -1, len(candidates), dropped


def _checked(
    verdict: GuardResult, work: ThemeWork, index: int, source: str, *, condensed: bool = True
) -> GuardResult:
    """The guard's verdict, failed too when the sentence changes who said what, or, for a ``condensed``
    sentence, is longer than its source or is not its source with words left out."""
    if not verdict.kept:
        return verdict
    src = work.sources[index]
    before = [s.text for s in work.sources[:index] if s.article == src.article]
    problems = attribution_problems(verdict.text, source, before=before)
    if condensed and len(verdict.text) > MAX_LENGTH_RATIO * len(source):
        problems.append("longer than its source")
    inserted = insertions(verdict.text, source) if condensed else []
    if [w for w in inserted if w not in STOP_WORDS] or len(inserted) > 2:
        problems.append(f"is not its source with words left out ({', '.join(inserted)})")
    if problems:
        return GuardResult(verdict.text, False, cosine=verdict.cosine, missing=tuple(problems), reason="attribution")
    return verdict


def _abstractive(
    work: ThemeWork,
    picks: Sequence[tuple[int, str]],
    quoted: Sequence[DigestSentence],
    tools: DigestTools,
    stats: dict[str, Any],
) -> tuple[Digest, dict[str, Any]]:
    """The model writes ``digest_sentences`` sentences from the key ones; kept ones first, key sentences fill."""
    gen, config = tools.generator, tools.config
    assert gen is not None
    n = config.digest_sentences
    excerpts = [f"({work.sources[i].outlet}) {t}" if work.sources[i].outlet else t for i, t in picks]
    budget = min(config.prompt_tokens, gen.context_tokens - config.max_new_tokens - 8)
    excerpts = fit_excerpts(gen, DIGEST_INSTRUCTION, excerpts, budget)
    raw = gen.generate(
        DIGEST_INSTRUCTION.format(n=n), excerpts, max_new_tokens=config.max_new_tokens,
        repetition_penalty=config.repetition_penalty, seed=tools.seed,
    )  # fmt: skip
    candidates = clean_generated(raw)[:n]
    kept: list[DigestSentence] = []
    verdicts = guard_sentences(candidates, work.sources, work.embeddings, tools.embedder, threshold=config.guard_threshold)
    for verdict in verdicts:
        if verdict.verbatim:
            continue
        index = next((k for k, s in enumerate(work.sources) if s.segment_id in verdict.segment_ids), 0)
        verdict = _checked(verdict, work, index, work.sources[index].text, condensed=False)
        if verdict.kept:
            kept.append(DigestSentence(verdict.text, verdict.segment_ids, "generated"))
    cited = {sid for k in kept for sid in k.segment_ids}
    fill = [q for q in quoted if not set(q.segment_ids) <= cited]
    sentences = (*kept, *fill)[: max(n, 1)]
    stats["raw"] = raw[:2000]
    generated = len(candidates)
    digest = Digest(work.theme.topic_id, tuple(sentences), generated=generated, kept=len(kept),
                    replaced=min(generated - len(kept), len(fill)))  # fmt: skip
    return digest, stats
