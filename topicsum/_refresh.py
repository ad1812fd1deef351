"""Bringing a run's tables, names and digests back in line with its model after the model changed.

``Result.reduce``, ``Result.merge`` and ``Result.refresh`` call
:func:`refresh_run`: the model follows its BERTopic (topics, keywords,
centres, groups), the label stage names the stories again, the tables are
rebuilt, and a story's digest is written again only when its segments
changed (a story that only got a new id keeps its digest).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ._types import ARTICLE_COLUMNS, SEGMENT_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    from ._types import Digest, RunData, Theme

__all__ = ["refresh_run"]

logger = logging.getLogger(__name__)


def refresh_run(run: RunData) -> None:
    """Update ``run`` (in place) to its model's current stories."""
    from ._label import label_stories
    from ._store import groups_frame, topics_frame
    from ._tables import fit_segments, theme_tables

    model = run.theme_model
    model.sync()
    frame = run.segments[list(SEGMENT_COLUMNS)]
    units = fit_segments(frame)
    from ._setup import build_context

    themes, groups = label_stories(model, units, run.config.label, build_context(run.config, show_progress=False))
    themes, stories, seen = _keep_story_ids(run, themes, units)
    digests = _digests(run, themes, units) if run.digests is not None else None
    segments, articles = theme_tables(
        frame, run.articles[list(ARTICLE_COLUMNS)], units, model.topics_, model.was_outlier_, themes, seen
    )
    run.segments, run.articles, run.themes, run.digests, run.stories = segments, articles, themes, digests, stories
    run.topics, run.groups = topics_frame(themes, digests), groups_frame(groups)
    counts = dict(run.manifest.get("counts") or {})
    counts.update(themes=sum(1 for t in themes if t.topic_id >= 0), groups=len(groups))
    run.manifest = {**run.manifest, "counts": counts}
    run._figures = None
    run._model_state = model.state()


def _keep_story_ids(run: RunData, themes: list[Theme], units: Any) -> tuple[list[Theme], dict[str, Any], dict[str, str]]:
    """The stories' ids after the change, by the follow stage's rule (a merge keeps the older id).

    A story whose articles did not change keeps its record as it was; one
    that changed is ``updated`` (``new`` if it was new in this run).
    """
    import dataclasses

    from ._follow import History, follow_stories

    now = str(run.manifest.get("created", ""))
    before = {t.story_id: t for t in run.themes if t.story_id is not None}
    history = History.from_run(run, "this run")
    following = follow_stories(run.theme_model.topics_, units.ids, units.article_ids, history, now)
    out = []
    for theme in following.annotate(themes):
        old = before.get(theme.story_id)
        if theme.topic_id >= 0 and old is not None:
            kept = theme.status == "unchanged"
            theme = dataclasses.replace(
                theme, status=old.status if kept or old.status == "new" else "updated", first_seen=old.first_seen,
                last_updated=old.last_updated if kept else now, added=theme.added if not kept else old.added,
                merged=tuple(sorted({*old.merged, *theme.merged})),
            )  # fmt: skip
        out.append(theme)
    record = following.record()
    record["continued"] = (run.stories or {}).get("continued")
    return out, record, following.article_seen


def _digests(run: RunData, themes: list[Theme], units: Any) -> dict[int, Digest]:
    """The stories' digests: an old one where a story's segments are the same, a new one where they changed."""
    import dataclasses

    from ._setup import build_context
    from ._summarise import summarise_themes

    old = {frozenset(t.segment_ids): run.digests[t.topic_id] for t in run.themes if t.topic_id in (run.digests or {})}
    out: dict[int, Digest] = {}
    changed = []
    for theme in themes:
        if theme.topic_id < 0:
            continue
        kept = old.get(frozenset(theme.segment_ids))
        if kept is not None:
            out[theme.topic_id] = dataclasses.replace(kept, topic_id=theme.topic_id)
        else:
            changed.append(theme)
    if changed:
        logger.info("refresh: writing the digests of %d changed stories", len(changed))
        context = build_context(run.config, show_progress=False)
        new, _ = summarise_themes(changed, units.segment_infos(), run.config.summarise, context)
        out.update(new)
    return dict(sorted(out.items()))
