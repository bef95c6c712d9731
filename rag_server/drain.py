"""How a replica leaves without cutting anyone off: serving → draining → stopping.

    serving ──SIGTERM──► draining ──all answers done──────────────► the HTTP server stops, then the engine
                            └──drain timeout / 2nd signal──► stopping: what is left ends in-band, then as above

- **draining**: `/readyz` answers 503 at once, so load balancers stop routing here; new chat requests (and those
  still queued for a slot) get 503 `shutting_down` with Retry-After, which a load balancer may retry on another
  replica because nothing was done for them; answers already streaming go on. Short requests (search, checks,
  metrics) are still served.
- **stopping**: past `server.drain_timeout_s`, at a second signal, or when a component gives up for good, every
  answer still running ends with an in-band error event and `[DONE]`: never a silent cut.

The HTTP server calls `signal()` from its signal handler; `run()` (a task of the app's lifespan) does the rest
and finally calls the stop hook the HTTP server bound, which closes the listener and runs the lifespan's
shutdown (the engine closes last).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import Protocol, TypeVar

import anyio

from rag_server.errors import ShuttingDownError

__all__ = ["Answers", "Drain", "ServingState"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_FLUSH_S = 5.0
"""After cutting the answers left at the end of a drain, how long their error events get to reach the clients."""


class Answers(Protocol):
    """What the drain waits for: the answers admitted or queued (`rag_server.admission.Admission`)."""

    @property
    def in_flight(self) -> int: ...

    @property
    def queued(self) -> int: ...

    async def until_idle(self) -> None: ...

    def close(self) -> None:
        """Take no new answers; those queued leave with a retryable 503."""


class ServingState(enum.StrEnum):
    SERVING = "serving"
    DRAINING = "draining"
    STOPPING = "stopping"


class Drain:
    """The replica's shutdown state, and the one place that ends running answers early."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.state = ServingState.SERVING
        self.exit_code = 0
        self._requested = anyio.Event()
        self._stopping = anyio.Event()
        self._cuts: set[anyio.CancelScope] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_server: Callable[[], None] = lambda: None
        self._on_refuse_new: Callable[[], None] = lambda: None
        self._cut_reason = "the server is shutting down"
        self._patience: anyio.CancelScope | None = None  # the wait for running answers; cancelled at a stop

    def bind(self, stop_server: Callable[[], None]) -> None:
        """What ends the HTTP server once the drain is over (set by whoever runs it)."""
        self._stop_server = stop_server

    # -- triggers ------------------------------------------------------------------------------------------------

    def signal(self) -> None:
        """SIGTERM/SIGINT, called from the signal handler: the first drains, the second stops what is left."""
        if self._loop is None:  # the app never started: nothing to drain
            self._stop_server()
            return
        self._loop.call_soon_threadsafe(self._escalate)

    def abandon(self, reason: str) -> None:
        """A component gave up for good (on the event loop): stop now and exit non-zero for the orchestrator."""
        logger.error("stopping the server: %s", reason)
        self.exit_code = 1
        self._cut_reason = "the server is restarting; retry shortly"
        self._begin()
        self._stop()

    def _escalate(self) -> None:
        if self.state is ServingState.SERVING:
            self._begin()
        elif self.state is ServingState.DRAINING:
            logger.warning("second signal: ending the answers still running")
            self._stop()

    def _begin(self) -> None:
        if self.state is ServingState.SERVING:
            self.state = ServingState.DRAINING
            self._on_refuse_new()
            self._requested.set()

    def _stop(self) -> None:
        self.state = ServingState.STOPPING
        self._stopping.set()
        if self._patience is not None:
            self._patience.cancel()
        for scope in self._cuts:
            scope.cancel()

    # -- the drain itself (a lifespan task) ---------------------------------------------------------------------

    async def run(self, answers: Answers) -> None:
        """Wait for the first signal, then drain `answers`: turn new ones away, wait for the running ones (up to
        the timeout, or until told to stop), end what is left, stop the HTTP server."""
        self._loop = asyncio.get_running_loop()
        self._on_refuse_new = answers.close
        await self._requested.wait()
        logger.info("draining: %d answers in flight, waiting up to %.0f s", answers.in_flight, self.timeout_s)
        with anyio.move_on_after(self.timeout_s) as self._patience:
            if not self._stopping.is_set():
                await answers.until_idle()
        if answers.in_flight or answers.queued:
            logger.warning("drain over with %d answers still running: ending them in-band", answers.in_flight)
            self._stop()
            with anyio.move_on_after(_FLUSH_S):
                await answers.until_idle()
        logger.info("drained; stopping the HTTP server")
        self._stop_server()

    # -- what answers wrap their events in --------------------------------------------------------------------------

    async def unless_stopped(self, events: AsyncGenerator[T]) -> AsyncGenerator[T]:
        """Pass the events through, closing them at the end; when the server stops, cancel the pending one (so
        the engine request is aborted) and raise ShuttingDownError for the caller to send in-band."""
        async with aclosing(events):
            while True:
                if self._stopping.is_set():
                    raise ShuttingDownError(self._cut_reason, retry_after_s=1)
                with anyio.CancelScope() as scope:
                    self._cuts.add(scope)
                    try:
                        event = await anext(events)
                    except StopAsyncIteration:
                        return
                    finally:
                        self._cuts.discard(scope)
                if scope.cancelled_caught:
                    raise ShuttingDownError(self._cut_reason, retry_after_s=1)
                yield event
