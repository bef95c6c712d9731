"""The engine's slot in the server's lifecycle (`rag_server.lifecycle`): ready only once a warm-up token came out,
dead when the engine process dies.

Handlers ask `EngineSlot.get()` and get the generator or a typed 503 (`EngineUnavailableError`), so nothing waits on
a half-started engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rag_server.errors import EngineUnavailableError
from rag_server.generation.port import ChatTurn, Generator, Sampling
from rag_server.lifecycle import ComponentFactory, Supervised

__all__ = ["EngineSlot", "GeneratorFactory", "warm_up", "warmed"]

GeneratorFactory = ComponentFactory[Generator]


class EngineSlot(Supervised[Generator]):
    component = "generation engine"
    unavailable = EngineUnavailableError
    starting_reason = "the engine is starting"
    starting_retry_after_s = 10

    def liveness(self, value: Generator) -> str | None:
        return None if value.stats().alive else "the engine process died"


async def warm_up(generator: Generator) -> None:
    """Generate one token end to end, so 'ready' means the whole path works (and first requests are not cold)."""
    prompt = await generator.render((ChatTurn("user", "Hi"),))
    async for _ in generator.stream(prompt, Sampling(max_tokens=1, temperature=0), "warmup"):
        pass


def warmed(open_generator: GeneratorFactory) -> GeneratorFactory:
    """The same factory, yielding the generator only after a warm-up token."""

    @asynccontextmanager
    async def open_warm() -> AsyncIterator[Generator]:
        async with open_generator() as generator:
            await warm_up(generator)
            yield generator

    return open_warm
