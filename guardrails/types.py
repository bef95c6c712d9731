"""The vocabulary every guard speaks: stages, actions, findings, decisions and the request context.

Nothing here holds raw text except `GuardContext.vault`, which lives exactly as long as one request.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

import msgspec

from guardrails.vault import PlaceholderVault

__all__ = [
    "Action",
    "Decision",
    "Finding",
    "GuardContext",
    "GuardOutcome",
    "Reason",
    "Stage",
    "strongest",
]


class Stage(enum.StrEnum):
    INPUT = "input"
    RETRIEVAL = "retrieval"
    OUTPUT = "output"


class Action(enum.StrEnum):
    """What a guard did, weakest first: a decision's action is the strongest of its findings'."""

    ALLOW = "allow"
    FLAG = "flag"
    """Let through and answered, but recorded as suspicious (the injection check's middle tier)."""
    RESTORE = "restore"
    MASK = "mask"
    DROP = "drop"
    BLOCK = "block"


class Reason(enum.StrEnum):
    """Why a guard acted: the machine-readable cause on every decision. Hosts branch on these, never on text."""

    NONE = ""
    PROMPT_INJECTION = "prompt_injection"
    SUSPECTED_INJECTION = "suspected_injection"
    """Scored between the flag and the block threshold: answered, and recorded for review."""
    POLICY_VIOLATION = "policy_violation"
    """A block rule of the content policy matched the input."""
    POLICY_MASKED = "policy_masked"
    PII_MASKED = "pii_masked"
    PII_MASKED_HISTORY = "pii_masked_history"
    POISONED_CHUNK = "poisoned_chunk"
    GUARD_TIMEOUT = "guard_timeout"
    GUARD_ERROR = "guard_error"
    PII_OUTPUT_MASKED = "pii_output_masked"
    PII_OUTPUT_BLOCKED = "pii_output_blocked"
    SYSTEM_PROMPT_LEAK = "system_prompt_leak_blocked"
    POLICY_BLOCKED = "policy_blocked"
    """A block rule of the content policy matched the answer."""
    PII_RESTORED = "pii_restored"
    UNSUPPORTED_ANSWER = "unsupported_answer"
    """Sentences of the answer that the passages it was given do not support (the groundedness check)."""

    @property
    def failure(self) -> bool:
        """The guard itself failed (timed out or raised), rather than judging the text."""
        return self in (Reason.GUARD_TIMEOUT, Reason.GUARD_ERROR)


_STRENGTH = {action: rank for rank, action in enumerate(Action)}


def strongest(actions: list[Action] | tuple[Action, ...]) -> Action:
    return max(actions, key=_STRENGTH.__getitem__, default=Action.ALLOW)


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One thing a guard found: its kind (entity type, attack family, rule name) and where, never the value."""

    guard: str
    kind: str
    start: int
    end: int
    score: float
    action: Action


class GuardOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """A guard's answer for one text: the strongest action, its score against its threshold, what it found."""

    guard: str
    action: Action
    score: float
    threshold: float
    findings: tuple[Finding, ...] = ()
    reason: Reason = Reason.NONE


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    """The audit record of one guard's decision. Safe to log and to return: it holds no text from the request."""

    decision_id: str
    request_id: str
    stage: Stage
    guard: str
    action: Action
    reason: Reason
    score: float
    threshold: float
    latency_ms: float
    policy_version: str
    finding_kinds: tuple[str, ...] = ()
    """The kind of each finding, in order (e.g. `PERSON`, `instruction_override`); values never appear."""

    @classmethod
    def of(cls, outcome: GuardOutcome, context: GuardContext, stage: Stage, latency_ms: float) -> Decision:
        return cls(
            decision_id=new_decision_id(),
            request_id=context.request_id,
            stage=stage,
            guard=outcome.guard,
            action=outcome.action,
            reason=outcome.reason,
            score=round(outcome.score, 4),
            threshold=outcome.threshold,
            latency_ms=round(latency_ms, 3),
            policy_version=context.policy_version,
            finding_kinds=tuple(finding.kind for finding in outcome.findings),
        )


def new_decision_id() -> str:
    return f"gd_{uuid.uuid4().hex[:20]}"


@dataclass
class GuardContext:
    """Everything a guard may know about the request it is checking. Build one per request; never share it."""

    request_id: str
    policy_version: str
    vault: PlaceholderVault = field(default_factory=PlaceholderVault)
    decisions: list[Decision] = field(default_factory=list)
    """Every decision taken for this request so far, in order; the caller emits them to its sinks."""

    def record(self, decision: Decision) -> Decision:
        self.decisions.append(decision)
        return decision
