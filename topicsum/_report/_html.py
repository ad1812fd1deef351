"""The HTML report: one self-contained file rendered with Jinja2 (autoescape on).

The view model built by :func:`~._view.report_view` holds plain values; every piece
of untrusted text (article text, headlines, labels, digests, sources) reaches
the page through Jinja2's autoescaping and never becomes markup.  The only
links built are ``#seg-<id>`` and ``#theme-<id>`` fragments whose ids are
reduced to ``[A-Za-z0-9_-]``.  Figures are embedded as ``data:`` URIs and CSS is
inlined; the one script (``filter.js``, which filters the overview table) is
topicsum's own, and the page's Content-Security-Policy allows it by its sha256
and no other: the file opens offline in any browser.

Users can override any template by passing a folder (``template_dir``): it is
searched first, then the built-in templates, which also stay reachable under
the ``builtin/`` prefix (``{% extends "builtin/report.html.j2" %}``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from markupsafe import Markup

from .._errors import ConfigError
from .._io import atomic_write_text
from ._common import OUTLIER_COLOUR, short_label, theme_ids, topic_colours
from ._format import breakable, num, pct, secs, text
from ._view import report_view

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from .._types import RunData

__all__ = ["environment", "overview_html", "render_html", "write_html"]

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"


# -- environment ------------------------------------------------------------------
def environment(template_dir: str | os.PathLike[str] | None = None) -> jinja2.Environment:
    """The Jinja2 environment: the user's folder first, then the built-in templates; autoescape on.

    Raises
    ------
    ConfigError
        ``template_dir`` is given but is not a folder.

    Examples
    --------
    >>> env = environment()
    >>> env.autoescape
    True
    """
    import jinja2

    builtin = jinja2.FileSystemLoader(str(TEMPLATES))
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None and str(template_dir) != "":
        folder = Path(template_dir).expanduser()
        if not folder.is_dir():
            raise ConfigError(
                f"template_dir {str(folder)!r} is not a folder; point it at a folder of Jinja2 templates "
                "named like the built-in ones (report.html.j2, report.css, overview.html.j2)."
            )
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders += [builtin, jinja2.PrefixLoader({"builtin": builtin})]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = pct
    env.filters["secs"] = secs
    env.filters["num"] = num
    env.filters["short"] = short_label
    env.filters["breakable"] = breakable
    return env


# -- rendering ------------------------------------------------------------------------
def render_html(
    result: RunData,
    *,
    template_dir: str | os.PathLike[str] | None = None,
    pdf: bool = False,
    raster_figures: bool = False,
    figures: list[dict[str, Any]] | None = None,
) -> str:
    """The report as an HTML string (``pdf=True`` adds print-only touches: page numbers in the contents).

    ``figures``: the figures drawn already (:func:`~topicsum._report._drawn.figure_items`), so that the
    HTML and PDF reports of a run draw them once; default: drawn here.
    """
    tdir = template_dir if template_dir is not None else result.config.report.template_dir
    env = environment(tdir)
    context = report_view(result, raster_figures=raster_figures, pdf=pdf, drawn=figures)
    context["pdf"] = pdf
    script = "" if pdf else filter_script()
    context["filter_script"] = Markup(script) if script else ""
    context["filter_script_hash"] = _csp_hash(script) if script else ""
    return env.get_template("report.html.j2").render(context)


def filter_script() -> str:
    """The report's one script: it filters the overview table as the reader types (no network, no eval)."""
    return (TEMPLATES / "filter.js").read_text(encoding="utf-8").strip()


def _csp_hash(script: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script and no other."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def write_html(
    result: RunData,
    path: Path,
    *,
    template_dir: str | os.PathLike[str] | None = None,
    figures: list[dict[str, Any]] | None = None,
) -> Path:
    """Write the self-contained HTML report to ``path`` atomically.

    Parameters
    ----------
    result : Result
    path : pathlib.Path
        Target file (its folder must exist).
    template_dir : path, optional
        A folder of your own templates, searched before the built-in ones
        (default: ``result.config.report.template_dir``).
    figures : list of dict, optional
        The figures, drawn already by :func:`~topicsum._report._drawn.figure_items`
        (default: drawn here).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> write_html(result, Path("report.html"))
    PosixPath('report.html')
    """
    path = Path(path)
    atomic_write_text(path, render_html(result, template_dir=template_dir, figures=figures))
    logger.info("wrote %s", path)
    return path


def overview_html(result: RunData) -> str:
    """A small theme overview for notebooks: labels, sizes, digests and an inline SVG bar chart.

    Styles are inline (a notebook page is shared), text is escaped, and
    there are no scripts or external resources.

    Examples
    --------
    >>> html = overview_html(result)  # in a notebook: IPython.display.HTML(html)
    >>> html.count("<tr") >= len(result.topics)
    True
    """
    colours = topic_colours(result)
    topics = result.topics if result.topics is not None else pd.DataFrame()
    trow = {int(r["topic"]): r for r in topics.to_dict("records")} if len(topics) else {}
    rows = []
    ids = theme_ids(result) + ([-1] if -1 in trow else [])
    top = max((int(trow[t].get("size") or 0) for t in ids), default=0) or 1
    for k, tid in enumerate(ids):
        r = trow[tid]
        digest = result.digests.get(tid) if (result.digests and tid >= 0) else None
        label = text(r.get("label")) or ("outliers" if tid < 0 else f"theme {tid}")
        size = int(r.get("size") or 0)
        rows.append(
            {
                "id": tid,
                "label": short_label(label, 90),
                "svg_label": short_label(label, 34),
                "colour": colours.get(tid, OUTLIER_COLOUR),
                "size": size,
                "share": float(r.get("share") or 0.0),
                "keywords": ", ".join(str(w) for w, _ in list(r.get("keywords") or [])[:6]),
                "digest": short_label(digest.text, 320) if digest is not None else "",
                "y": 4 + 20 * k,
                "bar": 4 + 236 * size / top,
            }
        )
    counts = (result.manifest or {}).get("counts") or {}
    env = environment(None)
    return env.get_template("overview.html.j2").render(
        title=result.config.report.title,
        rows=rows,
        svg_height=8 + 20 * len(rows),
        n_segments=counts.get("segments", len(result.segments)),
        n_articles=counts.get("articles", len(result.articles) if result.articles is not None else 0),
        n_themes=len(theme_ids(result)),
    )
