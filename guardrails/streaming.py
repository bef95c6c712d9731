"""`StreamGuard`: output rails on a token stream, releasing text as soon as no check can still match across the
boundary.

For each delta the guard asks every check how much of the pending text it must hold (a possible placeholder prefix,
an unfinished number or e-mail, a possible system-prompt quote), releases the rest after masking what the checks
found and restoring this request's placeholders, and stops for good at the first block. Nothing after a violation is
ever released; the caller closes the upstream generator, which aborts the engine request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import msgspec

from guardrails.output import OutputCheck, OutputGuard
from guardrails.policy import redact
from guardrails.types import Action, Decision, Finding, GuardContext, GuardOutcome, Reason, Stage, strongest
from guardrails.vault import PLACEHOLDER

__all__ = ["HoldStats", "Release", "StreamGuard"]

# `<`, `<PER`, `<PERSON_`, `<PERSON_1`: the start of a placeholder the vault may have to restore.
_OPEN_PLACEHOLDER = re.compile(r"<(?:[A-Z][A-Z_]*(?:_\d{0,4})?)?$")


class Release(msgspec.Struct, frozen=True):
    text: str
    """Text the caller may send now (masked and restored); may be empty."""
    stopped: Decision | None = None
    """Set once, when a check blocked: send nothing more, finish with `content_filter`."""


class HoldStats(msgspec.Struct, kw_only=True):
    deltas: int = 0
    max_held_chars: int = 0
    held_chars_total: int = 0
    """Sum over deltas of the characters still held after each one (mean = total / deltas)."""
    first_delta_at: float | None = None
    first_release_at: float | None = None

    @property
    def first_release_delay_ms(self) -> float:
        """What the rails added to time-to-first-token: first delta in to first text out."""
        if self.first_delta_at is None or self.first_release_at is None:
            return 0.0
        return (self.first_release_at - self.first_delta_at) * 1000


class _Tracked:
    __slots__ = ("check", "findings", "guard", "seconds")

    def __init__(self, guard: OutputGuard, context: GuardContext) -> None:
        self.guard = guard
        self.check: OutputCheck = guard.open(context)
        self.findings: list[Finding] = []
        self.seconds = 0.0


class StreamGuard:
    def __init__(self, guards: Sequence[OutputGuard], context: GuardContext) -> None:
        self._context = context
        self._tracked = [_Tracked(guard, context) for guard in guards]
        self._pending = ""
        self._stopped: Decision | None = None
        self._restored = 0
        self._finished = False
        self._closed: tuple[Decision, ...] | None = None
        self._consumed = 0  # characters of model text already released or dropped: findings' offsets start here
        self.stats = HoldStats()

    @property
    def stopped(self) -> Decision | None:
        return self._stopped

    def feed(self, delta: str) -> Release:
        if self._stopped is not None:
            return Release("", self._stopped)
        now = time.perf_counter()
        if self.stats.first_delta_at is None:
            self.stats.first_delta_at = now
        self._pending += delta
        hold = self._hold_from(self._pending)
        release = self._release(hold)
        self.stats.deltas += 1
        held = len(self._pending)
        self.stats.max_held_chars = max(self.stats.max_held_chars, held)
        self.stats.held_chars_total += held
        return release

    def finish(self) -> Release:
        """End of the stream: check and release whatever was held. Then `close()`."""
        if self._finished or self._stopped is not None:
            self._finished = True
            return Release("", self._stopped)
        self._finished = True
        return self._release(len(self._pending))

    def findings(self) -> tuple[Finding, ...]:
        """Everything the checks found so far: kinds and offsets in the model's text, never values."""
        return tuple(finding for tracked in self._tracked for finding in tracked.findings)

    def close(self) -> tuple[Decision, ...]:
        """Record one decision per output guard (the block, if any, is among them) in the context, once, however
        the stream ended: finished, stopped, abandoned by the client or cut by an engine failure. Idempotent."""
        if self._closed is None:
            self._closed = tuple(self._decide(tracked) for tracked in self._tracked)
            if self._restored:
                restore = GuardOutcome(
                    guard="placeholder_restore",
                    action=Action.RESTORE,
                    score=1.0,
                    threshold=1.0,
                    reason=Reason.PII_RESTORED,
                )
                self._closed += (self._context.record(Decision.of(restore, self._context, Stage.OUTPUT, 0.0)),)
        return self._closed

    @property
    def decisions(self) -> tuple[Decision, ...]:
        """The output decisions recorded by `close()` (empty before it)."""
        return self._closed or ()

    def _decide(self, tracked: _Tracked) -> Decision:
        if self._stopped is not None and self._stopped.guard == tracked.guard.name:
            return self._stopped  # recorded when it stopped the stream
        outcome = self._outcome(tracked)
        return self._context.record(Decision.of(outcome, self._context, Stage.OUTPUT, tracked.seconds * 1000))

    def _hold_from(self, pending: str) -> int:
        hold = len(pending)
        placeholder = _OPEN_PLACEHOLDER.search(pending)
        if placeholder:
            hold = placeholder.start()
        for tracked in self._tracked:
            started = time.perf_counter()
            hold = min(hold, tracked.check.hold_from(pending))
            tracked.seconds += time.perf_counter() - started
        for match in PLACEHOLDER.finditer(pending):  # a check may hold from a word inside `<PERSON_1>`
            if match.start() < hold < match.end():
                hold = match.start()
        return hold

    def _release(self, hold: int) -> Release:
        segment, self._pending = self._pending[:hold], self._pending[hold:]
        if not segment:
            return Release("")
        masks: list[Finding] = []
        try:
            return self._review(segment, masks)
        finally:
            self._consumed += len(segment)

    def _review(self, segment: str, masks: list[Finding]) -> Release:
        for tracked in self._tracked:
            started = time.perf_counter()
            found = tracked.check.review(segment)
            tracked.seconds += time.perf_counter() - started
            base = self._consumed
            tracked.findings.extend(
                msgspec.structs.replace(finding, start=finding.start + base, end=finding.end + base)
                for finding in found
            )
            blocks = [finding for finding in found if finding.action is Action.BLOCK]
            if blocks:
                self._pending = ""
                outcome = self._outcome(tracked)
                decision = Decision.of(outcome, self._context, Stage.OUTPUT, tracked.seconds * 1000)
                self._stopped = self._context.record(decision)
                return Release("", self._stopped)
            masks.extend(found)
        text = redact(segment, masks) if masks else segment
        restored = self._context.vault.restore(text)
        if restored != text:
            self._restored += 1
        if restored and self.stats.first_release_at is None:
            self.stats.first_release_at = time.perf_counter()
        return Release(restored)

    @staticmethod
    def _outcome(tracked: _Tracked) -> GuardOutcome:
        findings = tuple(tracked.findings)
        action = strongest([finding.action for finding in findings])
        reasons = {Action.BLOCK: tracked.guard.block_reason, Action.MASK: tracked.guard.mask_reason}
        return GuardOutcome(
            guard=tracked.guard.name,
            action=action,
            score=max((finding.score for finding in findings), default=0.0),
            threshold=1.0,
            findings=findings,
            reason=reasons.get(action, Reason.NONE),
        )
