"""Guardrails in the server: their slot in the lifecycle, their errors, and where decisions go.

Loading takes a few seconds (spaCy, the sentence encoder, the injection model); until then guarded endpoints answer
503 and /readyz says why. The rails share the retrieval embedder when both use the same model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import msgspec

from guardrails import Decision, GuardUnavailableError
from rag_server.errors import RagError
from rag_server.lifecycle import Supervised

if TYPE_CHECKING:
    from guardrails import Guardrails  # noqa: F401 - named in the slot's type; importing it loads Presidio

__all__ = ["GuardrailFailedError", "GuardrailsSlot", "GuardrailsUnavailableError", "emit_decisions", "guard_failed"]

logger = logging.getLogger(__name__)
audit_logger = logging.getLogger("rag_server.audit")

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


def guard_failed(failure: GuardUnavailableError) -> GuardrailFailedError:
    """The 503 for a guard that failed closed: names the guard, the cause and the decision, never the text."""
    return GuardrailFailedError(f"{failure} (decision {failure.decision_id})", retry_after_s=1)


class GuardrailsSlot(Supervised["Guardrails"]):
    component = "guardrail service"
    unavailable = GuardrailsUnavailableError
    starting_reason = "loading the guardrails"
    enabled_by = "RAG_GUARDRAILS__ENABLED"


def emit_decisions(decisions: Sequence[Decision], on_decision: Callable[[Decision], None] | None = None) -> None:
    """One structured log line per decision (ids, kinds, scores, never text) and the metrics callback."""
    for decision in decisions:
        audit_logger.info("guardrail decision %s", _encoder.encode(decision).decode())
        if on_decision is not None:
            on_decision(decision)
