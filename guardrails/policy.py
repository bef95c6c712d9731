"""Deployment policy: deny-listed terms and patterns, each with an action (mask or block), on input and output.

A rule names either `terms` (phrases matched case-insensitively on word boundaries, so "salary band" does not fire
inside "salary bandwidth") or a regular expression `pattern`. Masked text reads `[redacted:<rule>]`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import msgspec

from guardrails.output import trailing_word_start
from guardrails.types import Action, Finding, GuardContext, GuardOutcome, Reason, Stage

__all__ = ["PolicyCheck", "PolicyGuard", "PolicyRule"]


class PolicyRule(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    """Shown in findings and in masked text; say what the rule protects (`project_codenames`, `weapons`)."""
    terms: tuple[str, ...] = ()
    """Phrases that trigger the rule, matched case-insensitively as whole words."""
    pattern: str = ""
    """A regular expression that triggers the rule (used in addition to `terms`)."""
    action: Literal["mask", "block"] = "block"
    stages: tuple[Literal["input", "output"], ...] = ("input", "output")
    span_words: int = 4
    """How many words a `pattern` match can span; the output stream holds back that many words for it."""


class _Compiled(msgspec.Struct, frozen=True):
    rule: PolicyRule
    regex: re.Pattern[str]
    hold_words: int


def _compile(rule: PolicyRule) -> _Compiled:
    alternatives = [r"\b" + r"\s+".join(map(re.escape, term.split())) + r"\b" for term in rule.terms]
    if rule.pattern:
        alternatives.append(f"(?:{rule.pattern})")
    if not alternatives:
        raise ValueError(f"policy rule {rule.name!r} has neither terms nor a pattern")
    longest = max([len(term.split()) for term in rule.terms] + ([rule.span_words] if rule.pattern else []))
    return _Compiled(rule, re.compile("|".join(alternatives), re.IGNORECASE), max(0, longest - 1))


class PolicyGuard:
    name = "policy"
    block_reason = Reason.POLICY_BLOCKED
    mask_reason = Reason.POLICY_MASKED

    def __init__(self, rules: Sequence[PolicyRule]) -> None:
        self._rules = tuple(_compile(rule) for rule in rules)

    def rules_for(self, stage: Stage) -> tuple[_Compiled, ...]:
        return tuple(compiled for compiled in self._rules if stage.value in compiled.rule.stages)

    def find(self, text: str, stage: Stage) -> list[Finding]:
        findings: list[Finding] = []
        for compiled in self.rules_for(stage):
            action = Action.MASK if compiled.rule.action == "mask" else Action.BLOCK
            findings.extend(
                Finding(
                    guard=self.name, kind=compiled.rule.name, start=m.start(), end=m.end(), score=1.0, action=action
                )
                for m in compiled.regex.finditer(text)
                if m.end() > m.start()
            )
        return findings

    def check(self, text: str, context: GuardContext) -> tuple[str, GuardOutcome]:
        """Input rail: the text with masked rules applied, and the outcome (block wins over mask)."""
        findings = self.find(text, Stage.INPUT)
        blocked = any(finding.action is Action.BLOCK for finding in findings)
        action = Action.BLOCK if blocked else Action.MASK if findings else Action.ALLOW
        outcome = GuardOutcome(
            guard=self.name,
            action=action,
            score=1.0 if findings else 0.0,
            threshold=1.0,
            findings=tuple(findings),
            reason=Reason.POLICY_VIOLATION if blocked else Reason.POLICY_MASKED if findings else Reason.NONE,
        )
        return (text if blocked else redact(text, findings)), outcome

    def open(self, context: GuardContext) -> PolicyCheck:
        return PolicyCheck(self)


class PolicyCheck:
    def __init__(self, guard: PolicyGuard) -> None:
        self._guard = guard
        self._rules = guard.rules_for(Stage.OUTPUT)
        self._hold_words = max((compiled.hold_words for compiled in self._rules), default=0)

    def hold_from(self, pending: str) -> int:
        if not self._rules:
            return len(pending)
        hold = trailing_word_start(pending)
        for _ in range(self._hold_words):  # a phrase may still be completing in the last words
            while hold > 0 and pending[hold - 1].isspace():
                hold -= 1
            hold = trailing_word_start(pending[:hold])
        for compiled in self._rules:  # never cut through a match that is already complete
            for match in compiled.regex.finditer(pending):
                if match.start() < hold < match.end():
                    hold = match.start()
        return hold

    def review(self, segment: str) -> list[Finding]:
        return self._guard.find(segment, Stage.OUTPUT)


def redact(text: str, findings: Sequence[Finding]) -> str:
    """Replace each finding's span with `[redacted:<kind>]` (non-overlapping spans, any order)."""
    pieces, cursor = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < cursor:
            continue
        pieces += [text[cursor : finding.start], f"[redacted:{finding.kind}]"]
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces)
