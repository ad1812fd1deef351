"""The small protocols of the backends a run holds: an embedder, a summariser and the text generator it loads.

They live here, below every stage, so that the run context (:mod:`._context`)
can name them without importing a stage; each backend family keeps its
implementations in its own stage (:mod:`._embed`, :mod:`._summarise`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["Embedder", "Generator", "Summariser"]


@runtime_checkable
class Embedder(Protocol):
    """What the pipeline needs from an embedding backend.

    ``model_id`` is a stable identifier (name plus version or content hash),
    used in cache keys and run.json; ``encode`` returns float32 ``(n, d)``
    L2-normalised vectors.
    """

    model_id: str
    dimension: int

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool | None = None
    ) -> np.ndarray: ...


@runtime_checkable
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
        self,
        instruction: str,
        excerpts: Sequence[str],
        *,
        max_new_tokens: int,
        repetition_penalty: float,
        seed: int,
        examples: Sequence[tuple[str, str]] = (),
    ) -> str: ...


@runtime_checkable
class Summariser(Protocol):
    """What the digest stage needs from a summariser backend.

    ``backend`` names it in run.json; :meth:`generator` is the model (loaded
    once per process), ``None`` for a backend without one.
    """

    backend: str

    def generator(self) -> Generator | None: ...
