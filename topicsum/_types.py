"""The data model shared by the pipeline stages.

Each stage reads the previous stage's records and adds to them; records are
frozen, plain and serialisable (``dataclasses.asdict``), so a stage can never
reach back and change what an earlier stage produced.

    Document  -> one input file, row or string, decoded and newline-normalised
    Article   -> one article found in a Document (headline, outlet, time, span)
    Segment   -> about a paragraph of an Article, with character offsets
    Theme     -> a story: the segments of the articles that report it
    Group     -> related stories under a broader label (when there are many)
    Digest    -> a theme's cited summary
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "ARTICLE_COLUMNS",
    "Article",
    "Digest",
    "DigestSentence",
    "Document",
    "Group",
    "InputFile",
    "SEGMENT_COLUMNS",
    "Segment",
    "Skipped",
    "Theme",
]


@dataclass(frozen=True)
class InputFile:
    """A file that was read: its path as given, size and content hash (for run.json)."""

    source: str
    sha256: str
    bytes: int
    encoding: str | None = None


@dataclass(frozen=True)
class Skipped:
    """An input that was not used, and why (named in run.json and in a warning)."""

    source: str
    reason: str


@dataclass(frozen=True)
class Document:
    """One input unit: a file, a CSV/JSONL row, a DataFrame row or a string.

    ``text`` is the decoded text with newlines normalised to ``\\n``; every
    offset in :class:`Article` and :class:`Segment` indexes into it.
    """

    doc_id: str
    source: str
    text: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Article:
    """One article of a document: a saved page often holds several."""

    article_id: str
    doc_id: str
    source: str
    headline: str
    outlet: str
    published: str
    start: int
    end: int
    duplicate_of: str | None = None


@dataclass(frozen=True)
class Segment:
    """About a paragraph of one article: the unit that is embedded and clustered.

    ``text`` equals ``document.text[start:end]`` with runs of whitespace
    collapsed to one space.  ``duplicate_of`` names the segment_id of the first
    copy when this segment is an exact or near duplicate.
    """

    segment_id: str
    article_id: str
    doc_id: str
    source: str
    headline: str
    outlet: str
    published: str
    start: int
    end: int
    text: str
    duplicate_of: str | None = None


#: Column order of segments.csv (the clustering stage appends topic columns).
SEGMENT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "doc_id",
    "article_id",
    "source",
    "headline",
    "outlet",
    "published",
    "start",
    "end",
    "duplicate_of",
    "text",
)

#: Column order of articles.csv (the clustering stage appends the theme columns).
ARTICLE_COLUMNS: tuple[str, ...] = (
    "article_id",
    "doc_id",
    "source",
    "headline",
    "outlet",
    "published",
    "start",
    "end",
    "duplicate_of",
)


@dataclass(frozen=True)
class Theme:
    """A theme: a group of segments with its description.

    ``topic_id`` is -1 for the outlier group.  ``keywords`` are (word, weight)
    pairs, best first.
    """

    topic_id: int
    label: str
    keywords: tuple[tuple[str, float], ...]
    size: int
    segment_ids: tuple[str, ...]
    article_ids: tuple[str, ...]
    representative_segment_ids: tuple[str, ...]
    outlets: tuple[str, ...] = ()
    share: float = 0.0
    keyword_label: str = ""
    group: int | None = None
    group_label: str = ""


@dataclass(frozen=True)
class Group:
    """Related stories gathered under one broader label ("War in Ukraine").

    Groups exist only when a run holds more than a dozen or so stories;
    ``topic_ids`` are the stories (themes) it gathers, largest first.
    """

    group_id: int
    label: str
    topic_ids: tuple[int, ...]
    size: int
    keywords: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class DigestSentence:
    """One sentence of a digest and the segments that support it."""

    text: str
    segment_ids: tuple[str, ...]
    method: str  # "generated" | "extractive"


@dataclass(frozen=True)
class Digest:
    """A theme's digest: cited sentences plus the guard's statistics."""

    topic_id: int
    sentences: tuple[DigestSentence, ...]
    generated: int = 0
    kept: int = 0
    replaced: int = 0
    label: str | None = None

    @property
    def text(self) -> str:
        """The digest as one paragraph."""
        return " ".join(s.text for s in self.sentences)
