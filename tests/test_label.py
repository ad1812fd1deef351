"""Labelling stage: one Theme per theme, readable labels, representative segments."""

from __future__ import annotations

import pytest

from topicsum._cluster import ThemeModel
from topicsum._label import describe_themes, keyword_label, readable_label


@pytest.fixture(scope="module")
def seeds_themes(seed_corpus, embedder):
    segs = sorted((s for s in seed_corpus.segments if not s.duplicate_of), key=lambda s: s.segment_id)
    texts = [s.text for s in segs]
    X = embedder.encode(texts)
    arts = [s.article_id for s in segs]
    model = ThemeModel().fit(texts, X, groups=arts, embedder=embedder)
    themes = describe_themes(
        model, segment_ids=[s.segment_id for s in segs], texts=texts, embeddings=X,
        article_ids=arts, outlets=[s.outlet for s in segs],
    )
    return segs, themes


def test_one_theme_per_topic_in_size_order(seeds_themes) -> None:
    segs, themes = seeds_themes
    ids = [t.topic_id for t in themes]
    regular = [t for t in themes if t.topic_id >= 0]
    assert [t.topic_id for t in regular] == list(range(len(regular)))
    assert ids[-1] == -1 or -1 not in ids
    assert [t.size for t in regular] == sorted((t.size for t in regular), reverse=True)
    assert sum(t.size for t in themes) == len(segs)
    assert abs(sum(t.share for t in themes) - 1.0) < 0.01


def test_theme_contents(seeds_themes) -> None:
    segs, themes = seeds_themes
    by_id = {s.segment_id: s for s in segs}
    for theme in themes:
        assert theme.size == len(theme.segment_ids)
        assert 1 <= len(theme.representative_segment_ids) <= 3
        assert set(theme.representative_segment_ids) <= set(theme.segment_ids)
        assert set(theme.article_ids) == {by_id[s].article_id for s in theme.segment_ids}
        assert set(theme.outlets) <= {by_id[s].outlet for s in theme.segment_ids}
        assert theme.keywords and all(isinstance(w, str) and isinstance(v, float) for w, v in theme.keywords)
        assert theme.label and theme.keyword_label
        assert 1 <= len(theme.label.split()) <= 8
    korea = [t for t in themes if "Korea" in t.label]
    assert korea and len(korea[0].article_ids) == 2


def test_readable_label_chains_and_recases() -> None:
    label = readable_label(
        [("north korean", 0.9), ("korean workers", 0.8), ("russia", 0.7), ("workers", 0.6)],
        ["North Korean workers were sent to Russia.", "Many North Korean workers left."],
    )
    assert label == "North Korean workers, Russia"
    assert readable_label([]) == "Miscellaneous"
    assert keyword_label([("whatsapp", 0.9), ("telegram", 0.8)]) == "whatsapp, telegram"
