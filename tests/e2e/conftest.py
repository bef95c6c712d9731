"""One `rag-server` process for the e2e tests: started as users start it, on an index of `data/it`."""

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
import pytest

from tests.support import MODEL, REPO, TEST_OUTPUT, free_port

OUTPUT = TEST_OUTPUT / "e2e"


def start_server(index_dir: Path, log_name: str, **settings: str) -> tuple[str, subprocess.Popen[bytes]]:
    """A `rag-server` process on `index_dir`, as users start it, once it is ready; extra `RAG_*` settings by env
    name. Its log goes to test-output/e2e/`log_name`."""
    port = free_port()
    env = os.environ | {
        "RAG_RETRIEVAL__INDEX_DIR": str(index_dir),
        "RAG_ENGINE__MODEL": str(MODEL),
        "RAG_ENGINE__ENFORCE_EAGER": "true",
        "RAG_ENGINE__CPU_KV_CACHE_GIB": "1",
        "RAG_SERVER__PORT": str(port),
        **settings,
    }
    script = Path(sys.executable).with_name("rag-server")
    with (OUTPUT / log_name).open("wb") as log:
        process = subprocess.Popen([str(script)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    wait_until_ready(base_url, process, log_name)
    return base_url, process


def wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log_name: str, timeout_s: float = 400) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, f"server exited early; see {OUTPUT / log_name}"
        assert time.monotonic() < deadline, "server did not become ready"
        try:
            readiness = httpx.get(f"{base_url}/readyz")
        except httpx.TransportError:
            readiness = None
        if readiness is not None and readiness.status_code == 200:
            return
        if readiness is not None:  # still starting: nothing may have failed
            state = readiness.json()
            assert "failed" not in (state["engine"], state["retrieval"], state.get("guardrails")), state
        time.sleep(0.5)


@pytest.fixture(scope="session")
def index_dir() -> Path:
    """An index of `data/it`, built once with the `rag-ingest` console script."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    index_dir = OUTPUT / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    ingest_env = os.environ | {"RAG_RETRIEVAL__INDEX_DIR": str(index_dir)}
    ingest = Path(sys.executable).with_name("rag-ingest")
    subprocess.run([str(ingest), str(REPO / "data" / "it"), "--json"], env=ingest_env, check=True, capture_output=True)
    return index_dir


@pytest.fixture(scope="session")
def server(index_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    base_url, process = start_server(index_dir, "server.log")
    yield base_url, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
