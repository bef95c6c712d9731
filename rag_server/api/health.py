"""Probes: `/healthz` (the process can still serve without a restart) and `/readyz` (engine warm and alive, index
open, rails loaded, not draining)."""

from __future__ import annotations

import msgspec
from litestar import Response, get

from rag_server.generation.supervisor import EngineSlot
from rag_server.lifecycle import Phase
from rag_server.readiness import Readiness, ServerReadiness

__all__ = ["Liveness", "ServerReadiness", "healthz", "readyz"]


class Liveness(msgspec.Struct, frozen=True):
    status: str = "ok"
    """ok, or failed: the engine's first start failed, and only a new process (after a fix) can serve."""
    reason: str | None = None


@get("/healthz", sync_to_thread=False)
def healthz(engine: EngineSlot) -> Response[Liveness]:
    """503 only when the engine has failed for good (a first start that failed leaves the process up, so /readyz
    can say why): a liveness probe may restart it. A dead engine being restarted in-process stays live (200); one
    past its restart budget exits the process."""
    status = engine.status()
    if status.phase is Phase.FAILED:
        return Response(Liveness("failed", status.reason), status_code=503)
    return Response(Liveness(), status_code=200)


@get("/readyz", sync_to_thread=False)
def readyz(readiness: Readiness) -> Response[ServerReadiness]:
    body = readiness.assess()
    return Response(body, status_code=200 if body.ready else 503, headers={} if body.ready else {"Retry-After": "10"})
