"""Report stage: matplotlib figures, a self-contained HTML page, a PDF (WeasyPrint) and Markdown.

Everything here reads a run's data (:class:`~topicsum._types.RunData`, the
data of :class:`~topicsum.Result`).  :mod:`._view` builds the
view model once (plain values); :mod:`._html` (Jinja2), :mod:`._pdf`
(WeasyPrint, from the HTML) and :mod:`._markdown` only render it;
:mod:`._figures` draws the matplotlib figures (:mod:`._drawn` encodes
them once for the HTML and PDF reports of a run) and :mod:`._format` formats
numbers for all of them.  Untrusted text (article
text, headlines, labels, digests, sources) is escaped by Jinja2 (HTML, PDF) or
:func:`md_escape` (Markdown) and never becomes markup.

Examples
--------
>>> from pathlib import Path
>>> write_html(result, Path("report.html"))
PosixPath('report.html')
"""

from __future__ import annotations

from ._browser import screenshot
from ._common import anchor_map, parse_dates, safe_id, short_label, topic_colours
from ._canvas import figure_to_png, figure_to_svg
from ._drawn import figure_items
from ._figures import (
    FIGURES,
    PLOTS,
    figures_of,
    make_figures,
    plot_hierarchy,
    plot_keywords,
    plot_outlets,
    plot_over_time,
    plot_similarity,
    plot_timeline,
    plot_topic_map,
    plot_topic_sizes,
)
from ._html import environment, overview_html, render_html, write_html
from ._markdown import md_escape, render_markdown, write_markdown
from ._pdf import render_pdf, write_pdf
from ._view import report_view

__all__ = [
    "FIGURES",
    "PLOTS",
    "anchor_map",
    "environment",
    "figure_items",
    "figure_to_png",
    "figure_to_svg",
    "figures_of",
    "make_figures",
    "md_escape",
    "overview_html",
    "parse_dates",
    "plot_hierarchy",
    "plot_keywords",
    "plot_outlets",
    "plot_over_time",
    "plot_similarity",
    "plot_timeline",
    "plot_topic_map",
    "plot_topic_sizes",
    "render_html",
    "render_markdown",
    "render_pdf",
    "report_view",
    "safe_id",
    "screenshot",
    "short_label",
    "topic_colours",
    "write_html",
    "write_markdown",
    "write_pdf",
]
