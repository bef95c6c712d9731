"""Guardrails for LLM applications: reversible PII masking, injection detection, streaming output rails and
decision records. A library on its own: it imports nothing from the server, Litestar or vLLM.

    workers = ThreadPoolExecutor(max_workers=4)                # yours: size it to the requests you run at once
    rails = load_guardrails(GuardrailsConfig(), SYSTEM_PROMPT, executor=workers)
    context = rails.new_context(request_id)
    verdict = rails.check_input(user_text, context)        # verdict.text has <PERSON_1>-style placeholders
    history = rails.check_history(earlier_turns, context)  # history.blocked_turn: the first attacking turn, or None
    stream = rails.open_stream(context)
    for delta in model_deltas:
        release = stream.feed(delta)                       # release.text is safe to send; release.stopped ends it
    stream.finish(); stream.close()                     # records the output decisions, once
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from guardrails.config import DEFAULT_ENTITIES, GuardrailsConfig
from guardrails.errors import GuardUnavailableError
from guardrails.policy import PolicyRule
from guardrails.streaming import HoldStats, Release, StreamGuard
from guardrails.types import Action, Decision, Finding, GuardContext, GuardOutcome, Reason, Stage
from guardrails.vault import PlaceholderVault

if TYPE_CHECKING:
    from guardrails.loader import load_guardrails
    from guardrails.rails import ChunkScreen, Guardrails, HistoryVerdict, InputVerdict, OutputVerdict

# Presidio, spaCy and scikit-learn take ~6 s to import: only code that builds or runs the rails pays for them.
_HEAVY = {
    "load_guardrails": "guardrails.loader",
    "ChunkScreen": "guardrails.rails",
    "Guardrails": "guardrails.rails",
    "HistoryVerdict": "guardrails.rails",
    "InputVerdict": "guardrails.rails",
    "OutputVerdict": "guardrails.rails",
}


def __getattr__(name: str) -> Any:
    module = _HEAVY.get(name)
    if module is None:
        raise AttributeError(f"module 'guardrails' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "DEFAULT_ENTITIES",
    "Action",
    "ChunkScreen",
    "Decision",
    "Finding",
    "GuardContext",
    "GuardOutcome",
    "GuardUnavailableError",
    "Guardrails",
    "GuardrailsConfig",
    "HistoryVerdict",
    "HoldStats",
    "InputVerdict",
    "OutputVerdict",
    "PlaceholderVault",
    "PolicyRule",
    "Reason",
    "Release",
    "Stage",
    "StreamGuard",
    "load_guardrails",
]
