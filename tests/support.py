"""Helpers shared by the integration and end-to-end suites."""

from __future__ import annotations

import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "data" / "models" / "SmolLM2-135M-Instruct"
TEST_OUTPUT = REPO / "test-output"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
