"""Shared helpers for the reports: colours, safe anchors, short labels, dates, centroids.

Everything here reads a :class:`~topicsum.Result` and returns plain Python
values; nothing here writes markup.  Untrusted text (article text, labels,
digests, sources) is returned as-is and escaped by whoever renders it.
"""

from __future__ import annotations

import colorsys
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .._types import RunData

__all__ = [
    "OUTLIER_COLOUR",
    "anchor_map",
    "parse_dates",
    "safe_id",
    "short_label",
    "theme_centroids",
    "theme_ids",
    "theme_label",
    "topic_colours",
]

#: Colour of the outlier group (topic -1) in every figure and in the text.
OUTLIER_COLOUR = "#9e9e9e"

# A qualitative palette with good contrast on white and no grey (grey means outliers):
# matplotlib's tab10 without its grey, then the lighter tab20 companions.
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#bcbd22", "#17becf",
    "#393b79", "#e6550d", "#31a354", "#843c39", "#7b4173",
    "#3182bd", "#a55194", "#637939", "#8c6d31", "#ad494a",
)  # fmt: skip

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")
# An absolute date names its year; "2 hours ago", "Yesterday" or "5h" do not.
_HAS_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")


def _extra_colour(k: int) -> str:
    """Colours beyond the palette: golden-ratio hues, mid saturation and lightness."""
    hue = (0.11 + k * 0.618033988749895) % 1.0
    r, g, b = colorsys.hls_to_rgb(hue, 0.45, 0.6)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def theme_ids(result: RunData) -> list[int]:
    """Topic ids of the real themes (not outliers), ordered by size, largest first, then by id."""
    topics = result.topics
    if topics is None or len(topics) == 0:
        return []
    rows = topics[topics["topic"] >= 0]
    order = sorted(zip(rows["topic"].astype(int), rows["size"].astype(int)), key=lambda p: (-p[1], p[0]))
    return [t for t, _ in order]


def topic_colours(result: RunData) -> dict[int, str]:
    """One colour per topic id, shared by every figure and by the HTML text.

    Themes are coloured in id order from a qualitative palette without grey;
    the outlier group (-1) is always grey.

    Examples
    --------
    >>> colours = topic_colours(result)
    >>> colours[-1]
    '#9e9e9e'
    """
    ids: set[int] = set()
    if result.topics is not None and len(result.topics):
        ids.update(int(t) for t in result.topics["topic"])
    if result.segments is not None and "topic" in result.segments and len(result.segments):
        ids.update(int(t) for t in result.segments["topic"])
    out: dict[int, str] = {}
    for k, tid in enumerate(sorted(t for t in ids if t >= 0)):
        out[tid] = _PALETTE[k] if k < len(_PALETTE) else _extra_colour(k - len(_PALETTE))
    out[-1] = OUTLIER_COLOUR
    return out


def short_label(text: Any, limit: int = 48) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis.

    Examples
    --------
    >>> short_label("a very long label " * 5, 20)
    'a very long label a…'
    """
    s = " ".join(str("" if text is None else text).split())
    if len(s) <= limit:
        return s
    return s[: max(1, limit - 1)].rstrip() + "…"


def theme_label(result: RunData, topic: int) -> str:
    """The label of a topic id (``"outliers"`` for -1, ``"theme N"`` when unknown)."""
    topics = result.topics
    if topics is not None and len(topics):
        hit = topics.loc[topics["topic"] == topic, "label"]
        if len(hit) and isinstance(hit.iloc[0], str) and hit.iloc[0].strip():
            return hit.iloc[0]
    return "outliers" if topic < 0 else f"theme {topic}"


def safe_id(value: Any) -> str:
    """``value`` reduced to the characters ``[A-Za-z0-9_-]`` (for HTML ids and #fragments).

    Examples
    --------
    >>> safe_id('a"b><script>')
    'a-b-script-'
    """
    s = _UNSAFE_ID.sub("-", str(value))
    return s or "x"


def anchor_map(segment_ids: Iterable[Any]) -> dict[str, str]:
    """Map every segment id to a unique, sanitised anchor ``seg-<id>``.

    Two ids that sanitise to the same text get numbered suffixes, so every
    citation link lands on exactly one segment.

    Examples
    --------
    >>> anchor_map(["a/b", "a?b", "c"])
    {'a/b': 'seg-a-b', 'a?b': 'seg-a-b-2', 'c': 'seg-c'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for sid in segment_ids:
        key = str(sid)
        if key in out:
            continue
        base = f"seg-{safe_id(key)}"
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        out[key] = anchor
    return out


def parse_dates(values: Sequence[Any] | pd.Series) -> pd.Series:
    """Parse absolute dates; relative or unparseable values become ``NaT``.

    Only values that name a year count ("2 hours ago", "Yesterday" and "5h"
    are not dates).  Returns a UTC ``datetime64`` Series aligned with ``values``.

    Examples
    --------
    >>> parse_dates(["2024-03-01", "2 hours ago", "", "5 March 2024 10:00"]).dt.day.tolist()
    [1.0, nan, nan, 5.0]
    """
    series = pd.Series(list(values), dtype="object")
    text = series.map(lambda v: v.strip() if isinstance(v, str) else "")
    keep = text.map(lambda s: bool(s) and bool(_HAS_YEAR.search(s)))
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
    for i in np.flatnonzero(keep.to_numpy()):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas' format-guessing chatter
                ts = pd.to_datetime(text.iloc[i], utc=True)
        except (ValueError, TypeError, OverflowError):
            continue
        if ts is not pd.NaT and 1800 <= ts.year <= 2199:
            out.iloc[i] = ts
    return out


def unique_mask(segments: pd.DataFrame) -> np.ndarray:
    """Boolean mask of segments that are not duplicates of another segment."""
    if "duplicate_of" not in segments:
        return np.ones(len(segments), dtype=bool)
    dup = segments["duplicate_of"]
    return ~dup.map(lambda v: isinstance(v, str) and bool(v)).to_numpy(dtype=bool)


def theme_centroids(result: RunData) -> tuple[list[int], np.ndarray] | None:
    """Unit-length mean embedding of each theme's unique segments, themes ordered as :func:`theme_ids`.

    ``None`` when the result has no embeddings or no themes.
    """
    emb = result.embeddings
    segs = result.segments
    if emb is None or segs is None or len(segs) == 0:
        return None
    emb = np.asarray(emb, dtype=np.float64)
    if emb.ndim != 2 or emb.shape[0] != len(segs):
        return None
    topics = segs["topic"].to_numpy(dtype=np.int64)
    uniq = unique_mask(segs)
    ids, rows = [], []
    for tid in theme_ids(result):
        mask = (topics == tid) & uniq
        if not mask.any():
            mask = topics == tid
        if not mask.any():
            continue
        vec = np.nan_to_num(emb[mask]).mean(axis=0)
        norm = np.linalg.norm(vec)
        ids.append(tid)
        rows.append(vec / norm if norm > 0 else vec)
    if not ids:
        return None
    return ids, np.vstack(rows)
