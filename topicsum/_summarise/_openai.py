"""The reader's own LLM: any server that speaks the OpenAI chat API (Ollama, llama.cpp's server, vLLM, LM Studio).

``summariser="openai"`` with ``llm_base_url`` (or ``$TOPICSUM_LLM_BASE_URL`` /
``$OPENAI_BASE_URL``), ``llm_model`` (or ``$TOPICSUM_LLM_MODEL``; by default the
first model the server lists) and an API key from ``$TOPICSUM_LLM_API_KEY`` or
``$OPENAI_API_KEY`` (never from the config, so it never reaches run.json).
The client is the standard library's ``urllib``: a timeout per request, retries
with backoff on connection errors, timeouts and HTTP 429/5xx, and one clear
:class:`~topicsum._errors.ModelUnavailableError` when the server cannot be used.
What the model writes goes through the same guard and citations as every other
backend.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._errors import ModelUnavailableError
from ._generators import SYSTEM_PROMPT, messages, user_message

if TYPE_CHECKING:  # pragma: no cover
    from .._config import SummariseConfig

__all__ = ["OpenAIChat", "base_url", "list_models"]

logger = logging.getLogger(__name__)

#: HTTP answers worth another try: rate limits and server trouble.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_NETWORK_ERRORS = (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout, OSError)


def base_url(config: SummariseConfig) -> str:
    """The server's API root, ending in ``/v1``: the option, else the environment.

    Examples
    --------
    >>> from topicsum._config import SummariseConfig
    >>> base_url(SummariseConfig(summariser="openai", llm_base_url="http://127.0.0.1:11434"))
    'http://127.0.0.1:11434/v1'
    """
    url = config.llm_base_url or os.environ.get("TOPICSUM_LLM_BASE_URL") or os.environ.get("OPENAI_BASE_URL") or ""
    url = url.strip().rstrip("/")
    if not url:
        raise ModelUnavailableError(
            "summariser='openai' needs the address of an OpenAI-compatible server: set llm_base_url "
            "(--set llm_base_url=http://127.0.0.1:11434/v1) or $TOPICSUM_LLM_BASE_URL."
        )
    if not url.startswith(("http://", "https://")):
        raise ModelUnavailableError(f"llm_base_url {url!r} is not an http(s) address; give e.g. http://127.0.0.1:8000/v1.")
    return url if url.endswith("/v1") else url + "/v1"


def _headers() -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    key = os.environ.get("TOPICSUM_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def _request(url: str, payload: dict[str, Any] | None, timeout: float) -> Any:
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="GET" if payload is None else "POST", headers=_headers())
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the user's own server
        return json.loads(resp.read().decode("utf-8"))


def _call(url: str, payload: dict[str, Any] | None, *, timeout: float, retries: int, backoff: float = 0.5) -> Any:
    """One request with retries; raises :class:`ModelUnavailableError` saying what failed."""
    problem = ""
    for attempt in range(retries + 1):
        try:
            return _request(url, payload, timeout)
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")[:300]
            problem = f"HTTP {exc.code}: {body}"
            if exc.code not in RETRY_STATUS:
                break
        except ValueError as exc:  # not JSON
            problem = f"the answer is not JSON ({exc})"
            break
        except _NETWORK_ERRORS as exc:
            reason = getattr(exc, "reason", exc)
            problem = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
        if attempt < retries:
            time.sleep(backoff * 2**attempt)
    raise ModelUnavailableError(
        f"The LLM server at {url} cannot be used ({problem}); check that it runs and that llm_base_url and "
        "llm_model are right, or use summariser='extractive'."
    )


def list_models(url: str, *, timeout: float = 10.0, retries: int = 0) -> list[str]:
    """The model ids a server offers (``GET /models``)."""
    out = _call(f"{url}/models", None, timeout=timeout, retries=retries)
    return [str(m.get("id")) for m in (out.get("data") or []) if isinstance(m, dict)] if isinstance(out, dict) else []


class OpenAIChat:
    """A chat model behind an OpenAI-compatible server (greedy decoding: temperature 0, a fixed seed).

    Which server and model is the backend's choice
    (:class:`~topicsum._summarise._backends.OpenAICompatible`, which asks the
    server for its models once per run); this only asks for answers.  Token
    counts for the prompt budget are estimated (4 characters a token): the
    server's tokenizer is not at hand.

    Examples
    --------
    >>> chat = OpenAIChat("http://127.0.0.1:9/v1", "some-model", timeout=1, retries=0)  # nothing listens
    >>> chat.generate("Say hi.", [], max_new_tokens=4, repetition_penalty=1.0, seed=0)
    Traceback (most recent call last):
    ...
    topicsum._errors.ModelUnavailableError: The LLM server at http://127.0.0.1:9/v1/chat/completions cannot be used ...
    """

    engine = "openai"
    instructions = True

    def __init__(self, url: str, model: str, *, timeout: float = 60.0, retries: int = 2) -> None:
        self.url = url
        self.model = model
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.model_id = f"openai:{self.model}@{self.url}"
        self.context_tokens = 4096

    def text_tokens(self, text: str) -> int:
        return math.ceil(len(text) / 4)

    def prompt_tokens(self, instruction: str, excerpts: Sequence[str]) -> int:
        return self.text_tokens(SYSTEM_PROMPT + user_message(instruction, excerpts)) + 12

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
        payload = {
            "model": self.model,
            "messages": messages(instruction, excerpts, examples),
            "max_tokens": max_new_tokens,
            "temperature": 0.0,
            "seed": seed,
        }
        out = _call(f"{self.url}/chat/completions", payload, timeout=self.timeout, retries=self.retries)
        try:
            return str(out["choices"][0]["message"].get("content") or "")
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ModelUnavailableError(
                f"The LLM server at {self.url} gave an answer without a message ({str(out)[:200]}); "
                "check that it speaks the OpenAI chat API."
            ) from None
