"""Reusing earlier work: content keys, the fitted-model cache and the digest cache.

Both caches live under the run context's cache folder
(:class:`~topicsum._context.CacheSettings`) and are keyed by the content they
were computed from, so a re-run on unchanged
input reuses the fitted themes and the digests, and any change refits.
Entries are written atomically; a damaged entry is ignored (with a warning)
and computed again: a cache problem never fails a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._io import atomic_write_json
from ._store import digest_from_json, digest_to_json
from ._types import Digest, Theme

if TYPE_CHECKING:  # pragma: no cover
    from ._cluster import ThemeModel

__all__ = ["cached_fit", "content_key", "digest_problem", "read_digests", "write_digests"]

logger = logging.getLogger(__name__)

_COMPLETE = ".complete"


def content_key(data: Any) -> str:
    """A stable key for ``data`` (JSON-able): 40 hex digits of its sha256.

    Examples
    --------
    >>> content_key({"b": 1, "a": [2]}) == content_key({"a": [2], "b": 1})
    True
    """
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:40]


def cached_fit(
    folder: Path | None, fit: Callable[[], ThemeModel], load: Callable[[Path], ThemeModel]
) -> ThemeModel:
    """Fit the theme model, or ``load`` the one fitted before on exactly these segments and settings.

    ``folder`` is the cache entry (``None``: no cache).  It is written
    atomically (temp folder, then rename); a damaged entry is refitted.
    """
    if folder is not None and (folder / _COMPLETE).is_file():
        try:
            model = load(folder)
            logger.info("themes: reusing the model fitted on the same segments (%s)", folder.name)
            return model
        except Exception as exc:  # noqa: BLE001 - a cache problem must never fail a run
            logger.warning("themes: ignoring a damaged cache entry %s (%s)", folder, exc)
    model = fit()
    if folder is not None:
        _store_model(model, folder)
    return model


def _store_model(model: ThemeModel, folder: Path) -> None:
    tmp: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        model.save(tmp)
        (tmp / _COMPLETE).write_text("", encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except Exception as exc:  # noqa: BLE001 - caching is an optimisation, never a failure
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        logger.warning("themes: could not cache the fitted model (%s)", exc)


def digest_problem(digests: Mapping[int, Digest | None], themes: Sequence[Theme]) -> str | None:
    """Why cached ``digests`` cannot be used for ``themes`` (``None``: every theme has one, citing only its segments).

    Examples
    --------
    >>> from topicsum._types import DigestSentence
    >>> theme = Theme(0, "Rail", (), 1, ("s1",), ("a1",), ("s1",))
    >>> digest_problem({0: Digest(0, (DigestSentence("Trains ran.", ("s1",), "extractive"),))}, [theme]) is None
    True
    >>> digest_problem({0: Digest(0, (DigestSentence("Forged.", ("s9",), "extractive"),))}, [theme])
    "theme 0's digest cites segments that are not in the theme: s9"
    """
    members = {t.topic_id: set(t.segment_ids) for t in themes if t.topic_id >= 0}
    if set(digests) != set(members):
        return "its themes are not this run's themes"
    for tid, digest in sorted(digests.items()):
        if digest is None or not all(isinstance(s.text, str) and s.segment_ids for s in digest.sentences):
            return f"theme {tid}'s digest has a sentence without citations"
        stray = sorted({sid for s in digest.sentences for sid in s.segment_ids} - members[tid])
        if stray:
            return f"theme {tid}'s digest cites segments that are not in the theme: {', '.join(map(str, stray[:5]))}"
    return None


def read_digests(path: Path | None, themes: Sequence[Theme]) -> tuple[dict[int, Digest], dict[str, Any]] | None:
    """The digests and summariser info cached at ``path`` for ``themes``, or ``None`` (no entry, or one not to use).

    An entry is used only when it has a digest for every theme and every
    sentence cites segments of its own theme; anything else (a damaged or
    altered entry) is ignored with a warning naming the file, and computed again.
    """
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        digests = {int(k): digest_from_json(int(k), v) for k, v in data["digests"].items()}
        info = data["info"]
        problem = digest_problem(digests, themes) if isinstance(info, dict) else "its summariser record is missing"
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem is not None:
        logger.warning("summarise: ignoring the cached digests %s (%s); writing them again.", path, problem)
        return None
    logger.info("summarise: reusing digests written for the same themes and settings")
    return {k: d for k, d in digests.items() if d is not None}, info


def write_digests(path: Path | None, digests: Mapping[int, Digest], info: Mapping[str, Any]) -> None:
    """Cache ``digests`` and the summariser ``info`` at ``path`` (atomically; failures only warn)."""
    if path is None:
        return
    payload = {"digests": {str(tid): digest_to_json(d) for tid, d in digests.items()}, "info": dict(info)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, payload, default=str)
    except OSError as exc:
        logger.warning("summarise: could not cache the digests (%s)", exc)
