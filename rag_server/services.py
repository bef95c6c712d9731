"""The adapters the server runs on, built once and handed to `create_app`."""

from __future__ import annotations

import importlib
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio
import msgspec

from rag_server.generation.port import Generator
from rag_server.generation.supervisor import EngineSlot, GeneratorFactory
from rag_server.guarding import GuardrailsFactory, GuardrailsSlot
from rag_server.pipeline.prompt import PROMPT_CANARY, SYSTEM_PROMPT
from rag_server.retrieval.catalog import Catalog
from rag_server.retrieval.service import CatalogFactory, KnowledgeSlot
from rag_server.settings import Settings

if TYPE_CHECKING:
    from guardrails import Guardrails

__all__ = ["Services", "default_services"]


@dataclass(frozen=True)
class Services:
    engine: EngineSlot
    """Holds the generator once it is warm; read by handlers and /readyz."""
    open_generator: GeneratorFactory | None = None
    """When set, the app's lifespan starts the engine with it (in the background) and fills `engine`.
    When None, whoever built `engine` owns the generator's life (tests pass a ready slot with a fake)."""
    knowledge: KnowledgeSlot = field(default_factory=KnowledgeSlot)
    """Holds the embedder and the open index once loaded."""
    open_catalog: CatalogFactory | None = None
    """Like `open_generator`, for retrieval: the lifespan opens it in the background and fills `knowledge`."""
    guardrails: GuardrailsSlot = field(default_factory=lambda: GuardrailsSlot(enabled=False))
    """Holds the loaded rails; `disabled` unless a factory or ready rails are given."""
    open_guardrails: GuardrailsFactory | None = None
    """Like `open_generator`, for the rails: loaded in the background and put in `guardrails`."""


_IMPORTS = threading.Lock()


def import_heavy(*modules: str) -> None:
    """Import modules one background service at a time. vLLM, sentence-transformers and Presidio all import
    transformers, whose lazy module is not safe to import from two threads at once (seen: "cannot import name
    'PreTrainedConfig'" when the engine and the guardrails started together)."""
    with _IMPORTS:
        for module in modules:
            importlib.import_module(module)


def default_services(settings: Settings) -> Services:
    """Production wiring: the in-process vLLM engine and the configured index, started by the app's lifespan."""

    @asynccontextmanager
    async def open_generator() -> AsyncIterator[Generator]:
        # Imported lazily so the app (and the unit tests) never import vllm unless the engine starts, and in a
        # worker thread because `import vllm` takes ~10 s that would otherwise freeze /healthz.
        await anyio.to_thread.run_sync(import_heavy, "rag_server.generation.vllm_engine")
        adapter = importlib.import_module("rag_server.generation.vllm_engine")
        async with adapter.open_vllm_generator(settings.engine) as generator:
            yield generator

    @contextmanager
    def open_index() -> Iterator[Catalog]:
        import_heavy("sentence_transformers", "guardrails.injection")
        from rag_server.retrieval.catalog import open_catalog  # noqa: PLC0415 - torch import, off the loop
        from rag_server.retrieval.embedder import load_embedder  # noqa: PLC0415
        from rag_server.retrieval.injection_scoring import load_chunk_scorer  # noqa: PLC0415

        retrieval = settings.retrieval
        embedder = load_embedder(retrieval.embedder_model, retrieval.embedder_device, retrieval.embedder_batch_size)
        catalog = open_catalog(retrieval, embedder, scorer=load_chunk_scorer(settings.guardrails, embedder))
        try:
            yield catalog
        finally:
            catalog.close()

    @contextmanager
    def open_guardrails() -> Iterator[Guardrails]:
        import_heavy("presidio_analyzer", "guardrails.loader")
        from guardrails import load_guardrails  # noqa: PLC0415 - spaCy and torch imports, off the loop

        config = msgspec.structs.replace(settings.guardrails, canaries=(*settings.guardrails.canaries, PROMPT_CANARY))
        rails = load_guardrails(config, SYSTEM_PROMPT, encoder=knowledge.shared_encoder(config.injection_encoder))
        try:
            yield rails
        finally:
            rails.close()

    knowledge = KnowledgeSlot({"candidates": settings.retrieval.fusion_candidates, "rrf_k": settings.retrieval.rrf_k})
    enabled = settings.guardrails.enabled
    return Services(
        engine=EngineSlot(),
        open_generator=open_generator,
        knowledge=knowledge,
        open_catalog=open_index,
        guardrails=GuardrailsSlot(enabled=enabled),
        open_guardrails=open_guardrails if enabled else None,
    )
