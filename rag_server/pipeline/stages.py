"""How long each stage of a request took: for the log line, the metrics and the benchmarks."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PRE_GENERATION", "RequestStage", "StageTimer"]


class RequestStage(enum.StrEnum):
    QUEUE = "queue"
    """Waiting for an admission slot."""
    INPUT_RAILS = "input_rails"
    RETRIEVAL = "retrieval"
    """Query embedding, search and the retrieval rail."""
    PROMPT = "prompt"
    """Rendering the prompt through the chat template and fitting it to the context window."""
    TTFT = "ttft"
    """Request arrival to the first answer text (not a stage of its own: a point in time)."""


PRE_GENERATION = (RequestStage.INPUT_RAILS, RequestStage.RETRIEVAL, RequestStage.PROMPT)
"""The stages the pipeline runs before the engine sees the request."""


class StageTimer:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[RequestStage, float] = {}

    @contextmanager
    def stage(self, name: RequestStage) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began

    def record(self, name: RequestStage, seconds: float) -> None:
        self.seconds[name] = seconds

    def since_start(self) -> float:
        return time.perf_counter() - self.started

    def summary(self) -> str:
        return " ".join(f"{name.value}_ms={seconds * 1000:.1f}" for name, seconds in self.seconds.items())
