"""The rule that links a run's stories to the run it continues (see the package docstring and the README)."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._history import History, PastStory

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .._types import Theme

__all__ = ["CHANGE_COLUMNS", "STATUSES", "Following", "changes_frame", "follow_stories"]

#: A standing story's status, then the statuses of ids that no longer stand alone.
STATUSES = ("new", "updated", "unchanged", "merged", "gone")


@dataclass(frozen=True)
class Following:
    """The stories of a run linked to the run before it: ids, statuses, and what can be reused.

    Per topic (the model's story number, 0 = largest): ``story_ids``,
    ``status``, ``first_seen`` / ``last_updated`` (run times), ``added``
    (articles not in the earlier run) and ``merged`` (earlier ids merged into
    it by this run).  ``reused`` holds the earlier record of every unchanged
    story (its name and digest are reused as they are).  ``retired`` lists
    every id that no longer stands alone, this run's and earlier ones'.
    """

    now: str
    story_ids: dict[int, int] = field(default_factory=dict)
    status: dict[int, str] = field(default_factory=dict)
    first_seen: dict[int, str] = field(default_factory=dict)
    last_updated: dict[int, str] = field(default_factory=dict)
    added: dict[int, int] = field(default_factory=dict)
    merged: dict[int, tuple[int, ...]] = field(default_factory=dict)
    reused: dict[int, PastStory] = field(default_factory=dict)
    retired: tuple[dict[str, Any], ...] = ()
    next_id: int = 1
    article_seen: dict[str, str] = field(default_factory=dict)
    previous: dict[str, str] | None = None
    removed: int = 0

    def annotate(self, themes: Sequence[Theme]) -> list[Theme]:
        """``themes`` with their story id, status, times and additions (the outlier group has no story id)."""
        out = []
        for t in themes:
            if t.topic_id < 0:
                out.append(t)
                continue
            k = t.topic_id
            out.append(
                dataclasses.replace(
                    t, story_id=self.story_ids[k], status=self.status[k], first_seen=self.first_seen[k],
                    last_updated=self.last_updated[k], added=self.added[k], merged=self.merged.get(k, ()),
                )  # fmt: skip
            )
        return out

    def record(self) -> dict[str, Any]:
        """topics.json's ``stories``: the id counter, the retired ids and the run this one continued."""
        return {"next_id": self.next_id, "retired": [dict(r) for r in self.retired], "continued": self.previous}

    def summary(self) -> dict[str, Any]:
        """run.json's ``changes``: how many stories have each status, and the articles added."""
        counts = Counter(self.status.values())
        counts.update(r["status"] for r in self.retired if r.get("retired") == self.now)
        return {
            **{s: int(counts.get(s, 0)) for s in STATUSES},
            "articles_added": sum(1 for seen in self.article_seen.values() if seen == self.now),
            "articles_removed": self.removed,
        }


def follow_stories(
    topics: Sequence[int] | np.ndarray,
    segment_ids: Sequence[str],
    article_ids: Sequence[str],
    history: History,
    now: str,
) -> Following:
    """Link the stories of a run (``topics``: story of each segment) to ``history``.

    Parameters
    ----------
    topics, segment_ids, article_ids : sequences of the same length
        Every segment of the run (copies included) with its story (-1: the
        outlier group, not a story) and article.
    history : History
        The earlier run (an empty one for a first run).
    now : str
        This run's time (ISO), recorded as ``first_seen`` / ``last_updated``.

    Examples
    --------
    >>> first = follow_stories([0, 0, 1], ["s1", "s2", "s3"], ["a1", "a1", "a2"], History(), "day1")
    >>> first.story_ids, first.status
    ({0: 1, 1: 2}, {0: 'new', 1: 'new'})
    """
    topic = np.asarray(topics, dtype=np.int64)
    members: dict[int, set[str]] = defaultdict(set)
    segments: dict[int, set[str]] = defaultdict(set)
    article_topic: dict[str, int] = {}
    for t, sid, aid in zip(topic.tolist(), segment_ids, article_ids):
        article_topic[str(aid)] = t
        if t >= 0:
            members[t].add(str(aid))
            segments[t].add(str(sid))
    follow = _Matcher(history, now)
    claimed = follow.claim(members, article_topic)
    next_id = history.next_id
    story_ids: dict[int, int] = {}
    for t in sorted(members):  # the largest new story takes the lowest new id
        if t in claimed:
            story_ids[t] = claimed[t].story_id
        else:
            story_ids[t], next_id = next_id, next_id + 1
    seen = {a: history.article_seen.get(a, now) for a in article_topic}
    status, first_seen, last_updated, added, reused = {}, {}, {}, {}, {}
    merged = {t: tuple(sorted(ids)) for t, ids in follow.merged_into_topic.items()}
    for t in sorted(members):
        past = claimed.get(t)
        added[t] = sum(1 for a in members[t] if seen[a] == now)
        if past is None:
            status[t], first_seen[t], last_updated[t] = "new", now, now
            continue
        same = members[t] == past.article_ids and segments[t] == past.segment_ids and t not in merged
        status[t] = "unchanged" if same else "updated"
        first_seen[t] = past.theme.first_seen or history.created
        last_updated[t] = (past.theme.last_updated or history.created) if same else now
        if same:
            reused[t] = past
    previous = {"created": history.created, "source": history.source} if history.continued else None
    return Following(
        now=now, story_ids=story_ids, status=status, first_seen=first_seen, last_updated=last_updated, added=added,
        merged=merged, reused=reused, retired=(*history.retired, *follow.retired(story_ids)), next_id=next_id,
        article_seen=seen, previous=previous, removed=len(set(history.article_seen) - set(article_topic)),
    )  # fmt: skip


class _Matcher:
    """Earlier stories, oldest first, each claiming the new story that holds most of its articles."""

    def __init__(self, history: History, now: str) -> None:
        self.history, self.now = history, now
        self.gone: list[PastStory] = []
        self.merged: list[tuple[PastStory, int]] = []  # (earlier story, topic it went into)
        self.merged_into_topic: dict[int, list[int]] = defaultdict(list)

    def claim(self, members: Mapping[int, set[str]], article_topic: Mapping[str, int]) -> dict[int, PastStory]:
        claimed: dict[int, PastStory] = {}
        oldest_first = sorted(self.history.stories, key=lambda s: (s.theme.first_seen or "", s.story_id))
        for past in oldest_first:
            counts = Counter(article_topic[a] for a in past.article_ids if article_topic.get(a, -1) >= 0)
            if not counts:
                self.gone.append(past)
                continue
            best = min(counts, key=lambda t: (-counts[t], t))  # most of its articles; ties: the larger story
            if best in claimed:
                self.merged.append((past, best))
                self.merged_into_topic[best].append(past.story_id)
            else:
                claimed[best] = past
        return claimed

    def retired(self, story_ids: Mapping[int, int]) -> list[dict[str, Any]]:
        """Records of the ids this run retires: merged into a standing story, or gone with all their articles."""
        out = []
        for past, topic in self.merged:
            out.append(self._record(past, "merged", story_ids[topic]))
        for past in self.gone:
            out.append(self._record(past, "gone", None))
        return sorted(out, key=lambda r: r["story_id"])

    def _record(self, past: PastStory, status: str, into: int | None) -> dict[str, Any]:
        return {
            "story_id": past.story_id, "status": status, "merged_into": into, "label": past.theme.label,
            "first_seen": past.theme.first_seen or self.history.created, "retired": self.now,
            "articles": len(past.article_ids),
        }  # fmt: skip


#: Columns of ``Result.changes``.
CHANGE_COLUMNS = (
    "story_id", "status", "topic", "label", "articles", "added", "first_seen", "last_updated", "first_date",
    "last_date", "merged_into",
)  # fmt: skip


def changes_frame(themes: Sequence[Theme], stories: Mapping[str, Any] | None, now: str) -> pd.DataFrame:
    """``Result.changes``: every standing story and every id retired by the run made at ``now``.

    Rows: new stories (most articles added first), updated ones (the same),
    unchanged ones, then the ids merged or gone in this run.

    Examples
    --------
    >>> from topicsum._types import Theme
    >>> t = Theme(0, "Rail", (), 1, ("s1",), ("a1",), ("s1",), story_id=1, status="new", added=1)
    >>> changes_frame([t], None, "day1")[["story_id", "status", "added"]].values.tolist()
    [[1, 'new', 1]]
    """
    import pandas as pd

    rows = [
        {
            "story_id": t.story_id, "status": t.status, "topic": t.topic_id, "label": t.label,
            "articles": len(t.article_ids), "added": t.added, "first_seen": t.first_seen,
            "last_updated": t.last_updated, "first_date": t.first_date, "last_date": t.last_date, "merged_into": None,
        }  # fmt: skip
        for t in themes
        if t.topic_id >= 0 and t.story_id is not None
    ]
    for r in (stories or {}).get("retired", ()):
        if r.get("retired") == now:
            rows.append(
                {
                    "story_id": r["story_id"], "status": r["status"], "topic": None, "label": r.get("label", ""),
                    "articles": r.get("articles", 0), "added": 0, "first_seen": r.get("first_seen", ""),
                    "last_updated": now, "first_date": "", "last_date": "", "merged_into": r.get("merged_into"),
                }  # fmt: skip
            )
    rank = {s: i for i, s in enumerate(STATUSES)}
    rows.sort(key=lambda r: (rank.get(r["status"], len(rank)), -int(r["added"]), int(r["story_id"])))
    frame = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    for column in ("story_id", "topic", "merged_into"):
        frame[column] = frame[column].astype("Int64")
    frame["articles"] = frame["articles"].astype("int64")
    frame["added"] = frame["added"].astype("int64")
    return frame
