"""Publication dates as ISO dates, where they can be known; never guessed.

An article's date is written as its page wrote it (``Article.published``:
"22 minutes ago", "Published 3 March 2025", "2025-08-12T09:00:00Z") and, when
it can be known, as an ISO day (``Article.date``: "2025-08-12"), read by
dateparser:

* an absolute date counts with its day, month and year (dateparser's
  strict parsing);
* a relative one ("22 minutes ago", "yesterday") and a day without its year
  ("Published 3 March") are resolved against the time the page was saved,
  when the page says it (a SingleFile or Save Page WE comment, a ``captured``
  column of a table): the year is the capture's, or the one before when that
  day comes after the capture (a page does not report the future).
  Without a capture time they stay as written.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import datetime, timezone

__all__ = ["capture_time", "iso_date", "timestamp"]

logger = logging.getLogger(__name__)

_LABEL = re.compile(
    r"^\s*(?:(?:first |last )?(?:published|updated|posted|modified|date|dated|veröffentlicht|aktualisiert|publié|"
    r"publicado|actualizado|pubblicato)(?: (?:on|at|am|le|el|il))?\s*:?\s*)+",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?:ago|yesterday|today|just now|vor \d|gestern|heute|hier|aujourd'hui|il y a|hace|ayer|hoy|fa)\b", re.IGNORECASE
)
_SINGLEFILE = re.compile(r"saved date:\s*([^\n>]{6,80}?)\s*(?:\n|-->)", re.IGNORECASE)
_SAVEPAGE = re.compile(r"<meta[^>]+name=[\"']savepage-date[\"'][^>]+content=[\"']([^\"']{6,80})[\"']", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, strict: bool, base: str, language: str, day_month: bool = False) -> datetime | None:
    """dateparser on ``text``: ``strict`` wants day, month and year; ``day_month`` day and month (the year
    from ``base``, never after it); ``base`` resolves relative dates."""
    import dateparser

    settings: dict[str, object] = {"STRICT_PARSING": strict, "PREFER_DATES_FROM": "past",
                                   "RETURN_AS_TIMEZONE_AWARE": False}  # fmt: skip
    if day_month:
        settings["REQUIRE_PARTS"] = ["day", "month"]
    if base:
        settings["RELATIVE_BASE"] = datetime.fromisoformat(base)
    languages = [language] if language else None
    try:
        return dateparser.parse(text, settings=settings, languages=languages)
    except (ValueError, TypeError, OverflowError, LookupError):  # an unsupported language code, odd input
        return None if not languages else _parse(text, strict, base, "", day_month)


def timestamp(value: str) -> str:
    """A capture time as given (ISO, or anything dateparser reads) as an ISO timestamp; ``""`` when unreadable.

    Examples
    --------
    >>> timestamp("2025-08-12 10:15"), timestamp("not a time")
    ('2025-08-12T10:15:00', '')
    """
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    try:
        found: datetime | None = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        found = _parse(text, False, "", "")
    if found is None:
        return ""
    if found.tzinfo is not None:
        found = found.astimezone(timezone.utc).replace(tzinfo=None)
    return found.replace(microsecond=0).isoformat()


def iso_date(written: str, captured: str = "", language: str = "") -> str:
    """The ISO day of a date as a page wrote it, or ``""`` when it cannot be known.

    Examples
    --------
    >>> iso_date("Published 3 March 2025"), iso_date("2025-08-12T09:00:00Z"), iso_date("3 March")
    ('2025-03-03', '2025-08-12', '')
    >>> iso_date("22 minutes ago"), iso_date("22 minutes ago", captured="2025-08-12T00:10:00")
    ('', '2025-08-11')
    >>> iso_date("Published 3 March", captured="2025-08-12"), iso_date("3 December", captured="2025-08-12")
    ('2025-03-03', '2024-12-03')
    """
    text = _LABEL.sub("", " ".join(str(written or "").split()))
    if not text or not any(ch.isdigit() for ch in text) and not _RELATIVE.search(text):
        return ""
    relative = bool(_RELATIVE.search(text))
    if relative and not captured:
        return ""  # "2 hours ago", but the page does not say when it was saved: never guessed
    code = language if language and len(language) == 2 else ""
    base = timestamp(captured) if captured else ""
    found = _parse(text, not relative, base if relative else "", code)
    if found is None and not relative and base:  # "3 March": the year of the capture, or the one before
        found = _parse(text, False, base, code, day_month=True)
    if found is None or not 1800 <= found.year <= 2200:
        return ""
    if found.tzinfo is not None:
        found = found.astimezone(timezone.utc).replace(tzinfo=None)
    return found.date().isoformat()


def capture_time(html: str | bytes) -> str:
    """When a saved page was saved, as an ISO timestamp (UTC), when the page says it (else ``""``).

    Examples
    --------
    >>> capture_time('<!-- Page saved with SingleFile \\n url: https://x.test/ \\n saved date: Tue Aug 12 2025 10:15:03 GMT+0000 (UTC) \\n-->')
    '2025-08-12T10:15:03'
    """
    head = html[:20000].decode("utf-8", "replace") if isinstance(html, bytes) else html[:20000]
    m = _SINGLEFILE.search(head) or _SAVEPAGE.search(head)
    if not m:
        return ""
    return timestamp(re.sub(r"\s*\([^)]*\)\s*$", "", m.group(1).strip()))  # "(Central European Summer Time)"
