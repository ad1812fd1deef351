"""Screenshots of a report with headless Chromium (used for the README and the tests)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .._errors import MissingDependencyError, ToolError

__all__ = ["CHROMIUM_FLAGS", "find_chromium", "screenshot"]

logger = logging.getLogger(__name__)

#: Flags for a private, quiet, offline-friendly headless Chromium.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary: ``$TOPICSUM_CHROMIUM``, then the usual names on PATH."""
    env = os.environ.get("TOPICSUM_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    width: int = 1280,
    height: int = 2000,
    timeout: float = 120.0,
) -> Path:
    """Render ``html_path`` in headless Chromium and save a ``width`` x ``height`` PNG of the top of the page.

    Raises
    ------
    MissingDependencyError
        No Chromium binary was found (Debian: ``apt-get install chromium``).
    ToolError
        Chromium ran but wrote no screenshot.

    Examples
    --------
    >>> _ = result.to_html("shot.html")
    >>> screenshot("shot.html", "shot.png").name
    'shot.png'
    """
    chromium = find_chromium()
    if chromium is None:
        raise MissingDependencyError(
            "Screenshots need Chromium, which was not found: install it (Debian: apt-get install chromium) "
            "or set TOPICSUM_CHROMIUM to its path."
        )
    html = Path(html_path).resolve()
    out = Path(png_path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="topicsum-chromium-") as profile:
        tmp_png = Path(profile) / "shot.png"
        cmd = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}/profile",
            f"--window-size={int(width)},{int(height)}",
            f"--screenshot={tmp_png}",
            html.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if not tmp_png.is_file():
            raise ToolError(
                f"Chromium wrote no screenshot of {str(html)!r} (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"
            )
        shutil.move(str(tmp_png), out)
    logger.info("wrote %s", out)
    return out
