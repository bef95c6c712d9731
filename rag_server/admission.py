"""Admission control: a bounded number of chat requests generating, a bounded queue, decided before any work.

A request that cannot be served now is told so at once (429 when its key already has its share, 503 when the
queue is full by count or by estimated prompt tokens) with `Retry-After`, instead of waiting forever. A queued
request whose client disconnects leaves the queue without ever reaching the engine.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable

import anyio

from rag_server.disconnects import ClientGoneError, WaitForDisconnect, unless_client_leaves
from rag_server.errors import OverloadedError, QuotaExceededError
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


class Admission:
    def __init__(self, settings: AdmissionSettings, on_reject: Callable[[str], None] = lambda reason: None) -> None:
        self._settings = settings
        self._slots = anyio.Semaphore(settings.max_in_flight)
        self._per_key: Counter[str] = Counter()
        self._queued = 0
        self._queued_tokens = 0
        self._on_reject = on_reject
        self._recent_service_s = 2.0  # a running estimate of how long a request holds a slot, for Retry-After

    @property
    def in_flight(self) -> int:
        return self._settings.max_in_flight - self._slots.value

    @property
    def queued(self) -> int:
        return self._queued

    async def admit(self, key: str, prompt_tokens: int, wait_for_disconnect: WaitForDisconnect) -> Ticket:
        """A ticket once a slot is free; raises QuotaExceededError, OverloadedError or ClientGoneError."""
        settings = self._settings
        if self._per_key[key] >= settings.max_in_flight_per_key:
            self._reject("quota")
            raise QuotaExceededError(
                f"this API key already has {settings.max_in_flight_per_key} requests in flight; retry when one ends",
                retry_after_s=self._retry_after(1),
            )
        began = anyio.current_time()
        if self._slots.value > 0 and self._queued == 0:
            await self._slots.acquire()  # immediate: a slot is free and nobody is ahead
            return self._admitted(key, began)
        if (
            self._queued >= settings.max_queued
            or self._queued_tokens + prompt_tokens > settings.max_queued_prompt_tokens
        ):
            self._reject("capacity")
            raise OverloadedError(
                "the server is at capacity; retry shortly", retry_after_s=self._retry_after(self._queued + 1)
            )
        self._per_key[key] += 1  # a queued request counts against its key too
        self._queued += 1
        self._queued_tokens += prompt_tokens
        acquired = False

        async def acquire_in_time() -> bool:
            nonlocal acquired
            with anyio.move_on_after(settings.max_queue_wait_s):
                await self._slots.acquire()
                acquired = True
            return acquired

        try:
            in_time = await unless_client_leaves(wait_for_disconnect, acquire_in_time)
        except ClientGoneError:
            if acquired:
                self._slots.release()
            self._reject("client_gone")
            raise ClientGoneError("the client disconnected while queued") from None
        finally:
            self._per_key[key] -= 1
            self._queued -= 1
            self._queued_tokens -= prompt_tokens
        if in_time:
            return self._admitted(key, began)
        self._reject("queue_timeout")
        raise OverloadedError(
            "the request waited too long for a slot; retry shortly", retry_after_s=self._retry_after(1)
        )

    def _admitted(self, key: str, began: float) -> Ticket:
        self._per_key[key] += 1
        return Ticket(self, key, anyio.current_time() - began)

    def _release(self, key: str) -> None:
        self._per_key[key] -= 1
        self._slots.release()

    def observe_service_time(self, seconds: float) -> None:
        self._recent_service_s = 0.9 * self._recent_service_s + 0.1 * seconds

    def _retry_after(self, ahead: int) -> int:
        per_slot = self._recent_service_s / max(1, self._settings.max_in_flight)
        return max(1, math.ceil(ahead * per_slot))

    def _reject(self, reason: str) -> None:
        logger.info("admission rejected reason=%s in_flight=%d queued=%d", reason, self.in_flight, self._queued)
        self._on_reject(reason)
