"""Summarise stage: each theme's sentences -> a cited digest (extract -> generate -> guard).

* :mod:`._sentences` -- splitting a theme's segments into citable sentences;
* :mod:`._standalone` -- which sentences can stand alone (and repairs);
* :mod:`._select` -- choosing sentences the way news works, ordered for a reader;
* :mod:`._attribution` -- who said it, and did they say yes or no;
* :mod:`._guard` -- the faithfulness guard for generated sentences;
* :mod:`._backends` -- the summariser backends by name, checked once per run
  (:func:`resolve_summariser`), each loading its model once per process;
* :mod:`._generators` -- the models behind the :class:`Generator` protocol;
* :mod:`._openai` -- the reader's own LLM behind an OpenAI-compatible server;
* :mod:`._models` -- finding and loading model files (the bundled GGUF, its converted copy);
* :mod:`._digest` -- one theme's digest.

:func:`summarise_themes` is the stage: themes, their segments, the
:class:`~topicsum.SummariseConfig` and the run context, whose summariser
backend was chosen by name (``"smollm2"``, ``"openai"``, ``"extractive"``, a
``.gguf`` file, a Hugging Face model) and checked when the context was
built.  Nothing heavy is imported at module import time.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._embed import CachedEmbedder
from .._types import Digest, Theme
from ._backends import SUMMARISERS, Summariser, describe, resolve_summariser
from ._digest import DigestTools, ThemeWork, digest_theme
from ._generators import Generator
from ._guard import guard_sentences
from ._models import OFFLINE_CHOICES
from ._select import extract_sentences
from ._sentences import SegmentInfo, SourceSentence, encode, split_sentences, theme_sentences
from ._furniture import JUNK, strip_dateline
from ._standalone import SPEECH, annotate_standalone, standalone

if TYPE_CHECKING:  # pragma: no cover
    from .._config import SummariseConfig
    from .._context import RunContext

__all__ = [
    "DIGEST_RULES_VERSION",
    "OFFLINE_CHOICES",
    "SPEECH",
    "DigestSettings",
    "SUMMARISERS",
    "Generator",
    "SegmentInfo",
    "SourceSentence",
    "Summariser",
    "ThemeJob",
    "digest_job",
    "extract_sentences",
    "guard_sentences",
    "prepare_theme",
    "resolve_summariser",
    "split_sentences",
    "standalone",
    "strip_dateline",
    "summarise_themes",
    "theme_sentences",
]

logger = logging.getLogger(__name__)

#: Bump when the way digests are made changes, so digests cached by an earlier version are made again.
DIGEST_RULES_VERSION = 2


@dataclass(frozen=True)
class ThemeJob:
    """One digest task: a theme and its own segments (nothing else travels)."""

    theme: Theme
    segments: Mapping[str, SegmentInfo]

    @classmethod
    def of(cls, theme: Theme, segments: Mapping[str, SegmentInfo]) -> ThemeJob:
        """The job of ``theme``, with its own segments only."""
        return cls(theme, {s: segments[s] for s in theme.segment_ids if s in segments})


def prepare_theme(theme: Theme, segments: Mapping[str, SegmentInfo], embedder: Any) -> ThemeWork:
    """A theme's sentences, their verdicts and the embeddings of those that can be chosen.

    Sentences never chosen from (navigation, credits...) get zero rows and
    cost no encoding.  The theme's sentences are encoded together, in their
    order, so its work is the same wherever it is prepared; with a
    :class:`~topicsum._embed.CachedEmbedder`, sentences encoded by an earlier
    run are read from the cache instead.
    """
    sources = theme_sentences(theme.segment_ids, segments)
    verdicts = annotate_standalone(sources)
    wanted = list(dict.fromkeys(s.text for s, v in zip(sources, verdicts) if v.ok or v.reason not in JUNK))
    vectors = encode(embedder, wanted)
    row = {t: k for k, t in enumerate(wanted)}
    dim = vectors.shape[1] if len(vectors) else 1
    embeddings = np.zeros((len(sources), dim), dtype=np.float32)
    for k, s in enumerate(sources):
        if s.text in row:
            embeddings[k] = vectors[row[s.text]]
    return ThemeWork(theme, sources, embeddings, verdicts)


@dataclass(frozen=True)
class DigestSettings:
    """What a digest task carries wherever it runs: the backend (its settings, not its model), the embedder, the seed."""

    summariser: Summariser
    embedder: Any
    config: SummariseConfig
    seed: int
    #: What the source sentences are encoded with: the run's :class:`~topicsum._embed.CachedEmbedder`
    #: (read from and added to the embedding cache) when the digests are written in this process;
    #: ``None`` elsewhere (``embedder``, every sentence encoded).
    sentence_embedder: CachedEmbedder | None = None

    def tools(self) -> tuple[DigestTools, dict[str, Any]]:
        """The tools of a digest, the model loaded once per process, and what run.json says of the model."""
        gen, stats = _loaded_generator(self.summariser)
        return DigestTools(gen, self.embedder, self.config, self.seed), stats


def digest_job(job: ThemeJob, *, settings: DigestSettings) -> tuple[Digest, dict[str, Any]]:
    """Task: one theme's digest, and its statistics (with the generator's id and load time).

    The backend loads its model once per process, so a theme's digest is the
    same wherever it is written.
    """
    tools, stats = settings.tools()
    # an updated story's earlier sentences were encoded by the run before: only its new ones are encoded
    work = prepare_theme(job.theme, job.segments, settings.sentence_embedder or tools.embedder)
    if not work.sources:
        logger.warning("Theme %d has no text to summarise; its digest is empty.", job.theme.topic_id)
        return Digest(job.theme.topic_id, ()), stats
    digest, theme_stats = digest_theme(work, tools)
    return digest, {**stats, "topic": job.theme.topic_id, **theme_stats}


def _loaded_generator(summariser: Summariser) -> tuple[Generator | None, dict[str, Any]]:
    """The backend's generator (loaded once per process), what run.json says of it, and the seconds this took."""
    t0 = time.perf_counter()
    gen = summariser.generator()
    return gen, {"load_seconds": time.perf_counter() - t0, **describe(summariser, gen)}


def summarise_themes(
    themes: Sequence[Theme], segments: Mapping[str, SegmentInfo], config: SummariseConfig, context: RunContext
) -> tuple[dict[int, Digest], dict[str, Any]]:
    """The summarise stage: a cited digest for every theme (outliers, topic -1, are skipped).

    Parameters
    ----------
    themes : sequence of Theme
        The themes; each lists its segment ids.
    segments : mapping of str to SegmentInfo
        Every segment of the themes: its text and its place in its article
        (article id, offset, outlet, headline, date).
    config : SummariseConfig
        Mode, lengths and decoding.
    context : RunContext
        Its summariser backend (a theme's digest is one task on its executor),
        its embedder (sentence scoring and the faithfulness guard), its seed
        (set before every generation; decoding is greedy anyway) and progress display.

    Returns
    -------
    digests : dict of int to Digest
    info : dict
        For run.json: backend, model, engine, mode, decoding, load_seconds,
        seconds_per_theme (sentence scoring and guard included), guard totals
        (generated / kept / replaced) and the share of digests that open with
        a generated sentence.

    Examples
    --------
    >>> from topicsum._config import Config
    >>> from topicsum._setup import build_context
    >>> config = Config.from_options(summariser="extractive")
    >>> theme = Theme(0, "rail", (("rail", 1.0),), 1, ("s1",), ("a1",), ("s1",))
    >>> segments = {"s1": SegmentInfo("The rail line reopened on Monday after a week.", "a1", 0, "BBC")}
    >>> digests, info = summarise_themes([theme], segments, config.summarise, build_context(config))
    >>> digests[0].sentences[0].segment_ids
    ('s1',)
    """
    summariser = context.summariser
    if summariser is None:
        from .._errors import StageSkippedError

        raise StageSkippedError("Digests are off in this run (summariser='none'); choose a summariser to make them.")
    embedder = context.require_embedder()
    # one cache connection for the stage, used by tasks that run here one at a time; tasks that run
    # elsewhere (or in threads) encode without it
    here = not context.executor.remote and context.executor.threads == 1
    sentences = CachedEmbedder(embedder, context.cache.entry("embeddings")) if here else None
    settings = DigestSettings(summariser, embedder, config, context.seed, sentence_embedder=sentences)
    jobs = [ThemeJob.of(t, segments) for t in themes if t.topic_id >= 0]
    work = functools.partial(digest_job, settings=settings)
    t0 = time.perf_counter()
    try:
        results = context.executor.map(work, jobs, desc="Digests", unit="theme", progress=context.progress)
    finally:
        if sentences is not None:
            sentences.close()
    elapsed = time.perf_counter() - t0
    digests = {job.theme.topic_id: digest for job, (digest, _) in zip(jobs, results)}
    per_theme = [stats for _, stats in results]
    if not per_theme:  # no theme: the model is still loaded here, for its id
        per_theme = [_loaded_generator(summariser)[1]]
    return digests, _info(config, digests, per_theme, elapsed, len(jobs), context.seed)


def _info(
    config: SummariseConfig,
    digests: Mapping[int, Digest],
    per_theme: Sequence[Mapping[str, Any]],
    elapsed: float,
    n_themes: int,
    seed: int,
) -> dict[str, Any]:
    """What run.json records about the digests."""
    model, engine, backend = per_theme[0]["model"], per_theme[0]["engine"], per_theme[0]["backend"]
    load_seconds = max(float(p["load_seconds"]) for p in per_theme)
    opened = sum(1 for d in digests.values() if d.sentences and d.sentences[0].method == "generated")
    return {
        "backend": backend,
        "model": model,
        "engine": engine,
        "mode": "extractive" if model is None else config.mode,
        "decoding": {
            "do_sample": False,
            "max_new_tokens": config.max_new_tokens,
            "repetition_penalty": config.repetition_penalty,
            "prompt_tokens": config.prompt_tokens,
            "seed": seed,
        },
        "load_seconds": round(load_seconds, 3),
        "seconds_per_theme": round(max(elapsed - load_seconds, 0.0) / max(n_themes, 1), 3),
        "guard": {
            "generated": sum(d.generated for d in digests.values()),
            "kept": sum(d.kept for d in digests.values()),
            "replaced": sum(d.replaced for d in digests.values()),
            "threshold": config.guard_threshold,
        },
        "opened_by_generated": round(opened / max(len(digests), 1), 4),
    }
