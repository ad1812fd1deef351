"""The whole pipeline on the seeds: the output folder contract users rely on."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import topicsum
from helpers import run_content
from topicsum._types import SEGMENT_COLUMNS

pytestmark = pytest.mark.slow


def test_output_folder_contract(seed_run):
    _, out = seed_run
    for name in ("segments.csv", "articles.csv", "topics.json", "run.json", "report.html", "report.pdf", "report.md"):
        assert (out / name).is_file(), name
    assert (out / "model").is_dir()
    assert not [p for p in out.rglob("*") if p.suffix in (".pkl", ".pickle")]
    segments = pd.read_csv(out / "segments.csv")
    assert list(segments.columns[: len(SEGMENT_COLUMNS)]) == list(SEGMENT_COLUMNS)
    assert {"topic", "topic_label", "was_outlier"} <= set(segments.columns)
    assert not list(out.glob(".*.tmp"))


def test_manifest_records_how_the_run_was_made(seed_run, seeds_dir):
    _, out = seed_run
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["tool"] == "topicsum"
    assert topicsum.Config.from_dict(manifest["config"]) == topicsum.Config(report=topicsum.ReportConfig(formats=("html", "pdf", "md")))
    assert {i["source"] for i in manifest["inputs"]} == {str(p) for p in sorted(seeds_dir.glob("*.txt"))}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    for stage in ("ingest", "embed", "cluster", "label", "summarise", "report", "total"):
        assert manifest["timings"][stage] >= 0
    assert manifest["versions"]["bertopic"]
    assert manifest["models"]["embedding"] and manifest["models"]["embedding_backend"] == "torch"
    assert manifest["counts"]["articles"] == 8


def test_every_digest_sentence_cites_its_theme(seed_run):
    result, out = seed_run
    topics = json.loads((out / "topics.json").read_text(encoding="utf-8"))["themes"]
    themes = [t for t in topics if t["id"] >= 0]
    assert themes
    segment_topic = dict(zip(result.segments["segment_id"], result.segments["topic"]))
    for theme in themes:
        assert theme["digest_sentences"], theme["label"]
        for sentence in theme["digest_sentences"]:
            assert sentence["segment_ids"]
            assert all(segment_topic[s] == theme["id"] for s in sentence["segment_ids"])


#: Capitalised words that open a headline without naming anything.
_HEADLINE_OPENERS = {"inside", "if", "at", "the", "a", "an", "in", "on", "how", "why", "what"}


def _entities(text: str) -> set[str]:
    """Capitalised words, stemmed to 4 letters so that Russia/Russian and Italy/Italian meet."""
    words = re.findall(r"[A-Z][\w-]+", text.replace("\u2019", "'"))
    return {w.lower()[:4] for w in words if w.lower() not in _HEADLINE_OPENERS and len(w) > 2}


def test_every_digest_opens_with_what_happened_naming_a_headline_entity(seed_run):
    _, out = seed_run
    articles = pd.read_csv(out / "articles.csv", keep_default_na=False)
    themes = json.loads((out / "topics.json").read_text(encoding="utf-8"))["themes"]
    for theme in themes:
        headlines = articles.loc[articles["topic"] == theme["id"], "headline"]
        named = set().union(*(_entities(h) for h in headlines))
        opener = theme["digest_sentences"][0]["text"]
        assert _entities(opener) & named, (opener, sorted(named))
        assert len(opener.split()) >= 8 and not opener.endswith("?"), opener


def test_no_kept_generated_sentence_loses_or_moves_a_speaker(seed_run):
    from topicsum._summarise._attribution import attribution_problems

    result, out = seed_run
    texts = dict(zip(result.segments["segment_id"], result.segments["text"]))
    themes = json.loads((out / "topics.json").read_text(encoding="utf-8"))["themes"]
    generated = [s for t in themes for s in t["digest_sentences"] if s["method"] == "generated"]
    for sentence in generated:
        source = " ".join(texts[i] for i in sentence["segment_ids"])
        assert attribution_problems(sentence["text"], source) == [], sentence


def test_a_copied_page_joins_its_originals_stories_in_either_order(seeds_dir, tmp_path):
    copy = shutil.copy(seeds_dir / "003_c290026e26d6f3dd.txt", tmp_path / "copy.txt")
    files = [*sorted(seeds_dir.glob("*.txt")), copy]
    forward = topicsum.run(files, summariser="none", formats=(), show_progress=False)
    backward = topicsum.run(files[::-1], summariser="none", formats=(), show_progress=False)
    seg = forward.segments.set_index("segment_id")
    dups = seg[seg["duplicate_of"].notna()]
    assert len(dups) == (forward.segments["source"] == str(copy)).sum() > 20  # every segment of the copied page
    assert all(row.topic == seg.loc[row.duplicate_of, "topic"] for row in dups.itertuples())
    assert len(forward.topics) == 6
    # which copy is the original follows the input order; the stories do not
    columns = ["segment_id", "topic", "topic_label", "was_outlier"]
    assert forward.segments[columns].sort_values("segment_id", ignore_index=True).equals(
        backward.segments[columns].sort_values("segment_id", ignore_index=True)
    )
    run_times = ["digest", "first_seen", "last_updated"]  # when each run ran differs; nothing else may
    assert forward.topics.drop(columns=run_times).equals(backward.topics.drop(columns=run_times))


def test_load_gives_back_the_tables(seed_run):
    result, out = seed_run
    loaded = topicsum.load(out)
    assert loaded.segments["segment_id"].tolist() == result.segments["segment_id"].tolist()
    assert loaded.topics["label"].tolist() == result.topics["label"].tolist()
    assert loaded.digest(0).text == result.digest(0).text
    placed = loaded.transform(["Russia and Ukraine exchanged the bodies of thousands of fallen soldiers."])
    assert set(placed["topic"]) <= set(result.topics["topic"])


def test_rerun_into_the_same_folder_is_allowed_but_foreign_files_are_not(tmp_path, seeds_dir):
    (tmp_path / "topics.json").write_text("{}", encoding="utf-8")
    with pytest.raises(topicsum.OutputExistsError):
        topicsum.run(seeds_dir, out=tmp_path, summariser="none", formats=())
    assert (tmp_path / "topics.json").read_text(encoding="utf-8") == "{}"


def test_reverse_input_order_gives_identical_outputs(tmp_path, seeds_dir):
    files = sorted(seeds_dir.glob("*.txt"))
    outs = []
    for k, order in enumerate((files, files[::-1])):
        out = tmp_path / f"run{k}"
        topicsum.run(order, out=out, summariser="extractive", formats=(), show_progress=False)
        outs.append(out)
    for name in ("segments.csv", "topics.json"):
        assert run_content(outs[0] / name) == run_content(outs[1] / name), name  # when each run ran aside
    # The second run reuses the first one's digests, and run.json says so (its timings are the first run's).
    assert json.loads((outs[1] / "run.json").read_text(encoding="utf-8"))["summariser"]["from_cache"] is True


def test_digest_on_a_run_without_digests_names_the_option(seeds_dir):
    result = topicsum.run(seeds_dir, summariser="none", formats=(), show_progress=False)
    with pytest.raises(topicsum.StageSkippedError, match="summariser="):
        result.digest(0)


def test_an_output_folder_inside_the_input_folder_is_never_read_back(tmp_path, seeds_dir):
    """Issue 16, case 1: `cp -r seeds s; topicsum run s --out s/out` twice read its own report back in."""
    s = Path(shutil.copytree(seeds_dir, tmp_path / "s"))
    options = {"summariser": "extractive", "formats": ("md",), "show_progress": False}
    first = topicsum.run(s, out=s / "out", **options)
    with pytest.warns(topicsum.SkippedInputWarning, match="out: it is this run's output folder"):
        second = topicsum.run(s, out=s / "out", **options)
    for result in (first, second):
        assert (result.manifest["counts"]["articles"], result.manifest["counts"]["themes"]) == (8, 6)
    assert second.segments["segment_id"].tolist() == first.segments["segment_id"].tolist()
    assert second.manifest["skipped"] == [{"source": str(s / "out"), "reason": "is this run's output folder"}]


def test_runs_are_repeatable_whatever_the_path_spelling_hash_seed_and_cache(tmp_path, seeds_dir):
    """Issue 16, case 10: ids hashed the path as spelled, and keyword weights moved with Python's hash seed."""
    import os
    import subprocess
    import sys

    def cli(spelled: str, seed: str, cache: Path, out: Path) -> None:
        env = {**os.environ, "PYTHONHASHSEED": seed, "TOPICSUM_CACHE": str(cache)}
        subprocess.run(
            [sys.executable, "-m", "topicsum", "run", spelled, "--out", str(out), "--summariser", "extractive",
             "--format", "none", "-q"],
            cwd=seeds_dir.parent, env=env, check=True, timeout=600,
        )  # fmt: skip

    cli("seeds", "1", tmp_path / "cache-a", tmp_path / "a")
    cli("seeds", "2", tmp_path / "cache-b", tmp_path / "b")  # a fresh cache and another hash seed
    cli(str(seeds_dir), "3", tmp_path / "cache-a", tmp_path / "c")  # absolute path, warm cache
    cli("./seeds/", "4", tmp_path / "cache-b", tmp_path / "d")
    a = tmp_path / "a"
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file() and p.name != "run.json")
    assert "model/theme_model.json" in files  # keyword weights at full precision
    for name in files:
        if name in ("segments.csv", "articles.csv"):
            continue
        for other in "bcd":
            assert run_content(a / name) == run_content(tmp_path / other / name), (name, other)
    assert (a / "segments.csv").read_bytes() == (tmp_path / "b" / "segments.csv").read_bytes()
    for name in ("segments.csv", "articles.csv"):
        frames = [pd.read_csv(tmp_path / x / name) for x in "abcd"]
        assert {f["source"].iloc[0] for f in frames} >= {"seeds/000_507cb2b09f16eff4.txt", f"{seeds_dir}/000_507cb2b09f16eff4.txt"}
        for frame in frames[1:]:
            ignored = [c for c in ("source", "first_seen") if c in frame]  # where it was read from, and when
            pd.testing.assert_frame_equal(frames[0].drop(columns=ignored), frame.drop(columns=ignored))
