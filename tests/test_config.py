from __future__ import annotations

import json

import pytest

from topicsum import ClusterConfig, Config, ConfigError


def test_defaults_round_trip_through_json():
    cfg = Config()
    assert Config.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_flat_and_nested_options_are_the_same():
    assert Config.from_options(n_topics=6) == Config.from_options(cluster={"n_topics": 6})


def test_unknown_option_names_the_valid_ones():
    with pytest.raises(ConfigError, match="did you mean 'n_topics'") as info:
        Config.from_options(n_topic=6)
    assert "summariser" in str(info.value)


def test_unknown_key_in_a_section_is_rejected():
    with pytest.raises(ConfigError, match=r"Unknown option 'colour' in \[report\]; valid options are: formats"):
        Config.from_dict({"report": {"colour": "red"}})


def test_unknown_section_is_rejected():
    with pytest.raises(ConfigError, match="valid sections are"):
        Config.from_dict({"clustering": {}})


def test_config_error_is_a_value_error():
    with pytest.raises(ValueError):
        ClusterConfig(n_topics=0)


@pytest.mark.parametrize(
    "options",
    [{"n_topics": "many"}, {"mode": "poetic"}, {"formats": "html,docx"}, {"article_context": 2.0}],
)
def test_invalid_values_are_rejected(options):
    with pytest.raises(ConfigError):
        Config.from_options(**options)


def test_option_names_are_unique_across_stages():
    from dataclasses import fields

    from topicsum._config._stages import STAGES as _STAGES

    names = [f.name for cls in _STAGES.values() for f in fields(cls)]
    assert len(names) == len(set(names))


def test_toml_file(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('[cluster]\nn_topics = 4\n[report]\nformats = ["html"]\n', encoding="utf-8")
    cfg = Config.from_toml(path)
    assert cfg.cluster.n_topics == 4
    assert cfg.report.formats == ("html",)


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[cluster\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml"):
        Config.from_toml(path)


def test_cli_strings_are_coerced():
    cfg = Config.from_options(n_topics="5", max_chars="600", dedupe="false", formats="html,md")
    assert (cfg.cluster.n_topics, cfg.segment.max_chars, cfg.segment.dedupe) == (5, 600, False)
    assert cfg.report.formats == ("html", "md")


def test_cache_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPICSUM_CACHE", str(tmp_path / "env"))
    assert Config().resolved_cache_dir() == tmp_path / "env"
    assert Config(cache_dir=str(tmp_path / "own")).resolved_cache_dir() == tmp_path / "own"
