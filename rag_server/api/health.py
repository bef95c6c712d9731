"""Probes: `/healthz` (the process answers) and `/readyz` (the engine is warm and alive)."""

from __future__ import annotations

import msgspec
from litestar import Response, get

from rag_server.generation.supervisor import EngineSlot, Readiness

__all__ = ["healthz", "readyz"]


class Liveness(msgspec.Struct, frozen=True):
    status: str = "ok"


@get("/healthz", sync_to_thread=False)
def healthz() -> Liveness:
    return Liveness()


@get("/readyz", sync_to_thread=False)
def readyz(engine: EngineSlot) -> Response[Readiness]:
    readiness = engine.readiness()
    headers = {} if readiness.ready else {"Retry-After": "10"}
    return Response(readiness, status_code=200 if readiness.ready else 503, headers=headers)
