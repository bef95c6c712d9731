"""The composition root: `create_app(settings, services=None)` builds the whole server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from litestar import Litestar
from litestar.di import Provide

from rag_server.admission import Admission
from rag_server.api import ROUTES
from rag_server.api.chat import ChatCompletions
from rag_server.api.errors import EXCEPTION_HANDLERS
from rag_server.auth import Authenticator
from rag_server.generation.supervisor import keep_engine_running
from rag_server.guarding import emit_decisions, keep_guardrails
from rag_server.metrics import AdmissionCollector, ChatMetrics, GuardrailMetrics, build_registry, count_requests
from rag_server.pipeline import ChatPipeline
from rag_server.retrieval.service import keep_catalog_open
from rag_server.services import Services, default_services
from rag_server.settings import ServerSettings, Settings

__all__ = ["create_app"]


def _constant(value: object) -> Provide:
    def provide() -> object:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def _own_url(server: ServerSettings) -> str:
    """Where a process on this machine reaches us (published to `rag-ingest` in the index's owner file)."""
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host  # noqa: S104 - comparing, not binding
    return f"http://{host}:{server.port}"


def create_app(settings: Settings, services: Services | None = None) -> Litestar:
    """Build the server. Without `services`, the real engine starts in the background at start-up."""
    services = services or default_services(settings)
    model_name = settings.engine.served_model_name
    registry = build_registry(services.engine, model_name)
    guardrail_metrics = GuardrailMetrics(registry)
    chat_metrics = ChatMetrics(registry, model_name)
    authenticator = Authenticator(settings.auth)
    pipeline = ChatPipeline(
        services.engine,
        services.knowledge,
        services.guardrails,
        settings,
        emit_refused=lambda decisions: emit_decisions(decisions, guardrail_metrics.record),
    )
    admission = Admission(settings.admission, on_reject=lambda reason: chat_metrics.rejections.labels(reason).inc())
    registry.register(AdmissionCollector(admission))
    chat = ChatCompletions(
        pipeline,
        model_name,
        authenticator=authenticator,
        admission=admission,
        metrics=chat_metrics,
        guardrail_metrics=guardrail_metrics,
    )

    @asynccontextmanager
    async def run_background_services(_: Litestar) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            if services.open_generator is not None:
                tasks.start_soon(
                    keep_engine_running, services.engine, services.open_generator, settings.engine.startup_timeout_s
                )
            if services.open_guardrails is not None:
                tasks.start_soon(
                    keep_guardrails, services.guardrails, services.open_guardrails, services.knowledge.settled
                )
            if services.open_catalog is not None:
                embedded = not settings.retrieval.qdrant_url
                tasks.start_soon(
                    keep_catalog_open,
                    services.knowledge,
                    services.open_catalog,
                    Path(settings.retrieval.index_dir) if embedded else None,
                    _own_url(settings.server),
                )
            yield
            tasks.cancel_scope.cancel()

    return Litestar(
        route_handlers=ROUTES,
        dependencies={
            "chat": _constant(chat),
            "engine": _constant(services.engine),
            "engine_settings": _constant(settings.engine),
            "knowledge": _constant(services.knowledge),
            "authenticator": _constant(authenticator),
            "retrieval_settings": _constant(settings.retrieval),
            "registry": _constant(registry),
            "guardrails": _constant(services.guardrails),
            "guardrail_metrics": _constant(guardrail_metrics),
            "started_at": _constant(int(time.time())),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[count_requests(chat_metrics)],
        lifespan=[run_background_services],
        openapi_config=None,
        logging_config=None,  # the entry point configures logging; the app never touches global handlers
    )
