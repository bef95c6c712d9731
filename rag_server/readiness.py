"""Whether this replica can serve: the one judgement behind `/readyz` and the `rag_server_ready` gauge, so the
probe Kubernetes acts on and the series an alert watches for flapping cannot disagree."""

from __future__ import annotations

import msgspec

from rag_server.bundle import Bundle
from rag_server.drain import Drain, ServingState
from rag_server.generation.supervisor import EngineSlot
from rag_server.guarding import GuardrailsSlot
from rag_server.lifecycle import Phase
from rag_server.retrieval.service import KnowledgeSlot

__all__ = ["Readiness", "ServerReadiness"]


class ServerReadiness(msgspec.Struct, frozen=True):
    ready: bool
    engine: Phase
    """starting, ready, failed, stopped or dead."""
    retrieval: Phase
    """starting, ready, failed or stopped."""
    guardrails: Phase = Phase.DISABLED
    """starting, ready, failed, stopped or disabled."""
    reason: str | None = None
    startup_s: float | None = None
    server: ServingState = ServingState.SERVING
    """serving, or draining/stopping after SIGTERM (never ready again: the replica is leaving)."""
    bundle: str = ""
    """The id of what this replica serves (`/v1/models` has its parts)."""


class Readiness:
    """Ready when the replica is not leaving and every component serves; otherwise the first cause."""

    def __init__(
        self, engine: EngineSlot, knowledge: KnowledgeSlot, guardrails: GuardrailsSlot, drain: Drain, bundle: Bundle
    ) -> None:
        self._engine = engine
        self._knowledge = knowledge
        self._guardrails = guardrails
        self._drain = drain
        self._bundle = bundle

    def assess(self) -> ServerReadiness:
        components = {
            "engine": self._engine.status(),
            "retrieval": self._knowledge.status(),
            "guardrails": self._guardrails.status(),
        }
        leaving = self._drain.state is not ServingState.SERVING
        ready = not leaving and all(status.serving for status in components.values())
        reason = (
            "the server is shutting down"
            if leaving
            else next(
                (
                    status.reason if name == "engine" else f"{name}: {status.reason}"
                    for name, status in components.items()
                    if not status.serving
                ),
                None,
            )
        )
        return ServerReadiness(
            ready,
            components["engine"].phase,
            components["retrieval"].phase,
            components["guardrails"].phase,
            reason,
            components["engine"].startup_s,
            self._drain.state,
            self._bundle.id,
        )
