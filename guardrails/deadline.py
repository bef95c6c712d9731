"""Run a guard on the host's executor with a deadline that counts the guard's own time, not its wait for a worker.

The host owns concurrency: it passes the executor in, sized to its cores (CPU-bound guards gain nothing from more
threads than cores: 32 PII passes at once on 2 cores each took over a second). Under a burst guards wait for a
worker; that wait has its own, longer bound, so only a stuck worker turns it into a timeout.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["GuardRun"]

T = TypeVar("T")


class GuardRun(Generic[T]):
    """One guard call submitted to an executor; `result` waits for it under the deadline."""

    def __init__(self, executor: concurrent.futures.Executor, call: Callable[[], T]) -> None:
        self.submitted_at = time.perf_counter()
        self._started = threading.Event()
        self._started_at: float | None = None
        self._future = executor.submit(self._run, call)

    def _run(self, call: Callable[[], T]) -> T:
        self._started_at = time.perf_counter()
        self._started.set()
        return call()

    @property
    def started_at(self) -> float:
        """When the guard began running (when it was submitted, if it never did)."""
        return self._started_at if self._started_at is not None else self.submitted_at

    def result(self, timeout_s: float, queue_timeout_s: float) -> T:
        """The guard's result; `concurrent.futures.TimeoutError` when it ran longer than `timeout_s`, or waited
        longer than `queue_timeout_s` for a worker; the guard's own exception when it raised."""
        if not self._started.wait(queue_timeout_s):
            self._future.cancel()
            raise concurrent.futures.TimeoutError
        remaining = self.started_at + timeout_s - time.perf_counter()
        return self._future.result(timeout=max(0.0, remaining))

    def cancel(self) -> None:
        self._future.cancel()
