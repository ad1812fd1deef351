"""Progress display: whether long work shows a bar, and the bar itself (tqdm.auto: a widget in a notebook).

Examples
--------
>>> Progress(False).enabled(), Progress(True).enabled()
(False, True)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["Progress"]


@dataclass(frozen=True)
class Progress:
    """Whether long work shows a progress bar: as asked (``show``), else on a terminal or in a notebook."""

    show: bool | None = None

    def enabled(self) -> bool:
        """Whether bars are drawn."""
        if self.show is not None:
            return bool(self.show)
        if "ipykernel" in sys.modules:  # a notebook: tqdm.auto draws a widget
            return True
        return bool(getattr(sys.stderr, "isatty", lambda: False)())

    def bar(self, total: int, desc: str, unit: str = "item") -> Any:
        """A tqdm.auto bar of ``total`` steps (disabled when bars are off); the caller closes it."""
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, disable=not self.enabled(), leave=False)
