"""The run's records as tables and JSON, both ways: ``Result.topics``, topics.json and the digest cache.

One serialiser per record, used by every writer and reader, so topics.json,
the digest cache and :func:`topicsum.load` can never drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .._types import GROUP_COLUMNS, TOPIC_COLUMNS, Digest, DigestSentence, Group, Theme

__all__ = [
    "GROUP_COLUMNS",
    "TOPIC_COLUMNS",
    "digest_from_json",
    "digest_to_json",
    "groups_frame",
    "groups_from_frame",
    "groups_from_json",
    "themes_from_json",
    "topics_frame",
    "topics_json",
]

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
                "group": t.group,
                "group_label": t.group_label,
                "digest": None if digest is None else digest.text,
                **_story_fields(t),
            }
        )
    frame = pd.DataFrame(rows, columns=list(TOPIC_COLUMNS))
    frame["group"] = frame["group"].astype("Int64")  # <NA>: no groups on a small corpus
    frame["story_id"] = frame["story_id"].astype("Int64")  # <NA>: the outlier group
    frame["added"] = frame["added"].astype("int64")
    return frame


def _story_fields(theme: Theme) -> dict[str, Any]:
    """A theme's story record (id, status, times, span), as ``Result.topics`` and topics.json hold it."""
    return {
        "story_id": theme.story_id, "status": theme.status, "first_seen": theme.first_seen,
        "last_updated": theme.last_updated, "added": theme.added, "first_date": theme.first_date,
        "last_date": theme.last_date,
    }  # fmt: skip


def groups_frame(groups: Sequence[Group]) -> pd.DataFrame:
    """One row per group of stories, the table behind ``Result.groups`` (empty without groups).

    Examples
    --------
    >>> groups_frame([Group(0, "Ukraine, Putin", (2, 0), 12)])[["group", "label", "stories"]].values.tolist()
    [[0, 'Ukraine, Putin', 2]]
    """
    rows = [
        {
            "group": g.group_id,
            "label": g.label,
            "size": g.size,
            "stories": len(g.topic_ids),
            "topics": list(g.topic_ids),
            "keywords": list(g.keywords),
        }
        for g in groups
    ]
    return pd.DataFrame(rows, columns=list(GROUP_COLUMNS))


def digest_to_json(digest: Digest) -> dict[str, Any]:
    """A digest's sentences, guard figures and label, as topics.json and the digest cache store them.

    Examples
    --------
    >>> d = Digest(0, (DigestSentence("It rained.", ("s1",), "extractive"),))
    >>> digest_from_json(0, digest_to_json(d)) == d
    True
    """
    return {
        "digest_sentences": [
            {"text": s.text, "segment_ids": list(s.segment_ids), "method": s.method} for s in digest.sentences
        ],
        "guard": {"generated": digest.generated, "kept": digest.kept, "replaced": digest.replaced},
        "llm_label": digest.label,
    }


def digest_from_json(topic_id: int, item: Mapping[str, Any]) -> Digest | None:
    """The :class:`Digest` stored by :func:`digest_to_json` (``None`` when ``item`` holds none)."""
    sentences = item.get("digest_sentences")
    if sentences is None:
        return None
    guard = item.get("guard") or {}
    return Digest(
        topic_id=topic_id,
        sentences=tuple(
            DigestSentence(text=s["text"], segment_ids=tuple(s["segment_ids"]), method=s["method"]) for s in sentences
        ),
        generated=int(guard.get("generated", 0)),
        kept=int(guard.get("kept", 0)),
        replaced=int(guard.get("replaced", 0)),
        label=item.get("llm_label"),
    )


def topics_json(
    themes: Sequence[Theme],
    digests: Mapping[int, Digest] | None,
    groups: Sequence[Group] = (),
    stories: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The content of topics.json (``stories``: the id counter and retired ids, :class:`~topicsum._types.RunData`).

    Examples
    --------
    >>> t = Theme(0, "Rail", (("rail", 0.5),), 1, ("s1",), ("a1",), ("s1",), keyword_label="rail")
    >>> themes_from_json(topics_json([t], None))[0] == (t, None)
    True
    """
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
            "group": t.group,
            "group_label": t.group_label,
            "segment_ids": list(t.segment_ids),
            **_story_fields(t),
            "merged": list(t.merged),
        }
        digest = digests.get(t.topic_id) if digests else None
        if digest is not None:
            item["digest"] = digest.text
            item.update(digest_to_json(digest))
        items.append(item)
    return {
        "themes": items,
        "groups": [
            {
                "id": g.group_id,
                "label": g.label,
                "size": g.size,
                "topic_ids": list(g.topic_ids),
                "keywords": [{"word": w, "weight": round(float(s), 6)} for w, s in g.keywords],
            }
            for g in groups
        ],
        "stories": dict(stories) if stories is not None else {"next_id": 1, "retired": [], "continued": None},
    }


def themes_from_json(data: Mapping[str, Any]) -> list[tuple[Theme, Digest | None]]:
    """The themes (and digests) of a topics.json, in file order."""
    out: list[tuple[Theme, Digest | None]] = []
    for item in data["themes"]:
        tid = int(item["id"])
        theme = Theme(
            topic_id=tid,
            label=item["label"],
            keywords=tuple((k["word"], float(k["weight"])) for k in item["keywords"]),
            size=int(item["size"]),
            segment_ids=tuple(item.get("segment_ids", ())),
            article_ids=tuple(item["article_ids"]),
            representative_segment_ids=tuple(item["representative_segment_ids"]),
            outlets=tuple(item.get("outlets", ())),
            share=float(item.get("share", 0.0)),
            keyword_label=item.get("keyword_label", item["label"]),
            group=item.get("group"),
            group_label=item.get("group_label", ""),
            story_id=None if item.get("story_id") is None else int(item["story_id"]),
            status=str(item.get("status", "")),
            first_seen=str(item.get("first_seen", "")),
            last_updated=str(item.get("last_updated", "")),
            added=int(item.get("added", 0)),
            merged=tuple(int(i) for i in item.get("merged", ())),
            first_date=str(item.get("first_date", "")),
            last_date=str(item.get("last_date", "")),
        )
        out.append((theme, digest_from_json(tid, item)))
    return out


def groups_from_frame(frame: pd.DataFrame | None) -> list[Group]:
    """The :class:`Group` records behind a ``Result.groups`` table (inverse of :func:`groups_frame`)."""
    if frame is None or not len(frame):
        return []
    return [
        Group(int(r["group"]), str(r["label"]), tuple(int(t) for t in r["topics"]), int(r["size"]),
              tuple((str(w), float(s)) for w, s in r["keywords"]))  # fmt: skip
        for r in frame.to_dict("records")
    ]


def groups_from_json(data: Mapping[str, Any]) -> list[Group]:
    """The groups of a topics.json (none in files written before groups existed)."""
    return [
        Group(
            group_id=int(g["id"]),
            label=g["label"],
            topic_ids=tuple(int(t) for t in g["topic_ids"]),
            size=int(g["size"]),
            keywords=tuple((k["word"], float(k["weight"])) for k in g.get("keywords", ())),
        )
        for g in data.get("groups", ())
    ]
