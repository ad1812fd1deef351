"""Ingestion: loaders, encodings, cleaning, article splitting, offsets, duplicates, bad input."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from topicsum._config import IngestConfig, SegmentConfig
from topicsum._errors import InputError, SkippedInputWarning
from topicsum._ingest import Cleaner, Corpus
from topicsum._ingest import load_corpus as _load_corpus
from topicsum._segment import normalise_ws, segment_corpus
from topicsum._types import ARTICLE_COLUMNS, SEGMENT_COLUMNS, Document

FIXTURES = Path(__file__).parent / "fixtures"


def load_corpus(*args, segment_config=None, **kwargs) -> Corpus:
    """Ingest and segment, as a run does: the two stages these tests check together."""
    return segment_corpus(_load_corpus(*args, **kwargs), segment_config)

BODY = (
    "The city council approved a new budget on Tuesday after a long debate about schools and roads. "
    "Officials said the plan would raise spending on public transport by ten percent next year.\n"
    "Opposition members argued that the increase was too small to fix the ageing bus fleet, "
    "and promised to bring the matter back before the summer recess."
)

SEED_FURNITURE = [
    "Try Our AI Features",
    "Explore what Daily8 AI can do for you:",
    "Comments",
    "No comments yet...",
    "Related Articles",
    "DOWNLOAD THE APP",
    "Get Started Now: Download the App",
    "Ready to dive into",
    "Download Daily8 app today",
    "app-storeplay-store",
    "Orange background",
    "logo",
    "0:44",
    "To view this video please enable JavaScript",
    "consider upgrading to a web browser that supports HTML5 video",
    "More Trending",
    "Get in touch with our news team",
    "webnews@",
    "For more stories like this, check our news page.",
    "MORE:",
    "One of Putin's cannibal soldiers",
    "Sign up to This is Europe",
    "after newsletter promotion",
]

# As found in the seed files (quote characters exactly as in the files).
SEED_ARTICLES = [
    ("000", "Inside North Koreans' brutal lives in Russia with 22hour days and 'brainwashing'", "", ""),
    (
        "000",
        "Putin sends his own dead soldiers to Ukraine in 'disdain for fallen troops'",
        "Daily Mirror",
        "22 minutes ago",
    ),
    ("000", "Putin tells Russians 'the whole of Ukraine is ours' in 'disdainful' speech", "Metro", "2 hours ago"),
    (
        "000",
        "Ukraine ‘received at least 20 bodies of Russian soldiers in recent exchanges'",
        "South Wales Guardian",
        "3 hours ago",
    ),
    ("003", "North Koreans ‘worked like slaves' to make up for Russian losses in Ukraine", "Independent", "a day ago"),
    ("003", "Russia clamps down on WhatsApp and Telegram over data sharing", "The Guardian", "25 minutes ago"),
    (
        "003",
        "If Trump sticks to the script at Putin summit there may be a ceasefire in Ukraine",
        "Sky News",
        "an hour ago",
    ),
    ("003", "At least 26 people killed as boat carrying migrants capsizes off Italy", "ITV News", "an hour ago"),
]


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def article_text(headline: str = "Council approves budget") -> str:
    return f"{headline}\n\n{BODY}\n"


# ---------------------------------------------------------------------------
# the seeds


def test_seed_articles_headlines_outlets_and_times(seed_corpus: Corpus) -> None:
    found = [(Path(a.source).name[:3], a.headline, a.outlet, a.published) for a in seed_corpus.articles]
    assert found == SEED_ARTICLES


def test_seed_segment_count_and_every_article_has_segments(seed_corpus: Corpus) -> None:
    assert 50 <= len(seed_corpus.segments) <= 120
    ids = {s.article_id for s in seed_corpus.segments}
    assert ids == {a.article_id for a in seed_corpus.articles}


@pytest.mark.parametrize("furniture", SEED_FURNITURE)
def test_seed_furniture_absent_from_segments(seed_corpus: Corpus, furniture: str) -> None:
    hits = [s.text for s in seed_corpus.segments if furniture in s.text]
    if furniture in ("Comments", "logo"):  # whole-line furniture; as words they may occur in prose
        hits = [h for h in hits if h.strip() == furniture]
    assert hits == []


def test_in_body_furniture_removed_but_neighbouring_sentences_kept(seed_corpus: Corpus) -> None:
    texts = [s.text for s in seed_corpus.segments]
    assert any(t.startswith("He's used the annual forum") for t in texts)
    assert any(t.endswith("allowing the country to reduce its reliance on oil and gas exports.") for t in texts)
    assert any(t.startswith("Vladimir Putin promised 'catastrophic' consequences") for t in texts)
    assert any(t.startswith("The UK's prime minister was especially positive") for t in texts)
    assert any(t.endswith("could spiral in an unplanned way have significantly reduced.") for t in texts)
    assert any(
        t.endswith("The messenger has received some penalties for failing to remove information banned by Russia.")
        for t in texts
    )
    assert any(
        t.startswith("Gorelkin last month said that WhatsApp should prepare to leave the market.") for t in texts
    )
    assert any(t.endswith("with cutting-edge equipment,' he claimed.") for t in texts)


def test_headlines_are_not_in_body_segments(seed_corpus: Corpus) -> None:
    for art in seed_corpus.articles:
        assert not any(art.headline in s.text for s in seed_corpus.segments), art.headline


def test_seed_offsets_index_into_document_text(seed_corpus: Corpus) -> None:
    for seg in seed_corpus.segments:
        text = seed_corpus.texts[seg.doc_id]
        assert normalise_ws(text[seg.start : seg.end]) == seg.text
        assert seg.text and not seg.text[0].isspace()
    for art in seed_corpus.articles:
        segs = [s for s in seed_corpus.segments if s.article_id == art.article_id]
        assert art.start <= min(s.start for s in segs) and max(s.end for s in segs) <= art.end


def test_frames_have_the_contract_columns(seed_corpus: Corpus) -> None:
    assert tuple(seed_corpus.segments_frame().columns) == SEGMENT_COLUMNS
    assert tuple(seed_corpus.articles_frame().columns) == ARTICLE_COLUMNS
    assert len(seed_corpus.segments_frame()) == len(seed_corpus.segments)
    assert [i.source for i in seed_corpus.inputs] == [d["source"] for d in seed_corpus.documents]
    assert all(len(i.sha256) == 64 for i in seed_corpus.inputs)
    assert all("text" not in d for d in seed_corpus.documents)


def test_segment_ids_stable_and_order_independent(seeds_dir: Path, seed_corpus: Corpus) -> None:
    files = sorted(seeds_dir.iterdir())
    again = load_corpus(list(reversed(files)))
    forward = load_corpus(files)
    pd.testing.assert_frame_equal(forward.segments_frame(), again.segments_frame())
    pd.testing.assert_frame_equal(forward.articles_frame(), again.articles_frame())
    assert [s.segment_id for s in forward.segments] == [s.segment_id for s in load_corpus(files).segments]
    assert len({s.segment_id for s in seed_corpus.segments}) == len(seed_corpus.segments)


def test_seed_sources_are_paths_as_given(seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(seeds_dir.parent)
    corpus = load_corpus("seeds")
    assert {s.source for s in corpus.segments} == {"seeds/000_507cb2b09f16eff4.txt", "seeds/003_c290026e26d6f3dd.txt"}


# ---------------------------------------------------------------------------
# duplicates


def test_copied_file_points_to_the_original(seeds_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copy(seeds_dir / "003_c290026e26d6f3dd.txt", tmp_path / "zzz_copy.txt")
    corpus = load_corpus([seeds_dir, copy])
    originals = {s.segment_id: s for s in corpus.segments if s.source != str(copy)}
    copied = [s for s in corpus.segments if s.source == str(copy)]
    assert copied and all(s.duplicate_of in originals for s in copied)
    for s in copied:
        assert originals[s.duplicate_of].text == s.text
        assert originals[s.duplicate_of].duplicate_of is None
    copy_articles = [a for a in corpus.articles if a.source == str(copy)]
    assert len(copy_articles) == 4 and all(a.duplicate_of for a in copy_articles)
    assert all(a.duplicate_of is None for a in corpus.articles if a.source != str(copy))


def test_copy_given_first_becomes_the_original(seeds_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copy(seeds_dir / "003_c290026e26d6f3dd.txt", tmp_path / "zzz_copy.txt")
    corpus = load_corpus([copy, seeds_dir])
    assert all(s.duplicate_of is None for s in corpus.segments if s.source == str(copy))
    assert all(s.duplicate_of for s in corpus.segments if s.source.endswith("003_c290026e26d6f3dd.txt"))


def test_near_duplicate_article_is_flagged(tmp_path: Path) -> None:
    extra = (
        " The mayor said the vote showed that the council could still agree on hard choices, "
        "while residents at the meeting asked for a public hearing on the new bus routes before any contracts "
        "are signed later this year."
    )
    words = (BODY + extra).split()
    changed = list(words)
    for i in (20, 90):  # two words changed in about 110
        changed[i] = "altered"
    near = " ".join(changed)
    corpus = load_corpus(
        texts={
            "a": "Council approves budget\n\n" + BODY + extra,
            "b": "Council approves budget\n\n" + near,
            "c": "Rain\n\n"
            + (
                "Heavy rain flooded several streets in the old town overnight, and firefighters pumped water "
                "out of dozens of basements while the river rose to its highest level in a decade."
            ),
        }
    )
    by_source = {a.source: a for a in corpus.articles}
    assert by_source["b"].duplicate_of == by_source["a"].article_id
    assert by_source["a"].duplicate_of is None and by_source["c"].duplicate_of is None
    b_segs = [s for s in corpus.segments if s.source == "b"]
    a_ids = {s.segment_id for s in corpus.segments if s.source == "a"}
    assert b_segs and all(s.duplicate_of in a_ids for s in b_segs)


def test_dedupe_off_flags_nothing() -> None:
    corpus = load_corpus(texts=[article_text(), article_text()], segment_config=SegmentConfig(dedupe=False))
    assert all(s.duplicate_of is None for s in corpus.segments)
    assert all(a.duplicate_of is None for a in corpus.articles)


def test_identical_texts_exact_duplicates() -> None:
    corpus = load_corpus(texts=[article_text(), article_text()])
    first = [s for s in corpus.segments if s.source == "text[0]"]
    second = [s for s in corpus.segments if s.source == "text[1]"]
    assert [s.duplicate_of for s in second] == [s.segment_id for s in first]


# ---------------------------------------------------------------------------
# loaders


def test_txt_and_md_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", article_text("Budget approved"))
    b = write(tmp_path / "b.md", article_text("Markdown budget story"))
    corpus = load_corpus([a, b])
    assert [x.headline for x in corpus.articles] == ["Budget approved", "Markdown budget story"]
    assert corpus.segments[0].text.startswith("The city council approved a new budget")
    assert [i.encoding for i in corpus.inputs] == ["utf-8", "utf-8"]


def test_html_file_extracts_article_text() -> None:
    corpus = load_corpus(FIXTURES / "article.html")
    assert [a.headline for a in corpus.articles] == ["Harbour bridge reopens after repairs"]
    text = " ".join(s.text for s in corpus.segments)
    assert "reopened to traffic on Monday morning" in text and "welcomed the return of commuters" in text
    assert "Copyright" not in text and "Sport" not in text
    assert corpus.documents[0]["title"] == "Harbour bridge reopens after repairs"
    seg = corpus.segments[0]
    assert normalise_ws(corpus.texts[seg.doc_id][seg.start : seg.end]) == seg.text


def test_jsonl_rows_with_metadata(tmp_path: Path) -> None:
    rows = [
        {"id": "r1", "title": "Budget approved", "date": "2025-08-12", "url": "https://x.test/1", "text": BODY},
        {
            "id": "r2",
            "title": "Storm hits coast",
            "date": "2025-08-13",
            "text": "A storm brought down power lines along the coast on Wednesday, leaving thousands of homes "
            "without electricity for most of the day, the utility company said.",
        },
    ]
    path = write(tmp_path / "docs.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    corpus = load_corpus(path)
    assert [(a.headline, a.published) for a in corpus.articles] == [
        ("Budget approved", "2025-08-12"),
        ("Storm hits coast", "2025-08-13"),
    ]
    assert [d["id"] for d in corpus.documents] == ["r1", "r2"]
    assert corpus.documents[0]["url"] == "https://x.test/1"
    assert len({a.doc_id for a in corpus.articles}) == 2


def test_dates_become_iso_days_only_where_the_input_lets_them_be_known(tmp_path: Path) -> None:
    # the dates as a page writes them; "captured" is when the page was saved (empty: the input does not say)
    rows = [
        ("full", "Published 3 March 2025", ""),
        ("relative, saved", "22 minutes ago", "2025-08-12T00:10:00"),
        ("relative, unsaved", "22 minutes ago", ""),
        ("no year, saved", "Published 3 March", "2025-08-12T09:00:00"),
        ("no year, later day", "3 December", "2025-08-12T09:00:00"),
        ("no year, unsaved", "3 March", ""),
        ("no day, saved", "March 2025", "2025-08-12T09:00:00"),
    ]
    lines = [json.dumps({"title": t, "date": d, "captured": c, "text": f"{t}. {BODY}"}) for t, d, c in rows]
    corpus = load_corpus(write(tmp_path / "docs.jsonl", "\n".join(lines) + "\n"))
    assert [(a.headline, a.published, a.date) for a in corpus.articles] == [
        ("full", "Published 3 March 2025", "2025-03-03"),
        ("relative, saved", "22 minutes ago", "2025-08-11"),
        ("relative, unsaved", "22 minutes ago", ""),
        ("no year, saved", "Published 3 March", "2025-03-03"),
        ("no year, later day", "3 December", "2024-12-03"),  # a page saved in August reports no December ahead
        ("no year, unsaved", "3 March", ""),
        ("no day, saved", "March 2025", ""),
    ]


def test_jsonl_bad_line_is_skipped_with_reason(tmp_path: Path) -> None:
    path = write(tmp_path / "docs.jsonl", json.dumps({"text": BODY}) + "\n{not json\n")
    with pytest.warns(SkippedInputWarning, match="not valid JSON"):
        corpus = load_corpus(path)
    assert len(corpus.articles) == 1
    assert [s.source for s in corpus.skipped] == [f"{path}:2"]


def test_csv_rows_with_title_and_id_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "doc_id": ["b/1", "b/2"],
            "title": ["Budget approved", "Storm hits coast"],
            "text": [
                "Budget approved\n\n" + BODY,
                "Storm hits coast\n\nA storm brought down power lines on Wednesday.",
            ],
        }
    )
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    cfg = IngestConfig(id_column="doc_id")
    corpus = load_corpus(path, config=cfg)
    assert [a.headline for a in corpus.articles] == ["Budget approved", "Storm hits coast"]
    # the title line at the top of the text is the headline, not body
    assert not any(s.text.startswith(("Budget approved", "Storm hits coast")) for s in corpus.segments)
    assert corpus.segments[-1].text == "A storm brought down power lines on Wednesday."
    assert [d["id"] for d in corpus.documents] == ["b/1", "b/2"]


def test_dataframe_rows(tmp_path: Path) -> None:
    frame = pd.DataFrame({"body": [BODY, "One short row without a title."], "title": ["Budget", None]})
    corpus = load_corpus(frame, config=IngestConfig(text_column="body"))
    assert [a.headline for a in corpus.articles] == ["Budget", ""]
    assert corpus.segments[-1].text == "One short row without a title."
    assert {s.source for s in corpus.segments} == {"<dataframe>"}


def test_character_references_in_table_cells_are_decoded(tmp_path: Path) -> None:
    """BBC's CSV holds "&#163;1.8m" and "Caf&#233;": a headline and a digest show "£1.8m" and "Café"."""
    frame = pd.DataFrame(
        {
            "title": ["Fees of &#163;1.8m at Caf&eacute; Nero"],
            "text": ["The chain paid &#163;1.8m in fees, its R&D chief said &amp; AT&T agreed. " + BODY],
        }
    )
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    corpus = load_corpus(path)
    assert [a.headline for a in corpus.articles] == ["Fees of £1.8m at Café Nero"]
    assert corpus.segments[0].text.startswith("The chain paid £1.8m in fees, its R&D chief said & AT&T agreed.")
    # a plain-text file keeps its characters as they are: offsets index into the file a reader can open
    (tmp_path / "t.txt").write_text("Fees of &#163;1.8m\n\n" + BODY, encoding="utf-8")
    plain = load_corpus(tmp_path / "t.txt")
    assert "&#163;1.8m" in " ".join([a.headline for a in plain.articles] + [s.text for s in plain.segments])


def test_dataframe_without_text_column_raises() -> None:
    with pytest.raises(InputError, match="no column 'text'"):
        load_corpus(pd.DataFrame({"body": ["x"]}))


def test_strings_list_and_dict() -> None:
    corpus = load_corpus(texts=["One line only, no headline"])
    assert [s.text for s in corpus.segments] == ["One line only, no headline"]
    named = load_corpus(texts={"note-1": article_text()})
    assert named.articles[0].source == "note-1" and named.articles[0].headline == "Council approves budget"


def test_folder_recursion_sorted_with_supported_extensions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "docs"
    write(root / "b.txt", article_text("Second story"))
    write(root / "a" / "z.md", article_text("First story"))
    write(root / "notes.xyz", article_text("Ignored story"))
    write(root / ".hidden" / "h.txt", article_text("Hidden story"))
    monkeypatch.chdir(tmp_path)
    corpus = load_corpus("docs")
    assert [i.source for i in corpus.inputs] == ["docs/a/z.md", "docs/b.txt"]
    assert [a.headline for a in corpus.articles] == ["First story", "Second story"]
    assert corpus.skipped == []


def test_list_of_paths_and_explicit_unknown_extension(tmp_path: Path) -> None:
    a = write(tmp_path / "one.txt", article_text("One story"))
    b = write(tmp_path / "two.notes", article_text("Two story"))
    corpus = load_corpus([str(b), str(a)])
    assert [i.source for i in corpus.inputs] == [str(b), str(a)]
    assert sorted(a.headline for a in corpus.articles) == ["One story", "Two story"]


@pytest.mark.parametrize(
    ("encoding", "sample"),
    [
        ("utf-8", "Zürich’s “café” reopened — at last"),
        ("utf-8-sig", "Zürich’s “café” reopened — at last"),
        ("cp1252", "Zürich’s “café” reopened — at last"),
        ("latin-1", "Zürich's café reopened, naïve £5 ½ price"),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_encodings_and_newlines(tmp_path: Path, encoding: str, sample: str, newline: str) -> None:
    text = f"A headline about {sample}\n\n{sample}. {BODY}\n"
    path = write(tmp_path / "doc.txt", text, encoding=encoding, newline=newline)
    corpus = load_corpus(path)
    doc_text = corpus.texts[corpus.segments[0].doc_id]
    assert "\r" not in doc_text and "\ufeff" not in doc_text
    assert doc_text == text
    assert corpus.segments[0].text.startswith(sample)
    assert corpus.articles[0].headline == f"A headline about {sample}"


# ---------------------------------------------------------------------------
# cleaning and splitting


def test_plain_multi_article_page_with_outlets_dates_and_separators() -> None:
    page = (
        "Council approves budget\nThe Daily Example · 3 hours ago\n\n" + BODY + "\n\n"
        "Share this\n\n---\n\n"
        "Storm hits the coast\nCoast News | 12 August 2025\n\n"
        "A storm brought down power lines along the coast on Wednesday, leaving thousands of homes "
        "without electricity for most of the day, the utility company said.\n"
    )
    corpus = load_corpus(texts={"page": page})
    assert [(a.headline, a.outlet, a.published) for a in corpus.articles] == [
        ("Council approves budget", "The Daily Example", "3 hours ago"),
        ("Storm hits the coast", "Coast News", "12 August 2025"),
    ]
    assert not any("Share this" in s.text or "---" in s.text for s in corpus.segments)


def test_markdown_heading_and_hard_wrapped_paragraphs(tmp_path: Path) -> None:
    import textwrap

    para = " ".join(
        ["The committee met on Thursday to consider the proposal in detail, and members raised concerns."] * 4
    )
    md = "# Harbour plan approved\n\n" + "\n".join(textwrap.wrap(para, 70)) + "\n"
    corpus = load_corpus(write(tmp_path / "plan.md", md))
    assert corpus.articles[0].headline == "Harbour plan approved"
    assert [s.text for s in corpus.segments] == [para]  # wrapped lines form one paragraph


def test_extra_furniture_patterns_are_user_extendable() -> None:
    text = (
        "Budget news\n\n"
        + BODY.replace("Officials said", "Promo: win a car today! Officials said")
        + "\nFollow-the-money newsletter\n"
    )
    cfg = IngestConfig(extra_furniture=(r"Promo: [^!]*!", r"Follow-the-money newsletter"))
    corpus = load_corpus(texts=[text], config=cfg)
    joined = " ".join(s.text for s in corpus.segments)
    assert "Promo" not in joined and "newsletter" not in joined
    assert "Officials said the plan would raise spending" in joined
    assert "after a long debate about schools and roads." in joined


def test_repeated_lines_counted_by_distinct_documents() -> None:
    line = "Breaking coverage continues with more updates soon."  # a sentence: kept unless repeated
    a = Document("d1", "a", "Story A\n" + BODY + "\n" + line)
    b = Document("d2", "b", "Story B\n" + BODY.upper() + "\n" + line)
    same = Document("d3", "c", a.text)
    cleaner = Cleaner().fit([a, same])  # one distinct document twice: nothing is "repeated"
    assert cleaner.repeated_lines_ == frozenset()
    cleaner = Cleaner().fit([a, b])
    assert normalise_ws(line).casefold() in cleaner.repeated_lines_
    bodies = [a.text[s:e] for d in cleaner.transform(a) for blk in d.blocks for s, e in blk]
    assert not any(line in x for x in bodies)


def test_single_line_document_is_kept() -> None:
    corpus = load_corpus(texts=["Short line"])
    assert [s.text for s in corpus.segments] == ["Short line"]


# ---------------------------------------------------------------------------
# bad input


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_corpus(tmp_path / "nope.txt")


def test_empty_folder_raises(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no supported files"):
        load_corpus(tmp_path / "empty")


def test_no_inputs_raises() -> None:
    with pytest.raises(InputError):
        load_corpus()


def test_only_furniture_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "f.txt", "Comments\nNo comments yet...\nRelated Articles\nDOWNLOAD THE APP\nlogo\n")
    with pytest.raises(InputError, match="No usable article text"):
        load_corpus(path)


def test_csv_without_text_column_only_input_raises(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"body": ["x"]}).to_csv(path, index=False)
    with pytest.warns(SkippedInputWarning), pytest.raises(InputError, match="no column 'text'"):
        load_corpus(path)


def test_binary_and_undecodable_files_skipped_others_processed(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", article_text())
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (tmp_path / "noise.txt").write_bytes(bytes(range(128, 256)) * 40)
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.warns(SkippedInputWarning) as record:
        corpus = load_corpus(tmp_path)
    reasons = {Path(s.source).name: s.reason for s in corpus.skipped}
    assert set(reasons) == {"image.txt", "noise.txt", "empty.txt"}
    assert "binary" in reasons["image.txt"] and "decoded" in reasons["noise.txt"] and "empty" in reasons["empty.txt"]
    assert len(record) == 3
    assert [i.source for i in corpus.inputs] == [str(good)]
    assert corpus.articles[0].headline == "Council approves budget"


@pytest.mark.slow
def test_big_file_bounded_memory(tmp_path: Path) -> None:
    """A ~50 MB text file is ingested in bounded memory (one document, many segments)."""
    rng = random.Random(7)
    vocab = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(3000)]
    paragraphs = []
    for _ in range(400):
        sents = []
        for _ in range(rng.randint(2, 12)):
            words = rng.choices(vocab, k=rng.randint(6, 25))
            sents.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sents))
    block = "\n\n".join(paragraphs) + "\n\n"
    path = tmp_path / "big.txt"
    with path.open("w", encoding="utf-8") as fh:
        size, k = 0, 0
        while size < 50_000_000:
            k += 1
            chunk = f"Section {k} of the long report\n\n" + block
            fh.write(chunk)
            size += len(chunk)
    # A fresh process, so the peak RSS is this ingestion's and not the test session's.  VmHWM is
    # the peak of the process's own address space; ru_maxrss would also count the pages it
    # shared with this (large) test process between fork and exec.
    code = (
        "import json, re, resource, sys, time\n"
        "def peak_mb():\n"
        "    try:\n"
        "        status = open('/proc/self/status').read()\n"
        "        return int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) / 1024\n"
        "    except (OSError, AttributeError):\n"
        "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "from topicsum import load_corpus, segment_corpus\n"
        "t = time.perf_counter()\n"
        "corpus = segment_corpus(load_corpus(sys.argv[1]))\n"
        "print(json.dumps({'segments': len(corpus.segments),\n"
        "                  'duplicates': sum(s.duplicate_of is not None for s in corpus.segments),\n"
        "                  'seconds': time.perf_counter() - t,\n"
        "                  'peak_mb': peak_mb()}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert stats["segments"] > 50_000
    assert stats["peak_mb"] < 1500, f"peak RSS {stats['peak_mb']:.0f} MB"
    # the block repeats, so most segments are exact duplicates of the first copy
    assert stats["duplicates"] > stats["segments"] // 2


# ---------------------------------------------------------------------------
# issue 16: output folders, odd files, encodings, NULs, teasers, ids


def _skipped(corpus: Corpus) -> dict[str, str]:
    return {Path(s.source).as_posix(): s.reason for s in corpus.skipped}


@pytest.mark.parametrize("mark", ["marker", "manifest"])
def test_an_output_folder_inside_an_input_folder_is_skipped_as_a_whole(tmp_path: Path, mark: str) -> None:
    write(tmp_path / "s" / "a.txt", article_text("Only story"))
    out = tmp_path / "s" / "out"
    write(out / "report.md", article_text("Report of an earlier run"))
    write(out / "sub" / "segments.csv", "text\n" + BODY + "\n")
    if mark == "marker":
        write(out / ".topicsum", "{}")
    else:
        write(out / "run.json", json.dumps({"tool": "topicsum"}))
    with pytest.warns(SkippedInputWarning, match="out: it is a topicsum output folder"):
        corpus = load_corpus(tmp_path / "s")
    assert [a.headline for a in corpus.articles] == ["Only story"]
    assert _skipped(corpus) == {(tmp_path / "s" / "out").as_posix(): "is a topicsum output folder"}


def test_the_runs_own_output_folder_is_skipped_before_it_has_a_marker(tmp_path: Path) -> None:
    write(tmp_path / "s" / "a.txt", article_text("Only story"))
    write(tmp_path / "s" / "out" / "stray.txt", article_text("Not an input"))
    with pytest.warns(SkippedInputWarning, match="this run's output folder"):
        corpus = load_corpus(tmp_path / "s", exclude=[tmp_path / "s" / "." / "out"])
    assert [a.headline for a in corpus.articles] == ["Only story"]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16", True), ("utf-32", True)]  # native order, with the mark Python writes
    + [(f"utf-{n}-{order}", bom) for n in (16, 32) for order in ("le", "be") for bom in (True, False)],
)
def test_utf16_and_utf32_files_are_decoded(tmp_path: Path, encoding: str, bom: bool) -> None:
    text = f"Zürich’s budget\n\n{BODY}\n"
    data = text.encode(encoding)
    if bom and encoding.endswith(("-le", "-be")):
        data = "\ufeff".encode(encoding) + data
    (tmp_path / "doc.txt").write_bytes(data)
    corpus = load_corpus(tmp_path / "doc.txt")
    assert corpus.articles[0].headline == "Zürich’s budget"
    assert corpus.texts[corpus.segments[0].doc_id] == text
    assert corpus.inputs[0].encoding.startswith(encoding[:6])


def test_a_few_nul_bytes_are_dropped_with_a_note_not_the_file(tmp_path: Path) -> None:
    text = "Budget approved\n\n" + BODY.replace("new budget", "new\x00 budget").replace("ageing", "age\x00\x00ing")
    path = tmp_path / "nul.txt"
    path.write_bytes(text.encode("utf-8"))
    with pytest.warns(SkippedInputWarning, match=r"nul\.txt: dropped 3 NUL characters"):
        corpus = load_corpus(path)
    joined = " ".join(s.text for s in corpus.segments)
    assert "\x00" not in joined and "approved a new budget" in joined and "the ageing bus fleet" in joined
    assert corpus.skipped == []


def test_nul_characters_in_json_rows_are_dropped_too(tmp_path: Path) -> None:
    path = write(tmp_path / "rows.jsonl", json.dumps({"title": "Rows", "text": "A\u0000 " + BODY}) + "\n")
    with pytest.warns(SkippedInputWarning, match="dropped 1 NUL character from its text"):
        corpus = load_corpus(path)
    assert all("\x00" not in s.text for s in corpus.segments)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8),
        ("doc.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n" + bytes(range(256)) * 8),
        ("archive.txt", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8),
        ("program.txt", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64 + bytes(range(256)) * 8),
        ("blob.txt", bytes([0, 1, 2, 3, 0, 0, 7, 8, 65, 66]) * 500),
    ],
)
def test_real_binaries_are_still_skipped(tmp_path: Path, name: str, data: bytes) -> None:
    write(tmp_path / "good.txt", article_text())
    (tmp_path / name).write_bytes(data)
    with pytest.warns(SkippedInputWarning, match=name):
        corpus = load_corpus(tmp_path)
    assert "binary" in _skipped(corpus)[(tmp_path / name).as_posix()]
    assert [i.source for i in corpus.inputs] == [str(tmp_path / "good.txt")]


def test_named_pipes_and_sockets_are_listed_never_opened(tmp_path: Path) -> None:
    """A FIFO given as input hung the run; one in a folder, or a socket, must not either (run in a child with a timeout)."""
    import os
    import socket

    folder = tmp_path / "in"
    write(folder / "good.txt", article_text())
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(tmp_path / "given.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.txt"))
    code = (
        "import json, sys, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from topicsum._ingest import load_corpus\n"
        "c = load_corpus([sys.argv[1], sys.argv[2]])\n"
        "print(json.dumps({s.source: s.reason for s in c.skipped}))\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(folder), str(tmp_path / "given.txt")],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
    finally:
        sock.close()
    skipped = json.loads(proc.stdout.strip().splitlines()[-1])
    assert skipped == {
        str(folder / "pipe.txt"): "is a named pipe, not a regular file",
        str(folder / "sock.txt"): "is a socket, not a regular file",
        str(tmp_path / "given.txt"): "is a named pipe, not a regular file",
    }


def test_broken_links_and_link_loops_are_listed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "good.txt", article_text("Good story"))
    write(tmp_path / "elsewhere" / "linked.txt", article_text("Linked story"))
    (folder / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "self").symlink_to(folder / "self")
    (folder / "up").symlink_to(folder)
    (folder / "more").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.warns(SkippedInputWarning):
        corpus = load_corpus(folder)
    assert _skipped(corpus) == {
        (folder / "dangling.txt").as_posix(): "is a broken symbolic link",
        (folder / "self").as_posix(): "is a symbolic link loop",
        (folder / "up").as_posix(): "is a symbolic link loop (a link to a folder that contains it)",
    }
    assert sorted(a.headline for a in corpus.articles) == ["Good story", "Linked story"]


def test_explicit_broken_link_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    with pytest.raises(InputError, match="broken symbolic link"):
        load_corpus(tmp_path / "gone.txt")


TEASER_BODY = (
    "The river rose overnight and flooded the old town. WATCH: Aerial footage of the flooded streets. "
    "The mayor said the clean-up would take weeks and cost millions. "
    "RELATED: Storm warnings across the region! Residents were told to boil their water until Friday. "
    "SEE ALSO: How the flood defences failed? Engineers will inspect the embankment next month."
)
TEASER_KEPT = [
    "The river rose overnight and flooded the old town.",
    "The mayor said the clean-up would take weeks and cost millions.",
    "Residents were told to boil their water until Friday.",
    "Engineers will inspect the embankment next month.",
]


def _kept_text(corpus: Corpus) -> str:
    return " ".join(s.text for s in corpus.segments)


def test_teasers_in_one_line_bodies_cut_only_the_teaser(tmp_path: Path) -> None:
    jsonl = write(tmp_path / "rows.jsonl", json.dumps({"title": "Flood", "text": TEASER_BODY}) + "\n")
    csv_path = tmp_path / "rows.csv"
    pd.DataFrame({"title": ["Flood"], "text": [TEASER_BODY]}).to_csv(csv_path, index=False)
    for corpus in (load_corpus(jsonl), load_corpus(csv_path), load_corpus(texts=[TEASER_BODY])):
        kept = _kept_text(corpus)
        assert all(sentence in kept for sentence in TEASER_KEPT), kept
        assert "Aerial footage" not in kept and "Storm warnings" not in kept and "flood defences" not in kept


def test_a_teaser_without_an_end_within_reach_loses_only_its_label() -> None:
    body = "The river rose overnight. WATCH: " + "the water kept rising in every street of the town " * 6 + "today."
    kept = _kept_text(load_corpus(texts=[body]))
    assert "WATCH:" not in kept and "the water kept rising in every street" in kept and kept.endswith("today.")


@pytest.mark.slow
def test_a_5_mb_one_line_text_keeps_all_of_its_article_text(tmp_path: Path) -> None:
    rng = random.Random(16)
    vocab = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 9))) for _ in range(2000)]
    parts, kept = [], []
    size = 0
    while size < 5_000_000:
        sentence = " ".join(rng.choices(vocab, k=rng.randint(8, 20))).capitalize() + "."
        parts.append(sentence)
        kept.append(sentence)
        if rng.random() < 0.05:
            parts.append(rng.choice(["MORE:", "WATCH:", "RELATED:"]) + " " + " ".join(rng.choices(vocab, k=6)).title() + ".")
        size += len(parts[-1]) + 1
    path = write(tmp_path / "one-line.txt", " ".join(parts) + "\n")
    corpus = load_corpus(path)
    assert normalise_ws(_kept_text(corpus)) == " ".join(kept)


def test_ids_do_not_depend_on_how_the_path_is_spelled(seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(seeds_dir.parent)
    ids = []
    for spelled in ("seeds", "./seeds/", str(seeds_dir), sorted(str(p) for p in seeds_dir.glob("*.txt"))):
        corpus = load_corpus(spelled)
        ids.append(
            (
                [s.segment_id for s in corpus.segments],
                [a.article_id for a in corpus.articles],
                sorted(d["doc_id"] for d in corpus.documents),
            )
        )
    assert all(i == ids[0] for i in ids[1:])
    assert corpus.segments[0].source == str(sorted(seeds_dir.glob("*.txt"))[0])  # the source stays as given


# ---------------------------------------------------------------------------
# issue 21: real web pages keep every sentence of the article and lose nothing in silence


def _page(title: str, body: str, site: str = "Example News", extra_head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {site}</title>'
        f'<meta property="og:site_name" content="{site}">{extra_head}</head><body>'
        f'<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>Copyright 2025 {site}. All rights reserved.</footer></body></html>"
    )


def test_short_list_items_subheadings_and_table_rows_stay_in_the_article(tmp_path: Path) -> None:
    body = (
        "<p>The band announced a world tour on Monday, its first in six years, with twelve dates in Europe.</p>"
        "<h2>Tour dates</h2>"
        "<ul><li>12 May: Berlin</li><li>14 May: Paris</li><li>18 May: Madrid</li></ul>"
        "<h2>Ticket prices</h2>"
        "<table><tr><th>City</th><th>From</th></tr><tr><td>Berlin</td><td>45 euros</td></tr>"
        "<tr><td>Paris</td><td>52 euros</td></tr></table>"
        "<p>Tickets go on sale on Friday morning at nine, the promoter said in a statement.</p>"
    )
    corpus = load_corpus(write(tmp_path / "tour.html", _page("Band announces world tour", body)))
    (article,) = corpus.articles
    text = "\n".join(s.text for s in corpus.segments)
    for kept in ("Tour dates", "12 May: Berlin", "14 May: Paris", "18 May: Madrid", "Ticket prices",
                 "Berlin | 45 euros", "Paris | 52 euros", "Tickets go on sale on Friday"):  # fmt: skip
        assert kept in text, kept
    assert "All rights reserved" not in text and "Sport" not in text
    # headline, outlet and date from the page's metadata; the site's name is not part of the headline
    assert (article.headline, article.outlet, article.language) == ("Band announces world tour", "Example News", "en")


def test_a_japanese_and_an_arabic_paragraph_are_kept_whole() -> None:
    japanese = "東京で国際会議が開かれた。参加者は百人を超えた。結果は明日発表される予定だ。"
    arabic = "عقد مجلس المدينة اجتماعا يوم الاثنين لمناقشة الميزانية الجديدة. وقال المسؤولون إن الخطة ستزيد الإنفاق على النقل العام."
    corpus = load_corpus(texts={"ja": f"会議のお知らせ\n{japanese}\n{japanese}", "ar": f"الميزانية\n{arabic}"})
    by_source = {a.source: a for a in corpus.articles}
    assert {a.language for a in corpus.articles} == {"ja", "ar"}
    for source, paragraph in (("ja", japanese), ("ar", arabic)):
        text = " ".join(s.text for s in corpus.segments if s.source == source)
        assert paragraph in text, source
        assert by_source[source].headline  # the short first line is the headline, not dropped


def test_an_explainer_with_separators_and_subheadings_is_one_article() -> None:
    explainer = (
        "What to know about the ceasefire talks\n\n"
        "Negotiators from both sides met in Cairo on Tuesday for a third round of talks, officials said, "
        "and mediators hope to announce a deal before the end of the week.\n\n___\n\n"
        "WHAT IS ON THE TABLE?\n\n"
        "A six-week pause in the fighting, the release of hostages and prisoners, and more aid trucks "
        "crossing the border each day, according to a draft seen by reporters.\n\n___\n\n"
        "WHAT HAPPENS NEXT?\n\n"
        "Both delegations will report to their leaders, and a fourth round could begin on Sunday if "
        "the answers are positive, one mediator said.\n\n___\n\n"
        "Follow AP's full coverage of the war at https://apnews.com/hub/war\n\n"
        "Sign up for our daily newsletter to get the news in your inbox.\n"
    )
    corpus = load_corpus(texts={"explainer": explainer})
    assert [a.headline for a in corpus.articles] == ["What to know about the ceasefire talks"]
    text = "\n".join(s.text for s in corpus.segments)
    for kept in ("WHAT IS ON THE TABLE?", "A six-week pause", "WHAT HAPPENS NEXT?", "a fourth round"):
        assert kept in text, kept
    # the sign-off and the newsletter sign-up are neither articles nor text
    assert "full coverage" not in text and "newsletter" not in text and "___" not in text


def test_news_sentences_that_mention_subscribers_or_logins_are_kept() -> None:
    lines = [
        "Netflix lost 200,000 subscribers in the quarter.",
        "Users could not log in to their accounts on Tuesday.",
        "More than 1,000 people signed up for the trial.",
    ]
    corpus = load_corpus(texts={"news": "Streaming slump\n" + "\n".join(lines)})
    text = " ".join(s.text for s in corpus.segments)
    assert all(line in text for line in lines)


def test_a_page_with_no_article_is_listed_in_skipped(tmp_path: Path) -> None:
    good = write(tmp_path / "good.html", _page("Harbour bridge reopens", "<p>" + BODY + "</p>"))
    menu = write(tmp_path / "menu.txt", "Share this\nSubscribe to our newsletter\nRelated articles\nComments\n")
    with pytest.warns(SkippedInputWarning, match="menu.txt: it holds no article text"):
        corpus = load_corpus([good, menu])
    assert [a.source for a in corpus.articles] == [str(good)]
    assert [(s.source, s.reason) for s in corpus.skipped] == [(str(menu), "holds no article text, only site furniture")]


def test_a_page_in_a_legacy_charset_is_read_in_the_charset_it_declares(tmp_path: Path) -> None:
    body = "<p>" + "东京举行国际会议，参加者超过一百人。会议结果将于明天公布。" * 3 + "</p>"
    html = _page("国际会议", body).replace('charset="utf-8"', 'charset="gb2312"')
    path = tmp_path / "cn.html"
    path.write_bytes(html.encode("gb2312"))
    corpus = load_corpus(path)
    assert "东京举行国际会议" in corpus.segments[0].text and corpus.articles[0].language == "zh"
