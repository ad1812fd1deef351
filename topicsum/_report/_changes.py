"""What the report says about time: "What's new since the previous run", and each story's span and status.

Plain values for every renderer, like :mod:`._view`; nothing here writes
markup, and article text, names and headlines are left unescaped for the
renderer to escape.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ._common import short_label
from ._format import text

if TYPE_CHECKING:  # pragma: no cover
    from .._types import RunData

__all__ = ["NEW_ARTICLES_SHOWN", "changes_view", "day_span", "run_time"]

#: New articles named under an updated story in "What's new" (the story's section lists them all).
NEW_ARTICLES_SHOWN = 5


def run_time(value: str) -> str:
    """A run's time (ISO) for a reader: "2 December 2026, 14:29 UTC"; the value itself when unreadable.

    Examples
    --------
    >>> run_time("2026-12-02T14:29:30+00:00"), run_time("later")
    ('2 December 2026, 14:29 UTC', 'later')
    """
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    zone = " UTC" if when.utcoffset() is not None and not when.utcoffset() else ""
    return f"{when.day} {when:%B %Y, %H:%M}{zone}"


def day_span(first: str, last: str) -> str:
    """The span of two ISO days for a reader: "12-14 March 2025", "30 March - 2 April 2025", "" when unknown.

    Examples
    --------
    >>> day_span("2025-03-12", "2025-03-14"), day_span("2025-03-30", "2025-04-02"), day_span("2025-03-12", "2025-03-12")
    ('12–14 March 2025', '30 March – 2 April 2025', '12 March 2025')
    >>> day_span("2024-12-30", "2025-01-02"), day_span("", "")
    ('30 December 2024 – 2 January 2025', '')
    """
    try:
        a, b = date.fromisoformat(str(first)), date.fromisoformat(str(last or first))
    except ValueError:
        return ""
    if a == b:
        return f"{a.day} {a:%B %Y}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {b:%B %Y}"
    if a.year == b.year:
        return f"{a.day} {a:%B} – {b.day} {b:%B %Y}"
    return f"{a.day} {a:%B %Y} – {b.day} {b:%B %Y}"


def changes_view(result: RunData, themes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """"What's new since <previous run>": new stories, updated ones with their new articles, the unchanged
    ones, and the ids merged or gone; ``None`` for a run that continued none.

    ``themes`` are the report's story views (:func:`~._view.report_view`),
    which carry each story's id, status, anchor and articles.
    """
    stories = result.stories or {}
    previous = stories.get("continued")
    if not previous:
        return None
    now = str((result.manifest or {}).get("created", ""))
    anchor_of = {t["story_id"]: t["anchor"] for t in themes if t.get("story_id") is not None}
    by_status: dict[str, list[dict[str, Any]]] = {"new": [], "updated": [], "unchanged": []}
    for t in themes:
        if t.get("status") in by_status:
            by_status[t["status"]].append(_story_ref(t))
    for key in ("new", "updated"):
        by_status[key].sort(key=lambda r: (-r["added"], r["story_id"]))
    retired = []
    for r in stories.get("retired", ()):
        if r.get("retired") != now:
            continue
        into = r.get("merged_into")
        retired.append(
            {
                "story_id": int(r["story_id"]), "status": text(r.get("status")), "label": text(r.get("label")),
                "short": short_label(text(r.get("label")), 90), "merged_into": into,
                "into_anchor": anchor_of.get(into) if into is not None else None,
            }  # fmt: skip
        )
    counts = (result.manifest or {}).get("changes") or {}
    return {
        "since": run_time(text(previous.get("created"))),
        **by_status,
        "retired": retired,
        "articles_added": int(counts.get("articles_added", sum(r["added"] for r in by_status["new"] + by_status["updated"]))),
        "articles_removed": int(counts.get("articles_removed", 0)),
    }


def _story_ref(t: dict[str, Any]) -> dict[str, Any]:
    shown = [a for a in t["articles"] if a.get("new")][:NEW_ARTICLES_SHOWN]  # new articles come first
    added = int(t.get("added") or 0)
    return {
        "story_id": t["story_id"], "anchor": t["anchor"], "label": t["label"], "short": t["toc_label"],
        "colour": t["colour"], "added": added, "articles": t["n_articles"], "span": t["span"],
        "new_articles": shown, "more_new": max(0, added - len(shown)), "compact": bool(t.get("compact")),
    }  # fmt: skip
