"""How long each stage of a request took: for the log line, the metrics and the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["StageTimer"]


class StageTimer:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began

    def record(self, name: str, seconds: float) -> None:
        self.seconds[name] = seconds

    def since_start(self) -> float:
        return time.perf_counter() - self.started

    def summary(self) -> str:
        return " ".join(f"{name}_ms={seconds * 1000:.1f}" for name, seconds in self.seconds.items())
