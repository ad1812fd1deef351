"""The data model shared by the pipeline stages.

Each stage reads the previous stage's records and adds to them; records are
frozen, plain and serialisable (``dataclasses.asdict``), so a stage can never
reach back and change what an earlier stage produced.

    Document  -> one input file, row or string, decoded and newline-normalised
    Article   -> one article found in a Document (headline, outlet, time, span, body)
    Corpus    -> the documents and their articles (ingest), then their segments (segment)
    Segment   -> about a paragraph of an Article, with character offsets
    Theme     -> a story: the segments of the articles that report it
    Group     -> related stories under a broader label (when there are many)
    Digest    -> a theme's cited summary
    RunData   -> everything a run produced (the data of :class:`topicsum.Result`)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy
    import pandas
    from matplotlib.figure import Figure

    from ._config import Config

__all__ = [
    "ARTICLE_COLUMNS",
    "GROUP_COLUMNS",
    "TOPIC_COLUMNS",
    "Article",
    "Corpus",
    "Digest",
    "DigestSentence",
    "Document",
    "Group",
    "InputFile",
    "RunData",
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
    ``furniture`` are spans of it that the reader already knows are not
    article text (a web page's link blocks); the cleaner leaves them out.
    """

    doc_id: str
    source: str
    text: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    furniture: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Article:
    """One article of a document: a saved page often holds several.

    ``language`` is its ISO 639-1 code ("" when unknown); ``date`` the ISO day
    it was published ("" when that cannot be known; ``published`` keeps the
    date as the page wrote it).  ``blocks`` are
    its body's paragraph spans (offsets into the document's text), in blocks
    that removed furniture separates: what the segment stage cuts into segments.
    """

    article_id: str
    doc_id: str
    source: str
    headline: str
    outlet: str
    published: str
    start: int
    end: int
    duplicate_of: str | None = None
    language: str = ""
    date: str = ""
    blocks: tuple[tuple[tuple[int, int], ...], ...] = field(default=(), repr=False, compare=False)


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
    language: str = ""
    date: str = ""


#: Column order of segments.csv (the clustering stage appends topic columns).
SEGMENT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "doc_id",
    "article_id",
    "source",
    "headline",
    "outlet",
    "published",
    "date",
    "language",
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
    "date",
    "language",
    "start",
    "end",
    "duplicate_of",
)


#: Columns of ``Result.topics``.
TOPIC_COLUMNS: tuple[str, ...] = (
    "topic",
    "label",
    "keyword_label",
    "size",
    "share",
    "keywords",
    "representative_segment_ids",
    "article_ids",
    "outlets",
    "group",
    "group_label",
    "digest",
    "story_id",
    "status",
    "first_seen",
    "last_updated",
    "added",
    "first_date",
    "last_date",
)
#: Columns of ``Result.groups``.
GROUP_COLUMNS: tuple[str, ...] = ("group", "label", "size", "stories", "topics", "keywords")


@dataclass(frozen=True)
class Theme:
    """A theme: a group of segments with its description.

    ``topic_id`` is -1 for the outlier group.  ``keywords`` are (word, weight)
    pairs, best first.  ``story_id`` is the story's id in its output folder,
    kept from run to run (``None`` for the outlier group); ``status`` is
    ``new``, ``updated`` or ``unchanged`` against the run it continued,
    ``first_seen`` / ``last_updated`` the times of the runs that first saw
    and last changed it, ``added`` its articles new to this run, ``merged``
    the ids merged into it by this run, and ``first_date`` / ``last_date``
    the span of its articles' publication dates (ISO days; "" when unknown).
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
    story_id: int | None = None
    status: str = ""
    first_seen: str = ""
    last_updated: str = ""
    added: int = 0
    merged: tuple[int, ...] = ()
    first_date: str = ""
    last_date: str = ""


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


@dataclass
class Corpus:
    """The ingested corpus: documents and their articles, and once segmented, their segments.

    Attributes
    ----------
    articles : list of Article
        Sorted by (source, row, start).
    segments : list of Segment
        Sorted the same way; empty until the segment stage has run
        (:func:`topicsum.segment_corpus`).
    inputs : list of InputFile
        Files read, with sha256 (for run.json).
    skipped : list of Skipped
        Inputs (files or table rows) not used, with the reason.
    documents : list of dict
        Per document: doc_id, source and metadata (title/date/url/id); no text.
    texts : dict
        doc_id -> ``Document.text`` (what every offset indexes into).
    ranks : dict
        doc_id -> its place in the order the inputs were given (the first
        of two copies is the earlier one).

    Examples
    --------
    >>> from topicsum import load_corpus, segment_corpus
    >>> c = segment_corpus(load_corpus(texts={"a": "Headline here\\nThe body of the article is one sentence long."}))
    >>> c.segments_frame()[["source", "headline", "text"]].values.tolist()
    [['a', 'Headline here', 'The body of the article is one sentence long.']]
    """

    articles: list[Article]
    segments: list[Segment] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict, repr=False)
    ranks: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def segments_frame(self) -> pandas.DataFrame:
        """Segments as a DataFrame with columns exactly ``SEGMENT_COLUMNS``."""
        import pandas as pd

        return pd.DataFrame(
            {c: [getattr(s, c) for s in self.segments] for c in SEGMENT_COLUMNS}, columns=list(SEGMENT_COLUMNS)
        )

    def articles_frame(self) -> pandas.DataFrame:
        """Articles as a DataFrame with columns exactly ``ARTICLE_COLUMNS``."""
        import pandas as pd

        return pd.DataFrame(
            {c: [getattr(a, c) for a in self.articles] for c in ARTICLE_COLUMNS}, columns=list(ARTICLE_COLUMNS)
        )

    def document(self, doc_id: str) -> Document:
        """The :class:`Document` with this id (text included)."""
        meta = next(d for d in self.documents if d["doc_id"] == doc_id)
        extra = {k: v for k, v in meta.items() if k not in ("doc_id", "source")}
        return Document(doc_id, meta["source"], self.texts[doc_id], extra)


@dataclass
class RunData:
    """Everything a run produced: the data of :class:`topicsum.Result`, which adds the methods.

    Attributes
    ----------
    segments : pandas.DataFrame
        One row per segment: provenance columns (segment_id, doc_id,
        article_id, source, headline, outlet, published, date, language,
        start, end, duplicate_of, text) plus ``topic``, ``topic_label``,
        ``was_outlier`` and ``story_id``.
    articles : pandas.DataFrame
        One row per article, with its ``topic``, ``topic_label``,
        ``story_id`` and ``first_seen`` (the run that first saw it).
    topics : pandas.DataFrame
        One row per theme (a story): topic, label, keyword_label, size, share,
        keywords, representative_segment_ids, article_ids, outlets, group,
        group_label, digest, story_id, status, first_seen, last_updated,
        added, first_date, last_date.
    themes : list of Theme
        The same themes as records.
    digests : dict of int to Digest, or None
        Cited digests by topic id; ``None`` when summarisation was off.
    config : Config
        The configuration used.
    manifest : dict
        The content of run.json (versions, inputs, timings, counts...).
    embeddings : numpy.ndarray or None
        Segment embeddings aligned with ``segments`` rows.
    coords_2d : numpy.ndarray or None
        2-D map of the segments (aligned with ``segments`` rows).
    theme_model : ThemeModel or None
        The fitted theme model; ``.model`` is its BERTopic.
    groups : pandas.DataFrame or None
        Groups of related stories (group, label, size, stories, topics,
        keywords); empty when the run holds too few stories for groups.
    stories : dict or None
        topics.json's ``stories``: the folder's next story id, the ids that no
        longer stand alone (``retired``: merged or gone, with when), and the
        run this one continued (``continued``).
    """

    segments: pandas.DataFrame
    articles: pandas.DataFrame
    topics: pandas.DataFrame
    themes: list[Theme]
    digests: dict[int, Digest] | None
    config: Config
    manifest: dict[str, Any]
    embeddings: numpy.ndarray | None = None
    coords_2d: numpy.ndarray | None = None
    theme_model: Any = None
    groups: pandas.DataFrame | None = None
    _figures: dict[str, Figure] | None = field(default=None, repr=False)
    _model_problem: str | None = field(default=None, repr=False)  # why a loaded result has no model
    _model_state: str | None = field(default=None, repr=False)  # the model's fingerprint these tables match
    stories: dict[str, Any] | None = field(default=None, repr=False)  # topics.json's "stories": id counter, retired ids

    def __post_init__(self) -> None:
        if self.groups is None:
            import pandas as pd

            self.groups = pd.DataFrame(columns=list(GROUP_COLUMNS))
