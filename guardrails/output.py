"""The per-stream face of an output guard.

An `OutputGuard` is long-lived and shared; `open(context)` gives an `OutputCheck` that lives for one response and
keeps whatever that stream needs to remember (the leak guard's n-gram run, for one). The `StreamGuard` drives the
checks: it asks each how much of the pending text it must still hold, then shows each the segment it will release.
"""

from __future__ import annotations

from typing import Protocol

from guardrails.types import Finding, GuardContext, Reason

__all__ = ["OutputCheck", "OutputGuard", "trailing_word_start"]


class OutputCheck(Protocol):
    def hold_from(self, pending: str) -> int:
        """The first index of `pending` that could still turn out to be part of a match once more text arrives
        (`len(pending)` when nothing needs holding)."""
        ...

    def review(self, segment: str) -> list[Finding]:
        """Findings in `segment`, the next text about to be released, offsets relative to it. Called in order."""
        ...


class OutputGuard(Protocol):
    name: str
    block_reason: Reason
    """The cause its decision names when it stops a stream."""
    mask_reason: Reason
    """The cause its decision names when it masked something."""

    def open(self, context: GuardContext) -> OutputCheck:
        """A fresh check for one response stream."""
        ...


def trailing_word_start(pending: str) -> int:
    """Where the last, possibly unfinished, word begins (`len(pending)` when the text ends in whitespace)."""
    index = len(pending)
    while index > 0 and not pending[index - 1].isspace():
        index -= 1
    return index
