"""Guardrails' life in the server: load them in the background at start-up, answer readiness, emit decisions.

Loading takes a few seconds (spaCy, the sentence encoder, the injection model); until then guarded endpoints answer
503 and /readyz says why. The rails share the retrieval embedder when both use the same model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Literal

import anyio
import msgspec

from guardrails import Decision
from rag_server.errors import RagError

if TYPE_CHECKING:
    from guardrails import Guardrails

__all__ = [
    "GuardrailFailedError",
    "GuardrailsFactory",
    "GuardrailsSlot",
    "GuardrailsUnavailableError",
    "emit_decisions",
    "keep_guardrails",
]

logger = logging.getLogger(__name__)
audit_logger = logging.getLogger("rag_server.audit")

GuardrailsFactory = Callable[[], AbstractContextManager["Guardrails"]]
Phase = Literal["starting", "ready", "failed", "stopped", "disabled"]
_encoder = msgspec.json.Encoder()


class GuardrailsUnavailableError(RagError):
    status_code = 503
    error_type = "service_unavailable"
    code = "guardrails_unavailable"


class GuardrailFailedError(RagError):
    """A guard failed or timed out and guards fail closed."""

    status_code = 503
    error_type = "service_unavailable"
    code = "guardrail_failed"


class GuardrailsSlot:
    def __init__(self, *, enabled: bool = True) -> None:
        self._rails: Guardrails | None = None
        self._phase: Phase = "starting" if enabled else "disabled"
        self._reason: str | None = "loading the guardrails" if enabled else None

    @classmethod
    def ready_with(cls, rails: Guardrails) -> GuardrailsSlot:
        slot = cls()
        slot.mark_ready(rails)
        return slot

    def mark_ready(self, rails: Guardrails) -> None:
        self._rails, self._phase, self._reason = rails, "ready", None

    def mark_failed(self, reason: str) -> None:
        self._rails, self._phase, self._reason = None, "failed", reason

    def mark_stopped(self) -> None:
        self._rails, self._phase, self._reason = None, "stopped", "shut down"

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def reason(self) -> str | None:
        return self._reason

    def rails(self) -> Guardrails:
        if self._rails is None:
            if self._phase == "disabled":
                raise GuardrailsUnavailableError("guardrails are disabled on this server (RAG_GUARDRAILS__ENABLED)")
            raise GuardrailsUnavailableError(f"guardrails are not ready: {self._reason}", retry_after_s=5)
        return self._rails


async def keep_guardrails(
    slot: GuardrailsSlot, open_rails: GuardrailsFactory, wait_for: Callable[[], bool] = lambda: True
) -> None:
    """Run for the server's lifetime: load off the event loop, mark ready, close on cancellation.

    `wait_for` lets loading wait (up to two minutes) until the retrieval embedder is loaded, so the rails can
    share it instead of loading a second copy of the same model."""
    began = time.monotonic()
    for _ in range(1200):  # up to two minutes; the other slot has no event to wait on
        if wait_for():
            break
        await anyio.sleep(0.1)
    try:
        manager = open_rails()
        rails = await anyio.to_thread.run_sync(manager.__enter__)
    except Exception as exc:
        reason = f"{type(exc).__name__} while loading the guardrails"
        logger.exception("guardrails failed to start")
        slot.mark_failed(reason)
        return
    slot.mark_ready(rails)
    logger.info("guardrails ready in %.1f s", time.monotonic() - began)
    try:
        await anyio.sleep_forever()
    finally:
        slot.mark_stopped()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(manager.__exit__, None, None, None)


def emit_decisions(decisions: Sequence[Decision], on_decision: Callable[[Decision], None] | None = None) -> None:
    """One structured log line per decision (ids, kinds, scores, never text) and the metrics callback."""
    for decision in decisions:
        audit_logger.info("guardrail decision %s", _encoder.encode(decision).decode())
        if on_decision is not None:
            on_decision(decision)
