"""Clustering stage: the seeds' six stories, determinism, groups, tiny corpora, explicit n_topics, save/load."""

from __future__ import annotations

import random

import numpy as np
import pytest

from topicsum._cluster import ThemeModel
from topicsum._errors import ConfigError, SmallCorpusWarning
from topicsum._label import label_stories
from topicsum._tables import FitSegments


def _names(
    model: ThemeModel, texts: list[str], headlines: list[str] | None = None
) -> tuple[dict[int, str], dict[int, str]]:
    """The label stage's names of the model's stories and groups (the articles' headlines when given)."""
    ids = [f"s{i}" for i in range(len(texts))]
    themes, groups = label_stories(model, FitSegments.of(ids, texts, model.articles_, headlines=headlines))
    return {t.topic_id: t.label for t in themes}, {g.group_id: g.label for g in groups}


def unique_segments(corpus) -> list:
    """The pipeline's clustering input: unique segments in canonical (segment_id) order."""
    return sorted((s for s in corpus.segments if not s.duplicate_of), key=lambda s: s.segment_id)


@pytest.fixture(scope="module")
def seeds_input(seed_corpus, embedder):
    segs = unique_segments(seed_corpus)
    texts = [s.text for s in segs]
    return segs, texts, embedder.encode(texts)


@pytest.fixture(scope="module")
def seeds_model(seeds_input, embedder) -> ThemeModel:
    segs, texts, X = seeds_input
    return ThemeModel().fit(texts, X, groups=[s.article_id for s in segs], embedder=embedder)


def _theme_of(model: ThemeModel, segs, outlet: str) -> set[int]:
    return {int(t) for s, t in zip(segs, model.topics_) if s.outlet == outlet}


def test_seeds_give_the_six_stories(seeds_model, seeds_input) -> None:
    segs, texts, _ = seeds_input
    topics = seeds_model.topics_
    assert (topics == -1).mean() <= 0.10
    assert len(set(topics.tolist()) - {-1}) == 6
    # Each article's segments share one theme; the paired stories share a theme.
    for art in {s.article_id for s in segs}:
        assert len({int(t) for s, t in zip(segs, topics) if s.article_id == art and t != -1}) == 1
    assert _theme_of(seeds_model, segs, "Daily Mirror") == _theme_of(seeds_model, segs, "South Wales Guardian")
    themes_by_outlet = {o: _theme_of(seeds_model, segs, o) for o in ("Metro", "The Guardian", "Sky News", "ITV News")}
    assert len(set.union(*themes_by_outlet.values())) == 4
    labels = " | ".join(_names(seeds_model, texts, [s.headline for s in segs])[0].values())
    assert "WhatsApp" in labels or "Telegram" in labels
    assert "Korea" in labels


def test_labels_and_keywords_are_not_stop_words(seeds_model, seeds_input) -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    labels = _names(seeds_model, seeds_input[1])[0]
    for t, kws in seeds_model.keywords_.items():
        assert kws, t
        words = [w for w, _ in kws]
        assert not any(w in ENGLISH_STOP_WORDS for w in words), words
        label_words = {w.strip(",").lower() for w in labels[t].split()}
        assert label_words - ENGLISH_STOP_WORDS, labels[t]
        assert len(labels[t].split()) <= 16  # a headline or lead, condensed (topicsum._label._titles.LONG_TITLE_WORDS)


def test_fitted_attributes(seeds_model, seeds_input) -> None:
    n = len(seeds_input[1])
    assert seeds_model.topics_.shape == (n,)
    assert seeds_model.was_outlier_.dtype == bool and seeds_model.was_outlier_.shape == (n,)
    assert seeds_model.coords_2d_.shape == (n, 2) and seeds_model.coords_2d_.dtype == np.float32
    assert np.isfinite(seeds_model.coords_2d_).all()
    sizes = [int((seeds_model.topics_ == t).sum()) for t in sorted(set(seeds_model.topics_.tolist()) - {-1})]
    assert sizes == sorted(sizes, reverse=True)  # theme 0 is the largest
    assert set(seeds_model.topic_embeddings_) == set(seeds_model.topics_.tolist())
    sim = seeds_model.similarity()
    assert sim.shape[0] == sim.shape[1] == len(seeds_model.topic_embeddings_)


def test_same_input_in_canonical_order_gives_same_themes(seeds_model, seeds_input, embedder) -> None:
    segs, texts, X = seeds_input
    order = list(range(len(segs)))
    random.Random(7).shuffle(order)
    shuffled = [segs[i] for i in order]
    canonical = sorted(range(len(shuffled)), key=lambda i: shuffled[i].segment_id)  # what the pipeline does
    idx = [order[i] for i in canonical]
    again = ThemeModel().fit(
        [texts[i] for i in idx], X[idx], groups=[segs[i].article_id for i in idx], embedder=embedder
    )
    np.testing.assert_array_equal(again.topics_, seeds_model.topics_)
    assert _names(again, [texts[i] for i in idx])[0] == _names(seeds_model, texts)[0]
    assert again.keywords_ == seeds_model.keywords_


def test_explicit_n_topics(seeds_input) -> None:
    segs, texts, X = seeds_input
    model = ThemeModel(n_topics=3).fit(texts, X, groups=[s.article_id for s in segs])
    assert len(set(model.topics_.tolist()) - {-1}) == 3


def test_n_topics_larger_than_corpus_is_a_config_error(embedder) -> None:
    texts = ["Markets fell.", "Rain is coming.", "The team won."]
    with pytest.raises(ConfigError, match=r"n_topics=5.*\b3\b"):
        ThemeModel(n_topics=5).fit(texts, embedder.encode(texts))


def test_one_segment_is_one_theme_with_a_warning(embedder) -> None:
    texts = ["Stocks fell on Monday."]
    with pytest.warns(SmallCorpusWarning):
        model = ThemeModel().fit(texts, embedder.encode(texts))
    assert model.topics_.tolist() == [0]
    assert model.coords_2d_.shape == (1, 2)
    assert _names(model, texts)[0][0]


@pytest.mark.parametrize("n", [2, 4])
def test_unrelated_articles_are_one_article_stories_not_outliers(embedder, n: int) -> None:
    texts = ["Stocks fell on Monday.", "A storm hit the coast.", "The striker scored.", "Bread needs yeast."][:n]
    model = ThemeModel().fit(texts, embedder.encode(texts))
    assert sorted(model.topics_.tolist()) == list(range(n))
    assert not model.was_outlier_.any()
    assert model.coords_2d_.shape == (n, 2)
    assert all(_names(model, texts)[0][t] for t in range(n))


def test_identical_segments_are_one_theme(embedder) -> None:
    texts = ["Russia restricts WhatsApp calls over data sharing."] * 8
    with pytest.warns(SmallCorpusWarning, match="identical"):
        model = ThemeModel().fit(texts, embedder.encode(texts))
    assert set(model.topics_.tolist()) == {0}


SUBJECTS = {
    "markets": ["Stock markets fell sharply", "Shares slid as investors sold", "The central bank raised interest rates",
                "Bond yields rose on inflation fears", "The index closed lower after earnings", "Banks lost value in trading"],
    "football": ["The striker scored twice in the final", "The goalkeeper saved a penalty", "The club signed a new midfielder",
                 "Fans cheered as the team won the league", "The coach praised his defenders", "A late goal sealed the match"],
    "cooking": ["Knead the dough and let it rise", "Simmer the tomato sauce for an hour", "Bake the cake at 180 degrees",
                "Chop the onions and fry them in butter", "Season the soup with salt and pepper", "Whisk the eggs with sugar"],
}  # fmt: skip


def test_stories_and_groups_never_mix_subjects(embedder) -> None:
    texts = [t for ts in SUBJECTS.values() for t in ts]
    model = ThemeModel().fit(texts, embedder.encode(texts))
    subject = [g for g, ts in SUBJECTS.items() for _ in ts]
    stories = set(model.topics_.tolist()) - {-1}
    assert len(stories) > 12  # one-sentence "articles" about different things: separate stories
    for t in stories:
        assert len({g for g, tt in zip(subject, model.topics_) if tt == t}) == 1
    assert 4 <= len(set(model.groups_.values())) <= 6  # groups above more than 12 stories
    group_labels = _names(model, texts)[1]
    for g in set(model.groups_.values()):
        members = {t for t, gg in model.groups_.items() if gg == g}
        assert len({s for s, t in zip(subject, model.topics_) if t in members}) == 1, group_labels[g]
    assert set(group_labels) == set(model.groups_.values())


def test_granularity_and_threshold_move_the_grain(seeds_input) -> None:
    segs, texts, X = seeds_input
    arts = [s.article_id for s in segs]
    n = {g: len(set(ThemeModel(granularity=g).fit(texts, X, groups=arts).topics_.tolist())) for g in (0.5, 1.0, 1.5)}
    assert n[0.5] < n[1.0] == 6 <= n[1.5] <= 8
    coarse = ThemeModel(story_threshold=0.2).fit(texts, X, groups=arts)
    assert coarse.grain_["method"] == "threshold" and coarse.grain_["threshold"] == 0.2
    assert len(set(coarse.topics_.tolist())) < 6


def test_save_load_round_trip_without_pickle(seeds_model, seeds_input, embedder, tmp_path) -> None:
    seeds_model.save(tmp_path / "model")
    files = [p for p in (tmp_path / "model").rglob("*") if p.is_file()]
    assert files
    assert not [p for p in files if p.suffix in (".pkl", ".pickle", ".joblib")]
    loaded = ThemeModel.load(tmp_path / "model").attach(embedder)
    assert loaded.get_params() == seeds_model.get_params() and loaded.grain_ == seeds_model.grain_
    np.testing.assert_array_equal(loaded.topics_, seeds_model.topics_)
    np.testing.assert_array_equal(loaded.was_outlier_, seeds_model.was_outlier_)
    np.testing.assert_allclose(loaded.coords_2d_, seeds_model.coords_2d_)
    assert _names(loaded, seeds_input[1])[0] == _names(seeds_model, seeds_input[1])[0]
    assert loaded.keywords_ == seeds_model.keywords_
    assert [w for w, _ in loaded.bertopic_.get_topic(0)] == [w for w, _ in seeds_model.bertopic_.get_topic(0)]

    segs, texts, X = seeds_input
    np.testing.assert_array_equal(loaded.transform(texts, X)[:10], seeds_model.transform(texts, X)[:10])
    whatsapp = _theme_of(seeds_model, segs, "The Guardian").pop()
    new = ["Moscow blocked calls on Telegram and WhatsApp, saying the messengers refuse to share data."]
    assert loaded.transform(new, embedder.encode(new)).tolist() == [whatsapp]


def test_loading_a_saved_model_never_reaches_for_the_hub(seeds_model, embedder, tmp_path, monkeypatch) -> None:
    """BERTopic.load tries SentenceTransformer(name) for any name it was saved with: online that cost a
    minute of retries on every cached run, because the bundled model's name "minilm" is not on the hub."""
    import sentence_transformers

    seeds_model.save(tmp_path / "model")
    asked: list[object] = []
    real = sentence_transformers.SentenceTransformer
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", lambda *a, **k: asked.append(a) or real(*a, **k))
    loaded = ThemeModel.load(tmp_path / "model").attach(embedder)
    assert [a for a in asked if a and a[0]] == [], "loading asked sentence-transformers for a model by name"
    assert loaded.embedding_model_source_ == seeds_model.embedding_model_source_ == "minilm"


def test_bertopic_tools_work_on_a_loaded_model(seeds_model, seeds_input, embedder, tmp_path) -> None:
    segs, _, _ = seeds_input
    seeds_model.save(tmp_path / "model")
    model = ThemeModel.load(tmp_path / "model").attach(embedder)
    tree = model.hierarchy()
    assert len(tree) == len(set(model.topics_.tolist()) - {-1}) - 1
    per_outlet = model.topics_per_class([s.outlet or "unknown" for s in segs])
    assert set(per_outlet["Class"]) >= {"Metro", "ITV News"}
    n_before = len(set(model.topics_.tolist()) - {-1})
    model.merge([0, 1])
    assert len(set(model.topics_.tolist()) - {-1}) == n_before - 1
    model.reduce(2)
    assert len(set(model.topics_.tolist()) - {-1}) == 2
    assert set(model.keywords_) == set(model.topics_.tolist())
    assert set(_names(model, model.texts_)[0]) == set(model.topics_.tolist())


def test_an_unfitted_model_says_fit_and_a_fitted_one_names_the_missing_attribute(seeds_model) -> None:
    from topicsum import NotFittedError

    with pytest.raises(NotFittedError, match="call fit"):
        ThemeModel().topics_
    with pytest.raises(AttributeError, match="no attribute 'embedder_'") as caught:
        seeds_model.embedder_  # a fitted model is not "not fitted" because a name is wrong
    assert not isinstance(caught.value, NotFittedError)


class _Counting:
    """The session embedder, counting the texts it is asked to encode."""

    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, 0
        self.model_id, self.dimension = inner.model_id, inner.dimension

    def encode(self, texts, **kwargs):
        self.texts += len(texts)
        return self.inner.encode(texts, **kwargs)


def test_a_second_fit_in_the_same_cache_encodes_no_keyword_candidate_again(seeds_input, embedder, tmp_path) -> None:
    from topicsum._cluster import fit_themes
    from topicsum._config import ClusterConfig
    from topicsum._context import CacheSettings, RunContext

    segs, texts, X = seeds_input
    units = FitSegments.of([s.segment_id for s in segs], texts, [s.article_id for s in segs])
    counting = _Counting(embedder)
    context = RunContext(cache=CacheSettings(tmp_path), embedder=counting)
    first = fit_themes(units, X, ClusterConfig(), context)
    assert counting.texts > 0  # the keyword candidates of the multi-article stories
    before = counting.texts
    again = fit_themes(units, X, ClusterConfig(), context)
    assert counting.texts == before, "an update read the candidates it had encoded from the cache"
    assert again.bertopic_.get_topics() == first.bertopic_.get_topics()
    assert again.bertopic_.embedding_model.inner is counting  # the model keeps the plain embedder
