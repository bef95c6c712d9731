"""Owns the engine's life in the server: start in the background, warm up, report readiness, shut down.

The HTTP server starts answering at once; `/readyz` says 503 with a reason until the engine has produced a
warm-up token, and again if the engine dies. Handlers ask `EngineSlot.generator()` and get a typed 503 when
there is no healthy engine, so nothing waits on a half-started engine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Literal

import anyio
import msgspec

from rag_server.errors import EngineUnavailableError
from rag_server.generation.port import ChatTurn, Generator, Sampling

__all__ = ["EngineSlot", "GeneratorFactory", "Readiness", "keep_engine_running", "warm_up"]

logger = logging.getLogger(__name__)

GeneratorFactory = Callable[[], AbstractAsyncContextManager[Generator]]
Phase = Literal["starting", "ready", "failed", "stopped"]

_STARTING_RETRY_AFTER_S = 10


class Readiness(msgspec.Struct, frozen=True):
    ready: bool
    engine: Phase | Literal["dead"]
    reason: str | None = None
    startup_s: float | None = None


class EngineSlot:
    """Where the running generator lives; read by handlers and the readiness probe."""

    def __init__(self) -> None:
        self._generator: Generator | None = None
        self._phase: Phase = "starting"
        self._reason: str | None = "the engine is starting"
        self._started_at = time.monotonic()
        self._startup_s: float | None = None

    @classmethod
    def ready_with(cls, generator: Generator) -> EngineSlot:
        """A slot that is ready from the start (tests, or a caller that manages the engine itself)."""
        slot = cls()
        slot.mark_ready(generator)
        return slot

    def mark_ready(self, generator: Generator) -> None:
        self._generator, self._phase, self._reason = generator, "ready", None
        self._startup_s = time.monotonic() - self._started_at

    def mark_failed(self, reason: str) -> None:
        self._generator, self._phase, self._reason = None, "failed", reason

    def mark_stopped(self) -> None:
        self._generator, self._phase, self._reason = None, "stopped", "the engine has shut down"

    def readiness(self) -> Readiness:
        if self._generator is not None and not self._generator.stats().alive:
            return Readiness(False, "dead", "the engine process died", self._startup_s)
        return Readiness(self._phase == "ready", self._phase, self._reason, self._startup_s)

    def generator(self) -> Generator:
        """The healthy generator, or EngineUnavailableError (503 with Retry-After)."""
        readiness = self.readiness()
        if self._generator is None or not readiness.ready:
            retry = _STARTING_RETRY_AFTER_S if readiness.engine == "starting" else 30
            raise EngineUnavailableError(f"the generation engine is not ready: {readiness.reason}", retry_after_s=retry)
        return self._generator


async def warm_up(generator: Generator) -> None:
    """Generate one token end to end, so 'ready' means the whole path works (and first requests are not cold)."""
    prompt = await generator.render((ChatTurn("user", "Hi"),))
    async for _ in generator.stream(prompt, Sampling(max_tokens=1, temperature=0), "warmup"):
        pass


async def keep_engine_running(slot: EngineSlot, open_generator: GeneratorFactory, startup_timeout_s: float) -> None:
    """Start and warm the engine, mark the slot ready, and hold the engine until cancelled."""
    try:
        async with AsyncExitStack() as stack:
            with anyio.fail_after(startup_timeout_s):
                generator = await stack.enter_async_context(open_generator())
                await warm_up(generator)
            slot.mark_ready(generator)
            logger.info("engine ready after %.1f s", slot.readiness().startup_s or 0.0)
            await anyio.sleep_forever()
    except TimeoutError:
        logger.error("engine did not become ready within %.0f s", startup_timeout_s)
        slot.mark_failed(f"the engine did not start within {startup_timeout_s:.0f} s")
    except Exception as exc:  # start-up failures carry no request data; log them whole for the operator
        logger.exception("engine failed to start")
        slot.mark_failed(f"the engine failed to start ({type(exc).__name__}); see the server log")
    finally:
        if slot.readiness().engine == "ready":
            slot.mark_stopped()
