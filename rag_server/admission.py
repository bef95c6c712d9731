"""Admission control: a bounded number of requests generating, a bounded queue, shared fairly between API keys.

- **Capacity.** `max_in_flight` slots (default: the engine's `max_num_seqs`, what it batches in one step). A lone
  key, or every anonymous user of a server without keys, may use all of them: there is no per-key cap.
- **Fairness.** Waiting requests queue per key. When a slot frees, it goes to the waiting key that holds the
  smallest share of the slots for its weight (`running / weight`), oldest request first among equals: a key
  with many requests in flight waits behind a key with few, so a heavy key cannot starve the others.
- **Overload, decided before any work.** The queue holds `max_queued` requests (and `max_queued_prompt_tokens`
  estimated tokens). When it is full, a newcomer whose key has fewer queued requests (for its weight) than the
  most-queued key takes the place of that key's newest waiter; otherwise it is refused. Either way the refused
  request gets 503 `server_overloaded` with `Retry-After` at once. A request still queued after
  `max_queue_wait_s` gets the same, and one whose client disconnects leaves the queue without reaching the engine.
- **Closing.** When the replica drains (`close()`), new requests and those still queued get 503 `shutting_down`:
  nothing was done for them, so a load balancer retries them on another replica. Admitted requests finish.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, deque
from collections.abc import Callable

import anyio

from rag_server.disconnects import ClientGoneError, WaitForDisconnect, unless_client_leaves
from rag_server.errors import OverloadedError, ShuttingDownError
from rag_server.settings import AdmissionSettings

__all__ = ["Admission", "Ticket"]

logger = logging.getLogger(__name__)


class Ticket:
    """An admitted request's slot; `release` (idempotent) frees it when the response is done."""

    def __init__(self, admission: Admission, key: str, queued_s: float) -> None:
        self._admission = admission
        self._key = key
        self.queued_s = queued_s
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._admission._release(self._key)


class _Waiter:
    __slots__ = ("admitted", "arrived", "bumped", "event", "key", "tokens", "weight")

    def __init__(self, key: str, weight: float, tokens: int) -> None:
        self.key = key
        self.weight = weight
        self.tokens = tokens
        self.arrived = anyio.current_time()
        self.event = anyio.Event()
        self.admitted = False
        self.bumped = False


def _share(line: list[_Waiter]) -> float:
    """A key's part of the queue for its weight."""
    return len(line) / line[0].weight


class Admission:
    def __init__(
        self, settings: AdmissionSettings, capacity: int, on_reject: Callable[[str], None] = lambda reason: None
    ) -> None:
        self._settings = settings
        self._capacity = capacity
        self._free = capacity
        self._running: Counter[str] = Counter()
        self._waiting: dict[str, deque[_Waiter]] = {}
        self._queued_tokens = 0
        self._on_reject = on_reject
        self._recent_service_s = 2.0  # a running estimate of how long a request holds a slot, for Retry-After
        self._closed = False
        self._left = anyio.Event()  # set (and replaced) whenever a request leaves the queue or its slot

    @property
    def in_flight(self) -> int:
        return self._capacity - self._free

    @property
    def queued(self) -> int:
        return sum(len(line) for line in self._waiting.values())

    async def admit(
        self, key: str, prompt_tokens: int, wait_for_disconnect: WaitForDisconnect, weight: float = 1.0
    ) -> Ticket:
        """A ticket once a slot is free; raises OverloadedError (503 + Retry-After) or ClientGoneError."""
        began = anyio.current_time()
        if self._closed:
            raise self._closing_error()
        if self._free > 0 and not self._waiting:
            self._take(key)  # immediate: a slot is free and nobody is ahead
            return Ticket(self, key, 0.0)
        waiter = _Waiter(key, weight, prompt_tokens)
        self._make_room(waiter)
        self._enqueue(waiter)
        try:
            await unless_client_leaves(wait_for_disconnect, lambda: self._wait(waiter))
        except ClientGoneError:
            self._abandon(waiter)
            self._reject("client_gone")
            raise ClientGoneError("the client disconnected while queued") from None
        except BaseException:  # cancelled some other way (shutdown): leave nothing behind, not even a slot
            self._abandon(waiter)
            raise
        if waiter.admitted:
            return Ticket(self, key, anyio.current_time() - began)
        self._abandon(waiter)
        if self._closed:
            raise self._closing_error()
        self._reject("capacity" if waiter.bumped else "queue_timeout")
        raise OverloadedError(
            "the server is at capacity; retry shortly", retry_after_s=self._retry_after(self.queued + 1)
        )

    async def _wait(self, waiter: _Waiter) -> None:
        with anyio.move_on_after(self._settings.max_queue_wait_s):
            await waiter.event.wait()

    async def until_idle(self) -> None:
        """Return once nothing is running or queued."""
        while self.in_flight or self.queued:
            await self._left.wait()

    def _note_departure(self) -> None:
        self._left.set()
        self._left = anyio.Event()

    def close(self) -> None:
        """Admit nothing more: new and queued requests get ShuttingDownError; admitted ones run to their end."""
        self._closed = True
        for line in list(self._waiting.values()):
            for waiter in list(line):
                self._dequeue(waiter)
                waiter.bumped = True
                waiter.event.set()

    def _closing_error(self) -> ShuttingDownError:
        self._reject("shutting_down")
        return ShuttingDownError("this server is shutting down; retry on another replica", retry_after_s=1)

    def _make_room(self, newcomer: _Waiter) -> None:
        """When the queue is full, bump the newest waiters of the keys holding most of it (for their weight) in
        favour of a newcomer from a lighter key; refuse the newcomer when that cannot make enough room. Nobody is
        bumped for a newcomer that is refused anyway."""
        settings = self._settings
        lines = {key: list(line) for key, line in self._waiting.items()}
        count, tokens = self.queued, self._queued_tokens
        newcomer_share = (len(lines.get(newcomer.key, ())) + 1) / newcomer.weight
        victims: list[_Waiter] = []
        while count >= settings.max_queued or tokens + newcomer.tokens > settings.max_queued_prompt_tokens:
            heaviest = max(lines, key=lambda key: _share(lines[key]), default=None)
            if heaviest is None or heaviest == newcomer.key or _share(lines[heaviest]) <= newcomer_share:
                self._reject("capacity")
                raise OverloadedError(
                    "the server is at capacity; retry shortly", retry_after_s=self._retry_after(self.queued + 1)
                )
            victim = lines[heaviest].pop()
            if not lines[heaviest]:
                del lines[heaviest]
            victims.append(victim)
            count, tokens = count - 1, tokens - victim.tokens
        for victim in victims:
            self._dequeue(victim)
            victim.bumped = True
            victim.event.set()

    def _dispatch_order(self, key: str) -> tuple[float, float]:
        """The key's share of the running slots for its weight, then how long its oldest request has waited."""
        oldest = self._waiting[key][0]
        return self._running[key] / oldest.weight, oldest.arrived

    def _enqueue(self, waiter: _Waiter) -> None:
        self._waiting.setdefault(waiter.key, deque()).append(waiter)
        self._queued_tokens += waiter.tokens

    def _dequeue(self, waiter: _Waiter) -> None:
        line = self._waiting[waiter.key]
        line.remove(waiter)
        if not line:
            del self._waiting[waiter.key]
        self._queued_tokens -= waiter.tokens
        self._note_departure()

    def _abandon(self, waiter: _Waiter) -> None:
        """The waiter leaves: out of the queue if still in it, its slot back if one was given to it meanwhile."""
        if waiter.admitted:
            self._release(waiter.key)
        elif not waiter.bumped and waiter in self._waiting.get(waiter.key, ()):
            self._dequeue(waiter)

    def _take(self, key: str) -> None:
        self._free -= 1
        self._running[key] += 1

    def _release(self, key: str) -> None:
        self._running[key] -= 1
        if not self._running[key]:
            del self._running[key]
        self._free += 1
        self._dispatch()
        self._note_departure()

    def _dispatch(self) -> None:
        """Free slots go to the waiting key with the smallest share of running slots for its weight."""
        while self._free > 0 and self._waiting:
            key = min(
                self._waiting,
                key=lambda k: (self._running[k] / self._waiting[k][0].weight, self._waiting[k][0].arrived),
            )
            waiter = self._waiting[key][0]
            self._dequeue(waiter)
            self._take(key)
            waiter.admitted = True
            waiter.event.set()

    def observe_service_time(self, seconds: float) -> None:
        self._recent_service_s = 0.9 * self._recent_service_s + 0.1 * seconds

    def _retry_after(self, ahead: int) -> int:
        per_slot = self._recent_service_s / max(1, self._capacity)
        return max(1, math.ceil(ahead * per_slot))

    def _reject(self, reason: str) -> None:
        logger.info("admission rejected reason=%s in_flight=%d queued=%d", reason, self.in_flight, self.queued)
        self._on_reject(reason)
