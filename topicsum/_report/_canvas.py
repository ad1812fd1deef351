"""The canvas every figure is drawn on: house style, new figures, and export to SVG and PNG.

Figures are built directly (never through ``pyplot``), so drawing leaves no
global state behind and works on any backend.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._types import RunData

__all__ = [
    "GRID",
    "INK",
    "LABEL_CHARS",
    "MUTED",
    "figure_to_png",
    "figure_to_svg",
    "message_figure",
    "new_figure",
    "style",
    "topics_table",
]

LABEL_CHARS = 40  # longest label drawn in a figure
INK = "#222222"
MUTED = "#666666"
GRID = "#e5e5e5"


@contextmanager
def style() -> Iterator[None]:
    """Readable defaults for every figure, and no font warnings for missing glyphs."""
    import matplotlib as mpl

    rc = {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.edgecolor": "#bbbbbb",
        "axes.labelcolor": INK,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.color": MUTED,
        "ytick.color": INK,
        "svg.fonttype": "path",  # text as outlines: looks the same in every browser and in WeasyPrint
        "svg.hashsalt": "topicsum",  # stable ids: the same result gives the same SVG
    }
    with mpl.rc_context(rc), warnings.catch_warnings():
        # Labels in scripts DejaVu lacks (CJK...) draw as boxes rather than failing the report.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support", category=UserWarning)
        yield


def new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained", facecolor="white")


def message_figure(text: str, width: float = 6.0, height: float = 1.2) -> Figure:
    fig = new_figure(width, height)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", color=MUTED, wrap=True)
    return fig


def topics_table(result: RunData) -> pd.DataFrame:
    topics = result.topics
    if topics is None or len(topics) == 0:
        return pd.DataFrame(columns=["topic", "label", "size", "share", "keywords"])
    return topics


def figure_to_svg(fig: Figure) -> str:
    """The figure as standalone SVG text (text drawn as outlines, stable ids, no date)."""
    buf = io.StringIO()
    with style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight", pad_inches=0.08)
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def figure_to_png(fig: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.08)
    return buf.getvalue()

