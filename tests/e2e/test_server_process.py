"""The server as users start it: the `rag-server` console script in its own process, the openai SDK as client."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import psutil
import pytest

from tests.support import MODEL, REPO, TEST_OUTPUT, free_port

pytestmark = pytest.mark.e2e

OUTPUT = TEST_OUTPUT / "e2e"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    index_dir = OUTPUT / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    ingest_env = os.environ | {"RAG_RETRIEVAL__INDEX_DIR": str(index_dir)}
    ingest = Path(sys.executable).with_name("rag-ingest")
    subprocess.run([str(ingest), str(REPO / "data" / "it"), "--json"], env=ingest_env, check=True, capture_output=True)
    env = os.environ | {
        "RAG_RETRIEVAL__INDEX_DIR": str(index_dir),
        "RAG_ENGINE__MODEL": str(MODEL),
        "RAG_ENGINE__ENFORCE_EAGER": "true",
        "RAG_ENGINE__CPU_KV_CACHE_GIB": "1",
        "RAG_SERVER__PORT": str(port),
    }
    script = Path(sys.executable).with_name("rag-server")
    with (OUTPUT / "server.log").open("wb") as log:
        process = subprocess.Popen([str(script)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 400
    while True:
        assert process.poll() is None, f"server exited early; see {OUTPUT / 'server.log'}"
        assert time.monotonic() < deadline, "server did not become ready"
        try:
            readiness = httpx.get(f"{base_url}/readyz")
        except httpx.TransportError:
            readiness = None
        if readiness is not None and readiness.status_code == 200:
            break
        if readiness is not None:  # still starting: nothing may have failed
            state = readiness.json()
            assert "failed" not in (state["engine"], state["retrieval"], state.get("guardrails")), state
        time.sleep(0.5)
    yield base_url, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_openai_sdk_streams_from_the_server_process(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    base_url, _ = server
    sdk = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
    assert [model.id for model in sdk.models.list()] == ["SmolLM2-135M-Instruct"]
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
    assert arrivals[-1] - arrivals[0] > 0, "tokens arrived over time, not in one buffered block"


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
