"""The run a new run continues: its stories, their articles, names and digests, and the folder's id counter.

:func:`open_history` is called before any work, so that a run that cannot
continue its folder stops at once with one sentence and writes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import InputError
from .._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .._config import Config
    from .._types import Digest, RunData, Theme

__all__ = ["FRESH_HINT", "History", "PastStory", "open_history"]

#: ... and when files of the earlier run were changed by hand (they are replaced only when asked).
CHANGED_HINT = (
    "run with --fresh --overwrite (fresh=True, overwrite=True in Python) to start a new history there, which "
    "replaces the changed files, or write to another output folder"
)

#: What to do when an earlier run cannot be continued (the CLI's flag and the Python argument).
FRESH_HINT = (
    "run with --fresh (fresh=True in Python) to start a new history there, which replaces its outputs, "
    "or write to another output folder"
)


@dataclass(frozen=True)
class PastStory:
    """A story of the earlier run: its record (``theme``, with its name and ids) and digest."""

    theme: Theme
    digest: Digest | None

    @property
    def story_id(self) -> int:
        return int(self.theme.story_id)  # type: ignore[arg-type]

    @property
    def article_ids(self) -> frozenset[str]:
        return frozenset(self.theme.article_ids)

    @property
    def segment_ids(self) -> frozenset[str]:
        return frozenset(self.theme.segment_ids)


@dataclass(frozen=True)
class History:
    """What a run continues: the earlier run's standing stories, retired ids, id counter and articles.

    ``created`` is empty when there is no earlier run to compare with (a
    first run, or ``fresh``): every story is then ``new``, numbered from
    ``next_id`` (a fresh run in a folder keeps its counter, so an id is never
    given twice in one folder).
    """

    created: str = ""
    source: str = ""
    stories: tuple[PastStory, ...] = ()
    retired: tuple[Mapping[str, Any], ...] = ()
    next_id: int = 1
    article_seen: Mapping[str, str] = field(default_factory=dict)  # article id -> when first seen
    config: Config | None = None

    @property
    def continued(self) -> bool:
        """Whether there is an earlier run to continue."""
        return bool(self.created)

    def initial_stories(self) -> dict[str, int]:
        """Article id -> the story id it had, for the cluster stage to start from."""
        return {a: s.story_id for s in self.stories for a in s.theme.article_ids}

    @classmethod
    def from_run(cls, data: RunData, source: str) -> History:
        """The history held by a run's records (a ``Result``, or one read from its folder)."""

        info = dict(data.stories or {})
        digests = data.digests or {}
        stories = tuple(
            PastStory(theme, digests.get(theme.topic_id))
            for theme in data.themes
            if theme.topic_id >= 0 and theme.story_id is not None
        )
        seen: dict[str, str] = {}
        if data.articles is not None and "article_id" in data.articles:
            first = data.articles["first_seen"] if "first_seen" in data.articles else None
            created = str(data.manifest.get("created", ""))
            for k, article_id in enumerate(data.articles["article_id"].astype(str)):
                seen[article_id] = str(first.iloc[k]) if first is not None and str(first.iloc[k]) else created
        top = max((s.story_id for s in stories), default=0)
        retired = tuple(info.get("retired", ()))
        top = max([top, *(int(r.get("story_id", 0)) for r in retired)])
        return cls(
            created=str(data.manifest.get("created", "")) or "unknown", source=source, stories=stories,
            retired=retired, next_id=max(int(info.get("next_id", 1)), top + 1), article_seen=seen, config=data.config,
        )  # fmt: skip


def open_history(previous: Any, out: str | os.PathLike[str] | None, config: Config, *, fresh: bool = False) -> History:
    """The run to continue: ``previous`` (a folder or a ``Result``), else the output folder's own run.

    Raises
    ------
    InputError
        The earlier run cannot be continued: written by another topicsum
        version, with another embedding model, or damaged (interrupted, files
        changed or missing since it was written); the message says to run with
        ``--fresh``.
    """
    from .._store import is_output_folder
    from .._types import RunData

    if fresh:
        return History(next_id=_counter(Path(out)) if out is not None else 1)
    if previous is None:
        if out is None or not Path(out).is_dir() or not is_output_folder(out):
            return History()
        previous = out
    if isinstance(previous, RunData):
        _check_settings(previous.manifest, config, "the earlier Result")
        return History.from_run(previous, "the earlier Result")
    folder = Path(previous)
    if not folder.is_dir():
        raise InputError(f"The earlier run {str(folder)!r} is not a folder; pass the output folder of a topicsum run.")
    return History.from_run(_read(folder, config), str(folder))


def _read(folder: Path, config: Config) -> RunData:
    from .._store import parse_manifest, read_run

    manifest, _ = parse_manifest(folder)
    if manifest is not None:  # the cheap checks first: the version and the model, before reading the tables
        _check_settings(manifest, config, repr(str(folder)))
    try:
        return read_run(folder, advice=FRESH_HINT, changed_advice=CHANGED_HINT)
    except InputError as exc:
        raise InputError(f"The earlier run cannot be continued: {exc}") from None


def _check_settings(manifest: Mapping[str, Any], config: Config, where: str) -> None:
    version = str(manifest.get("version", ""))
    if version != __version__:
        raise InputError(
            f"{where} holds a run of topicsum {version or 'of an unknown version'}, which this topicsum "
            f"({__version__}) cannot continue; {FRESH_HINT}."
        )
    earlier = (manifest.get("config") or {}).get("embed", {}).get("model")
    if earlier is not None and earlier != config.embed.model:
        raise InputError(
            f"{where} was made with the embedding model {earlier!r}, not {config.embed.model!r}, so its stories "
            f"cannot be continued: use embed model {earlier!r} again, or {FRESH_HINT}."
        )


def _counter(folder: Path) -> int:
    """The next story id of the folder's earlier run, read leniently (1 when there is none or it is unreadable)."""
    try:
        data = json.loads((folder / "topics.json").read_text(encoding="utf-8"))
        info = data.get("stories") or {}
        ids = [int(t.get("story_id") or 0) for t in data.get("themes", ())]
        ids += [int(r.get("story_id") or 0) for r in info.get("retired", ())]
        return max([int(info.get("next_id", 1)), *(i + 1 for i in ids)])
    except (OSError, ValueError, TypeError, AttributeError):
        return 1
