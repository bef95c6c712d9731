"""Timing helpers shared by the guardrails benchmarks: milliseconds per call and their percentiles."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

__all__ = ["percentile", "timed"]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(call: Callable[[str], object], inputs: Sequence[str], rounds: int) -> list[float]:
    """Milliseconds per call, every input once per round."""
    samples = []
    for _ in range(rounds):
        for text in inputs:
            started = time.perf_counter()
            call(text)
            samples.append((time.perf_counter() - started) * 1000)
    return samples
