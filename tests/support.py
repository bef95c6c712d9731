"""Helpers shared by the test suites."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "data" / "models" / "SmolLM2-135M-Instruct"
TEST_OUTPUT = REPO / "test-output"


def rule_spans(recognizer: Any, text: str, entity: str = "PERSON") -> list[str]:
    """The texts a rule recognizer (no NLP pass) finds for `entity` in `text`."""
    return [text[r.start : r.end] for r in recognizer.analyze(text, [entity], None)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a loopback port in a background thread; yields its base URL.
    Streaming timing and disconnects need a real socket (an ASGI test transport buffers whole bodies)."""
    import uvicorn  # noqa: PLC0415 - only the suites that serve over a socket need it

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the HTTP server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stream_lines(base_url: str, max_tokens: int, question: str = "How do I connect to the VPN?") -> list[str]:
    """Stream one chat answer of exactly `max_tokens` tokens (unless cut); the SSE lines received, blank ones left
    out, or the transport error's name last when the connection broke."""
    import httpx  # noqa: PLC0415 - only the suites that serve over a socket need it

    body = {
        "messages": [{"role": "user", "content": question}],
        "stream": True,
        "max_tokens": max_tokens,
        "ignore_eos": True,
        "temperature": 0,
    }
    lines: list[str] = []
    try:
        with httpx.stream("POST", f"{base_url}/v1/chat/completions", json=body, timeout=120) as response:
            lines.append(f"HTTP {response.status_code}")
            lines.extend(line for line in response.iter_lines() if line)
    except httpx.TransportError as exc:
        lines.append(type(exc).__name__)
    return lines
