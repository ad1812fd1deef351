"""Reading a sentence-transformers folder for the onnx-int8 backend: its spec, tokenizer and pooling.

:func:`read_spec` parses ``modules.json``, the pooling config and
``sentence_bert_config.json`` as sentence-transformers does; :func:`features`
tokenises (truncating to the model's ``max_seq_length``) and :func:`pool`
pools and L2-normalises, so the ONNX model's vectors match the torch ones.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import require
from .._errors import ConfigError, ModelUnavailableError
from .._io import sha256_file

__all__ = ["ModelSpec", "features", "fingerprint", "load_tokenizer", "pool", "read_json", "read_spec", "resolve_model_path"]

_SKIP_FILES = {"README.md", ".gitattributes"}
_POOLING_MODES = ("cls_token", "max_tokens", "mean_tokens", "mean_sqrt_len_tokens")




@dataclass(frozen=True)
class ModelSpec:
    """What the export and the encoder need to know about a sentence-transformers folder."""

    root: Path
    transformer_dir: Path
    max_seq_length: int
    do_lower_case: bool
    pooling_modes: tuple[str, ...]
    word_dimension: int

    @property
    def dimension(self) -> int:
        return self.word_dimension * len(self.pooling_modes)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(
            f"Cannot read {str(path)!r} ({exc}); give a complete sentence-transformers model folder."
        ) from None


def resolve_model_path(model_path: str | os.PathLike[str]) -> Path:
    """A local folder as is, or a Hub name found in the local Hugging Face cache."""
    local = Path(model_path).expanduser()
    if local.is_dir():
        return local.resolve()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(str(model_path), local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not available offline"
        raise ModelUnavailableError(
            f"The embedding model {str(model_path)!r} is neither a local folder nor in the local Hugging Face "
            "cache; use the bundled model with model='minilm' or give a sentence-transformers folder."
        ) from None


def read_spec(root: Path, max_seq_length: int | None) -> ModelSpec:
    """Parse modules.json, the pooling config and sentence_bert_config.json like sentence-transformers."""
    modules_file = root / "modules.json"
    if modules_file.is_file():
        modules = read_json(modules_file)
    else:  # a plain Hugging Face model: sentence-transformers adds mean pooling
        modules = [{"path": "", "type": "sentence_transformers.models.Transformer"}]
    transformer_dir: Path | None = None
    pooling: dict[str, Any] | None = None
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        path = root / str(module.get("path", ""))
        if kind == "Transformer" and transformer_dir is None:
            transformer_dir = path
        elif kind == "Pooling" and pooling is None:
            pooling = read_json(path / "config.json") if (path / "config.json").is_file() else {}
        elif kind == "Normalize":
            continue  # the output is always L2-normalised
        else:
            raise ConfigError(
                f"The model in {str(root)!r} has a {kind or 'unknown'} module that the onnx-int8 backend "
                "cannot run; use backend='torch' for this model."
            )
    if transformer_dir is None:
        raise ConfigError(f"The model in {str(root)!r} has no Transformer module; use backend='torch'.")
    hf_config = read_json(transformer_dir / "config.json")
    st_config_file = transformer_dir / "sentence_bert_config.json"
    if not st_config_file.is_file():
        st_config_file = root / "sentence_bert_config.json"
    st_config = read_json(st_config_file) if st_config_file.is_file() else {}
    limit = max_seq_length or st_config.get("max_seq_length")
    if not limit:
        tok_config_file = transformer_dir / "tokenizer_config.json"
        tok_max = read_json(tok_config_file).get("model_max_length") if tok_config_file.is_file() else None
        pos = hf_config.get("max_position_embeddings") or 512
        limit = min(int(tok_max), int(pos)) if isinstance(tok_max, int) and tok_max < 10**6 else int(pos)
    hidden = int(hf_config.get("hidden_size") or hf_config.get("dim") or 0)
    pooling = pooling or {"pooling_mode_mean_tokens": True}
    word_dim = int(pooling.get("word_embedding_dimension") or hidden)
    modes = tuple(m for m in _POOLING_MODES if pooling.get(f"pooling_mode_{m}"))
    unsupported = [
        k for k, v in pooling.items() if k.startswith("pooling_mode_") and v and k[len("pooling_mode_"):] not in modes
    ]
    if unsupported or not modes:
        raise ConfigError(
            f"The pooling of the model in {str(root)!r} ({', '.join(unsupported) or 'none'}) is not supported by "
            "the onnx-int8 backend; use backend='torch' for this model."
        )
    return ModelSpec(
        root=root,
        transformer_dir=transformer_dir,
        max_seq_length=int(limit),
        do_lower_case=bool(st_config.get("do_lower_case", False)),
        pooling_modes=modes,
        word_dimension=word_dim,
    )



def fingerprint(spec: ModelSpec) -> str:
    """sha256 of every model file (names and contents), excluding the README."""


    h = hashlib.sha256()
    for p in sorted(spec.root.rglob("*")):
        if not p.is_file() or p.name in _SKIP_FILES or ".cache" in p.parts:
            continue
        h.update(p.relative_to(spec.root).as_posix().encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()




def load_tokenizer(spec: ModelSpec) -> Any:
    """The model's fast tokenizer (``tokenizers.Tokenizer``), truncating and padding like sentence-transformers."""
    tok_file = spec.transformer_dir / "tokenizer.json"
    if tok_file.is_file():
        tokenizers = require("tokenizers", purpose="The onnx-int8 embedding backend")
        tokenizer = tokenizers.Tokenizer.from_file(str(tok_file))
    else:
        transformers = require("transformers", purpose="The onnx-int8 embedding backend")
        hf_tok = transformers.AutoTokenizer.from_pretrained(str(spec.transformer_dir), use_fast=True)
        tokenizer = hf_tok.backend_tokenizer
    pad_token = "[PAD]"
    tok_config = spec.transformer_dir / "tokenizer_config.json"
    if tok_config.is_file():
        value = read_json(tok_config).get("pad_token")
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str):
            pad_token = value
    pad_id = tokenizer.token_to_id(pad_token)
    tokenizer.enable_truncation(max_length=spec.max_seq_length)
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=pad_token)
    return tokenizer


def features(tokenizer: Any, texts: list[str], names: list[str], lower: bool) -> dict[str, np.ndarray]:
    """Token ids, attention mask and (when the model takes them) token type ids, as int64 arrays."""
    prepared = [str(t).strip() for t in texts]
    if lower:
        prepared = [t.lower() for t in prepared]
    encodings = tokenizer.encode_batch(prepared)
    feed = {
        "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
    }
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.asarray([e.type_ids for e in encodings], dtype=np.int64)
    return feed


def pool(hidden: np.ndarray, mask: np.ndarray, modes: tuple[str, ...]) -> np.ndarray:
    """sentence-transformers pooling (cls / max / mean / mean_sqrt_len), concatenated in its order."""
    m = mask[..., None].astype(np.float32)
    parts = []
    counts = np.clip(m.sum(1), 1e-9, None)
    for mode in modes:
        if mode == "cls_token":
            parts.append(hidden[:, 0])
        elif mode == "max_tokens":
            parts.append(np.where(m > 0, hidden, -1e9).max(1))
        elif mode == "mean_tokens":
            parts.append((hidden * m).sum(1) / counts)
        else:  # mean_sqrt_len_tokens
            parts.append((hidden * m).sum(1) / np.sqrt(counts))
    out = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.clip(norm, 1e-12, None)).astype(np.float32)


# -- the backend --------------------------------------------------------------
