"""The server as users start it: the `rag-server` console script in its own process, the openai SDK as client."""

from __future__ import annotations

import subprocess
import threading
import time

import httpx
import openai
import psutil
import pytest

from tests.e2e.conftest import wait_until_ready
from tests.support import TEST_OUTPUT, stream_lines

pytestmark = pytest.mark.e2e

OUTPUT = TEST_OUTPUT / "e2e"


def test_openai_sdk_streams_from_the_server_process(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    base_url, _ = server
    sdk = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
    assert [model.id for model in sdk.models.list()] == ["SmolLM2-135M-Instruct"]
    requested_at = time.monotonic()
    stream = sdk.chat.completions.create(
        model="SmolLM2-135M-Instruct",
        messages=[{"role": "user", "content": "How do I connect to the VPN?"}],
        stream=True,
        temperature=0,
        max_tokens=40,
    )
    arrivals: list[float] = []
    text = ""
    final: dict[str, object] = {}
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append(time.monotonic())
            text += chunk.choices[0].delta.content
        if chunk.choices and chunk.choices[0].finish_reason:
            final = chunk.model_extra or {}
    assert text.strip()
    sources = final["sources"]
    assert isinstance(sources, list)
    assert any(source["source"].endswith("vpn.md") for source in sources), "answered from the ingested documents"
    assert len(arrivals) > 2
    # A buffered body hands every chunk over at once after the whole generation, microseconds apart. Streamed, the
    # first text arrives one decode step into the answer while the rest is still being generated, so the chunks
    # span a real share of the wait.
    spread, wait = arrivals[-1] - arrivals[0], arrivals[-1] - requested_at
    assert spread > 0.1 * wait, (
        f"{len(arrivals)} chunks arrived within {spread * 1000:.1f} ms of a {wait * 1000:.0f} ms request: "
        "the answer came as one buffered block, not as a stream"
    )


def test_a_dead_engine_is_restarted_and_the_replica_serves_again(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base_url, process = server
    endings: list[list[str]] = []
    streaming = threading.Thread(target=lambda: endings.append(stream_lines(base_url, 400)))
    streaming.start()
    engine_processes: list[psutil.Process] = []
    deadline = time.monotonic() + 30
    while not engine_processes:
        assert time.monotonic() < deadline, "the engine core runs as a child of the server process"
        engine_processes = [p for p in psutil.Process(process.pid).children(recursive=True) if "EngineCore" in p.name()]
        time.sleep(0.1)
    time.sleep(1.5)
    for child in engine_processes:
        child.kill()
    killed_at = time.monotonic()
    while httpx.get(f"{base_url}/readyz").status_code == 200:
        assert time.monotonic() - killed_at < 30, "readiness never noticed the dead engine"
        time.sleep(0.1)
    unready = httpx.get(f"{base_url}/readyz")
    assert unready.status_code == 503
    assert unready.json()["engine"] in ("dead", "starting")
    chat = httpx.post(f"{base_url}/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert chat.status_code == 503
    assert chat.json()["error"]["code"] == "engine_unavailable"
    assert "Retry-After" in chat.headers
    assert httpx.get(f"{base_url}/healthz").status_code == 200
    streaming.join(timeout=60)
    assert endings[0][-1] == "data: [DONE]", "the stream on the dead engine ended, not hung"
    assert '"error"' in endings[0][-2], "and said why"

    wait_until_ready(base_url, process, "server.log", timeout_s=240)
    restarted_in = time.monotonic() - killed_at
    answer = httpx.post(
        f"{base_url}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "How do I connect to the VPN?"}], "max_tokens": 8},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"]
    assert process.poll() is None
    (OUTPUT / "engine-restart.txt").write_text(f"killed engine ready again after {restarted_in:.1f} s\n")
