"""The PDF report: the HTML report laid out by WeasyPrint (extra ``topicsum[pdf]``).

WeasyPrint is imported only here, when a PDF is asked for.  It is given a URL
fetcher that only answers ``data:`` URLs, so rendering can never reach the
network or the file system, whatever the templates or the text contain.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._deps import install_hint, require
from .._errors import InputError, MissingDependencyError
from .._io import atomic_write_bytes
from ._html import render_html

if TYPE_CHECKING:  # pragma: no cover
    from .._types import RunData

__all__ = ["write_pdf"]

logger = logging.getLogger(__name__)


def _import_weasyprint() -> Any:
    try:
        return require("weasyprint", purpose="PDF reports", extra="pdf")
    except OSError as exc:  # the Pango/Cairo system libraries are missing
        raise MissingDependencyError(
            f"PDF reports need WeasyPrint's system libraries (Pango), which could not be loaded ({exc}): "
            "install them (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0) "
            f"and run {install_hint('weasyprint', 'pdf')}."
        ) from exc


def _offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that answers ``data:`` URLs only (no network, no files)."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 66
        return urls.URLFetcher(allowed_protocols={"data"})

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - older WeasyPrint
        if url.startswith("data:"):
            return urls.default_url_fetcher(url, *args, **kwargs)
        raise InputError(f"topicsum PDF reports load nothing from outside the report (refused {url[:80]!r}).")

    return fetch


def render_pdf(
    result: RunData,
    *,
    template_dir: str | os.PathLike[str] | None = None,
    figures: list[dict[str, Any]] | None = None,
) -> bytes:
    """The PDF report as bytes (``figures``: drawn already, as for :func:`write_pdf`).

    Raises
    ------
    MissingDependencyError
        WeasyPrint is not installed (extra ``topicsum[pdf]``).
    """
    weasyprint = _import_weasyprint()
    html = render_html(result, template_dir=template_dir, pdf=True, figures=figures)
    document = weasyprint.HTML(string=html, url_fetcher=_offline_fetcher(), base_url=None)
    return bytes(document.write_pdf())  # the <title> becomes the PDF's title


def write_pdf(
    result: RunData,
    path: Path,
    *,
    template_dir: str | os.PathLike[str] | None = None,
    figures: list[dict[str, Any]] | None = None,
) -> Path:
    """Write the PDF report to ``path`` atomically (paginated, figures, working internal links).

    Parameters
    ----------
    result : Result
    path : pathlib.Path
        Target file (its folder must exist).
    template_dir : path, optional
        A folder of your own templates (default: ``result.config.report.template_dir``).
    figures : list of dict, optional
        The figures, drawn already by :func:`~topicsum._report._drawn.figure_items`
        (the HTML report of the same run embeds the same ones); default: drawn here.

    Raises
    ------
    MissingDependencyError
        WeasyPrint is not installed: ``pip install 'topicsum[pdf]'``.

    Examples
    --------
    >>> write_pdf(result, Path("report.pdf"))
    PosixPath('report.pdf')
    """
    path = Path(path)
    data = render_pdf(result, template_dir=template_dir, figures=figures)
    atomic_write_bytes(path, data)
    logger.info("wrote %s (%d bytes)", path, len(data))
    return path
