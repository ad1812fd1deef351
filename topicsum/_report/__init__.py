"""Reports: matplotlib figures, a self-contained HTML page, a PDF (WeasyPrint) and Markdown.

Everything here reads a :class:`~topicsum.Result`; untrusted text (article
text, headlines, labels, digests, sources) is escaped by Jinja2 (HTML, PDF) or
:func:`md_escape` (Markdown) and never becomes markup.

Examples
--------
>>> from topicsum._report import write_html, make_figures  # doctest: +SKIP
>>> write_html(result, Path("report.html"))  # doctest: +SKIP
"""

from __future__ import annotations

from ._browser import screenshot
from ._common import anchor_map, parse_dates, safe_id, short_label, topic_colours
from ._figures import (
    figure_to_png,
    figure_to_svg,
    make_figures,
    plot_hierarchy,
    plot_keywords,
    plot_over_time,
    plot_similarity,
    plot_topic_map,
    plot_topic_sizes,
)
from ._html import environment, overview_html, render_html, report_context, write_html
from ._markdown import md_escape, render_markdown, write_markdown
from ._pdf import render_pdf, write_pdf

__all__ = [
    "anchor_map",
    "environment",
    "figure_to_png",
    "figure_to_svg",
    "make_figures",
    "md_escape",
    "overview_html",
    "parse_dates",
    "plot_hierarchy",
    "plot_keywords",
    "plot_over_time",
    "plot_similarity",
    "plot_topic_map",
    "plot_topic_sizes",
    "render_html",
    "render_markdown",
    "render_pdf",
    "safe_id",
    "screenshot",
    "short_label",
    "topic_colours",
    "write_html",
    "write_markdown",
    "write_pdf",
]
