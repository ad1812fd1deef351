"""Digests: extract -> generate -> guard, with the bundled SmolLM2 and the extractive backend."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from topicsum._config import SummariseConfig
from topicsum._context import CacheSettings, RunContext
from topicsum._errors import ModelUnavailableError
from topicsum._summarise import SegmentInfo, SourceSentence, guard_sentences, resolve_summariser, summarise_themes
from topicsum._summarise._digest import fit_excerpts as _fit_excerpts
from topicsum._summarise._generators import OVERVIEW_INSTRUCTION
from topicsum._summarise._sentences import encode as _encode
from topicsum._types import Theme

ROOT = Path(__file__).resolve().parent.parent

TEXTS = {
    "s1": "Mr Park said one colleague fell from the third floor and broke his arm. "
    "He was hospitalised for two months and then sent back to North Korea at his own expense.",
    "s2": "Each worker was required to send about $1,000 per month to North Korea as a loyalty remittance. "
    "Most of the workers earned only $600 to $800 a month.",
    "s3": "South Korean intelligence officials estimate as many as 15,000 North Koreans are working in Russia. "
    "They work in the timber and construction industries in Siberia.",
    "s4": "Workers who missed their quota had to work from 7am to 5am the next day, 22 hours straight.",
}
OUTLETS = {"s1": "Daily Mirror", "s2": "Daily Mirror", "s3": "Metro", "s4": "Metro"}
THEME = Theme(
    topic_id=0,
    label="north_koreans_russia",
    keywords=(("north koreans", 0.5), ("workers", 0.4), ("russia", 0.3), ("quota", 0.2)),
    size=4,
    segment_ids=tuple(TEXTS),
    article_ids=("a1", "a2"),
    representative_segment_ids=("s3",),
)


ARTICLES = {"s1": "a1", "s2": "a1", "s3": "a2", "s4": "a2"}
SEGMENTS = {sid: SegmentInfo(TEXTS[sid], ARTICLES[sid], k * 200, OUTLETS[sid]) for k, sid in enumerate(TEXTS)}


def _summarise(themes, segments, config: SummariseConfig, embedder, summariser=None):
    """The summarise stage with its own context: the backend ``config`` names, or ``summariser`` (a stand-in)."""
    cache = Path(os.environ["TOPICSUM_CACHE"])
    backend = summariser if summariser is not None else resolve_summariser(config, cache)
    context = RunContext(cache=CacheSettings(cache), embedder=embedder, summariser=backend)
    return summarise_themes(themes, segments, config, context)


def _generator(config: SummariseConfig, cache_dir: Path):
    return resolve_summariser(config, cache_dir).generator()


def _sources() -> list[SourceSentence]:
    from topicsum._summarise import theme_sentences

    return theme_sentences(THEME.segment_ids, SEGMENTS)


@pytest.fixture(scope="module")
def smollm2():
    """The bundled model through transformers, loaded once (converted into the session cache on first use)."""
    return _generator(SummariseConfig(engine="transformers"), Path(os.environ["TOPICSUM_CACHE"]))


@pytest.fixture(scope="module")
def hybrid(embedder):
    return _summarise([THEME], SEGMENTS, SummariseConfig(digest_sentences=3), embedder)


def test_hybrid_digest_cites_its_theme_and_keeps_facts(hybrid):
    digests, info = hybrid
    digest = digests[0]
    assert len(digest.sentences) >= 1
    for s in digest.sentences:
        assert s.segment_ids and set(s.segment_ids) <= set(THEME.segment_ids)
        cited = " ".join(TEXTS[i] for i in s.segment_ids)
        for number in re.findall(r"\d[\d,]*", s.text):
            assert number in cited, (s.text, number)
        for name in re.findall(r"(?<=\s)[A-Z][a-z]+", s.text):
            assert name.rstrip("s") in cited, (s.text, name)
        assert s.method in ("generated", "extractive")
    assert info["backend"] == "smollm2" and info["mode"] == "hybrid"
    assert info["engine"] == "llama.cpp"  # installed by the Makefile: the default engine
    assert info["decoding"]["do_sample"] is False
    assert set(info["guard"]) >= {"generated", "kept", "replaced"} and 0 <= info["opened_by_generated"] <= 1


def test_hybrid_is_deterministic(hybrid, embedder):
    again, _ = _summarise([THEME], SEGMENTS, SummariseConfig(digest_sentences=3), embedder)
    assert again[0] == hybrid[0][0]


def test_guard_keeps_faithful_and_drops_invented(embedder):
    sources = _sources()
    emb = _encode(embedder, [s.text for s in sources])
    results = guard_sentences(
        [
            "South Korean intelligence estimates that up to 15,000 North Koreans work in Russia.",
            "South Korean intelligence officials estimate as many as 40,000 North Koreans work in Russia.",
            "Mr Kowalski said one colleague fell from the third floor and broke his arm.",
            "The central bank raised interest rates to curb inflation in Europe.",
        ],
        sources, emb, embedder,
    )  # fmt: skip
    assert [r.kept for r in results] == [True, False, False, False]
    assert results[0].segment_ids == ("s3",)
    assert "40000" in results[1].missing
    assert "Kowalski" in results[2].missing


def test_guard_treats_verbatim_copy_as_extractive(embedder):
    sources = _sources()
    emb = _encode(embedder, [s.text for s in sources])
    (r,) = guard_sentences([sources[2].text], sources, emb, embedder)
    assert r.kept and r.verbatim and r.segment_ids == (sources[2].segment_id,)


class _ScriptedGenerator:
    """A stand-in model that always writes the same text (to test what the guard does with it)."""

    model_id = "scripted"
    engine = "test"
    context_tokens = 2048
    instructions = True

    def __init__(self, text: str) -> None:
        self.text = text

    def text_tokens(self, text: str) -> int:
        return len(text.split())

    def prompt_tokens(self, instruction, excerpts) -> int:
        return len(instruction.split()) + sum(len(e.split()) for e in excerpts)

    def generate(self, instruction, excerpts, **kw) -> str:
        return self.text


class _Scripted:
    """A stand-in summariser backend whose model always writes the same text."""

    backend = "scripted"

    def __init__(self, text: str) -> None:
        self.gen = _ScriptedGenerator(text)

    def generator(self):
        return self.gen


def test_dropped_sentences_are_replaced_by_extracted_ones(embedder):
    text = (
        "South Korean intelligence estimates that up to 15,000 North Koreans work in Russia. "
        "Mr Kowalski said 40 workers died in Siberia last year. "
        "The central bank raised interest rates to curb inflation in Europe."
    )
    config = SummariseConfig(mode="abstractive", digest_sentences=3)
    digests, info = _summarise([THEME], SEGMENTS, config, embedder, _Scripted(text))
    d = digests[0]
    assert (d.generated, d.kept, d.replaced) == (3, 1, 2)
    assert [s.method for s in d.sentences] == ["generated", "extractive", "extractive"]
    assert "Kowalski" not in d.text and "inflation" not in d.text
    for s in d.sentences[1:]:
        assert s.text in TEXTS[s.segment_ids[0]]
    assert info["guard"] == {"generated": 3, "kept": 1, "replaced": 2, "threshold": 0.6}


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        # Zelensky's account turned into Russia's (the seeds, theme "bodies of Russian soldiers")
        ("The Russian side insisted the dead were all Ukrainians.", False),
        # a condensed lead that only leaves words out
        ("Mr Park said one colleague fell from the third floor of a tower and broke his arm.", True),
        # words the source sentence does not have
        ("Mr Park said a colleague fell from a tall crane and broke both legs.", False),
    ],
)
def test_hybrid_opening_is_kept_only_when_faithful(embedder, written, kept):
    segments = {
        **SEGMENTS,
        "s5": SegmentInfo("Mr Park said one colleague fell from the third floor of a tower and broke his arm on the "
                          "first day of work in Irkutsk.", "a3", 0, "Metro"),
        "s6": SegmentInfo("He said the Russian side insisted the dead were all Ukrainians.", "a4", 0, "ITV"),
    }  # fmt: skip
    theme = dataclasses.replace(THEME, segment_ids=(*THEME.segment_ids, "s5", "s6"))
    config = SummariseConfig(digest_sentences=3, opening_tries=5)
    digests, info = _summarise([theme], segments, config, embedder, _Scripted(written))
    first = digests[0].sentences[0]
    assert (first.method == "generated" and first.text == written) is kept
    assert all(s.segment_ids and set(s.segment_ids) <= set(theme.segment_ids) for s in digests[0].sentences)


def test_extractive_mode_quotes_segments(embedder):
    digests, info = _summarise(
        [THEME, Theme(-1, "outliers", (), 1, ("s1",), (), ())], SEGMENTS,
        SummariseConfig(summariser="extractive", digest_sentences=3), embedder,
    )  # fmt: skip
    assert list(digests) == [0]  # outliers are skipped
    d = digests[0]
    assert len(d.sentences) == 3
    for s in d.sentences:
        assert s.method == "extractive" and s.text in TEXTS[s.segment_ids[0]]
    assert "He was hospitalised" not in d.text  # a sentence that leans on the one before it is left out
    assert info["backend"] == "extractive" and info["model"] is None and d.generated == 0


def test_one_short_segment_theme_gets_itself(embedder):
    theme = Theme(3, "rail", (("rail", 1.0),), 1, ("x",), ("a",), ("x",))
    segments = {"x": SegmentInfo("Rail strike off.", "x", 0, "BBC")}
    digests, _ = _summarise([theme], segments, SummariseConfig(summariser="extractive"), embedder)
    (s,) = digests[3].sentences
    assert (s.text, s.segment_ids, s.method) == ("Rail strike off.", ("x",), "extractive")


def test_unavailable_model_fails_fast_naming_offline_choices(tmp_path):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from topicsum._config import SummariseConfig\n"
        "from topicsum._errors import ModelUnavailableError\n"
        "from topicsum._summarise import resolve_summariser\n"
        "try:\n"
        "    resolve_summariser(SummariseConfig(summariser='no-such-org/no-such-model'), Path('.'))\n"
        "except ModelUnavailableError as exc:\n"
        "    print(exc)\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "no-such-org/no-such-model" in out.stdout
    assert "'smollm2'" in out.stdout and "'extractive'" in out.stdout
    with pytest.raises(ModelUnavailableError):
        resolve_summariser(SummariseConfig(summariser=str(tmp_path / "missing-folder")), tmp_path)


def test_prompt_budget_drops_sentences_not_the_instruction(smollm2):
    excerpts = [f"(Outlet {i}) Sentence number {i} says the council met on day {i} to discuss the budget."
                for i in range(400)]  # fmt: skip
    chosen = _fit_excerpts(smollm2, OVERVIEW_INSTRUCTION, excerpts, 300)
    assert 0 < len(chosen) < len(excerpts)
    assert chosen == excerpts[: len(chosen)]
    assert smollm2.prompt_tokens(OVERVIEW_INSTRUCTION, chosen) <= 300
    assert OVERVIEW_INSTRUCTION in smollm2._render(OVERVIEW_INSTRUCTION, chosen)



# ---------------------------------------------------------------------------
# issue 16, case 5: a damaged converted SmolLM2 is converted again, with a warning naming it


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated model.safetensors", "garbage config.json"])
def test_a_damaged_converted_model_is_converted_again(tmp_path, caplog, damage):
    import logging
    import shutil

    from topicsum._summarise._models import converted_smollm2, smollm2_gguf

    gguf = smollm2_gguf()
    session = converted_smollm2(gguf, Path(os.environ["TOPICSUM_CACHE"]))  # the session copy, converted once
    folder = Path(shutil.copytree(session, tmp_path / "models" / session.name))
    if damage.startswith("truncated"):
        with open(folder / "model.safetensors", "r+b") as fh:
            fh.truncate((folder / "model.safetensors").stat().st_size // 2)
    else:
        (folder / "config.json").write_bytes(b"\x00\x13 not json")
    config = SummariseConfig(engine="transformers")
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        gen = _generator(config, tmp_path)
    assert str(folder) in caplog.text and "converting it again" in caplog.text
    assert isinstance(gen.generate("Say hi.", [], max_new_tokens=4, repetition_penalty=1.0, seed=0), str)
    assert (folder / "model.safetensors").stat().st_size == (session / "model.safetensors").stat().st_size


def test_an_updated_story_encodes_only_its_new_sentences(embedder, tmp_path) -> None:
    """A story that gained an article reads its earlier sentences from the embedding cache."""
    from topicsum._config import Config
    from topicsum._setup import build_context

    asked: list[str] = []

    class Counting:
        model_id, dimension = embedder.model_id, embedder.dimension

        def encode(self, texts, **kwargs):
            asked.extend(texts)
            return embedder.encode(texts, **kwargs)

    config = Config.from_options(summariser="extractive")
    context = dataclasses.replace(build_context(config), cache=CacheSettings(tmp_path), embedder=Counting())
    segments = {
        "s1": SegmentInfo("The rail line reopened on Monday after a week of repairs. Trains ran on time all day.", "a1", 0, "BBC"),
        "s2": SegmentInfo("Engineers replaced two miles of track near the station. The work cost four million pounds.", "a2", 0, "ITV"),
    }
    summarise_themes([Theme(0, "rail", (("rail", 1.0),), 1, ("s1",), ("a1",), ("s1",))], segments, config.summarise, context)
    assert len(asked) >= 2
    asked.clear()
    grown = Theme(0, "rail", (("rail", 1.0),), 2, ("s1", "s2"), ("a1", "a2"), ("s1",))
    digests, _ = summarise_themes([grown], segments, config.summarise, context)
    assert sorted(asked) == ["Engineers replaced two miles of track near the station.", "The work cost four million pounds."]
    assert {sid for s in digests[0].sentences for sid in s.segment_ids} <= {"s1", "s2"}
