"""The report's figures as the HTML and PDF reports embed them: drawn once, encoded as ``data:`` URLs."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING, Any

from ._canvas import figure_to_png, figure_to_svg
from ._common import safe_id
from ._figures import FIGURE_CAPTIONS, figures_of

if TYPE_CHECKING:  # pragma: no cover
    from .._types import RunData

__all__ = ["figure_items"]

logger = logging.getLogger(__name__)


def figure_items(result: RunData, *, raster: bool = False) -> list[dict[str, Any]]:
    """The report's figures, drawn and encoded once: name, anchor, caption and a ``data:`` URL (SVG, or PNG).

    The HTML and PDF reports of one run embed the same SVG, so they are given
    one list.  A figure that cannot be drawn costs the report its figures,
    never the report (a warning says why).
    """
    if not result.config.report.figures:
        return []
    try:
        figures = figures_of(result)
    except Exception as exc:  # a figure must never cost the user the report
        logger.warning("The report's figures could not be drawn (%s); the report is written without them.", exc)
        return []
    items = []
    for name, fig in figures.items():
        if raster:
            src = "data:image/png;base64," + base64.b64encode(figure_to_png(fig)).decode("ascii")
        else:
            src = "data:image/svg+xml;base64," + base64.b64encode(figure_to_svg(fig).encode("utf-8")).decode("ascii")
        items.append(
            {
                "name": name,
                "anchor": f"fig-{safe_id(name)}",
                "caption": FIGURE_CAPTIONS.get(name, name),
                "src": src,
                "wide": name in ("keywords", "similarity"),
            }
        )
    return items
