"""Probes: `/healthz` (the process answers) and `/readyz` (engine warm and alive, index open)."""

from __future__ import annotations

import msgspec
from litestar import Response, get

from rag_server.generation.supervisor import EngineSlot
from rag_server.guarding import GuardrailsSlot
from rag_server.retrieval.service import KnowledgeSlot

__all__ = ["ServerReadiness", "healthz", "readyz"]


class Liveness(msgspec.Struct, frozen=True):
    status: str = "ok"


class ServerReadiness(msgspec.Struct, frozen=True):
    ready: bool
    engine: str
    """starting, ready, failed, stopped or dead."""
    retrieval: str
    """starting, ready, failed or stopped."""
    guardrails: str = "disabled"
    """starting, ready, failed, stopped or disabled."""
    reason: str | None = None
    startup_s: float | None = None


@get("/healthz", sync_to_thread=False)
def healthz() -> Liveness:
    return Liveness()


@get("/readyz", sync_to_thread=False)
def readyz(engine: EngineSlot, knowledge: KnowledgeSlot, guardrails: GuardrailsSlot) -> Response[ServerReadiness]:
    generation, retrieval = engine.readiness(), knowledge.readiness()
    rails_ready = guardrails.phase in ("ready", "disabled")
    ready = generation.ready and retrieval.phase == "ready" and rails_ready
    reason = (
        generation.reason
        or (f"retrieval: {retrieval.reason}" if retrieval.reason else None)
        or (None if rails_ready else f"guardrails: {guardrails.reason}")
    )
    body = ServerReadiness(ready, generation.engine, retrieval.phase, guardrails.phase, reason, generation.startup_s)
    return Response(body, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "10"})
