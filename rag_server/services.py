"""The adapters the server runs on, built once and handed to `create_app`."""

from __future__ import annotations

import concurrent.futures
import importlib
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import msgspec

from rag_server.generation.port import Generator
from rag_server.generation.supervisor import EngineSlot, GeneratorFactory, warmed
from rag_server.guarding import GuardrailsSlot
from rag_server.lifecycle import ComponentFactory
from rag_server.pipeline.prompt import PROMPT_CANARY, leak_reference
from rag_server.retrieval.service import Knowledge, KnowledgeSlot, open_knowledge
from rag_server.settings import ServerSettings, Settings

if TYPE_CHECKING:
    from guardrails import Guardrails
    from guardrails.encoders import SentenceEncoder
    from rag_server.retrieval.catalog import Catalog

__all__ = ["Services", "admission_slots", "default_services", "guard_workers", "own_url"]


@dataclass(frozen=True)
class Services:
    engine: EngineSlot
    """Holds the generator once it is warm; read by handlers and /readyz."""
    open_generator: GeneratorFactory | None = None
    """When set, the app's lifespan starts the engine with it (in the background) and fills `engine`.
    When None, whoever built `engine` owns the generator's life (tests pass a ready slot with a fake)."""
    knowledge: KnowledgeSlot = field(default_factory=KnowledgeSlot)
    """Holds the open index and its search once loaded."""
    open_knowledge: ComponentFactory[Knowledge] | None = None
    """Like `open_generator`, for retrieval: the lifespan opens it in the background and fills `knowledge`."""
    guardrails: GuardrailsSlot = field(default_factory=lambda: GuardrailsSlot(enabled=False))
    """Holds the loaded rails; `disabled` unless a factory or ready rails are given."""
    open_guardrails: ComponentFactory[Guardrails] | None = None
    """Like `open_generator`, for the rails: loaded in the background and put in `guardrails`."""


_IMPORTS = threading.Lock()
_SHARE_WAIT_S = 120.0
"""How long the rails wait for retrieval's encoder before loading their own (a hung index must not hold them)."""


def import_heavy(*modules: str) -> None:
    """Import modules one background service at a time. vLLM, sentence-transformers and Presidio all import
    transformers, whose lazy module is not safe to import from two threads at once (seen: "cannot import name
    'PreTrainedConfig'" when the engine and the guardrails started together)."""
    with _IMPORTS:
        for module in modules:
            importlib.import_module(module)


def admission_slots(settings: Settings) -> int:
    """Requests admitted at once: `admission.max_in_flight`, or what the engine batches in one step."""
    return settings.admission.max_in_flight or settings.engine.max_num_seqs


def guard_workers(settings: Settings) -> int:
    """Threads for the input guards: one per core, two at least (PII masking beside a side-by-side injection
    check). The guards are CPU-bound: with one thread per admitted request, 32 concurrent PII passes on 2 cores
    each took over a second and failed closed; queued, they each take milliseconds (measured, docs/architecture)."""
    return max(2, min(os.cpu_count() or 2, admission_slots(settings)))


def own_url(server: ServerSettings) -> str:
    """Where a process on this machine reaches us (published to `rag-ingest` in the index's owner file)."""
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host  # noqa: S104 - comparing, not binding
    return f"http://{host}:{server.port}"


def default_services(settings: Settings) -> Services:
    """Production wiring: the in-process vLLM engine, the configured index and the rails, each started by the
    app's lifespan. Retrieval and the rails share one sentence encoder when they use the same model."""
    encoders: dict[str, SentenceEncoder] = {}
    knowledge = KnowledgeSlot()

    @asynccontextmanager
    async def open_generator() -> AsyncIterator[Generator]:
        # Imported lazily so the app (and the unit tests) never import vllm unless the engine starts, and in a
        # worker thread because `import vllm` takes ~10 s that would otherwise freeze /healthz.
        await anyio.to_thread.run_sync(import_heavy, "rag_server.generation.vllm_engine")
        adapter = importlib.import_module("rag_server.generation.vllm_engine")
        async with adapter.open_vllm_generator(settings.engine) as generator:
            yield generator

    def load_catalog() -> Catalog:
        import_heavy("sentence_transformers", "guardrails.injection")
        from rag_server.retrieval.catalog import open_catalog  # noqa: PLC0415 - torch import, off the loop
        from rag_server.retrieval.embedder import load_embedder  # noqa: PLC0415
        from rag_server.retrieval.injection_scoring import load_chunk_scorer  # noqa: PLC0415

        retrieval = settings.retrieval
        embedder = load_embedder(retrieval.embedder_model, retrieval.embedder_device, retrieval.embedder_batch_size)
        encoders[embedder.model_id] = embedder
        return open_catalog(retrieval, embedder, scorer=load_chunk_scorer(settings.guardrails, embedder))

    def load_rails(workers: concurrent.futures.Executor) -> Guardrails:
        import_heavy("presidio_analyzer", "guardrails.loader")
        from guardrails import load_guardrails  # noqa: PLC0415 - spaCy and torch imports, off the loop

        config = msgspec.structs.replace(settings.guardrails, canaries=(*settings.guardrails.canaries, PROMPT_CANARY))
        shared = encoders.get(config.injection_encoder)
        return load_guardrails(
            config, leak_reference(settings.generation.prompt_layout), executor=workers, encoder=shared
        )

    @asynccontextmanager
    async def open_guardrails() -> AsyncIterator[Guardrails]:
        with anyio.move_on_after(_SHARE_WAIT_S):  # so the rails can share the retrieval encoder, not load a copy
            await knowledge.settled()
        workers = concurrent.futures.ThreadPoolExecutor(guard_workers(settings), thread_name_prefix="guard")
        try:
            yield await anyio.to_thread.run_sync(load_rails, workers)
        finally:
            workers.shutdown(wait=False, cancel_futures=True)

    embedded = not settings.retrieval.qdrant_url
    index_dir = Path(settings.retrieval.index_dir) if embedded else None
    enabled = settings.guardrails.enabled
    return Services(
        engine=EngineSlot(),
        open_generator=warmed(open_generator),
        knowledge=knowledge,
        open_knowledge=open_knowledge(load_catalog, settings.retrieval, index_dir, own_url(settings.server)),
        guardrails=GuardrailsSlot(enabled=enabled),
        open_guardrails=open_guardrails if enabled else None,
    )
