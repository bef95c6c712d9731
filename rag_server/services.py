"""The adapters the server runs on, built once and handed to `create_app`."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio

from rag_server.generation.port import Generator
from rag_server.generation.supervisor import EngineSlot, GeneratorFactory
from rag_server.settings import Settings

__all__ = ["Services", "default_services"]


@dataclass(frozen=True)
class Services:
    engine: EngineSlot
    """Holds the generator once it is warm; read by handlers and /readyz."""
    open_generator: GeneratorFactory | None = None
    """When set, the app's lifespan starts the engine with it (in the background) and fills `engine`.
    When None, whoever built `engine` owns the generator's life (tests pass a ready slot with a fake)."""


def default_services(settings: Settings) -> Services:
    """Production wiring: the in-process vLLM engine, started by the app's lifespan."""

    @asynccontextmanager
    async def open_generator() -> AsyncIterator[Generator]:
        # Imported lazily so the app (and the unit tests) never import vllm unless the engine starts, and in a
        # worker thread because `import vllm` takes ~10 s that would otherwise freeze /healthz.
        adapter = await anyio.to_thread.run_sync(importlib.import_module, "rag_server.generation.vllm_engine")
        async with adapter.open_vllm_generator(settings.engine) as generator:
            yield generator

    return Services(engine=EngineSlot(), open_generator=open_generator)
