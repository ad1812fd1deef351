"""Text generators: the model backends behind the small :class:`Generator` protocol.

* :class:`TransformersCausal` -- an instruction-tuned causal model through transformers;
* :class:`TransformersSeq2Seq` -- a seq2seq summariser (BART, PEGASUS, T5); reads excerpts only;
* :class:`LlamaCppChat` -- a GGUF chat model through llama-cpp-python (extra ``llama``).

Decoding is always greedy.  Which backend a name selects is decided in
:mod:`._models`.  torch, transformers and llama_cpp are imported by the
constructors, never at module import.
"""

from __future__ import annotations

import atexit
import os
import weakref
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._deps import offline, require
from .._protocols import Generator

__all__ = [
    "DIGEST_INSTRUCTION",
    "OVERVIEW_INSTRUCTION",
    "REWRITE_INSTRUCTION",
    "SYSTEM_PROMPT",
    "Generator",
    "messages",
    "user_message",
    "LlamaCppChat",
    "TransformersCausal",
    "TransformersSeq2Seq",
]

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


def user_message(instruction: str, excerpts: Sequence[str]) -> str:
    r"""The user turn: the excerpts, then the instruction (small models follow one best right before the answer).

    Examples
    --------
    >>> user_message("Summarise.", ["(BBC) Rain fell."])
    'News excerpts:\n(BBC) Rain fell.\n\nSummarise.'
    """
    if not excerpts:
        return instruction
    return "News excerpts:\n" + "\n".join(excerpts) + "\n\n" + instruction


def messages(
    instruction: str, excerpts: Sequence[str], examples: Sequence[tuple[str, str]] = ()
) -> list[dict[str, str]]:
    """The chat: the system prompt, worked examples as earlier turns, then the request."""
    out = [{"role": "system", "content": SYSTEM_PROMPT}]
    for asked, answered in examples:
        out += [{"role": "user", "content": asked}, {"role": "assistant", "content": answered}]
    out.append({"role": "user", "content": user_message(instruction, excerpts)})
    return out


def _generation_threads() -> int:
    """Threads used while generating: ``$TOPICSUM_GENERATE_THREADS`` or 1."""
    try:
        return max(1, int(os.environ.get("TOPICSUM_GENERATE_THREADS", "1")))
    except ValueError:
        return 1


class _Transformers:
    """What the transformers backends share: loading a tokenizer and model (offline when asked), counting tokens."""

    engine = "transformers"
    instructions = True
    _auto_model = "AutoModelForCausalLM"

    def __init__(self, model: str, *, model_id: str | None = None, **kw: Any) -> None:
        import torch
        import transformers

        kw["local_files_only"] = offline() or Path(model).is_dir()
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(model, **kw)
        self.model = getattr(transformers, self._auto_model).from_pretrained(model, dtype=torch.float32, **kw)
        self.model.eval()
        self.model_id = model_id or model

    def text_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _render(self, instruction: str, excerpts: Sequence[str], examples: Sequence[tuple[str, str]] = ()) -> str:
        raise NotImplementedError

    def prompt_tokens(self, instruction: str, excerpts: Sequence[str]) -> int:
        return len(self.tokenizer(self._render(instruction, excerpts), add_special_tokens=False)["input_ids"])

    def _encode(self, prompt: str) -> Any:
        return self.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")

    def _generate(self, enc: Any, max_new_tokens: int, repetition_penalty: float) -> Any:
        raise NotImplementedError

    def generate(
        self,
        instruction: str,
        excerpts: Sequence[str],
        *,
        max_new_tokens: int,
        repetition_penalty: float,
        seed: int,
        examples: Sequence[tuple[str, str]] = (),
    ) -> str:
        import torch

        torch.manual_seed(seed)
        enc = self._encode(self._render(instruction, excerpts, examples))
        # token-by-token decoding of a small model is latency-bound: one thread avoids
        # OpenMP contention, which on a busy machine makes two threads several times slower
        threads = torch.get_num_threads()
        torch.set_num_threads(_generation_threads())
        try:
            with torch.inference_mode():
                out = self._generate(enc, max_new_tokens, repetition_penalty)
        finally:
            torch.set_num_threads(threads)
        return str(self.tokenizer.decode(out, skip_special_tokens=True))


class TransformersCausal(_Transformers):
    """An instruction-tuned causal language model through transformers (greedy decoding).

    Examples
    --------
    >>> from topicsum._config import SummariseConfig
    >>> from topicsum._summarise import resolve_summariser
    >>> gen = resolve_summariser(SummariseConfig(engine="transformers"), Path(os.environ["TOPICSUM_CACHE"])).generator()
    >>> isinstance(gen.generate("Say hi.", [], max_new_tokens=8, repetition_penalty=1.0, seed=0), str)
    True
    """

    def __init__(self, model: str, *, model_id: str | None = None, gguf_file: str | None = None) -> None:
        super().__init__(model, model_id=model_id, **({"gguf_file": gguf_file} if gguf_file else {}))
        self.context_tokens = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)
        self._chat = bool(getattr(self.tokenizer, "chat_template", None))

    def _render(self, instruction: str, excerpts: Sequence[str], examples: Sequence[tuple[str, str]] = ()) -> str:
        if self._chat:
            return str(
                self.tokenizer.apply_chat_template(
                    messages(instruction, excerpts, examples), tokenize=False, add_generation_prompt=True
                )
            )
        return SYSTEM_PROMPT + "\n\n" + user_message(instruction, excerpts) + "\n\nAnswer:"

    def _generate(self, enc: Any, max_new_tokens: int, repetition_penalty: float) -> Any:
        pad = self.tokenizer.pad_token_id
        if pad is None:
            pad = self.tokenizer.eos_token_id
        out = self.model.generate(
            **enc, max_new_tokens=max_new_tokens, do_sample=False, repetition_penalty=repetition_penalty,
            pad_token_id=pad, temperature=None, top_p=None, top_k=None,
        )  # fmt: skip
        return out[0, enc["input_ids"].shape[1] :]


class TransformersSeq2Seq(_Transformers):
    """A seq2seq summarisation model (BART, PEGASUS, T5) through transformers; reads excerpts only."""

    instructions = False
    _auto_model = "AutoModelForSeq2SeqLM"

    def __init__(self, model: str, *, model_id: str | None = None) -> None:
        super().__init__(model, model_id=model_id)
        limit = getattr(self.tokenizer, "model_max_length", 1024) or 1024
        self.context_tokens = int(min(limit, 4096))
        self._prefix = "summarize: " if getattr(self.model.config, "model_type", "") in ("t5", "mt5") else ""

    def _render(self, instruction: str, excerpts: Sequence[str], examples: Sequence[tuple[str, str]] = ()) -> str:
        return self._prefix + " ".join(re.sub(r"^\(\S.*?\)\s*", "", e) for e in excerpts)

    def _encode(self, prompt: str) -> Any:
        return self.tokenizer(prompt, return_tensors="pt", truncation=True)

    def _generate(self, enc: Any, max_new_tokens: int, repetition_penalty: float) -> Any:
        out = self.model.generate(
            **enc, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1, repetition_penalty=repetition_penalty
        )
        return out[0]


_LIVE_LLAMAS: weakref.WeakSet[LlamaCppChat] = weakref.WeakSet()


@atexit.register
def _close_llamas() -> None:
    for chat in list(_LIVE_LLAMAS):
        chat.close()


class LlamaCppChat:
    """A GGUF chat model through llama-cpp-python (extra ``llama``), greedy decoding."""

    engine = "llama.cpp"
    instructions = True

    def __init__(self, gguf_path: str, *, model_id: str, n_ctx: int = 2048) -> None:
        llama_cpp = require("llama_cpp", purpose="The llama.cpp engine", package="llama-cpp-python", extra="llama")

        # token-by-token decoding is latency-bound: one thread (measured 5-10x faster than two on a busy 2-core machine)
        threads = _generation_threads()
        self.llm = llama_cpp.Llama(
            model_path=gguf_path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, seed=0, verbose=False
        )
        self.model_id = model_id
        self.context_tokens = n_ctx
        # llama.cpp frees its model in __del__, which fails once the interpreter is tearing down
        # (its C bindings are gone by then): free it while they still exist
        _LIVE_LLAMAS.add(self)

    def close(self) -> None:
        """Free the model now (also called at interpreter exit)."""
        llm = getattr(self, "llm", None)
        if llm is not None:
            llm.close()
            self.llm = None

    def text_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt_tokens(self, instruction: str, excerpts: Sequence[str]) -> int:
        rendered = "".join(
            f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages(instruction, excerpts)
        ) + "<|im_start|>assistant\n"
        return len(self.llm.tokenize(rendered.encode("utf-8"), add_bos=False, special=True))

    def generate(
        self,
        instruction: str,
        excerpts: Sequence[str],
        *,
        max_new_tokens: int,
        repetition_penalty: float,
        seed: int,
        examples: Sequence[tuple[str, str]] = (),
    ) -> str:
        out = self.llm.create_chat_completion(
            messages=messages(instruction, excerpts, examples), temperature=0.0, top_k=1, max_tokens=max_new_tokens,
            repeat_penalty=repetition_penalty, seed=seed,
        )  # fmt: skip
        return str(out["choices"][0]["message"]["content"] or "")
