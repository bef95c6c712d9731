"""One lifecycle for everything the server starts in the background: the engine, retrieval and the rails.

The HTTP server answers at once; each component loads in its own task (`supervise`) and lives in a `Supervised`
slot. Handlers call `slot.get()` and get the component or a typed 503 with Retry-After; `/readyz` reads every
slot's `status()`; a component that waits for another awaits its `settled()` event instead of polling.

    starting ──► ready ──► stopped          (dead: ready, but its liveness probe says it died)
        └──────► failed                     (disabled: turned off by configuration; never starts)

With a `RestartPolicy`, a dead component is closed and started again (`starting` once more) with backoff; past
the policy's limit its slot stays `failed` and the supervisor's `give_up` hook ends the process.
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import ClassVar, Generic, Self, TypeVar

import anyio
import msgspec

from rag_server.errors import RagError

__all__ = [
    "ComponentFactory",
    "ComponentStatus",
    "Phase",
    "RestartPolicy",
    "Supervised",
    "in_worker_thread",
    "supervise",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

ComponentFactory = Callable[[], AbstractAsyncContextManager[T]]
"""Opens a component (loading off the event loop), yields it while the server runs, closes it afterwards."""

_FAILED_RETRY_AFTER_S = 30


class Phase(enum.StrEnum):
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    STOPPED = "stopped"
    DEAD = "dead"
    DISABLED = "disabled"


class ComponentStatus(msgspec.Struct, frozen=True):
    phase: Phase
    reason: str | None = None
    """Why the component is not ready, for operators; never request data."""
    startup_s: float | None = None

    @property
    def serving(self) -> bool:
        """Ready, or turned off on purpose: either way it does not hold the server back from being ready."""
        return self.phase in (Phase.READY, Phase.DISABLED)


class Supervised(Generic[T]):
    """Where a background component lives once it is up. Subclasses only name the component and its 503."""

    component: ClassVar[str] = "component"
    unavailable: ClassVar[type[RagError]] = RagError
    starting_reason: ClassVar[str] = "starting"
    starting_retry_after_s: ClassVar[int] = 5
    enabled_by: ClassVar[str] = ""
    """The setting that turns the component on, named when a request needs it while it is off."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._value: T | None = None
        self._phase = Phase.STARTING if enabled else Phase.DISABLED
        self._reason: str | None = self.starting_reason if enabled else None
        self._created_at = time.monotonic()
        self._startup_s: float | None = None
        self._settled = anyio.Event()
        if not enabled:
            self._settled.set()

    @classmethod
    def ready_with(cls, value: T) -> Self:
        """A slot that is ready from the start (tests, or a caller that manages the component itself)."""
        slot = cls()
        slot.ready(value)
        return slot

    # -- transitions (the driver's side) ----------------------------------------------------------------------

    def ready(self, value: T) -> None:
        self._value, self._phase, self._reason = value, Phase.READY, None
        self._startup_s = time.monotonic() - self._created_at
        self._settled.set()

    def fail(self, reason: str) -> None:
        self._value, self._phase, self._reason = None, Phase.FAILED, reason
        self._settled.set()

    def restarting(self, reason: str) -> None:
        """Starting again after it died: not ready, with the reason; `startup_s` will count from now."""
        self._value, self._phase, self._reason = None, Phase.STARTING, reason
        self._created_at = time.monotonic()

    def stop(self) -> None:
        self._value, self._phase, self._reason = None, Phase.STOPPED, f"the {self.component} has shut down"
        self._settled.set()

    # -- reads (handlers, probes, other components) ------------------------------------------------------------

    def status(self) -> ComponentStatus:
        if self._value is not None:
            death = self.liveness(self._value)
            if death is not None:
                return ComponentStatus(Phase.DEAD, death, self._startup_s)
        return ComponentStatus(self._phase, self._reason, self._startup_s)

    def get(self) -> T:
        """The component, or its typed 503 with Retry-After (also when it is disabled)."""
        status = self.status()
        if self._value is None or status.phase is not Phase.READY:
            if status.phase is Phase.DISABLED:
                raise self.unavailable(f"the {self.component} is disabled on this server ({self.enabled_by})")
            retry = self.starting_retry_after_s if status.phase is Phase.STARTING else _FAILED_RETRY_AFTER_S
            raise self.unavailable(f"the {self.component} is not ready: {status.reason}", retry_after_s=retry)
        return self._value

    def get_if_enabled(self) -> T | None:
        """None when the component is turned off by configuration; otherwise as `get`."""
        return None if self._phase is Phase.DISABLED else self.get()

    def peek(self) -> T | None:
        """The component if it is up, without raising (for components that share parts with it)."""
        return self._value

    async def settled(self) -> None:
        """Return once starting is over, whichever way it went."""
        await self._settled.wait()

    def liveness(self, value: T) -> str | None:
        """Why a ready component has died, or None while it lives. Components with a process to watch override it."""
        return None


class RestartPolicy(msgspec.Struct, frozen=True):
    """How a component that dies while serving is brought back: restarted in-process after `backoff_s` (doubling
    with each restart in the window); more than `max_restarts` within `window_s` and the supervisor gives up."""

    max_restarts: int
    window_s: float
    backoff_s: float
    check_interval_s: float = 0.5
    """How often the component's liveness is read."""


class _Ending(enum.Enum):
    FAILED = enum.auto()
    """It never became ready."""
    DIED = enum.auto()
    """It was ready, then its liveness probe said it died; it has been closed."""


async def supervise(
    slot: Supervised[T],
    open_component: ComponentFactory[T],
    startup_timeout_s: float | None = None,
    *,
    restarts: RestartPolicy | None = None,
    give_up: Callable[[str], None] = lambda reason: None,
) -> None:
    """Open the component, publish it in `slot`, hold it until cancelled (server shutdown), then close it.

    A first start that fails or times out marks the slot failed and returns: the server stays up and says why.
    With `restarts`, a component that dies while serving is closed and opened again (the slot says `starting`
    meanwhile); a restart that fails counts as another death; past the policy's limit the slot stays failed and
    `give_up` is called with the reason. An error while closing at shutdown is logged; the slot stays stopped."""
    deaths: deque[float] = deque()
    while True:
        ending = await _serve_once(slot, open_component, startup_timeout_s, restarts)
        if restarts is None or (ending is _Ending.FAILED and not deaths):
            return
        now = anyio.current_time()
        while deaths and now - deaths[0] > restarts.window_s:
            deaths.popleft()
        if len(deaths) >= restarts.max_restarts:
            reason = f"the {slot.component} died and {len(deaths)} restarts within {restarts.window_s:.0f} s failed"
            slot.fail(reason)
            give_up(reason)
            return
        delay = restarts.backoff_s * 2 ** len(deaths)
        deaths.append(now)
        logger.warning("restarting the %s in %.1f s (restart %d)", slot.component, delay, len(deaths))
        slot.restarting(f"restarting after the {slot.component} died (restart {len(deaths)})")
        await anyio.sleep(delay)


async def _serve_once(
    slot: Supervised[T],
    open_component: ComponentFactory[T],
    startup_timeout_s: float | None,
    restarts: RestartPolicy | None,
) -> _Ending:
    name = slot.component
    try:
        async with AsyncExitStack() as stack:
            with anyio.CancelScope(deadline=anyio.current_time() + (startup_timeout_s or math.inf)) as starting:
                value = await stack.enter_async_context(open_component())
            if starting.cancelled_caught:
                logger.error("%s did not become ready within %.0f s", name, startup_timeout_s or 0)
                slot.fail(f"the {name} did not start within {startup_timeout_s or 0:.0f} s")
                return _Ending.FAILED
            slot.ready(value)
            logger.info("%s ready after %.1f s", name, slot.status().startup_s or 0.0)
            try:
                if restarts is None:
                    await anyio.sleep_forever()
                else:
                    # another process's death has no event to wait on: poll its liveness probe
                    while (death := slot.liveness(value)) is None:  # noqa: ASYNC110
                        await anyio.sleep(restarts.check_interval_s)
                    logger.error("%s died: %s", name, death)
            finally:
                slot.stop()  # before closing: no handler may get a component that is being closed
        return _Ending.DIED
    except Exception as exc:  # start-up and shutdown failures carry no request data; log them whole
        if slot.status().phase is Phase.STOPPED:
            logger.exception("%s failed while closing", name)
            return _Ending.DIED
        if isinstance(exc, RagError):  # a start-up problem the component explained itself
            logger.error("%s failed to start: %s", name, exc.message)
            slot.fail(exc.message)
        else:
            logger.exception("%s failed to start", name)
            slot.fail(f"the {name} failed to start ({type(exc).__name__}); see the server log")
        return _Ending.FAILED


def in_worker_thread(load: Callable[[], T], close: Callable[[T], None]) -> ComponentFactory[T]:
    """A factory for a component whose loading and closing are blocking work (model loading, file locks): both
    run in a worker thread, so the event loop keeps answering probes meanwhile; closing finishes even when
    shutdown cancels the task."""

    @asynccontextmanager
    async def open_in_worker() -> AsyncIterator[T]:
        value = await anyio.to_thread.run_sync(load)
        try:
            yield value
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(close, value)

    return open_in_worker
