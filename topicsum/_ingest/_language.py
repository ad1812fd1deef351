"""Which language an article is written in: the page's own metadata when it says, else py3langid.

py3langid (a maintained, offline re-packaging of langid.py) classifies the
article's first :data:`SAMPLE_CHARS` characters into an ISO 639-1 code.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

__all__ = ["SAMPLE_CHARS", "detect_language"]

logger = logging.getLogger(__name__)

#: Characters of an article's body the detector reads.
SAMPLE_CHARS = 2000
#: Below this many letters a text says too little to tell its language ("" is recorded).
MIN_LETTERS = 12


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    try:
        import py3langid
    except ImportError:  # pragma: no cover - a core dependency; without it languages stay unknown
        logger.info("py3langid is not installed; article languages are recorded only when a page states one")
        return None
    return py3langid


def detect_language(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``""`` when the text is too short to tell.

    Examples
    --------
    >>> detect_language("The central bank raised interest rates by half a point on Tuesday.")
    'en'
    >>> detect_language("東京で会議が開かれた。参加者は百人だった。")
    'ja'
    >>> detect_language("OK")
    ''
    """
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return ""
    identifier = _identifier()
    if identifier is None:
        return ""
    code, _ = identifier.classify(sample)
    return str(code)
