"""`POST /v1/guardrails/check`: run the configured rails on a text, without generation.

For security and compliance reviews: what would the input rails (policy, PII, injection) or the output rails
(foreign PII, system-prompt leak, policy) decide, with findings as types and offsets, never values.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
import msgspec
from litestar import Request, post
from msgspec import Meta

from guardrails import Action, Decision, Finding, GuardContext, GuardUnavailableError
from rag_server.admission import Admission
from rag_server.api.decoding import decode_body
from rag_server.disconnects import disconnect_of
from rag_server.guarding import GuardrailsSlot, emit_decisions, guard_failed
from rag_server.metrics import GuardrailMetrics
from rag_server.retrieval.access import Principal

if TYPE_CHECKING:
    from guardrails import Guardrails, InputVerdict, OutputVerdict

__all__ = ["CheckRequest", "CheckResponse", "check_guardrails"]

logger = logging.getLogger(__name__)


class CheckRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=32_000)]
    stage: Literal["input", "output"] = "input"
    """`input`: the rails a user turn meets; `output`: the rails a model answer meets."""


class CheckResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    stage: Literal["input", "output"]
    action: Action
    """`allow`, `flag` (let through, recorded as a suspected injection), `mask` (text changed), or `block` (a chat
    request would be refused or its answer stopped)."""
    flagged: bool
    """True unless the action is `allow` or `flag`: a chat request would be refused, or its text changed."""
    text: str
    """The text as the next stage would see it: placeholders for PII, redactions for masked policy terms."""
    findings: list[Finding]
    decisions: list[Decision]
    took_ms: float
    object: str = "guardrails.check"


_decoder = msgspec.json.Decoder(CheckRequest)


@post("/guardrails/check", status_code=200)
async def check_guardrails(
    request: Request[Any, Any, Any],
    guardrails: GuardrailsSlot,
    principal: Principal,
    admission: Admission,
    guardrail_metrics: GuardrailMetrics,
) -> CheckResponse:
    """Admitted like a chat request: a burst of checks queues for the same slots (and guard workers) instead of
    crowding out chat requests' rails."""
    began = time.perf_counter()
    body = decode_body(await request.body(), _decoder)
    rails = guardrails.get()
    ticket = await admission.admit(principal.id, len(body.text) // 4, disconnect_of(request.receive), principal.weight)
    try:
        verdict, context = await _run_check(rails, body, guardrail_metrics)
    finally:
        ticket.release()  # not in admission's service-time estimate: a check's ~50 ms would skew chat's Retry-After
    emit_decisions(verdict.decisions, guardrail_metrics.record)
    took_ms = (time.perf_counter() - began) * 1000
    logger.info(
        "guardrails check id=%s principal=%s stage=%s action=%s findings=%d took_ms=%.1f",
        context.request_id,
        principal.id,
        body.stage,
        verdict.action,
        len(verdict.findings),
        took_ms,
    )
    return CheckResponse(
        id=context.request_id,
        stage=body.stage,
        action=verdict.action,
        flagged=verdict.action not in (Action.ALLOW, Action.FLAG),
        text=verdict.text,
        findings=list(verdict.findings),
        decisions=list(verdict.decisions),
        took_ms=round(took_ms, 2),
    )


async def _run_check(
    rails: Guardrails, body: CheckRequest, metrics: GuardrailMetrics
) -> tuple[InputVerdict | OutputVerdict, GuardContext]:
    context = rails.new_context(f"chk_{uuid.uuid4().hex[:24]}")
    try:
        if body.stage == "input":
            verdict: InputVerdict | OutputVerdict = await anyio.to_thread.run_sync(
                rails.check_input, body.text, context
            )
        else:
            verdict = await anyio.to_thread.run_sync(rails.check_output, body.text, context)
    except GuardUnavailableError as failure:
        emit_decisions(context.decisions, metrics.record)
        raise guard_failed(failure) from None
    return verdict, context
