"""The pipeline: build a Config, call the stages in order, time each one, return a Result.

    ingest -> segment -> embed -> cluster -> label -> summarise -> report

Each stage lives in its own module and only reads what the previous stage
produced; this module is the flow and nothing else.  The caches are
:mod:`._cache`, the tables :mod:`._tables`, run.json :mod:`._manifest` and
the output folder :mod:`._output`.  With a Dask client, the stages that
parallelise get an executor (:mod:`._parallel`, :mod:`._dask`) and the
themes past one process's size are fitted by :mod:`._scale`; the flow is
the same.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._cache import cached_fit, content_key, read_digests, write_digests
from ._config import Config
from ._manifest import Timer, run_manifest
from ._ownership import check_not_input, prepare_output_dir
from ._result import Result
from ._scale import fit_sample_size, fit_themes
from ._serialise import groups_frame, topics_frame
from ._tables import FitSegments, fit_segments, theme_tables
from ._transform import PortableEmbedder, shared_embedder
from ._types import Digest, Theme
from ._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from ._embed import Embedder
    from ._parallel import Executor

__all__ = ["run"]


def run(
    inputs: Any = None,
    *,
    texts: Sequence[str] | Mapping[str, str] | None = None,
    config: Config | None = None,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    show_progress: bool | None = None,
    client: Any = None,
    **options: Any,
) -> Result:
    """Run the whole pipeline: ingest, segment, embed, cluster, label, summarise, report.

    Parameters
    ----------
    inputs : path, list of paths, or pandas.DataFrame, optional
        Files (.txt, .md, .html, .jsonl, .csv), folders (walked recursively)
        or a DataFrame with one document per row.
    texts : list of str or dict of str to str, optional
        In-memory documents (a dict maps a name to each text).
    config : Config, optional
        A full configuration; ``options`` are applied on top of it.
    out : path, optional
        Output folder; when given, segments.csv, articles.csv, topics.json,
        run.json, the reports and model/ are written there (atomically, and
        only there).
    overwrite : bool
        Allow replacing files in ``out`` that topicsum did not write.
    show_progress : bool, optional
        Progress bars (default: on a terminal or in a notebook).
    client : dask.distributed.Client, optional
        Run the parallel stages on this Dask cluster (reading and segmenting,
        embedding, digests; see :mod:`topicsum._parallel`); the output is the
        same as without it.  The workers need this topicsum version and must
        see the input paths.  Raises :class:`~topicsum._errors.ClusterError`
        when the cluster cannot be used.
    **options
        Any option of :class:`Config`, flat (``n_topics=6``) or per stage
        (``cluster={"n_topics": 6}``).

    Returns
    -------
    Result

    Examples
    --------
    >>> import topicsum
    >>> result = topicsum.run("seeds", summariser="extractive", formats=())
    >>> len(result.topics)
    6

    The same run on a Dask cluster (here two local worker processes):

    >>> from dask.distributed import Client, LocalCluster  # doctest: +SKIP
    >>> with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:  # doctest: +SKIP
    ...     len(topicsum.run("seeds", summariser="extractive", formats=(), client=client).topics)
    6
    """
    from ._embed import embed_texts
    from ._ingest import load_corpus
    from ._label import describe_groups, describe_themes

    cfg = Config.from_options(config, **options)
    cache_dir = cfg.resolved_cache_dir()
    timer = Timer()
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    _check_before_work(cfg, inputs, out, overwrite, cache_dir)
    executor = _executor(client)

    with timer.stage("ingest"):
        corpus = load_corpus(
            inputs, texts=texts, config=cfg.ingest, segment_config=cfg.segment, show_progress=show_progress,
            exclude=() if out is None else (out,), executor=executor,
        )  # fmt: skip
    frame = corpus.segments_frame()
    units = fit_segments(frame)
    with timer.stage("embed"):
        embedder = shared_embedder(cfg.embed, cache_dir)
        # tasks that run elsewhere get the embedder's settings, never the model
        task_embedder = embedder if executor is None else PortableEmbedder.of(embedder, cfg.embed, cache_dir)
        vectors = embed_texts(
            units.texts, task_embedder, cache_dir=cache_dir if cfg.embed.cache else None,
            batch_size=cfg.embed.batch_size, show_progress=show_progress, executor=executor,
        )  # fmt: skip
    sample = fit_sample_size(len(units.ids), executor)
    fit_key = _theme_key(cfg, units, embedder, sample)
    with timer.stage("cluster"):
        model = cached_fit(
            cache_dir / "themes" / fit_key if cfg.embed.cache else None,
            lambda: fit_themes(cfg.cluster, units, vectors, embedder, executor),
            embedder,
        )
    with timer.stage("label"):
        themes = describe_themes(
            model, segment_ids=units.ids, texts=units.texts, embeddings=vectors,
            article_ids=units.article_ids, outlets=units.outlets,
        )  # fmt: skip
        groups = describe_groups(model, themes)
    digests: dict[int, Digest] | None = None
    summariser: dict[str, Any] | None = None
    if cfg.summarise.summariser != "none":
        with timer.stage("summarise"):
            digests, summariser = _digests(
                themes, units, task_embedder, cfg, cache_dir, fit_key, show_progress, executor
            )

    segments, articles = theme_tables(frame, corpus.articles_frame(), units, model, themes)
    manifest = run_manifest(
        config=cfg, created=created, corpus=corpus, segments=segments, n_unique=units.n_unique, themes=themes,
        groups=groups, grain=model.grain_, embedding_model=embedder.model_id, summariser=summariser, timer=timer,
    )  # fmt: skip
    if executor is not None:
        manifest["executor"] = executor.describe()
    result = Result(
        segments=segments, articles=articles, topics=topics_frame(themes, digests), themes=themes, digests=digests,
        config=cfg, manifest=manifest, embeddings=np.asarray(vectors, dtype=np.float32)[units.row_to_fit],
        coords_2d=np.asarray(model.coords_2d_, dtype=np.float32)[units.row_to_fit], theme_model=model,
        groups=groups_frame(groups),
    )  # fmt: skip
    if out is not None:
        from ._output import write_outputs

        write_outputs(result, Path(out), formats=cfg.report.formats, overwrite=overwrite, timer=timer)
    return result


def _check_before_work(
    cfg: Config, inputs: Any, out: str | os.PathLike[str] | None, overwrite: bool, cache_dir: Path
) -> None:
    """Fail before any heavy work: an unusable output folder or an unloadable summariser."""
    if out is not None:
        prepare_output_dir(out, overwrite=overwrite, create=False, formats=cfg.report.formats)
        check_not_input(out, inputs)
    if cfg.summarise.summariser != "none":
        from ._summarise import check_summariser

        check_summariser(cfg.summarise, cache_dir=cache_dir)


def _executor(client: Any) -> Executor | None:
    """Where the parallel stages run: ``None`` (here, serially) or the executor of a Dask client (checked)."""
    if client is None:
        return None
    from ._dask import as_executor

    return as_executor(client)


def _theme_key(cfg: Config, units: FitSegments, embedder: Embedder, sample: int | None = None) -> str:
    """The fitted-model cache key: everything the themes and their labels depend on."""
    from ._cluster._persist import STATE_FORMAT
    from ._label import LABEL_RULES_VERSION

    key = {
        "version": __version__,
        "format": STATE_FORMAT,
        "embedding": embedder.model_id,
        "cluster": dataclasses.asdict(cfg.cluster),
        "segments": units.ids,
        "groups": units.article_ids,
        "titles": units.headlines,
        "label_rules": LABEL_RULES_VERSION,
    }
    if sample is not None:  # fitted on a seeded sample (see _scale.fit_themes)
        key["fit_sample"] = sample
    return content_key(key)


def _digests(
    themes: Sequence[Theme],
    units: FitSegments,
    embedder: Embedder,
    cfg: Config,
    cache_dir: Path,
    fit_key: str,
    show_progress: bool | None,
    executor: Executor | None = None,
) -> tuple[dict[int, Digest], dict[str, Any]]:
    """The digests of the themes, reused from the digest cache when the themes and settings are unchanged."""
    from ._summarise import DIGEST_RULES_VERSION, SegmentInfo, summarise_themes

    key = content_key(
        {"themes": fit_key, "summarise": dataclasses.asdict(cfg.summarise), "rules": DIGEST_RULES_VERSION}
    )
    path = cache_dir / "digests" / f"{key}.json" if cfg.embed.cache else None
    cached = read_digests(path, themes)
    if cached is not None:  # its timings are those of the run that wrote it
        digests, info = cached
        return digests, {**info, "from_cache": True}
    segments = {
        sid: SegmentInfo(text, article, start, outlet, headline, published)
        for sid, text, article, start, outlet, headline, published in zip(
            units.ids, units.texts, units.article_ids, units.starts, units.outlets, units.headlines, units.published
        )
    }
    digests, info = summarise_themes(
        [t for t in themes if t.topic_id >= 0],
        segments=segments,
        embedder=embedder,
        config=cfg.summarise,
        cache_dir=cache_dir,
        seed=cfg.cluster.seed,
        show_progress=show_progress,
        executor=executor,
    )
    write_digests(path, digests, info)
    return digests, {**info, "from_cache": False}
