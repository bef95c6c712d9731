"""Prometheus metrics. Engine figures are read from the engine at scrape time and keep vLLM's metric names,
so dashboards and autoscalers written for `vllm serve` work unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Histogram, Info
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from guardrails import Decision, Reason, Stage
from guardrails.groundedness import Support
from rag_server.admission import Admission
from rag_server.bundle import Bundle
from rag_server.generation.supervisor import EngineSlot
from rag_server.lifecycle import Phase
from rag_server.pipeline.grounding import GroundingCheck
from rag_server.pipeline.stages import PRE_GENERATION, RequestStage
from rag_server.readiness import Readiness

__all__ = [
    "AdmissionCollector",
    "ChatMetrics",
    "EngineCollector",
    "GuardrailMetrics",
    "ReadinessCollector",
    "build_registry",
    "count_requests",
]


class EngineCollector(Collector):
    def __init__(self, engine: EngineSlot, model_name: str) -> None:
        self._engine = engine
        self._model_name = model_name

    def collect(self) -> Iterator[Metric]:
        generator = self._engine.peek()
        alive = generator is not None and self._engine.status().phase is Phase.READY
        ready = GaugeMetricFamily("rag_engine_ready", "1 when the engine is warm and alive.")
        ready.add_metric([], 1.0 if alive else 0.0)
        yield ready
        if generator is None or not alive:
            return
        stats = generator.stats()
        gauge, counter = GaugeMetricFamily, CounterMetricFamily
        families = (
            (gauge, "vllm:num_requests_running", "Requests in the running batch.", stats.num_requests_running),
            (gauge, "vllm:num_requests_waiting", "Requests waiting in the queue.", stats.num_requests_waiting),
            (gauge, "vllm:kv_cache_usage_perc", "KV-cache usage (1 = full).", stats.kv_cache_usage),
            (counter, "vllm:prefix_cache_queries", "Prompt tokens looked up.", stats.prefix_cache_queries),
            (counter, "vllm:prefix_cache_hits", "Prompt tokens found in the cache.", stats.prefix_cache_hits),
            (counter, "vllm:spec_decode_num_drafts", "Speculative draft proposals.", stats.spec_decode_drafts),
            (counter, "vllm:spec_decode_num_draft_tokens", "Tokens drafted.", stats.spec_decode_draft_tokens),
            (
                counter,
                "vllm:spec_decode_num_accepted_tokens",
                "Drafted tokens the model accepted.",
                stats.spec_decode_accepted_tokens,
            ),
        )
        for family_type, name, documentation, value in families:
            family = family_type(name, documentation, labels=["model_name"])
            family.add_metric([self._model_name], float(value))
            yield family


def build_registry(engine: EngineSlot, model_name: str, bundle: Bundle) -> CollectorRegistry:
    """A registry of our own (not the process-global one, which vLLM also writes to). `rag_bundle_info` (value 1)
    carries what this replica serves as labels, to join onto any other series by instance."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(engine, model_name))
    Info("rag_bundle", "What this replica serves.", registry=registry).info(
        {
            "bundle": bundle.id,
            "model_digest": bundle.model_digest,
            "pii_model_digest": bundle.pii_model_digest,
            "prompt_version": bundle.prompt_version,
            "policy_version": bundle.policy_version,
            "settings_hash": bundle.settings_hash,
            "server_version": bundle.server_version,
        }
    )
    return registry


class GuardrailMetrics:
    """Guardrail decisions by stage, guard and action, each guard's latency, and the guards' own failures (a
    timeout or an error, which fail the request closed: an alert watches them)."""

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
        self._failures = Counter(
            "rag_guardrail_failures",
            "Guards that timed out or raised instead of judging the text, by stage, guard and reason.",
            labelnames=["stage", "guard", "reason"],
            registry=registry,
        )
        # Every series an alert rates exists from the start at 0: rate() cannot see a series' first increment.
        for guard in _INPUT_GUARDS:
            for reason in (Reason.GUARD_TIMEOUT, Reason.GUARD_ERROR):
                self._failures.labels(Stage.INPUT.value, guard, reason.value)

    def record(self, decision: Decision) -> None:
        self._decisions.labels(decision.stage.value, decision.guard, decision.action.value).inc()
        if decision.reason.failure:
            self._failures.labels(decision.stage.value, decision.guard, decision.reason.value).inc()
        self._latency.labels(decision.stage.value, decision.guard).observe(decision.latency_ms / 1000)


_INPUT_GUARDS = ("pii", "injection", "history")
"""The guards that run under a deadline and can fail (guardrails.rails.Guardrails._await)."""
CHAT_ROUTE = "/v1/chat/completions"

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def _grounding_instruments(registry: CollectorRegistry) -> tuple[Counter, Histogram]:
    """The groundedness check's counters: sentences by verdict (every verdict present from the start), and time."""
    sentences = Counter(
        "rag_answer_sentences",
        "Answer sentences judged by the groundedness check, by verdict (supported, unsupported_*, skipped).",
        labelnames=["support"],
        registry=registry,
    )
    for support in Support:
        sentences.labels(support.value)
    seconds = Histogram(
        "rag_grounding_seconds",
        "Time the groundedness check spent on one answer (all its sentences).",
        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        registry=registry,
    )
    return sentences, seconds


class ChatMetrics:
    """The chat path's latencies (vLLM's names where the meaning is the same), stages and admission."""

    def __init__(self, registry: CollectorRegistry, model_name: str) -> None:
        self._model = model_name
        labels = ["model_name"]
        self.ttft = Histogram(
            "vllm:time_to_first_token_seconds",
            "Request arrival to first answer text, rails included.",
            labelnames=labels,
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.tpot = Histogram(
            "vllm:time_per_output_token_seconds",
            "Mean time per output token after the first.",
            labelnames=labels,
            buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0),
            registry=registry,
        )
        self.e2e = Histogram(
            "vllm:e2e_request_latency_seconds",
            "Request arrival to the last byte.",
            labelnames=labels,
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.queue = Histogram(
            "vllm:request_queue_time_seconds",
            "Time waiting for an admission slot.",
            labelnames=labels,
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.stages = Histogram(
            "rag_stage_seconds",
            "Time each pre-generation stage took (input_rails, retrieval, prompt).",
            labelnames=["stage"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=registry,
        )
        self.rejections = Counter(
            "rag_admission_rejections",
            "Requests refused before any work, by reason.",
            labelnames=["reason"],
            registry=registry,
        )
        self.requests = Counter(
            "rag_http_requests", "HTTP requests by route and status.", labelnames=["route", "status"], registry=registry
        )
        for status in ("200", "500", "503"):  # the error-ratio SLO's series, present before the first error
            self.requests.labels(CHAT_ROUTE, status)
        self.sentences, self.grounding = _grounding_instruments(registry)

    def observe(self, stage_seconds: dict[RequestStage, float], total_s: float, output_tokens: int) -> None:
        for stage, seconds in stage_seconds.items():
            if stage in PRE_GENERATION:
                self.stages.labels(stage.value).observe(seconds)
        if RequestStage.QUEUE in stage_seconds:
            self.queue.labels(self._model).observe(stage_seconds[RequestStage.QUEUE])
        ttft = stage_seconds.get(RequestStage.TTFT)
        if ttft is not None:
            self.ttft.labels(self._model).observe(ttft)
            if output_tokens > 1:
                self.tpot.labels(self._model).observe((total_s - ttft) / (output_tokens - 1))
        self.e2e.labels(self._model).observe(total_s)

    def observe_grounding(self, check: GroundingCheck) -> None:
        for verdict in check.verdicts:
            self.sentences.labels(verdict.support.value).inc()
        if check.verdicts:
            self.grounding.observe(check.seconds)


class AdmissionCollector(Collector):
    """Requests admitted and waiting, read at scrape time."""

    def __init__(self, admission: Admission) -> None:
        self._admission = admission

    def collect(self) -> Iterator[Metric]:
        running = GaugeMetricFamily("rag_requests_in_flight", "Chat requests admitted and not yet finished.")
        running.add_metric([], float(self._admission.in_flight))
        yield running
        waiting = GaugeMetricFamily("rag_requests_queued", "Chat requests waiting for an admission slot.")
        waiting.add_metric([], float(self._admission.queued))
        yield waiting


class ReadinessCollector(Collector):
    """What `/readyz` says, as a series: alerts on readiness flapping and dashboards of ready replicas read it."""

    def __init__(self, readiness: Readiness) -> None:
        self._readiness = readiness

    def collect(self) -> Iterator[Metric]:
        ready = GaugeMetricFamily("rag_server_ready", "1 when /readyz answers 200: serving, not draining.")
        ready.add_metric([], 1.0 if self._readiness.assess().ready else 0.0)
        yield ready


def count_requests(metrics: ChatMetrics) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware: one count per HTTP response, by route template (not raw path) and status."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            status = 500

            async def recording_send(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, recording_send)
            finally:
                route = str(scope.get("path_template") or "unmatched")
                metrics.requests.labels(route, str(status)).inc()

        return counted

    return middleware
