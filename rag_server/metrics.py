"""Prometheus metrics. Engine figures are read from the engine at scrape time and keep vLLM's metric names,
so dashboards and autoscalers written for `vllm serve` work unchanged."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from rag_server.generation.supervisor import EngineSlot

__all__ = ["EngineCollector", "build_registry"]


class EngineCollector(Collector):
    def __init__(self, engine: EngineSlot, model_name: str) -> None:
        self._engine = engine
        self._model_name = model_name

    def collect(self) -> Iterator[Metric]:
        readiness = self._engine.readiness()
        ready = GaugeMetricFamily("rag_engine_ready", "1 when the engine is warm and alive.")
        ready.add_metric([], 1.0 if readiness.ready else 0.0)
        yield ready
        if not readiness.ready:
            return
        stats = self._engine.generator().stats()
        labels = ["model_name"]
        values = [self._model_name]
        gauges = (
            ("vllm:num_requests_running", "Requests in the engine's running batch.", stats.num_requests_running),
            ("vllm:num_requests_waiting", "Requests waiting in the engine's queue.", stats.num_requests_waiting),
            ("vllm:kv_cache_usage_perc", "KV-cache usage (1 = full).", stats.kv_cache_usage),
        )
        for name, doc, value in gauges:
            gauge = GaugeMetricFamily(name, doc, labels=labels)
            gauge.add_metric(values, float(value))
            yield gauge
        counters = (
            ("vllm:prefix_cache_queries", "Prompt tokens looked up in the prefix cache.", stats.prefix_cache_queries),
            ("vllm:prefix_cache_hits", "Prompt tokens found in the prefix cache.", stats.prefix_cache_hits),
        )
        for name, doc, value in counters:
            counter = CounterMetricFamily(name, doc, labels=labels)
            counter.add_metric(values, float(value))
            yield counter


def build_registry(engine: EngineSlot, model_name: str) -> CollectorRegistry:
    """A registry of our own (not the process-global one, which vLLM also writes to)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(engine, model_name))
    return registry
