"""SIGTERM with answers streaming, on a real `rag-server` process: it drains instead of cutting them."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import OUTPUT, start_server
from tests.support import stream_lines

pytestmark = pytest.mark.e2e


def test_sigterm_drains_short_answers_and_ends_long_ones_in_band(index_dir: Path) -> None:
    own_index = OUTPUT / "index-drain"  # the session's server holds the other index's lock
    shutil.rmtree(own_index, ignore_errors=True)
    shutil.copytree(index_dir, own_index)
    base_url, process = start_server(own_index, "drain.log", RAG_SERVER__DRAIN_TIMEOUT_S="8")
    lengths = {"short-1": 16, "short-2": 24, "long-1": 1000, "long-2": 1000}
    results: dict[str, list[str]] = {}
    threads = [
        threading.Thread(target=lambda name=name, n=n: results.__setitem__(name, stream_lines(base_url, n)))
        for name, n in lengths.items()
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    signalled_at = time.monotonic()
    time.sleep(0.3)

    readiness = httpx.get(f"{base_url}/readyz")  # still listening: probes and load balancers get an answer
    assert readiness.status_code == 503
    assert readiness.json()["server"] == "draining"
    newcomer = httpx.post(f"{base_url}/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert newcomer.status_code == 503
    assert newcomer.json()["error"]["code"] == "shutting_down"
    assert int(newcomer.headers["Retry-After"]) >= 1

    for thread in threads:
        thread.join(timeout=60)
    assert process.wait(timeout=60) == 0, "a drained server exits cleanly"
    stopped_in = time.monotonic() - signalled_at
    for name in ("short-1", "short-2"):
        lines = results[name]
        assert lines[0] == "HTTP 200"
        assert lines[-1] == "data: [DONE]"
        assert '"finish_reason":"length"' in lines[-2], f"{name} finished normally during the drain"
    for name in ("long-1", "long-2"):
        lines = results[name]
        assert lines[-1] == "data: [DONE]", f"{name} was not cut silently"
        assert '"code":"shutting_down"' in lines[-2], f"{name} was told why it ended"
    assert 8 <= stopped_in < 30
    log = (OUTPUT / "drain.log").read_text()
    assert "drain over with 2 answers still running" in log
    assert "Application shutdown complete" in log, "the engine was shut down after the drain"
