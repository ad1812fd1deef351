"""The reports as a reader sees them: headless Chromium for the HTML, poppler for the PDF.

Needs Debian chromium, chromium-driver and poppler-utils (``make system-deps``)
and selenium (the dev extra); each test says which is missing when it skips.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from topicsum._report import anchor_map, screenshot, write_html, write_pdf
from topicsum._report._browser import find_chromium
from topicsum._report._html import filter_script

pytestmark = pytest.mark.browser

_spec = importlib.util.spec_from_file_location(
    "report_factory_browser", Path(__file__).parent / "fixtures" / "report" / "factory.py"
)
factory = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(factory)  # type: ignore[union-attr]

CHROMIUM = find_chromium()

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium; or make system-deps)"
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) is not installed (Debian: apt-get install poppler-utils)",
)

@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("browser")
    plain = factory.make_result()
    hostile = factory.make_result(xss=True, long=True, figures=False)
    return {
        "plain": plain,
        "hostile": hostile,
        "plain_html": write_html(plain, folder / "report.html"),
        "hostile_html": write_html(hostile, folder / "hostile.html"),
        "folder": folder,
    }


def _open(driver, path: Path) -> list[str]:
    """Load ``path`` and return every URL the page requested."""
    driver.get_log("performance")  # drop earlier entries
    driver.get(path.resolve().as_uri())
    driver.execute_script("return document.readyState")
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@needs_chromium
def test_labels_and_digests_are_visible_and_nothing_is_fetched(driver, reports):
    from selenium.webdriver.common.by import By

    urls = _open(driver, reports["plain_html"])
    assert urls, "the performance log recorded the page load"
    remote = [u for u in urls if not u.startswith(("file:", "data:"))]
    assert remote == [], f"the report requested {remote}"
    result = reports["plain"]
    for tid, label in factory.LABELS.items():
        section = driver.find_element(By.ID, f"theme-{tid}")
        heading = section.find_element(By.TAG_NAME, "h3")
        driver.execute_script("arguments[0].scrollIntoView()", heading)
        assert heading.is_displayed() and heading.text == label
        sentences = section.find_elements(By.CSS_SELECTOR, ".digest .sentence")
        assert [s.text for s in sentences] == [s.text for s in result.digests[tid].sentences]
        assert all(s.is_displayed() and s.size["width"] > 0 for s in sentences)
    # a citation link scrolls to its segment, which is shown
    anchors = anchor_map(result.segments["segment_id"])
    cite = driver.find_element(By.CSS_SELECTOR, "#theme-1 a.cite")
    target = cite.get_attribute("href").split("#", 1)[1]
    assert target in anchors.values()
    driver.execute_script("arguments[0].scrollIntoView()", cite)
    cite.click()
    seg = driver.find_element(By.ID, target)
    assert seg.is_displayed()
    assert driver.execute_script("const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight;", seg)
    # the figures decoded (a broken data: URI would have naturalWidth 0)
    widths = driver.execute_script("return [...document.images].map(i => i.naturalWidth)")
    assert len(widths) >= 5 and all(w > 0 for w in widths)
    assert driver.execute_script("return window.__alerts") == []


@needs_chromium
def test_hostile_text_executes_nothing_and_shows_as_text(driver, reports):
    from selenium.webdriver.common.by import By

    urls = _open(driver, reports["hostile_html"])
    remote = [u for u in urls if not u.startswith(("file:", "data:"))]
    assert remote == [], f"the report requested {remote}"
    assert driver.execute_script("return window.__alerts") == []
    assert driver.execute_script("return document.querySelectorAll('iframe, object, embed').length") == 0
    # the one script is topicsum's table filter; the page's CSP allows it by hash and nothing else
    assert driver.execute_script("return [...document.scripts].map(s => s.text.length)") == [len(filter_script())]
    assert driver.execute_script(
        "return [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length"
    ) == 0
    assert driver.find_elements(By.CSS_SELECTOR, "img[src='x'], a[href^='javascript']") == []
    body = driver.find_element(By.TAG_NAME, "body").text
    assert factory.XSS_SCRIPT in body and factory.XSS_IMG in body
    # the 2,000-character label and the 20,000-character segment stay inside the page width
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    heading = driver.find_element(By.CSS_SELECTOR, "#theme-2 h3")
    assert heading.is_displayed() and heading.size["width"] <= 1280


@needs_chromium
def test_screenshot_helper(reports, tmp_path):
    png = screenshot(reports["plain_html"], tmp_path / "shot.png", width=1024, height=1400)
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (1024, 1400)
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50  # not a blank page


@needs_poppler
def test_pdf_pages_render_with_labels_and_digests(reports):
    pytest.importorskip("weasyprint", reason="WeasyPrint (topicsum[pdf]) is not installed")
    folder = reports["folder"]
    pdf = write_pdf(reports["plain"], folder / "report.pdf")
    pages = folder / "pages"
    pages.mkdir()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(pages / "page")], check=True, capture_output=True)
    pngs = sorted(pages.glob("page-*.png"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n_pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert len(pngs) == n_pages > 3
    from PIL import Image

    with Image.open(pngs[0]) as im:
        assert len(im.convert("L").getcolors(maxcolors=1 << 16) or []) > 10  # text drawn on the first page
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    for label in factory.LABELS.values():
        assert label in text
    for sentences in factory.DIGESTS.values():
        for sentence in sentences:
            assert sentence in text
    assert "contents" in text.lower() and "Appendix: every segment" in text


@needs_poppler
def test_hostile_pdf_shows_the_text_and_runs_nothing(reports):
    pytest.importorskip("weasyprint", reason="WeasyPrint (topicsum[pdf]) is not installed")
    pdf = write_pdf(reports["hostile"], reports["folder"] / "hostile.pdf")
    data = pdf.read_bytes()
    assert b"/JavaScript" not in data and b"/JS " not in data and b"/Launch" not in data
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.replace("\u200b", "").split()
    )
    assert factory.XSS_SCRIPT in text and factory.XSS_IMG in text
    assert "Very long label" in text


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> dict[str, Any]:
    """The report of 200 stories in 8 groups (160 of them one-article stories), HTML and PDF."""
    folder = tmp_path_factory.mktemp("many")
    result = factory.make_many_stories(200, 8, xss=True)
    return {"html": write_html(result, folder / "many.html"), "pdf": write_pdf(result, folder / "many.pdf")}


@needs_chromium
def test_200_story_report_renders_and_filters_offline(driver, many):
    from selenium.webdriver.common.by import By

    urls = _open(driver, many["html"])
    assert [u for u in urls if not u.startswith(("file:", "data:"))] == []
    assert driver.execute_script("return window.__alerts") == []
    groups = driver.find_elements(By.CSS_SELECTOR, "h2.group-title")
    assert len(groups) == 8 and all(g.is_displayed() for g in groups[:1])
    rows = driver.find_elements(By.CSS_SELECTOR, "#stories-table tbody tr")
    assert len(rows) == 200
    box = driver.find_element(By.ID, "story-filter")
    box.send_keys("story 17 about")
    visible = [r for r in rows if r.is_displayed()]
    assert [r.text.split(" about")[0] for r in visible] == ["Story 17"]
    assert "1 of 200 shown" in driver.find_element(By.ID, "story-count").text
    box.clear()
    box.send_keys("weather")
    assert sum(r.is_displayed() for r in rows) == 25
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_200_story_pdf_is_proportionate(many):
    if shutil.which("pdftoppm") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils is not installed; run make system-deps")
    info = subprocess.run(["pdfinfo", str(many["pdf"])], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 20 <= pages <= 150  # 200 stories, 460 articles: no page per one-article story
    text = subprocess.run(["pdftotext", str(many["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "War in Ukraine" in text and "one-article stories" in text.lower() and "Story 199 about" in text
    assert factory.XSS_IMG in " ".join(text.split())
    # on paper the overview counts the one-article stories in one row (each is listed with its group)
    flat = " ".join(text.split())
    assert "160 one-article stories, listed after each group's stories" in flat
    overview = flat.split("Overview", 2)[-1].split("Stories by group")[0]
    assert "Story 17 about" in overview and "Story 199 about" not in overview  # a 5-article story; a one-article one
