"""The composition root: `create_app(settings, services=None)` builds the whole server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

import anyio
from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import Provide
from litestar.types import Message, Scope

from rag_server.admission import Admission
from rag_server.api import ROUTES
from rag_server.api.chat import ChatCompletions
from rag_server.api.errors import EXCEPTION_HANDLERS
from rag_server.api.gate import Gate
from rag_server.api.openapi import openapi_document
from rag_server.auth import Authenticator
from rag_server.bundle import Bundle, bundle_of
from rag_server.drain import Drain
from rag_server.guarding import emit_decisions
from rag_server.lifecycle import RestartPolicy, supervise
from rag_server.metrics import (
    AdmissionCollector,
    ChatMetrics,
    GuardrailMetrics,
    ReadinessCollector,
    build_registry,
    count_requests,
)
from rag_server.pipeline import ChatPipeline, PromptBudget
from rag_server.readiness import Readiness
from rag_server.services import Services, admission_slots, default_services
from rag_server.settings import EngineSettings, Settings

__all__ = ["create_app"]


def _constant(value: object) -> Provide:
    def provide() -> object:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def _tag_responses(bundle: Bundle) -> Callable[[Message, Scope], Awaitable[None]]:
    """Every response, errors included, names the bundle that served it."""

    async def tag(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            MutableScopeHeaders.from_message(message)["X-Bundle-ID"] = bundle.id

    return tag


def _engine_restarts(engine: EngineSettings) -> RestartPolicy:
    return RestartPolicy(engine.max_restarts, engine.restart_window_s, engine.restart_backoff_s)


def _background_components(
    services: Services, engine: EngineSettings, drain: Drain, admission: Admission
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """The lifespan: each component with a factory starts in its own supervised task at start-up, so the server
    answers probes at once, and all of them close at shutdown. The drain waits beside them for a signal."""

    @asynccontextmanager
    async def run(_: Litestar) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(drain.run, admission)
            if services.open_generator is not None:
                tasks.start_soon(
                    partial(
                        supervise,
                        services.engine,
                        services.open_generator,
                        engine.startup_timeout_s,
                        restarts=_engine_restarts(engine),
                        give_up=drain.abandon,
                    )
                )
            if services.open_knowledge is not None:
                tasks.start_soon(supervise, services.knowledge, services.open_knowledge)
            if services.open_guardrails is not None:
                tasks.start_soon(supervise, services.guardrails, services.open_guardrails)
            yield
            tasks.cancel_scope.cancel()

    return run


def _pipeline(settings: Settings, services: Services, guardrail_metrics: GuardrailMetrics) -> ChatPipeline:
    return ChatPipeline(
        engine=services.engine,
        knowledge=services.knowledge,
        guardrails=services.guardrails,
        chat=settings.chat,
        budget=PromptBudget(
            context_window=settings.engine.max_model_len,
            min_completion_tokens=settings.chat.min_completion_tokens,
            defaults=settings.generation,
        ),
        max_top_k=settings.retrieval.max_top_k,
        speculative=settings.engine.speculative,
        emit_refused=lambda decisions: emit_decisions(decisions, guardrail_metrics.record),
    )


def create_app(settings: Settings, services: Services | None = None) -> Litestar:
    """Build the server. Without `services`, the real engine starts in the background at start-up."""
    services = services or default_services(settings)
    model_name = settings.engine.model_name
    bundle = bundle_of(settings)
    registry = build_registry(services.engine, model_name, bundle)
    guardrail_metrics = GuardrailMetrics(registry)
    chat_metrics = ChatMetrics(registry, model_name)
    authenticator = Authenticator(settings.auth)
    pipeline = _pipeline(settings, services, guardrail_metrics)
    admission = Admission(
        settings.admission,
        admission_slots(settings),
        on_reject=lambda reason: chat_metrics.rejections.labels(reason).inc(),
    )
    registry.register(AdmissionCollector(admission))
    drain = Drain(settings.server.drain_timeout_s)
    readiness = Readiness(services.engine, services.knowledge, services.guardrails, drain, bundle)
    registry.register(ReadinessCollector(readiness))
    chat = ChatCompletions(
        pipeline=pipeline,
        model_name=model_name,
        admission=admission,
        metrics=chat_metrics,
        guardrail_metrics=guardrail_metrics,
        drain=drain,
    )

    return Litestar(
        route_handlers=ROUTES,
        dependencies={
            "chat": _constant(chat),
            "engine": _constant(services.engine),
            "engine_settings": _constant(settings.engine),
            "knowledge": _constant(services.knowledge),
            "registry": _constant(registry),
            "guardrails": _constant(services.guardrails),
            "guardrail_metrics": _constant(guardrail_metrics),
            "admission": _constant(admission),
            "drain": _constant(drain),
            "readiness": _constant(readiness),
            "bundle": _constant(bundle),
            "started_at": _constant(int(time.time())),
            "openapi": _constant(
                openapi_document(settings.retrieval.max_top_k, speculative=settings.engine.speculative)
            ),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[count_requests(chat_metrics)],
        before_send=[_tag_responses(bundle)],
        lifespan=[_background_components(services, settings.engine, drain, admission)],
        state=State({"gate": Gate(authenticator, services.knowledge), "drain": drain}),
        request_max_body_size=settings.server.max_request_bytes,
        openapi_config=None,
        logging_config=None,  # the entry point configures logging; the app never touches global handlers
    )
