"""Reusing earlier work: the fitted-model and digest caches, and what happens when an entry is damaged."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import topicsum
from topicsum._cache import digest_problem, read_digests
from topicsum._types import Digest, DigestSentence, Theme

THEMES = [
    Theme(0, "Rail", (), 2, ("s1", "s2"), ("a1",), ("s1",)),
    Theme(1, "Roads", (), 1, ("s3",), ("a2",), ("s3",)),
    Theme(-1, "Outliers", (), 1, ("s4",), ("a3",), ("s4",)),
]


def _digest(tid: int, *cited: str) -> Digest:
    return Digest(tid, (DigestSentence("A sentence.", tuple(cited), "extractive"),))


def test_a_digest_is_used_only_when_it_cites_its_own_themes_segments() -> None:
    good = {0: _digest(0, "s1", "s2"), 1: _digest(1, "s3")}
    assert digest_problem(good, THEMES) is None
    assert "not in the theme: s9" in digest_problem({**good, 0: _digest(0, "s1", "s9")}, THEMES)
    assert "not in the theme: s3" in digest_problem({**good, 0: _digest(0, "s3")}, THEMES)  # another theme's
    assert "without citations" in digest_problem({**good, 1: _digest(1)}, THEMES)
    assert "not this run's themes" in digest_problem({0: good[0]}, THEMES)


@pytest.mark.parametrize("content", ["{not json", '{"digests": {"0": {"digest_sentences": 3}}, "info": {}}', "[]"])
def test_a_damaged_digest_entry_is_ignored_with_a_warning(tmp_path, caplog, content) -> None:
    path = tmp_path / "entry.json"
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        assert read_digests(path, THEMES) is None
    assert str(path) in caplog.text


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """A cache of its own, filled by one run of the seeds (extractive digests)."""
    folder = tmp_path_factory.mktemp("cache")
    topicsum.run(seeds_dir, summariser="extractive", formats=(), cache_dir=folder, show_progress=False)
    return folder


@pytest.mark.slow
def test_a_forged_digest_citing_a_missing_segment_never_reaches_the_report(cache_dir, seeds_dir, tmp_path, caplog):
    """Issue 16, case 5: a cached digest citing a segment that does not exist was reported as is."""
    (entry,) = (cache_dir / "digests").glob("*.json")
    data = json.loads(entry.read_text(encoding="utf-8"))
    first = next(iter(data["digests"].values()))
    first["digest_sentences"][0] = {"text": "FORGED SENTENCE.", "segment_ids": ["ffffffffffffffff"], "method": "extractive"}
    entry.write_text(json.dumps(data), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        result = topicsum.run(
            seeds_dir, summariser="extractive", formats=("md",), cache_dir=cache_dir, out=tmp_path / "o",
            show_progress=False,
        )  # fmt: skip
    assert str(entry) in caplog.text and "ffffffffffffffff" in caplog.text
    assert result.manifest["summariser"]["from_cache"] is False
    assert "FORGED" not in (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    ids = set(result.segments["segment_id"])
    assert all(set(s.segment_ids) <= ids for d in result.digests.values() for s in d.sentences)
    assert "FORGED" not in entry.read_text(encoding="utf-8")  # the entry was written again


@pytest.mark.slow
@pytest.mark.parametrize("damaged", ["theme_model.safetensors", "theme_model.json", "bertopic/topics.json"])
def test_a_damaged_fitted_model_entry_is_fitted_again(cache_dir, seeds_dir, caplog, damaged):
    (entry,) = [p for p in (cache_dir / "themes").iterdir() if not p.name.startswith(".")]
    before = topicsum.run(seeds_dir, summariser="none", formats=(), cache_dir=cache_dir, show_progress=False)
    target = entry / damaged
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        after = topicsum.run(seeds_dir, summariser="none", formats=(), cache_dir=cache_dir, show_progress=False)
    assert str(entry) in caplog.text and "damaged" in caplog.text
    assert after.topics["label"].tolist() == before.topics["label"].tolist()
    assert after.segments["topic"].tolist() == before.segments["topic"].tolist()
