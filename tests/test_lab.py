"""`make lab`: JupyterLab on the notebooks, on localhost, with a token, as root or not."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, b""


@pytest.fixture(scope="module")
def lab():
    """The server as `make lab` starts it (notebooks/lab.sh), as the user the suite runs as."""
    port, token = _free_port(), "topicsum-test-token"
    env = {**os.environ, "PORT": str(port), "TOPICSUM_LAB_TOKEN": token, "JUPYTER": str(ROOT / ".venv" / "bin" / "jupyter")}
    proc = subprocess.Popen(
        ["bash", str(ROOT / "notebooks" / "lab.sh")], env=env, cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited early:\n{proc.stdout.read()}")
            try:
                if _get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 90 s")
        yield base, token, proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:  # already stopped by a test
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()


def test_lab_serves_the_notebooks_with_its_token(lab):
    base, token, _ = lab
    status, _ = _get(f"{base}/lab?token={token}")
    assert status == 200
    status, body = _get(f"{base}/api/contents/?token={token}")
    assert status == 200
    names = {item["name"] for item in json.loads(body)["content"]}
    assert {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} <= names
    assert "01_quickstart.ipynb" in names


def test_lab_refuses_requests_without_the_token(lab):
    base, _, _ = lab
    assert _get(f"{base}/api/contents/")[0] == 403


def test_lab_prints_its_url_and_says_when_it_runs_as_root(lab):
    base, token, proc = lab
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    printed = proc.stdout.read()
    assert f"JupyterLab: {base}/lab?token={token}" in printed
    assert ("--allow-root" in printed) == (os.geteuid() == 0)
