"""Fuzzing the loaders (hypothesis, derandomised, bounded): random bytes, encodings and markup never give a
traceback, and article text between furniture lines and teasers is never lost.

Every example is generated from a fixed seed (``derandomize=True``) and the
number of examples is bounded, so a run takes seconds and a failure comes
back the same way every time.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topicsum._errors import InputError, SkippedInputWarning
from topicsum import load_corpus as _load_corpus
from topicsum import segment_corpus


def load_corpus(*args, **kwargs):
    """Ingest and segment, as a run does."""
    return segment_corpus(_load_corpus(*args, **kwargs))
from topicsum._ingest._decode import Undecodable, decode_bytes, normalise_newlines
from topicsum._segment import normalise_ws

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _load_quietly(path: Path):
    """``load_corpus(path)``; the only allowed failure is InputError, the only allowed warning SkippedInputWarning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            corpus = load_corpus(path)
        except InputError:
            corpus = None
    unexpected = [w for w in caught if not issubclass(w.category, SkippedInputWarning)]
    assert not unexpected, [str(w.message) for w in unexpected]
    return corpus


@FUZZ
@given(data=st.binary(max_size=3000), ext=st.sampled_from([".txt", ".html", ".jsonl", ".csv", ".md"]))
def test_random_bytes_give_no_traceback(folder: Path, data: bytes, ext: str) -> None:
    path = folder / f"random{ext}"
    path.write_bytes(data)
    corpus = _load_quietly(path)
    if corpus is not None:
        assert all("\x00" not in s.text for s in corpus.segments)


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff") | st.sampled_from("\n\r\t"),
    max_size=400,
)
_ROUND_TRIP = ["utf-8", "utf-8-sig", "utf-16", "utf-32"]


@FUZZ
@given(text=_TEXT, encoding=st.sampled_from([*_ROUND_TRIP, "utf-16-le", "utf-16-be", "utf-32-be", "cp1252", "latin-1"]))
def test_random_encodings_decode_or_are_skipped(folder: Path, text: str, encoding: str) -> None:
    data = text.encode(encoding, errors="replace")
    try:
        decoded, used = decode_bytes(data)
    except Undecodable:
        assert encoding not in _ROUND_TRIP or not text.strip()
        return
    assert isinstance(decoded, str) and "\r" not in decoded
    if encoding in _ROUND_TRIP and text:
        assert decoded == normalise_newlines(text), used
    path = folder / "encoded.txt"
    path.write_bytes(data)
    _load_quietly(path)


_TAGS = ["p", "div", "span", "h1", "h2", "article", "script", "style", "a", "br", "li", "table", "td", "nav"]
_WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def _markup(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["text", "tag", "tag", "comment", "entity", "broken"]))
        if kind == "text":
            parts.append(draw(_WORDS))
        elif kind == "tag" and depth < 3:
            tag = draw(st.sampled_from(_TAGS))
            attr = draw(st.sampled_from(["", ' class="x"', " href='javascript:alert(1)'", ' data-x="<&>"', " lang=en"]))
            parts.append(f"<{tag}{attr}>{draw(_markup(depth + 1))}</{tag}>")
        elif kind == "comment":
            parts.append(f"<!-- {draw(_WORDS)} -->")
        elif kind == "entity":
            parts.append(draw(st.sampled_from(["&amp;", "&lt;", "&#0;", "&#x1F600;", "&bogus;", "&#99999999;"])))
        else:
            parts.append(draw(st.sampled_from(["<", ">", "</p>", "<div", "<![CDATA[", "<?xml ?>", "\x00", "\x0b"])))
    return "".join(parts)


@FUZZ
@given(body=_markup(), head=st.booleans())
def test_random_markup_gives_no_traceback(folder: Path, body: str, head: bool) -> None:
    page = f"<html><head><title>{body[:40]}</title></head><body>{body}</body></html>" if head else body
    path = folder / "page.html"
    path.write_text(page, encoding="utf-8", errors="surrogatepass")
    _load_quietly(path)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _WORDS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["text", "title", "date", "id", "x"]), inner, max_size=4),
    max_leaves=8,
)


@FUZZ
@given(rows=st.lists(_JSON, max_size=5), garbage=st.lists(_WORDS, max_size=2))
def test_random_json_lines_give_no_traceback(folder: Path, rows: list, garbage: list[str]) -> None:
    lines = [json.dumps(r) for r in rows] + garbage
    path = folder / "rows.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    _load_quietly(path)


# -- no article text lost between furniture ------------------------------------------------------------

SENTENCES = [
    "The river rose by two metres overnight and flooded the lower streets of the old town.",
    "Firefighters pumped water out of dozens of basements while residents carried furniture upstairs.",
    "The mayor said the clean-up would take several weeks and cost the council millions of pounds.",
    "Engineers will inspect the embankment next month to find out why the flood defences failed.",
    "Schools in the district stayed closed on Tuesday because buses could not reach the villages.",
    "Insurers expect thousands of claims from homeowners whose ground floors were under water.",
    "The weather service warned that more heavy rain could fall in the hills later in the week.",
    "Volunteers handed out sandbags at the town hall until the last of them had been collected.",
    "Two elderly people were rescued by boat from a care home near the swollen river on Monday.",
    "Local shops opened their doors to serve free hot drinks to everyone helping with the rescue.",
]
LINE_FURNITURE = [
    "Comments",
    "No comments yet...",
    "Related Articles",
    "Share this",
    "Advertisement",
    "Read more",
    "Sign up",
    "logo",
    "0:44",
    "DOWNLOAD THE APP",
    "More Trending",
    "Get in touch with our news team by emailing us at webnews@",
]
TEASERS = [
    "WATCH: Aerial footage of the flooded streets.",
    "MORE: Storm leaves thousands without power!",
    "RELATED: How the defences were built?",
    "SEE ALSO: Photos from the rescue.",
    "LISTEN: The mayor speaks to our reporter.",
    "READ MORE: Live updates on the flood.",
    "More Trending",
    "ADVERTISEMENT",
]


@st.composite
def _article(draw: st.DrawFn) -> tuple[list[str], str, str]:
    """Article sentences with furniture lines and teasers between them; returns (sentences, layout, text)."""
    sentences = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6, unique=True))
    layout = draw(st.sampled_from(["lines", "paragraphs", "one-line"]))
    pieces: list[str] = []
    for sentence in sentences:
        if layout != "one-line" and draw(st.booleans()):
            pieces.append("\n" + draw(st.sampled_from(LINE_FURNITURE)) + "\n")
        if draw(st.booleans()):
            pieces.append(" " + draw(st.sampled_from(TEASERS)) + " ")
        pieces.append(sentence)
        pieces.append({"lines": "\n", "paragraphs": draw(st.sampled_from([" ", "\n\n"])), "one-line": " "}[layout])
    if draw(st.booleans()):  # a teaser headline at the very end, without punctuation
        pieces.append(" MORE: Rescue teams stay on alert tonight")
    return sentences, layout, "".join(pieces)


@settings(FUZZ, max_examples=150)
@given(article=_article(), form=st.sampled_from(["txt", "jsonl", "csv"]))
def test_no_article_sentence_is_lost_between_furniture(folder: Path, article, form: str) -> None:
    sentences, layout, body = article
    if form == "txt":
        path = folder / "article.txt"
        path.write_text("Flood hits the old town\n\n" + body, encoding="utf-8")
    elif form == "jsonl":
        path = folder / "article.jsonl"
        path.write_text(json.dumps({"title": "Flood hits the old town", "text": body}) + "\n", encoding="utf-8")
    else:
        import pandas as pd

        path = folder / "article.csv"
        pd.DataFrame({"title": ["Flood hits the old town"], "text": [body]}).to_csv(path, index=False)
    corpus = load_corpus(path)
    kept = normalise_ws(" ".join(s.text for s in corpus.segments))
    lost = [s for s in sentences if s not in kept]
    assert not lost, (layout, body)
    for teaser in ("Aerial footage", "thousands without power", "defences were built", "Photos from the rescue"):
        assert teaser not in kept
