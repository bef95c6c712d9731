"""The one exception the library raises on purpose."""

from __future__ import annotations

__all__ = ["GuardUnavailableError"]


class GuardUnavailableError(RuntimeError):
    """A guard failed or timed out and the configuration says to fail closed. The message names the guard and the
    cause, never the text being checked."""

    def __init__(self, guard: str, cause: str, decision_id: str) -> None:
        self.guard = guard
        self.cause = cause
        self.decision_id = decision_id
        super().__init__(f"the {guard} guard {cause}; the request was refused because guards fail closed")
