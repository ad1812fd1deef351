"""Formatting values for the reports (numbers, shares, seconds, cells, outlet lists); shared by every renderer.

Plain text in, plain text out: escaping is the renderer's job.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["breakable", "count", "int_or_none", "num", "pct", "secs", "text", "who_line"]

_LONG_TOKEN = re.compile(r"\S{%d,}" % 60)


def pct(value: Any, digits: int = 0) -> str:
    """A share as a percentage.

    Examples
    --------
    >>> pct(0.1234), pct(0.1234, 1), pct(None)
    ('12%', '12.3%', '')
    """
    try:
        return f"{float(value) * 100:.{digits}f}%"
    except (TypeError, ValueError):
        return ""


def secs(value: Any) -> str:
    """A duration for a reader.

    Examples
    --------
    >>> secs(0.25), secs(12.34), secs(185)
    ('250 ms', '12.3 s', '3 min 5 s')
    """
    try:
        s = float(value)
    except (TypeError, ValueError):
        return ""
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    return f"{int(s // 60)} min {s % 60:.0f} s"


def num(value: Any) -> str:
    """A whole number with thousands separators.

    Examples
    --------
    >>> num(12345), num("x")
    ('12,345', 'x')
    """
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``3 segments``, ``1 segment`` (``plural`` where adding "s" is wrong).

    Examples
    --------
    >>> count(1, "theme"), count(2500, "segment"), count(2, "story", "stories")
    ('1 theme', '2,500 segments', '2 stories')
    """
    return f"{num(n)} {noun if n == 1 else (plural or noun + 's')}"


def text(value: Any) -> str:
    """A table cell as text: None and NaN become ''.

    Examples
    --------
    >>> text(None), text(float("nan")), text("BBC")
    ('', '', 'BBC')
    """
    if value is None:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def int_or_none(value: Any) -> int | None:
    """A cell as an int, or ``None``.

    Examples
    --------
    >>> int_or_none("12"), int_or_none(None)
    (12, None)
    """
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def breakable(value: Any, every: int = 30) -> str:
    """``value`` with a zero-width space every ``every`` characters inside tokens of 60+ characters.

    Used for the PDF, where a long unbroken token (a URL, a run of
    characters) would otherwise make line breaking slow.  Returns plain text
    (still escaped by Jinja2).

    Examples
    --------
    >>> breakable("a" * 61, 30).count("\\u200b")
    2
    """
    s = "" if value is None else str(value)
    if len(s) < 60:
        return s
    return _LONG_TOKEN.sub(lambda m: "\u200b".join(m.group(0)[i : i + every] for i in range(0, len(m.group(0)), every)), s)


def who_line(outlets: list[dict[str, Any]], limit: int = 4) -> str:
    """The outlets of a story by name, with their number of articles when more than one: "BBC (2), Reuters, AP".

    Examples
    --------
    >>> who_line([{"name": "BBC", "count": 2}, {"name": "Reuters", "count": 1}, {"name": "AP", "count": 1}])
    'BBC (2), Reuters, AP'
    >>> who_line([{"name": f"Outlet {i}", "count": 1} for i in range(6)])
    'Outlet 0, Outlet 1, Outlet 2, Outlet 3 and 2 more'
    """
    shown = [o["name"] + (f" ({o['count']})" if (o.get("count") or 0) > 1 else "") for o in outlets[:limit]]
    more = len(outlets) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
