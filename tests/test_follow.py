"""Following stories from run to run (issue 20): stable ids, statuses, what is reused, what is refused.

The rule has a unit test per case (no model); then two arrivals of a small
dated pile (tests/fixtures/stream: four stories, then a follow-up and a new
story) go through ``topicsum run`` into one folder, as a user would, and the
reports are read in headless Chromium and as PDF text.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import topicsum
from topicsum._cli import main
from topicsum._cluster._stories import cluster_stories, sticky_stories, unit64
from topicsum._follow import History, PastStory, follow_stories
from topicsum._types import Theme

FIXTURES = Path(__file__).parent / "fixtures" / "stream"


# -- the rule, case by case -----------------------------------------------------------
def _history(stories: dict[int, list[str]], *, next_id: int | None = None, created: str = "day1") -> History:
    """An earlier run whose story ``id`` holds the articles listed (one segment per article, named like it)."""
    past = tuple(
        PastStory(
            Theme(k, f"story {sid}", (), len(arts), tuple(f"s-{a}" for a in arts), tuple(arts), (), story_id=sid,
                  status="new", first_seen=created, last_updated=created),  # fmt: skip
            None,
        )
        for k, (sid, arts) in enumerate(sorted(stories.items()))
    )
    seen = {a: created for arts in stories.values() for a in arts}
    top = max(stories, default=0)
    return History(created=created, source="test", stories=past, next_id=next_id or top + 1, article_seen=seen)


def _follow(topics: dict[str, int], history: History, now: str = "day2"):
    arts = sorted(topics)
    return follow_stories([topics[a] for a in arts], [f"s-{a}" for a in arts], arts, history, now)


def test_a_first_run_numbers_its_stories_from_one_largest_first():
    out = _follow({"a": 0, "b": 0, "c": 1}, History())
    assert out.story_ids == {0: 1, 1: 2}
    assert out.status == {0: "new", 1: "new"} and out.added == {0: 2, 1: 1}
    assert out.previous is None and out.next_id == 3


def test_an_unchanged_story_keeps_its_id_and_its_record_is_reused():
    history = _history({1: ["a", "b"], 2: ["c"]})
    out = _follow({"a": 1, "b": 1, "c": 0}, history)  # the model numbers stories afresh: ids follow the articles
    assert out.story_ids == {1: 1, 0: 2}
    assert out.status == {0: "unchanged", 1: "unchanged"}
    assert set(out.reused) == {0, 1} and out.reused[1].story_id == 1
    assert out.last_updated[1] == "day1" and out.added == {0: 0, 1: 0}


def test_a_new_article_joins_its_story_which_keeps_its_id_and_is_updated():
    out = _follow({"a": 0, "b": 0, "new": 0, "c": 1}, _history({1: ["a", "b"], 2: ["c"]}))
    assert out.story_ids == {0: 1, 1: 2}
    assert out.status == {0: "updated", 1: "unchanged"}
    assert out.added == {0: 1, 1: 0} and out.last_updated[0] == "day2" and out.first_seen[0] == "day1"
    assert out.article_seen["new"] == "day2" and out.article_seen["a"] == "day1"
    assert 0 not in out.reused


def test_a_new_story_gets_an_id_never_used_in_the_folder():
    history = _history({3: ["a"]}, next_id=9)  # ids 4..8 were used by stories retired earlier
    out = _follow({"a": 1, "x": 0, "y": 0}, history)
    assert out.story_ids == {1: 3, 0: 9} and out.status[0] == "new" and out.next_id == 10


def test_two_earlier_stories_that_merge_keep_the_older_id():
    out = _follow({"a": 0, "b": 0, "c": 0, "new": 0}, _history({2: ["a", "b"], 5: ["c"]}))
    assert out.story_ids == {0: 2}
    assert out.status == {0: "updated"} and out.merged == {0: (5,)}
    assert [(r["story_id"], r["status"], r["merged_into"]) for r in out.retired] == [(5, "merged", 2)]
    assert out.summary()["merged"] == 1


def test_a_story_that_splits_keeps_its_id_in_the_larger_part():
    out = _follow({"a": 0, "b": 0, "c": 0, "d": 1}, _history({4: ["a", "b", "c", "d"]}))
    assert out.story_ids == {0: 4, 1: 5}
    assert out.status == {0: "updated", 1: "new"}


def test_a_story_whose_articles_are_all_gone_is_retired_and_its_id_not_reused():
    out = _follow({"c": 0, "x": 1}, _history({1: ["a", "b"], 2: ["c"]}))
    assert out.story_ids == {0: 2, 1: 3}
    assert [(r["story_id"], r["status"]) for r in out.retired] == [(1, "gone")]
    assert out.summary()["articles_removed"] == 2 and out.summary()["gone"] == 1


def test_earlier_stories_are_never_split_and_without_them_the_cut_is_the_fresh_one():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(30, 24))
    V = unit64(np.repeat(centres, 6, axis=0) + rng.normal(scale=0.8, size=(180, 24)))
    fresh = cluster_stories(V, threshold=0.45)
    assert np.array_equal(sticky_stories(V, np.full(len(V), -1), 0.45), fresh)
    earlier = cluster_stories(V[:120], threshold=0.45)
    labels = sticky_stories(V, np.r_[earlier, np.full(60, -1)], 0.45)
    for story in np.unique(earlier):
        assert len(set(labels[:120][earlier == story])) == 1


# -- two arrivals through the CLI -----------------------------------------------------
def _files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its sha256: what "nothing lost" compares."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _cli(capsys, pile: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["run", str(pile), "--out", str(out), "--summariser", "extractive", "--no-progress", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def arrivals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Day 1 (four stories), then day 2 (a follow-up of one story and a new story), into one folder."""
    base = tmp_path_factory.mktemp("stream")
    pile, out = base / "pile", base / "briefing"
    pile.mkdir()
    shutil.copy(FIXTURES / "day1.jsonl", pile)
    options = {"summariser": "extractive", "formats": ("html", "pdf", "md"), "show_progress": False}
    first = topicsum.run(pile, out=out, **options)
    first_topics = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    shutil.copy(FIXTURES / "day2.jsonl", pile)
    second = topicsum.run(pile, out=out, **options)
    return {"pile": pile, "out": out, "first": first, "second": second, "first_topics": first_topics, "base": base}


def _story_of(result: topicsum.Result) -> dict[str, int]:
    """Each fixture article's story id, by the JSONL ``id`` (a1, b2...)."""
    by_headline = dict(zip(result.articles["headline"], result.articles["story_id"].astype(int)))
    ids = {}
    for name in ("day1.jsonl", "day2.jsonl"):
        for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item["title"] in by_headline:
                ids[item["id"]] = by_headline[item["title"]]
    return ids


@pytest.mark.slow
def test_articles_seen_before_keep_their_story_ids_and_statuses_say_what_changed(arrivals):
    first, second = arrivals["first"], arrivals["second"]
    before, after = _story_of(first), _story_of(second)
    assert len({before[k] for k in ("a1", "a2", "a3")}) == 1 and len(set(before.values())) == 4
    assert all(after[k] == v for k, v in before.items())  # no article seen on day 1 changed story
    assert after["c3"] == before["c1"]  # the follow-up joined the wildfire story
    assert after["e1"] == after["e2"] and after["e1"] not in before.values()  # a new story, with a new id
    status = dict(zip(second.topics["story_id"].astype(int), second.topics["status"]))
    assert status[after["c1"]] == "updated" and status[after["e1"]] == "new"
    assert {status[before[k]] for k in ("a1", "b1", "d1")} == {"unchanged"}
    changes = second.changes
    assert changes["status"].tolist()[:2] == ["new", "updated"]
    assert dict(zip(changes["story_id"], changes["added"]))[after["c1"]] == 1
    record = json.loads((arrivals["out"] / "run.json").read_text(encoding="utf-8"))
    assert record["continued"]["created"] == first.manifest["created"]
    assert record["changes"] == {"new": 1, "updated": 1, "unchanged": 3, "merged": 0, "gone": 0,
                                 "articles_added": 3, "articles_removed": 0}  # fmt: skip
    articles = second.articles.set_index("headline")
    assert articles.loc["Strong earthquake shakes northern Japan", "first_seen"] == second.manifest["created"]
    assert articles.loc["Bank of England cuts interest rates to 4%", "first_seen"] == first.manifest["created"]


@pytest.mark.slow
def test_unchanged_stories_keep_their_names_and_digests_byte_for_byte(arrivals):
    before = {t["story_id"]: t for t in arrivals["first_topics"]["themes"]}
    after = json.loads((arrivals["out"] / "topics.json").read_text(encoding="utf-8"))
    unchanged = [t for t in after["themes"] if t["status"] == "unchanged"]
    assert len(unchanged) == 3
    for t in unchanged:
        old = before[t["story_id"]]
        assert (t["label"], t["digest"], t["digest_sentences"]) == (old["label"], old["digest"], old["digest_sentences"])
    assert after["stories"]["next_id"] == 6 and after["stories"]["continued"]["created"]
    assert arrivals["second"].manifest["summariser"]["reused"] == 3


@pytest.mark.slow
def test_stories_have_their_publication_span_and_articles_their_iso_dates(arrivals):
    second = arrivals["second"]
    spans = {row["label"]: (row["first_date"], row["last_date"]) for _, row in second.topics.iterrows()}
    assert ("2025-08-12", "2025-08-15") in spans.values()  # the wildfires, with the day-2 follow-up
    assert set(second.articles["date"]) >= {"2025-08-07", "2025-08-16"}
    over_time = second.topics_over_time()
    assert over_time["Frequency"].sum() == len(second.segments)
    assert {"over_time", "timeline"} <= set(second.figures)


@pytest.mark.slow
@pytest.mark.browser
def test_whats_new_and_the_timeline_render_in_the_browser(arrivals, driver):
    from selenium.webdriver.common.by import By

    second = arrivals["second"]
    driver.get((arrivals["out"] / "report.html").resolve().as_uri())
    section = driver.find_element(By.ID, "whats-new")
    driver.execute_script("arguments[0].scrollIntoView()", section)
    assert section.is_displayed() and section.find_element(By.TAG_NAME, "h2").text.startswith("What's new since")
    new = [a.text for a in section.find_elements(By.CSS_SELECTOR, ".new-stories a")]
    updated = section.find_element(By.CSS_SELECTOR, ".updated-stories > li")
    japan = second.topics.loc[second.topics["status"] == "new", "label"].item()
    assert new == [japan]
    assert "Spain's wildfires spread as heatwave goes on" in updated.text and "+1 new article" in updated.text
    link = updated.find_element(By.TAG_NAME, "a").get_attribute("href").split("#", 1)[1]
    story = second.topics.loc[second.topics["status"] == "updated", "story_id"].item()
    assert link == f"story-{story}" and driver.find_element(By.ID, link).is_displayed()
    figure = driver.find_element(By.ID, "fig-timeline")
    driver.execute_script("arguments[0].scrollIntoView()", figure)
    assert figure.find_element(By.TAG_NAME, "img").get_attribute("naturalWidth") not in (None, "0")
    assert driver.execute_script("return window.__alerts") == []


@pytest.mark.slow
def test_each_story_says_who_published_it_and_when(arrivals):
    """Issue 22: the outlets by name with their number of articles, and the publication span."""
    md = (arrivals["out"] / "report.md").read_text(encoding="utf-8")
    html = (arrivals["out"] / "report.html").read_text(encoding="utf-8")
    assert "AP, BBC, Reuters · 13–14 August 2025" in md  # the Lampedusa shipwreck: one article each
    assert '<span class="who">AP, BBC, Reuters</span> · 13–14 August 2025' in html


def test_whats_new_opens_the_pdf_and_the_markdown(arrivals):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed; run make system-deps")
    pages = subprocess.run(
        ["pdftotext", "-layout", str(arrivals["out"] / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    start = next(i for i, p in enumerate(pages) if "What's new since" in p and "New stories" in p)
    assert "Updated stories" in pages[start] and "Unchanged" in pages[start]
    assert start <= 2  # right after the title page and contents
    assert any("by outlet" in p for p in pages)  # the timeline figure's caption
    md = (arrivals["out"] / "report.md").read_text(encoding="utf-8")
    assert md.index("## What's new since") < md.index("## Overview")
    assert "  - new: [Spain's wildfires spread as heatwave goes on]" in md.replace("\\'", "'")


@pytest.mark.slow
def test_python_can_continue_a_result_or_a_folder_and_start_fresh(arrivals, tmp_path):
    second = arrivals["second"]
    options = {"summariser": "none", "formats": (), "show_progress": False}
    again = topicsum.run(arrivals["pile"], previous=second, **options)  # a Result
    assert set(again.topics["status"]) == {"unchanged"}
    assert _story_of(again) == _story_of(second)
    folder = topicsum.run(arrivals["pile"], previous=arrivals["out"], **options)  # a folder
    assert _story_of(folder) == _story_of(second)
    fresh = topicsum.run(arrivals["pile"], previous=second, fresh=True, **options)
    assert set(fresh.topics["status"]) == {"new"} and fresh.stories["continued"] is None
    assert not fresh.changes["status"].isin(["merged", "gone"]).any()


@pytest.mark.slow
def test_fresh_starts_over_in_the_folder_without_reusing_its_ids(arrivals, tmp_path, capsys):
    out = tmp_path / "briefing"
    shutil.copytree(arrivals["out"], out)
    code, printed, _ = _cli(capsys, arrivals["pile"], out, "--format", "none", "--fresh")
    assert code == 0 and "since the run of" not in printed
    ids = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert sorted(t["story_id"] for t in ids["themes"]) == [6, 7, 8, 9, 10]


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage, says",
    [
        ("version", "cannot continue; run with --fresh"),
        ("edited", "--overwrite"),
        ("interrupted", "--fresh"),
        ("model", "embedding model"),
    ],
)
def test_an_earlier_run_that_cannot_be_continued_is_refused_and_kept(arrivals, tmp_path, capsys, damage, says):
    out = tmp_path / "briefing"
    shutil.copytree(arrivals["out"], out)
    extra: tuple[str, ...] = ()
    if damage == "version":
        record = json.loads((out / "run.json").read_text(encoding="utf-8"))
        record["version"] = "0.0.1"
        (out / "run.json").write_text(json.dumps(record), encoding="utf-8")
    elif damage == "edited":
        path = out / "topics.json"
        path.write_text(path.read_text(encoding="utf-8").replace("Lampedusa", "Lampedusa (my note)"), encoding="utf-8")
    elif damage == "interrupted":
        (out / ".topicsum-journal.json").write_text("{}", encoding="utf-8")
    else:
        extra = ("--embed-model", "sentence-transformers/all-mpnet-base-v2")
    kept = _files(out)
    code, _, err = _cli(capsys, arrivals["pile"], out, *extra)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and says in err and "Traceback" not in err
    assert _files(out) == kept
