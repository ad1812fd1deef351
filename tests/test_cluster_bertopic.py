"""``Result.model`` is a BERTopic that works like one, whether fresh, from the fitted-model cache, or loaded.

Issue 23: BERTopic's public methods are called on the model of the same run
in its three origins (a fresh fit, the cache, ``topicsum.load``), and each
of the six problems found has a test of its own.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import topicsum

pytestmark = pytest.mark.slow

NEW = ["Russia and Ukraine exchanged the bodies of thousands of fallen soldiers on Thursday."]


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> dict[str, topicsum.Result]:
    """The seeds' run three ways: fitted now, fitted model from the cache, and loaded from its folder."""
    base = tmp_path_factory.mktemp("origins")
    options = {"summariser": "extractive", "formats": (), "cache_dir": str(base / "cache"), "show_progress": False}
    fresh = topicsum.run(seeds_dir, out=base / "fresh", **options)
    cached = topicsum.run(seeds_dir, out=base / "cached", **options)
    assert cached.manifest["timings"]["cluster"] < fresh.manifest["timings"]["cluster"]  # it came from the cache
    return {"fresh": fresh, "cached": cached, "loaded": topicsum.load(base / "fresh")}


def _docs(result: topicsum.Result) -> list[str]:
    return list(result.theme_model.texts_)


def _call_everything(result: topicsum.Result, tmp_path: Path) -> dict[str, object]:
    """BERTopic's public methods on ``result.model`` (a copy, so the shared result is untouched)."""
    model = copy.deepcopy(result.model)
    docs = _docs(result)
    dates = list(pd.date_range("2025-08-10", periods=5, freq="D").repeat(len(docs) // 5 + 1)[: len(docs)])
    outlets = [("BBC", "ITV")[i % 2] for i in range(len(docs))]
    out: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["info"] = model.get_topic_info()
        out["topic0"] = model.get_topic(0)
        out["freq"] = model.get_topic_freq()
        out["document_info"] = model.get_document_info(docs)
        out["representative_docs"] = model.get_representative_docs()
        out["transform"] = model.transform(NEW)[0]
        out["find"] = model.find_topics("WhatsApp", top_n=2)[0]
        out["hierarchy"] = model.hierarchical_topics(docs)
        out["tree"] = model.get_topic_tree(out["hierarchy"])
        out["over_time"] = model.topics_over_time(docs, dates)
        out["per_class"] = model.topics_per_class(docs, outlets)
        out["distribution"] = model.approximate_distribution(docs[:5])[0]
        for name in ("visualize_topics", "visualize_barchart", "visualize_heatmap", "visualize_hierarchy"):
            out[name] = getattr(model, name)()
        out["visualize_over_time"] = model.visualize_topics_over_time(out["over_time"])
        out["visualize_per_class"] = model.visualize_topics_per_class(out["per_class"])
        model.update_topics(docs)
        out["updated_topic0"] = model.get_topic(0)
        model.merge_topics(docs, [0, 1])
        out["after_merge"] = len(set(model.topics_))
        model.delete_topics([0])
        out["after_delete"] = len(set(model.topics_) - {-1})
        model.reduce_topics(docs, nr_topics=3)
        out["after_reduce"] = len(set(model.topics_))
    return out


@pytest.mark.parametrize("origin", ["fresh", "cached", "loaded"])
def test_every_public_bertopic_method_works_on_every_origin(origins, origin, tmp_path):
    result = origins[origin]
    got = _call_everything(result, tmp_path)
    ids = sorted(got["info"]["Topic"].tolist())
    assert ids == sorted(origins["fresh"].model.get_topic_info()["Topic"].tolist()) == list(range(6))
    assert got["info"]["CustomName"].tolist() == result.topics["label"].tolist()  # story names are the labels
    assert len(got["document_info"]) == len(_docs(result)) and got["representative_docs"]
    whatsapp = int(result.topics.loc[result.topics["label"].str.contains("WhatsApp"), "topic"].iloc[0])
    bodies = int(result.topics.loc[result.topics["label"].str.contains("bodies"), "topic"].iloc[0])
    assert got["find"][0] == whatsapp and int(got["transform"][0]) == bodies
    assert len(got["hierarchy"]) == 5 and "Topic" in got["tree"]
    assert set(got["over_time"]["Topic"]) <= set(ids) and set(got["per_class"]["Class"]) == {"BBC", "ITV"}
    assert got["distribution"].shape == (5, 6)
    assert [w for w, _ in got["updated_topic0"]][:3] == [w for w, _ in got["topic0"]][:3]
    assert (got["after_merge"], got["after_delete"], got["after_reduce"]) == (5, 4, 3)


def test_cached_and_loaded_models_are_the_same_object_as_a_fresh_fit(origins):
    """Issue 23, case 2: from the cache or topicsum.load the model had no keyword model, representative
    documents or embedding model, so transform and find_topics failed."""
    from topicsum._cluster._keywords import StoryKeywords

    fresh = origins["fresh"].model
    for origin in ("cached", "loaded"):
        model = origins[origin].model
        assert type(model) is type(fresh)
        assert isinstance(model.representation_model[0], StoryKeywords)
        assert model.get_representative_docs() == fresh.get_representative_docs()
        assert model.embedding_model is not None and model.embedding_model._hf_model
        assert model.get_topics() == fresh.get_topics()
        # BERTopic's own tests read the cluster model's labels through the topic mapper after a merge or delete
        for m in (fresh, model):
            mapping = m.topic_mapper_.get_mappings(list(m.hdbscan_model.labels_))
            assert [mapping[label] for label in m.hdbscan_model.labels_] == list(m.topics_) == list(fresh.topics_)


def test_topics_over_time_and_per_class_work_on_a_fresh_fit(origins):
    """Issue 23, case 1: both crashed with KeyError 'Column not found: ID' in topicsum's keyword model."""
    result = origins["fresh"]
    docs = _docs(result)
    stamps = [f"2025-08-{10 + i % 3:02d}" for i in range(len(docs))]
    over_time = result.theme_model.topics_over_time(stamps)  # strings, parsed for BERTopic
    assert set(over_time["Timestamp"].dt.day) == {10, 11, 12}
    assert over_time["Words"].str.len().min() > 0
    per_class = result.theme_model.topics_per_class([("a", "b")[i % 2] for i in range(len(docs))])
    assert set(per_class["Class"]) == {"a", "b"}


def test_saving_with_bertopics_defaults_works_and_loads_back(origins, tmp_path):
    """Issue 23, case 3: pickle failed on a local class; safetensors loaded back without an embedding model."""
    from bertopic import BERTopic

    model = origins["loaded"].model
    model.save(tmp_path / "model.pickle")  # BERTopic's default: pickle
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pickled = BERTopic.load(tmp_path / "model.pickle")
        model.save(tmp_path / "st", serialization="safetensors")  # the embedding model is saved as a folder path
        safe = BERTopic.load(tmp_path / "st")
    expected = model.transform(NEW)[0]
    assert pickled.transform(NEW)[0].tolist() == expected.tolist()
    assert safe.transform(NEW)[0].tolist() == expected.tolist()


def test_a_model_changed_behind_the_results_back_is_noticed_and_refresh_follows_it(seeds_dir, tmp_path):
    """Issue 23, case 4: after result.model.reduce_topics the tables kept the old ids and save wrote a folder
    whose tables and model disagreed, which topicsum.load accepted."""
    from topicsum._store import write_outputs

    options = {"summariser": "extractive", "formats": (), "show_progress": False}
    result = topicsum.run(seeds_dir, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result.model.reduce_topics(_docs(result), nr_topics=3)
    with pytest.raises(topicsum.ModelChangedError, match=r"result\.refresh\(\)"):
        result.save(tmp_path / "stale")
    with pytest.raises(topicsum.ModelChangedError):
        result.transform(NEW)
    write_outputs(result, tmp_path / "disagree", formats=())  # what save used to do
    with pytest.raises(topicsum.InputError, match="disagree"):
        topicsum.load(tmp_path / "disagree")
    result.refresh()
    assert len(result.topics) == 3 and set(result.segments["topic"]) == {0, 1, 2}
    assert set(result.transform(NEW)["topic"]) <= {0, 1, 2}
    assert all(set(s.segment_ids) <= set(t.segment_ids) for t in result.themes for s in result.digests[t.topic_id].sentences)
    assert result.save(tmp_path / "fresh", formats=()) and len(topicsum.load(tmp_path / "fresh").topics) == 3


def test_result_reduce_and_merge_keep_digests_of_unchanged_stories(seeds_dir):
    result = topicsum.run(seeds_dir, summariser="extractive", formats=(), show_progress=False)
    before = {frozenset(t.segment_ids): result.digests[t.topic_id].text for t in result.themes}
    result.merge([0, 1])
    assert len(result.topics) == 5 and result.model.get_topic_info()["CustomName"].tolist() == result.topics["label"].tolist()
    for theme in result.themes:
        if frozenset(theme.segment_ids) in before:  # an untouched story keeps its digest, under its new id
            assert result.digests[theme.topic_id].text == before[frozenset(theme.segment_ids)]
    result.reduce(2)
    assert len(result.topics) == 2 and result.manifest["counts"]["themes"] == 2


def test_update_topics_keeps_topicsums_keyword_settings(origins):
    """Issue 23, case 5: update_topics fell back to a bare CountVectorizer ("the european" as a keyword)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    result = origins["fresh"]
    model = copy.deepcopy(result.model)
    model.update_topics(_docs(result), top_n_words=10)
    for topic, words in model.get_topics().items():
        for word, _ in words:
            assert not set(word.split()) & ENGLISH_STOP_WORDS, (topic, word)
    assert model.vectorizer_model.get_params()["token_pattern"] == result.model.vectorizer_model.get_params()["token_pattern"]
    model.update_topics(_docs(result), n_gram_range=(2, 2))  # only the n-gram range changes: still no stop words
    words = [word for topic in model.get_topics().values() for word, _ in topic if word]
    assert words and all(len(word.split()) == 2 and not set(word.split()) & ENGLISH_STOP_WORDS for word in words)


@pytest.mark.parametrize("origin", ["fresh", "cached", "loaded"])
def test_deleting_a_story_keeps_the_other_names(origins, origin):
    """BERTopic's delete_topics expects custom labels as a dict; the story names are a list (set_topic_labels).
    It also reads the size of the outliers (-1), which a fresh fit's Counter answers and a loaded dict did not."""
    result = origins[origin]
    model = copy.deepcopy(result.model)
    names = dict(zip(result.topics["topic"], result.topics["label"]))
    kept = [names[t] for t in sorted(names) if t not in (-1, 1)]
    model.delete_topics([1])
    info = model.get_topic_info()
    assert sorted(info.loc[info["Topic"] >= 0, "CustomName"]) == sorted(kept)


def test_story_names_are_bertopics_custom_labels(origins):
    """Issue 23, case 6."""
    for result in origins.values():
        info = result.model.get_topic_info()
        assert info["CustomName"].tolist() == result.topics["label"].tolist()
        assert all(np.isfinite(result.model.topic_embeddings_).all(axis=1))
