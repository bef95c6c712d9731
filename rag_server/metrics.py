"""Prometheus metrics. Engine figures are read from the engine at scrape time and keep vLLM's metric names,
so dashboards and autoscalers written for `vllm serve` work unchanged."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from guardrails import Decision
from rag_server.generation.supervisor import EngineSlot

__all__ = ["EngineCollector", "GuardrailMetrics", "build_registry"]


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
        gauge, counter = GaugeMetricFamily, CounterMetricFamily
        families = (
            (gauge, "vllm:num_requests_running", "Requests in the running batch.", stats.num_requests_running),
            (gauge, "vllm:num_requests_waiting", "Requests waiting in the queue.", stats.num_requests_waiting),
            (gauge, "vllm:kv_cache_usage_perc", "KV-cache usage (1 = full).", stats.kv_cache_usage),
            (counter, "vllm:prefix_cache_queries", "Prompt tokens looked up.", stats.prefix_cache_queries),
            (counter, "vllm:prefix_cache_hits", "Prompt tokens found in the cache.", stats.prefix_cache_hits),
        )
        for family_type, name, documentation, value in families:
            family = family_type(name, documentation, labels=["model_name"])
            family.add_metric([self._model_name], float(value))
            yield family


def build_registry(engine: EngineSlot, model_name: str) -> CollectorRegistry:
    """A registry of our own (not the process-global one, which vLLM also writes to)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(engine, model_name))
    return registry


class GuardrailMetrics:
    """Guardrail decisions by stage, guard and action, and each guard's latency."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._decisions = Counter(
            "rag_guardrail_decisions",
            "Guardrail decisions.",
            labelnames=["stage", "guard", "action"],
            registry=registry,
        )
        self._latency = Histogram(
            "rag_guardrail_latency_seconds",
            "Time each guard took per request.",
            labelnames=["stage", "guard"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
            registry=registry,
        )

    def record(self, decision: Decision) -> None:
        self._decisions.labels(decision.stage.value, decision.guard, decision.action.value).inc()
        self._latency.labels(decision.stage.value, decision.guard).observe(decision.latency_ms / 1000)
