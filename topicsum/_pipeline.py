"""The pipeline: build a Config and a run context, call the stages in order, return a Result.

    ingest -> segment -> embed -> cluster -> follow -> label -> summarise -> report

``follow`` links the stories to the run this one continues (the output
folder's own earlier run by default; :mod:`._follow`): stable story ids,
what changed, and the names and digests of unchanged stories reused.

Each stage is one call with its input, its own config and the run context
(:mod:`._context`: cache, executor, progress, seed, embedder, summariser),
timed by the context's clock; this module is the flow and nothing else.
The caches of fitted stories and digests are :mod:`._cache`, the tables
:mod:`._tables`, and the output folder (run.json included) :mod:`._store`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._cache import cached_fit, content_key, read_digests, write_digests
from ._config import Config
from ._context import RunContext
from ._setup import build_context
from ._result import Result
from ._tables import FitSegments, fit_segments, theme_tables
from ._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from ._config import SummariseConfig
    from ._types import Digest, Theme

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
    previous: Any = None,
    fresh: bool = False,
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
        only there).  When it holds an earlier run, this run continues it
        (see ``previous``) and replaces its files.
    overwrite : bool
        Allow replacing files in ``out`` that topicsum did not write.
    previous : path or Result, optional
        The run to continue: its stories keep their ids, articles seen
        before stay in their stories unless new ones bring two together,
        unchanged stories keep their names and digests, and ``Result.changes``
        says what is new.  Default: the run in ``out``, when there is one.
        Raises :class:`~topicsum.InputError` (before any work) when it cannot
        be continued: another topicsum version, another embedding model, or
        files changed since it was written.
    fresh : bool
        Do not continue any earlier run: new stories, all ``new`` (ids keep
        counting up from the folder's earlier ones).
    show_progress : bool, optional
        Progress bars (default: on a terminal or in a notebook).
    client : dask.distributed.Client, optional
        Run the parallel stages on this Dask cluster (reading, cleaning and
        segmenting, embedding, digests; see :mod:`topicsum._parallel`); the
        output is the same as without it.  The workers need this topicsum
        version and must see the input paths.  Raises
        :class:`~topicsum.DaskError` when the cluster cannot be used.
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
    from ._cluster import KEYWORD_RULES_VERSION, STATE_FORMAT, ThemeModel, fit_themes
    from ._embed import embed_texts
    from ._follow import follow_stories, open_history
    from ._ingest import load_corpus
    from ._label import label_stories
    from ._segment import segment_corpus
    from ._store import check_not_input, prepare_output_dir, run_manifest

    cfg = Config.from_options(config, **options)
    # fail before any work: an unusable output folder (files of the user's in it first), an earlier run that
    # cannot be continued
    if out is not None:
        prepare_output_dir(out, overwrite=overwrite, create=False, formats=cfg.report.formats)
        check_not_input(out, inputs)
    history = open_history(previous, out, cfg, fresh=fresh)
    same = _same_settings(history.config, cfg)
    ctx = build_context(cfg, client=client, show_progress=show_progress)
    timer = ctx.timer
    with timer.stage("ingest"):
        corpus = load_corpus(inputs, texts=texts, config=cfg.ingest, context=ctx, exclude=() if out is None else (out,))
    with timer.stage("segment"):
        corpus = segment_corpus(corpus, cfg.segment, ctx)
    frame = corpus.segments_frame()
    units = fit_segments(frame)
    with timer.stage("embed"):
        vectors = embed_texts(units.texts, cfg.embed, ctx)
    # earlier stories are kept whole when the stories are cut the same way; else cut afresh and matched by overlap
    init = history.initial_stories() if same["cluster"] else None
    fit_key = content_key(
        {"version": __version__, "format": STATE_FORMAT, "keywords": KEYWORD_RULES_VERSION,
         "embedding": ctx.require_embedder().model_id, "cluster": dataclasses.asdict(cfg.cluster), "seed": ctx.seed,
         "segments": units.ids, "groups": units.article_ids, "init": sorted((init or {}).items())}  # fmt: skip
    )
    with timer.stage("cluster"):
        themes_cache = ctx.cache.entry("themes")
        model = cached_fit(
            themes_cache / fit_key if themes_cache is not None else None,
            lambda: fit_themes(units, vectors, cfg.cluster, ctx, init=init),
            lambda folder: ThemeModel.load(folder).attach(ctx.require_embedder()),
        )
    with timer.stage("follow"):
        following = follow_stories(model.topics_, units.ids, units.article_ids, history, ctx.created)
    with timer.stage("label"):
        known = {t: past.theme.label for t, past in following.reused.items()} if same["label"] else {}
        themes, groups = label_stories(model, units, cfg.label, ctx, known=known)
        themes = following.annotate(themes)
    digests: dict[int, Digest] | None = None
    summary: dict[str, Any] | None = None
    if ctx.summariser is not None:
        reuse = {
            t: dataclasses.replace(past.digest, topic_id=t)
            for t, past in following.reused.items() if past.digest is not None
        } if same["summarise"] else {}  # fmt: skip
        with timer.stage("summarise"):
            digests, summary = _digests(themes, units, cfg.summarise, ctx, fit_key, reuse)
    segments, articles = theme_tables(
        frame, corpus.articles_frame(), units, model.topics_, model.was_outlier_, themes, following.article_seen
    )
    manifest = run_manifest(
        config=cfg, context=ctx, corpus=corpus, segments=segments, themes=themes, groups=groups,
        grain=model.grain_, summariser=summary, changes={"continued": following.previous, **following.summary()},
    )  # fmt: skip
    result = Result(
        segments=segments, articles=articles, topics=_topics(themes, digests), themes=themes, digests=digests,
        config=cfg, manifest=manifest, embeddings=np.asarray(vectors, dtype=np.float32)[units.row_to_fit],
        coords_2d=np.asarray(model.coords_2d_, dtype=np.float32)[units.row_to_fit], theme_model=model,
        groups=_groups(groups), _model_state=model.state(), stories=following.record(),
    )  # fmt: skip
    if out is not None:
        from ._store import write_outputs

        write_outputs(result, Path(out), formats=cfg.report.formats, overwrite=overwrite, timer=timer)
    return result


def _topics(themes: Sequence[Theme], digests: Mapping[int, Digest] | None) -> Any:
    from ._store import topics_frame

    return topics_frame(themes, digests)


def _groups(groups: Sequence[Any]) -> Any:
    from ._store import groups_frame

    return groups_frame(groups)


def _same_settings(earlier: Config | None, config: Config) -> dict[str, bool]:
    """Which of an earlier run's results this run may keep: its stories (cut the same way), names, digests."""
    if earlier is None:
        return {"cluster": False, "label": False, "summarise": False}
    cluster = earlier.cluster == config.cluster and earlier.seed == config.seed
    return {
        "cluster": cluster,
        "label": cluster and earlier.label == config.label,
        "summarise": earlier.summarise == config.summarise and earlier.seed == config.seed,
    }


def _digests(
    themes: Sequence[Theme],
    units: FitSegments,
    config: SummariseConfig,
    context: RunContext,
    fit_key: str,
    reuse: Mapping[int, Digest],
) -> tuple[dict[int, Digest], dict[str, Any]]:
    """The digests of the themes: ``reuse`` (unchanged stories' digests, as they were), then the digest cache
    when the themes and settings are unchanged, else the summariser for every other story."""
    from ._summarise import DIGEST_RULES_VERSION, summarise_themes

    key = content_key(
        {"themes": fit_key, "summarise": dataclasses.asdict(config), "rules": DIGEST_RULES_VERSION,
         "seed": context.seed, "articles": [units.headlines, units.outlets, units.published, units.starts]}  # fmt: skip
    )
    folder = context.cache.entry("digests")
    path = folder / f"{key}.json" if folder is not None else None
    cached = read_digests(path, themes)
    if cached is not None:  # its timings are those of the run that wrote it
        digests, info = cached
        return digests, {**info, "from_cache": True}
    todo = [t for t in themes if t.topic_id >= 0 and t.topic_id not in reuse]
    digests, info = summarise_themes(todo, units.segment_infos(), config, context)
    digests = dict(sorted({**digests, **reuse}.items()))
    write_digests(path, digests, info)
    return digests, {**info, "from_cache": False, "reused": len(reuse)}
