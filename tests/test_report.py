"""Reports: self-contained HTML, PDF, Markdown and figures, including hostile and oversized input.

Results are built by hand (tests/fixtures/report/factory.py): no models are loaded here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from topicsum._errors import ConfigError, MissingDependencyError
from topicsum._report import (
    anchor_map,
    make_figures,
    md_escape,
    overview_html,
    parse_dates,
    plot_hierarchy,
    plot_keywords,
    plot_outlets,
    plot_over_time,
    plot_similarity,
    plot_timeline,
    plot_topic_map,
    plot_topic_sizes,
    topic_colours,
    write_html,
    write_markdown,
    write_pdf,
)

_spec = importlib.util.spec_from_file_location(
    "report_factory", Path(__file__).parent / "fixtures" / "report" / "factory.py"
)
factory = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(factory)  # type: ignore[union-attr]

XSS_STRINGS = (factory.XSS_SCRIPT, factory.XSS_IMG)


# -- helpers ------------------------------------------------------------------------
def parse_html(text: str) -> Any:
    import lxml.html

    return lxml.html.document_fromstring(text)


def page_text(doc: Any) -> str:
    return " ".join(doc.text_content().split())


def assert_inert(doc: Any) -> None:
    """No script but topicsum's own filter (allowed by its hash), no event handlers, no javascript: URLs,
    nothing loaded from outside."""
    from topicsum._report._html import _csp_hash, filter_script

    scripts = [s.text for s in doc.xpath("//script")]
    assert scripts in ([], [filter_script()])
    if scripts:
        csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
        assert f"script-src '{_csp_hash(filter_script())}'" in csp and "unsafe-inline' ; script" not in csp
    assert doc.xpath("//iframe|//object|//embed|//link|//base|//form") == []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name}={value!r} on <{el.tag}>"
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                v = value.strip().lower()
                assert not v.startswith("javascript:"), value
                assert v.startswith(("#", "data:image/")), f"<{el.tag} {name}={value[:60]!r}> leaves the page"


def pdftotext(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed; run make system-deps")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.replace("\u200b", "").split())


def _squash(s: str) -> str:
    return " ".join(s.split())


# -- fixtures ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def result():
    return factory.make_result()


@pytest.fixture(scope="module")
def hostile():
    """XSS strings in every kind of untrusted text, a 2,000-character label and a 20,000-character segment."""
    return factory.make_result(xss=True, long=True, figures=False)


@pytest.fixture(scope="module")
def html(result, tmp_path_factory) -> str:
    path = write_html(result, tmp_path_factory.mktemp("html") / "report.html")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_html(hostile, tmp_path_factory) -> str:
    return write_html(hostile, tmp_path_factory.mktemp("hostile") / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf(result, tmp_path_factory) -> Path:
    pytest.importorskip("weasyprint", reason="WeasyPrint (topicsum[pdf]) is not installed")
    return write_pdf(result, tmp_path_factory.mktemp("pdf") / "report.pdf")


@pytest.fixture(scope="module")
def hostile_pdf(hostile, tmp_path_factory) -> Path:
    pytest.importorskip("weasyprint", reason="WeasyPrint (topicsum[pdf]) is not installed")
    return write_pdf(hostile, tmp_path_factory.mktemp("hostile-pdf") / "report.pdf")


# -- HTML ------------------------------------------------------------------------------
def test_html_is_self_contained(html):
    doc = parse_html(html)
    assert_inert(doc)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    style = " ".join(s.text_content() for s in doc.xpath("//style"))
    assert "@import" not in style and not re.search(r"url\(\s*['\"]?(https?:)?//", style)
    assert "@font-face" not in style
    assert doc.xpath("//style"), "the CSS is inlined"
    assert len(doc.xpath("//img[starts-with(@src, 'data:image/svg+xml;base64,')]")) >= 5


def test_html_shows_corpus_themes_digests_and_method(result, html):
    text = page_text(parse_html(html))
    assert "Test report" in text
    for label in factory.LABELS.values():
        assert label in text
    for sentences in factory.DIGESTS.values():
        for sentence in sentences:
            assert sentence in text
    # header: corpus counts and date range; how it was made: models and per-stage time
    assert "Duplicates" in text and "2024-03-01" in text and "2024-03-04" in text
    assert "sentence-transformers/all-MiniLM-L6-v2" in text
    assert "cluster" in text and "3.2 s" in text
    assert "pages/empty.txt" in text and "the file is empty" in text


def test_every_citation_lands_on_its_segment(result, html):
    doc = parse_html(html)
    ids = set(doc.xpath("//@id"))
    links = doc.xpath("//a[starts-with(@href, '#')]/@href")
    assert links
    for href in links:
        assert href[1:] in ids, f"{href} has no target"
        assert re.fullmatch(r"#[A-Za-z0-9_-]+", href)
    # each digest citation points at the segment it cites, and that segment's text is there
    texts = dict(zip(result.segments["segment_id"], result.segments["text"]))
    anchors = anchor_map(result.segments["segment_id"])
    cites = doc.xpath("//a[@class='cite']")
    assert len(cites) == 9  # 3 themes x 3 cited segments
    for digest in result.digests.values():
        for sentence in digest.sentences:
            for sid in sentence.segment_ids:
                target = doc.get_element_by_id(anchors[sid])
                assert _squash(texts[sid]) in _squash(target.text_content())
    # the segment id with unsafe characters became a safe anchor
    assert "seg-seg-0-odd" in ids


def test_appendix_lists_every_segment_with_provenance(result, html):
    doc = parse_html(html)
    anchors = anchor_map(result.segments["segment_id"])
    for row in result.segments.itertuples(index=False):
        el = doc.get_element_by_id(anchors[row.segment_id])
        content = _squash(el.text_content())
        assert row.source in content and row.headline in content
        assert f"{row.start:,}–{row.end:,}" in content
    dup = doc.get_element_by_id("seg-s0dup")
    assert "Duplicate of" in dup.text_content()


def test_appendix_limit_keeps_cited_segments_and_working_links(tmp_path):
    small = factory.make_result(appendix_limit=5, figures=False)
    html = write_html(small, tmp_path / "r.html").read_text(encoding="utf-8")
    doc = parse_html(html)
    shown = doc.xpath("//div[contains(@class, 'segment')]/@id")
    assert 0 < len(shown) < len(small.segments)
    assert "appendix limit of 5" in page_text(doc)
    quoted = doc.xpath("//div[@class='representatives']/blockquote/@id")
    assert quoted, "a representative quoted in full is the target of the links to its segment"
    assert not set(quoted) & set(shown), "and it is not printed a second time in the appendix"
    ids = set(doc.xpath("//@id"))
    for href in doc.xpath("//a[starts-with(@href, '#')]/@href"):
        assert href[1:] in ids, f"{href} has no target"
    md = write_markdown(small, tmp_path / "r.md").read_text(encoding="utf-8")
    for href in re.findall(r"\]\((#[^)]*)\)", md):
        assert md.count(f'<a id="{href[1:]}"></a>') == 1, f"{href} has no anchor, or more than one"


def test_colours_are_one_per_topic_and_shared_with_the_text(result, html):
    colours = topic_colours(result)
    assert set(colours) == {-1, 0, 1, 2}
    assert colours[-1] == "#9e9e9e"
    assert len({colours[t] for t in (0, 1, 2)}) == 3
    doc = parse_html(html)
    for tid in (0, 1, 2):
        section = doc.get_element_by_id(f"theme-{tid}")
        assert colours[tid] in section.get("style")


def test_hostile_text_stays_text_in_html(hostile_html):
    doc = parse_html(hostile_html)
    assert_inert(doc)
    text = page_text(doc)
    for s in XSS_STRINGS:
        assert s in text  # shown, as text
    assert "javascript:alert(1)" in text
    assert "<script>alert(1)" not in hostile_html  # escaped in the source
    assert "<img src=x" not in hostile_html


def test_long_label_and_segment_do_not_break_the_layout(hostile, hostile_html):
    doc = parse_html(hostile_html)
    long_label = hostile.topics.set_index("topic").loc[2, "label"]
    assert len(long_label) == 2000
    toc = [_squash(a.text_content()) for a in doc.xpath("//nav[@class='toc']//a")]
    assert all(len(t) <= 80 for t in toc)
    assert any(t.startswith("Very long label") and t.endswith("…") for t in toc)
    heading = doc.get_element_by_id("theme-2").xpath(".//h3")[0]
    assert len(heading.text_content()) <= 200
    # the 20,000-character segment is kept whole in the appendix, and the CSS lets it wrap anywhere
    seg = doc.get_element_by_id("seg-s200")
    assert "x" * 12000 in seg.text_content()
    assert "overflow-wrap: anywhere" in hostile_html


def test_template_dir_overrides_css_and_blocks(result, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.css").write_text("body { background: #fdf6e3; }\n", encoding="utf-8")
    (folder / "report.html.j2").write_text(
        '{% extends "builtin/report.html.j2" %}{% block intro %}<p class="mine">Custom intro for {{ title }}</p>{% endblock %}',
        encoding="utf-8",
    )
    hostile = factory.make_result(xss=True, title=f"Title {factory.XSS_SCRIPT}", figures=False)
    out = write_html(hostile, tmp_path / "report.html", template_dir=folder)
    html = out.read_text(encoding="utf-8")
    assert "background: #fdf6e3" in html
    doc = parse_html(html)
    mine = doc.xpath("//p[@class='mine']")
    assert mine and factory.XSS_SCRIPT in mine[0].text_content()  # user templates are autoescaped too
    assert_inert(doc)
    # the built-in templates still fill the rest
    assert factory.LABELS[0] in page_text(doc)
    # the config's template_dir is used when none is passed
    cfg_result = factory.make_result(template_dir=str(folder), figures=False)
    assert "Custom intro" in write_html(cfg_result, tmp_path / "cfg.html").read_text(encoding="utf-8")


def test_template_dir_that_is_not_a_folder_is_a_config_error(result, tmp_path):
    with pytest.raises(ConfigError, match="not a folder"):
        write_html(result, tmp_path / "r.html", template_dir=tmp_path / "missing")
    assert not (tmp_path / "r.html").exists()


def test_missing_pieces_still_make_a_report(tmp_path):
    bare = factory.make_result(digests=False, embeddings=False, coords=False, dates=False)
    figs = make_figures(bare)
    assert set(figs) == {"sizes", "outlets", "keywords"}  # outlets need only the articles table
    html = write_html(bare, tmp_path / "bare.html").read_text(encoding="utf-8")
    doc = parse_html(html)
    assert_inert(doc)
    text = page_text(doc)
    assert factory.LABELS[1] in text
    assert "not made in this run" in text
    assert doc.xpath("//a[@class='cite']") == []
    md = write_markdown(bare, tmp_path / "bare.md").read_text(encoding="utf-8")
    assert factory.LABELS[1] in md


def test_overview_html_for_notebooks(result):
    out = overview_html(result)
    doc = parse_html(out)
    assert_inert(doc)
    assert doc.xpath("//svg") or "<svg" in out
    text = page_text(doc)
    for label in factory.LABELS.values():
        assert label in text
    assert factory.DIGESTS[0][0] in text
    hostile = overview_html(factory.make_result(xss=True, figures=False))
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile
    assert_inert(parse_html(hostile))
    assert result._repr_html_() == out


# -- Markdown ----------------------------------------------------------------------------
def test_markdown_report(result, tmp_path):
    md = write_markdown(result, tmp_path / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Test report\n")
    for label in factory.LABELS.values():
        assert label in md
    assert factory.DIGESTS[2][1].replace(".", "") in md.replace("\\", "").replace(".", "")
    for href in re.findall(r"\]\((#[^)]*)\)", md):
        assert re.fullmatch(r"#[A-Za-z0-9_-]+", href)
        assert f'<a id="{href[1:]}"></a>' in md, f"{href} has no anchor"


def test_markdown_counts_read_as_english(result):
    from topicsum._report._format import count as _count
    from topicsum._report._markdown import render_markdown

    assert (_count(1, "segment"), _count(2_000, "article")) == ("1 segment", "2,000 articles")
    md = render_markdown(result)
    assert "3 themes found in" in md and "2 articles" in md


def test_hostile_text_stays_text_in_markdown(hostile, tmp_path):
    md = write_markdown(hostile, tmp_path / "report.md").read_text(encoding="utf-8")
    assert "<script" not in md and "<img" not in md and not re.search(r"(?<!\\)\]\(javascript:", md)
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is not installed")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).render(md)  # raw HTML allowed: the worst case
    doc = parse_html(rendered)
    assert_inert(doc)
    text = page_text(doc)
    for s in XSS_STRINGS:
        assert s in text
    assert "[click](javascript:alert(1)) **bold** # heading" in text


def test_md_escape_neutralises_markdown_and_html():
    assert md_escape("a\nb") == "a b"
    assert md_escape("# title", line_start=True).startswith("\\#")
    assert md_escape("1. item", line_start=True).startswith("1\\.")
    assert md_escape("# title") == "# title" and md_escape("version 1.2") == "version 1.2"  # mid-line: no markup
    assert md_escape("x | y") == "x \\| y"
    assert "<" not in md_escape("<b>") and "&lt;b&gt;" == md_escape("<b>")


# -- PDF -----------------------------------------------------------------------------------
def test_pdf_shows_labels_and_digests(pdf):
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdftotext(pdf)
    for label in factory.LABELS.values():
        assert label in text
    for sentences in factory.DIGESTS.values():
        for sentence in sentences:
            assert sentence in text


def test_hostile_text_is_text_in_pdf(hostile_pdf):
    data = hostile_pdf.read_bytes()
    assert b"/JavaScript" not in data and b"/Launch" not in data
    text = pdftotext(hostile_pdf)
    assert factory.XSS_SCRIPT in text
    assert factory.XSS_IMG in text
    assert "Very long label" in text


def test_missing_weasyprint_names_the_extra(result, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(MissingDependencyError, match=r"topicsum\[pdf\]"):
        write_pdf(result, tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()
    assert isinstance(MissingDependencyError("x"), ImportError)


# -- figures -----------------------------------------------------------------------------------
def test_each_figure_function_returns_a_figure(result):
    from matplotlib.figure import Figure

    for fig in (
        plot_topic_sizes(result),
        plot_keywords(result),
        plot_keywords(result, topics=[1]),
        plot_topic_map(result),
        plot_similarity(result),
        plot_hierarchy(result),
        plot_over_time(result),
    ):
        assert isinstance(fig, Figure)
        assert fig.axes
    figs = make_figures(result)
    assert list(figs) == ["sizes", "outlets", "keywords", "similarity", "hierarchy", "over_time", "timeline"]
    assert result.figures.keys() == figs.keys()


def test_a_small_pile_shows_who_covered_what_and_a_large_one_a_map():
    """Issue 22: a map of a few far-apart dots tells a reader nothing; articles per story and outlet do."""
    small = factory.make_result()
    fig = plot_outlets(small)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()]  # outlets across
    assert len(fig.axes[0].get_yticklabels()) == len([t for t in small.themes if t.topic_id >= 0])
    large = factory.make_many_stories(40, 4)
    assert "map" in make_figures(large) and "outlets" not in make_figures(large)
    assert "map" not in make_figures(small)


def test_figures_without_dates_coords_or_embeddings(tmp_path):
    from topicsum._errors import StageSkippedError

    no_dates = factory.make_result(dates=False)
    assert plot_over_time(no_dates) is None and plot_timeline(no_dates) is None
    assert not {"over_time", "timeline"} & set(make_figures(no_dates))
    # no 2-D map from the run: the map falls back to a projection of the embeddings
    no_coords = factory.make_result(coords=False)
    assert plot_topic_map(no_coords).axes
    bare = factory.make_result(coords=False, embeddings=False)
    with pytest.raises(StageSkippedError):
        plot_topic_map(bare)
    with pytest.raises(StageSkippedError):
        plot_similarity(bare)


def test_relative_times_are_not_dates():
    parsed = parse_dates(["2024-03-01", "2 hours ago", "Yesterday", "5h", "", None, "Tue 5 March 2024 10:00 GMT"])
    assert parsed.notna().tolist() == [True, False, False, False, False, False, True]


def test_anchor_map_is_safe_and_unique():
    anchors = anchor_map(['a"><script>', "a'><script>", "plain"])
    assert len(set(anchors.values())) == 3
    assert all(re.fullmatch(r"seg-[A-Za-z0-9_-]+", a) for a in anchors.values())


def test_reports_import_no_heavy_packages_and_leave_no_pyplot_state():
    code = (
        "import sys, importlib.util\n"
        "spec = importlib.util.spec_from_file_location('f', sys.argv[1]); f = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(f)\n"
        "from topicsum._report import make_figures, render_html\n"
        "r = f.make_result(); make_figures(r); render_html(r)\n"
        "bad = [m for m in ('weasyprint', 'torch', 'matplotlib.pyplot') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    factory_path = str(Path(__file__).parent / "fixtures" / "report" / "factory.py")
    root = str(Path(__file__).resolve().parent.parent)
    proc = subprocess.run(
        [sys.executable, "-c", code, factory_path],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_an_article_without_a_headline_is_shown_by_its_first_words():
    from topicsum._report._view import _opening

    assert _opening("Members of Occupy Philadelphia remain on site at City Hall into the evening of Nov. 28.") == (
        "“Members of Occupy Philadelphia remain on site at City Hall into the…”"
    )
    assert _opening("Short text.") == "“Short text.”"
    assert _opening("") == _opening(None) == "(no headline)"


def test_markdown_escapes_only_what_markdown_needs(seed_run):
    """Issue 22: no "topicsum 0\\.1.0" or "2026\\-12-02"; escapes are for markup characters only."""
    _, out = seed_run
    report = (out / "report.md").read_text(encoding="utf-8")
    needless = []
    for line in report.splitlines():
        body = line[2:] if line.startswith("> ") else line
        # a list, heading or quote marker at the start of a line is escaped on purpose; nowhere else
        needless += re.findall(r"\\[.\-()!#{}+=~]", body[2:] if body.startswith("\\") else body)
    assert not needless, needless[:10]
    assert re.search(r"Made with topicsum \d+\.\d+\.\d+ on \d{4}-\d{2}-\d{2}", report)


def test_no_pdf_page_holds_only_a_heading(seed_run, tmp_path):
    """Issue 22: the seeds' PDF had a page with only the heading "Stories"; every page now holds more."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed; run make system-deps")
    result, out = seed_run
    raw = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    pages = raw.split("\f")[:-1] if raw.endswith("\f") else raw.split("\f")
    assert len(pages) > 3
    footer = re.compile(r"^\s*(?:\d+ / \d+|.*topicsum report.*)\s*$")
    for number, page in enumerate(pages, 1):
        lines = [ln.strip() for ln in page.splitlines() if ln.strip() and not footer.match(ln)]
        words = sum(len(ln.split()) for ln in lines)
        assert len(lines) > 1 and words > 8, f"page {number} holds only {lines}"


def test_pdf_cites_segments_by_their_appendix_number(seed_run):
    """On paper a cited segment says where it is printed ("appendix A12"), not its page: the appendix numbers
    its segments in order, and each appendix page's head gives the numbers it holds, as endnotes do."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed; run make system-deps")
    result, out = seed_run
    raw = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    cited = [int(n) for n in re.findall(r"\(appendix\s+A(\d+)\)", raw)]
    assert len(cited) >= 6 and "(p. " not in raw
    printed: list[int] = []
    for page in raw.split("\f"):
        head = re.search(r"^\s*A(\d+)–A(\d+)\s*$", page, re.M)
        numbers = [int(n) for n in re.findall(r"^\s*A(\d+) \S", page, re.M)]
        if head is None:
            assert not numbers, numbers
            continue
        first, last = map(int, head.groups())
        # a page holding only the rest of a segment longer than a page repeats that segment's number
        assert numbers[:1] + numbers[-1:] == [first, last] if numbers else first == last, (head.group(0), numbers)
        printed += numbers
    assert printed == list(range(1, len(printed) + 1))
    assert set(cited) <= set(printed)
    assert len(printed) == len(result.segments)  # below the appendix limit every segment is printed


def test_pdf_overview_gives_story_names_room(seed_run):
    """The seeds' overview table ran over two pages with a story name a word a line ("North / Koreans / ...");
    on paper its columns have fixed widths: the six stories fit on the overview's page, each name in a few lines."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed; run make system-deps")
    result, out = seed_run
    raw = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    overview = next(p for p in raw.split("\f") if re.search(r"^\s*Overview\s*$", p, re.M))
    table = overview[overview.index("STORY"):]
    rows = [ln for ln in table.splitlines() if ln.strip()]
    names = result.topics[result.topics["topic"] >= 0]["label"].tolist()
    assert len(names) == 6
    for name in names:  # the name's first three words on one line of the overview page
        assert any(" ".join(name.split()[:3]) in ln for ln in rows), (name, rows[:20])


def test_on_paper_whats_new_counts_the_unchanged_one_article_stories():
    """On a large pile the PDF's "What's new" names the unchanged stories of several articles and counts the
    unchanged one-article ones (listed with their groups), so it stays short; the HTML names every one."""
    import dataclasses

    from topicsum._report import render_html

    many = factory.make_many_stories(60, 4)  # stories 0-39 have several articles, 40-59 one each
    topics = many.topics.copy()
    topics["story_id"] = topics["topic"] + 1
    topics["status"] = ["updated" if k < 2 else "unchanged" for k in topics["topic"]]
    result = dataclasses.replace(many, topics=topics, stories={"continued": {"created": "2026-12-01T08:00:00+00:00"}})

    def unchanged(html: str) -> str:
        return html.split('class="changes unchanged-stories">', 1)[1].split("</p>", 1)[0]

    on_paper, on_screen = unchanged(render_html(result, pdf=True)), unchanged(render_html(result))
    assert "Story 2 about" in on_paper and "Story 39 about" in on_paper and "Story 40 about" not in on_paper
    assert on_paper.endswith("; and 20 one-article stories")
    assert "Story 40 about" in on_screen and "Story 59 about" in on_screen and "one-article" not in on_screen
