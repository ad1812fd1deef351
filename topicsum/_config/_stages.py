"""The per-stage configurations: one frozen dataclass per pipeline stage.

Each validates its values in ``__post_init__`` and raises
:class:`~topicsum._errors.ConfigError` with the valid choices, so a bad
value fails when the config is built, before any work.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import ConfigError

__all__ = [
    "REPORT_FORMATS",
    "STAGES",
    "ClusterConfig",
    "EmbedConfig",
    "IngestConfig",
    "LabelConfig",
    "ReportConfig",
    "SegmentConfig",
    "SummariseConfig",
]

def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    _check(value in choices, f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}.")


@dataclass(frozen=True)
class IngestConfig:
    """How inputs are read, cleaned of site furniture and split into articles.

    Parameters
    ----------
    text_column, title_column, date_column, url_column, id_column, outlet_column, captured_column : str
        Column (CSV, DataFrame) or key (JSONL) names.  Only ``text_column`` is
        required; the others are kept as metadata when present.  The date
        column becomes each row's publication date and the outlet column its
        outlet; the ``captured`` column, when the rows say when they were
        saved, resolves relative dates ("2 hours ago").
    encoding : str or None
        Force an encoding for text files; ``None`` detects it per file
        (UTF-8, UTF-8 with BOM, cp1252, Latin-1...).
    extra_furniture : tuple of str
        Extra regular expressions; a line or in-body passage matching one is
        dropped as site furniture.  Added to the built-in list.
    builtin_furniture : bool
        Use topicsum's documented built-in furniture patterns.
    repeated_line_min_docs : int
        A short line found in at least this many distinct documents is furniture.
    split_articles : bool
        Split saved pages into their articles (headline, outlet, time).

    Examples
    --------
    >>> IngestConfig(text_column="body").text_column
    'body'
    """

    text_column: str = "text"
    title_column: str = "title"
    date_column: str = "date"
    url_column: str = "url"
    id_column: str = "id"
    outlet_column: str = "outlet"
    captured_column: str = "captured"
    encoding: str | None = None
    extra_furniture: tuple[str, ...] = ()
    builtin_furniture: bool = True
    repeated_line_min_docs: int = 2
    split_articles: bool = True

    def __post_init__(self) -> None:
        _check(bool(self.text_column), "text_column must be a non-empty column name.")
        _check(self.repeated_line_min_docs >= 2, "repeated_line_min_docs must be at least 2.")


@dataclass(frozen=True)
class SegmentConfig:
    """How articles become segments, and how duplicates are found.

    Parameters
    ----------
    max_chars : int
        A paragraph longer than this is split into windows of whole sentences.
    max_sentences : int
        At most this many sentences per window.
    min_chars : int
        A fragment shorter than this is merged into a neighbouring segment.
    dedupe : bool
        Flag exact and near-duplicate segments and articles with ``duplicate_of``.
    near_duplicate_threshold : float
        Estimated Jaccard similarity (word shingles, MinHash) above which two
        segments are near-duplicates.

    Examples
    --------
    >>> SegmentConfig(max_chars=400).max_chars
    400
    """

    max_chars: int = 800
    max_sentences: int = 5
    min_chars: int = 150
    dedupe: bool = True
    near_duplicate_threshold: float = 0.8

    def __post_init__(self) -> None:
        _check(self.max_chars >= 50, "max_chars must be at least 50.")
        _check(self.max_sentences >= 1, "max_sentences must be at least 1.")
        _check(0 <= self.min_chars < self.max_chars, "min_chars must be between 0 and max_chars.")
        _check(0.0 < self.near_duplicate_threshold <= 1.0, "near_duplicate_threshold must be in (0, 1].")


@dataclass(frozen=True)
class EmbedConfig:
    """Which sentence embedder turns segments into vectors.

    Parameters
    ----------
    model : str
        ``"minilm"`` (the bundled all-MiniLM-L6-v2, offline), or any
        sentence-transformers model name or local folder.
    backend : str
        ``"torch"`` (sentence-transformers) or ``"onnx-int8"`` (an int8 ONNX
        export of the model, made once and cached; needs ``topicsum[onnx]``):
        1.7x faster here, but its activations are quantised per batch, so a
        text's vector shifts slightly with the texts it is batched with
        (cosine >= 0.993 measured); torch vectors by about 1e-7.
    batch_size : int
        Texts per forward pass.

    Examples
    --------
    >>> EmbedConfig().model
    'minilm'
    """

    model: str = "minilm"
    backend: str = "torch"
    batch_size: int = 32

    def __post_init__(self) -> None:
        _check(bool(self.model), "model must name an embedding model, e.g. 'minilm'.")
        _choice("backend", self.backend, ("torch", "onnx-int8"))
        _check(self.batch_size >= 1, "batch_size must be at least 1.")


@dataclass(frozen=True)
class ClusterConfig:
    """How segments are grouped into stories (the themes), and stories into groups.

    Parameters
    ----------
    n_topics : int or "auto"
        Number of stories wanted, or ``"auto"``: a story is articles whose
        average similarity reaches a threshold calibrated for the embedding
        model (see ``granularity``).
    granularity : float
        How fine the stories are (``"auto"`` only): 1.0 is one story per event
        a reader would name; above 1 finer (1.2: only close retellings of one
        event form a story), below 1 coarser (0.8: follow-ups and closely
        related events join; 0.5: topic-like).  Between 0.25 and 2.
    story_threshold : float or None
        The similarity threshold itself (0-1), overriding the calibration and
        ``granularity``.
    n_groups : int or "auto"
        Groups of related stories: ``"auto"`` forms 4-10 of them when there are
        more than 12 stories; an int asks for that many; 0 for none.
    min_topic_size : int or None
        Smallest story, in articles; smaller stories become outliers (theme
        -1).  ``None``: every story counts, one-article stories included.
    reduce_outliers : bool
        With ``min_topic_size``, an outlier article joins the most similar
        kept story when it reaches the story threshold; segments.csv keeps
        the original flag in ``was_outlier``.
    n_keywords : int
        Keywords kept per theme.
    ngram_max : int
        Longest keyword n-gram.
    stop_words : str
        Stop-word list for keywords (``"english"``).

    Examples
    --------
    >>> ClusterConfig(n_topics=6).n_topics
    6
    >>> ClusterConfig(granularity=3)
    Traceback (most recent call last):
    ...
    topicsum._errors.ConfigError: granularity must be between 0.25 and 2 (1 is one story per event; higher is finer), not 3.
    """

    n_topics: int | str = "auto"
    granularity: float = 1.0
    story_threshold: float | None = None
    n_groups: int | str = "auto"
    min_topic_size: int | None = None
    reduce_outliers: bool = True
    n_keywords: int = 10
    ngram_max: int = 2
    stop_words: str = "english"

    def __post_init__(self) -> None:
        n = self.n_topics
        _check(
            n == "auto" or (isinstance(n, int) and not isinstance(n, bool) and n >= 1),
            f"n_topics must be a positive integer or 'auto', not {n!r}.",
        )
        g = self.n_groups
        _check(
            g == "auto" or (isinstance(g, int) and not isinstance(g, bool) and g >= 0),
            f"n_groups must be 'auto', 0 (no groups) or a positive integer, not {g!r}.",
        )
        _check(
            isinstance(self.granularity, (int, float)) and 0.25 <= self.granularity <= 2,
            "granularity must be between 0.25 and 2 (1 is one story per event; higher is finer), "
            f"not {self.granularity!r}.",
        )
        _check(
            self.story_threshold is None or 0.0 < self.story_threshold < 1.0,
            f"story_threshold must be a similarity between 0 and 1, not {self.story_threshold!r}.",
        )
        _check(self.min_topic_size is None or self.min_topic_size >= 2, "min_topic_size must be at least 2.")
        _check(self.n_keywords >= 1, "n_keywords must be at least 1.")
        _check(self.ngram_max >= 1, "ngram_max must be at least 1.")


@dataclass(frozen=True)
class LabelConfig:
    """How stories and groups are described: their names and representative segments.

    Parameters
    ----------
    representatives : int
        Segments shown per story as representative (the closest to its centre).

    Examples
    --------
    >>> LabelConfig(representatives=5).representatives
    5
    """

    representatives: int = 3

    def __post_init__(self) -> None:
        _check(self.representatives >= 1, "representatives must be at least 1.")


@dataclass(frozen=True)
class SummariseConfig:
    """Which summariser writes each theme's digest, and how.

    Parameters
    ----------
    summariser : str
        ``"smollm2"`` (bundled SmolLM2-135M-Instruct, offline), ``"extractive"``
        (no model: chosen sentences only), ``"openai"`` (your own model behind
        an OpenAI-compatible server: Ollama, llama.cpp's server, vLLM, LM
        Studio; see ``llm_base_url``), ``"none"`` (skip digests), a local
        ``.gguf`` file, or any Hugging Face model name or local folder.
    engine : str
        For GGUF models: ``"auto"`` (llama.cpp when installed, else
        transformers), ``"transformers"`` or ``"llama.cpp"``.
    mode : str
        ``"hybrid"`` (the story's key sentences, opened by a generated
        sentence that says what happened when the guard keeps one),
        ``"extractive"`` (the key sentences only) or ``"abstractive"``
        (generated sentences, guarded, topped up with key sentences).
    digest_sentences : int
        Sentences per digest.
    max_new_tokens : int
        Generation budget per call.
    repetition_penalty : float
        Decoding repetition penalty (greedy decoding is always used).
    prompt_tokens : int
        Prompt budget in model tokens for the abstractive mode: the
        instruction plus as many of the theme's key sentences as fit.
    opening_tries : int
        Lead sentences the model may try to condense into the opening
        sentence before the digest opens with a quoted one.
    guard_threshold : float
        Cosine similarity a generated sentence needs to its closest source
        sentence to be kept by the faithfulness guard.
    llm_base_url, llm_model : str
        For ``summariser="openai"``: the server's address (else
        ``$TOPICSUM_LLM_BASE_URL`` or ``$OPENAI_BASE_URL``) and the model
        (else ``$TOPICSUM_LLM_MODEL``, else the first the server lists).  The
        API key is read from ``$TOPICSUM_LLM_API_KEY`` or ``$OPENAI_API_KEY``
        only, so it never reaches run.json.
    llm_timeout : float
        Seconds to wait for one answer of the server.
    llm_retries : int
        Further tries after a connection error, a timeout or HTTP 429/5xx.

    Examples
    --------
    >>> SummariseConfig(mode="extractive").mode
    'extractive'
    """

    summariser: str = "smollm2"
    engine: str = "auto"
    mode: str = "hybrid"
    digest_sentences: int = 5
    max_new_tokens: int = 96
    repetition_penalty: float = 1.1
    prompt_tokens: int = 512
    opening_tries: int = 5
    guard_threshold: float = 0.6
    llm_base_url: str = ""
    llm_model: str = ""
    llm_timeout: float = 60.0
    llm_retries: int = 2

    def __post_init__(self) -> None:
        _check(bool(self.summariser), "summariser must be 'smollm2', 'extractive', 'openai', 'none' or a model name.")
        _choice("engine", self.engine, ("auto", "transformers", "llama.cpp"))
        _choice("mode", self.mode, ("hybrid", "abstractive", "extractive"))
        _check(self.digest_sentences >= 1, "digest_sentences must be at least 1.")
        _check(self.max_new_tokens >= 8, "max_new_tokens must be at least 8.")
        _check(self.repetition_penalty >= 1.0, "repetition_penalty must be at least 1.0.")
        _check(self.prompt_tokens >= 64, "prompt_tokens must be at least 64.")
        _check(0 <= self.opening_tries <= 10, "opening_tries must be between 0 and 10.")
        _check(0.0 < self.guard_threshold < 1.0, "guard_threshold must be between 0 and 1.")
        _check(self.llm_timeout > 0, "llm_timeout must be a number of seconds above 0.")
        _check(0 <= self.llm_retries <= 10, "llm_retries must be between 0 and 10.")


REPORT_FORMATS = ("html", "pdf", "md")


@dataclass(frozen=True)
class ReportConfig:
    """Which reports are written, and how they look.

    Parameters
    ----------
    formats : tuple of str
        Any of ``"html"``, ``"pdf"``, ``"md"``; empty writes no report.
    template_dir : str or None
        A folder with your own Jinja2 templates (same names as the built-in ones).
    title : str
        Report title.
    figures : bool
        Draw the matplotlib figures.
    appendix_limit : int
        The reports' appendix lists every segment when the corpus has at most
        this many; above it, only the segments the digests cite and the
        representative ones (segments.csv always has them all).  0: no limit.
    pdf_appendix_limit : int
        The same limit for the PDF, lower so that a big run's PDF stays a
        readable length (0: no limit).

    Examples
    --------
    >>> ReportConfig(formats=("html", "md")).formats
    ('html', 'md')
    """

    formats: tuple[str, ...] = ("html", "pdf")
    template_dir: str | None = None
    title: str = "topicsum report"
    figures: bool = True
    appendix_limit: int = 2000
    pdf_appendix_limit: int = 500

    def __post_init__(self) -> None:
        for fmt in self.formats:
            _choice("formats", fmt, REPORT_FORMATS)
        for name in ("appendix_limit", "pdf_appendix_limit"):
            value = getattr(self, name)
            _check(
                isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                f"{name} must be a whole number of segments (0 for no limit).",
            )


#: The stages in pipeline order, by the name of their section in a config file.
STAGES: dict[str, type] = {
    "ingest": IngestConfig,
    "segment": SegmentConfig,
    "embed": EmbedConfig,
    "cluster": ClusterConfig,
    "label": LabelConfig,
    "summarise": SummariseConfig,
    "report": ReportConfig,
}
