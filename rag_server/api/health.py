"""Probes: `/healthz` (the process answers) and `/readyz` (engine warm and alive, index open, rails loaded)."""

from __future__ import annotations

import msgspec
from litestar import Response, get

from rag_server.bundle import Bundle
from rag_server.drain import Drain, ServingState
from rag_server.generation.supervisor import EngineSlot
from rag_server.guarding import GuardrailsSlot
from rag_server.lifecycle import Phase
from rag_server.retrieval.service import KnowledgeSlot

__all__ = ["Liveness", "ServerReadiness", "healthz", "readyz"]


class Liveness(msgspec.Struct, frozen=True):
    status: str = "ok"


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


@get("/healthz", sync_to_thread=False)
def healthz() -> Liveness:
    return Liveness()


@get("/readyz", sync_to_thread=False)
def readyz(
    engine: EngineSlot, knowledge: KnowledgeSlot, guardrails: GuardrailsSlot, drain: Drain, bundle: Bundle
) -> Response[ServerReadiness]:
    components = {"engine": engine.status(), "retrieval": knowledge.status(), "guardrails": guardrails.status()}
    leaving = drain.state is not ServingState.SERVING
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
    body = ServerReadiness(
        ready,
        components["engine"].phase,
        components["retrieval"].phase,
        components["guardrails"].phase,
        reason,
        components["engine"].startup_s,
        drain.state,
        bundle.id,
    )
    return Response(body, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "10"})
