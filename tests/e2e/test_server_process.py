"""The server as users start it: the `rag-server` console script in its own process, the openai SDK as client."""

from __future__ import annotations

import subprocess
import time

import httpx
import openai
import psutil
import pytest

from tests.support import TEST_OUTPUT

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


def test_engine_death_makes_the_server_unready_but_alive(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    base_url, process = server
    engine_processes = [p for p in psutil.Process(process.pid).children(recursive=True) if "EngineCore" in p.name()]
    assert engine_processes, "the engine core runs as a child of the server process"
    for child in engine_processes:
        child.kill()
    deadline = time.monotonic() + 30
    while httpx.get(f"{base_url}/readyz").status_code == 200:
        assert time.monotonic() < deadline, "readiness never noticed the dead engine"
        time.sleep(0.2)
    readiness = httpx.get(f"{base_url}/readyz")
    assert readiness.status_code == 503
    assert readiness.json()["engine"] == "dead"
    chat = httpx.post(f"{base_url}/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert chat.status_code == 503
    assert chat.json()["error"]["code"] == "engine_unavailable"
    assert httpx.get(f"{base_url}/healthz").status_code == 200
    assert process.poll() is None
