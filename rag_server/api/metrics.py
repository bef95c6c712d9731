"""`GET /metrics`: Prometheus text exposition."""

from __future__ import annotations

from litestar import Response, get
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

__all__ = ["metrics"]


@get("/metrics", sync_to_thread=False)
def metrics(registry: CollectorRegistry) -> Response[bytes]:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
