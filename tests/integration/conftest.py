"""One real engine for the whole integration session: create_app with the vLLM adapter, served by uvicorn on a
real loopback socket in a background thread (streaming and disconnects need a socket, not an ASGI transport)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn

from rag_server.app import create_app
from rag_server.generation.supervisor import EngineSlot
from rag_server.lifecycle import Phase
from rag_server.services import default_services
from rag_server.settings import load_settings
from tests.support import MODEL, free_port

T = TypeVar("T")


@dataclass
class LiveServer:
    base_url: str
    engine: EngineSlot
    loop: asyncio.AbstractEventLoop
    readiness_while_starting: httpx.Response
    context_window: int
    index_dir: Path

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run a coroutine on the server's event loop (where the engine lives)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def metric(self, name: str) -> float:
        for line in httpx.get(f"{self.base_url}/metrics").text.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"metric {name} not exported")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    assert MODEL.is_dir(), "run `make model` first (make test does)"
    port = free_port()
    index_dir = tmp_path_factory.mktemp("index")
    settings = load_settings(
        {
            "RAG_ENGINE__MODEL": str(MODEL),
            "RAG_ENGINE__ENFORCE_EAGER": "true",  # no torch.compile warm-up; tests do not measure speed
            "RAG_ENGINE__CPU_KV_CACHE_GIB": "1",
            "RAG_ENGINE__MAX_MODEL_LEN": "1024",
            "RAG_ENGINE__SPECULATION": "ngram",  # off by default; on here so the engine's drafting is tested
            "RAG_SERVER__PORT": str(port),
            "RAG_RETRIEVAL__INDEX_DIR": str(index_dir),
            # Plain OpenAI chat unless a request asks for retrieval: test_engine_chat checks the engine surface;
            # test_rag_chat sends `"rag": {"enabled": true}`.
            "RAG_CHAT__RAG_BY_DEFAULT": "false",
        }
    )
    services = default_services(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, services), host="127.0.0.1", port=port, log_level="warning")
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the HTTP server did not start"
        time.sleep(0.05)
    readiness_while_starting = httpx.get(f"{base_url}/readyz")
    deadline = time.monotonic() + 400
    while httpx.get(f"{base_url}/readyz").status_code != 200:
        for slot in (services.engine, services.knowledge, services.guardrails):
            status = slot.status()
            assert status.phase in (Phase.STARTING, Phase.READY), f"{slot.component}: {status.reason}"
        assert time.monotonic() < deadline, "the engine did not become ready"
        time.sleep(0.5)
    yield LiveServer(
        base_url, services.engine, loop, readiness_while_starting, settings.engine.max_model_len, index_dir
    )
    server.should_exit = True
    thread.join(timeout=60)
