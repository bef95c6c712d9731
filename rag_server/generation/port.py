"""The Generator port: what the pipeline needs from a text-generation engine, and nothing more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal, Protocol

import msgspec
from msgspec import Meta

__all__ = [
    "ChatTurn",
    "EngineStats",
    "FinishReason",
    "GenerationDelta",
    "Generator",
    "PromptTokens",
    "Sampling",
]

FinishReason = Literal["stop", "length", "abort"]


class ChatTurn(msgspec.Struct, frozen=True):
    """One message of the conversation as the model will see it."""

    role: Literal["system", "user", "assistant"]
    content: str


class PromptTokens(msgspec.Struct, frozen=True):
    """A conversation rendered through the model's chat template and tokenised."""

    token_ids: tuple[int, ...]


class Sampling(msgspec.Struct, frozen=True, kw_only=True):
    """Decoding parameters, already resolved against server defaults and the context window."""

    max_tokens: Annotated[int, Meta(ge=1)]
    temperature: Annotated[float, Meta(ge=0)] = 1.0
    top_p: Annotated[float, Meta(gt=0, le=1)] = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    ignore_eos: bool = False
    top_k: int = 0
    """Sample from the k most likely tokens only; 0 (or -1) considers all."""
    min_p: Annotated[float, Meta(ge=0, le=1)] = 0.0
    """Drop tokens less likely than `min_p` × the most likely one."""
    repetition_penalty: Annotated[float, Meta(gt=0)] = 1.0
    """Above 1 discourages repeating tokens already in the prompt or the answer."""
    min_tokens: Annotated[int, Meta(ge=0)] = 0
    """Generate at least this many tokens before end-of-sequence or a stop string may end the answer."""


class GenerationDelta(msgspec.Struct, frozen=True, kw_only=True):
    """New text since the previous delta; `finish_reason` is set on the last one only."""

    text: str
    completion_tokens: int
    """Tokens generated so far (cumulative)."""
    prompt_tokens: int
    cached_prompt_tokens: int = 0
    """Prompt tokens served from the prefix cache (known from the first delta on)."""
    finish_reason: FinishReason | None = None


class EngineStats(msgspec.Struct, frozen=True, kw_only=True):
    """The engine's latest self-report (names follow vLLM's Prometheus metrics)."""

    alive: bool
    """False once the engine has died; the server then reports not-ready."""
    num_requests_running: int = 0
    num_requests_waiting: int = 0
    kv_cache_usage: float = 0.0
    prefix_cache_queries: int = 0
    """Prompt tokens looked up in the prefix cache since start (a counter)."""
    prefix_cache_hits: int = 0
    """Prompt tokens found in the prefix cache since start (a counter)."""
    spec_decode_drafts: int = 0
    """Speculative decoding: draft proposals since start (a counter; 0 with speculation off)."""
    spec_decode_draft_tokens: int = 0
    """Speculative decoding: tokens drafted since start (a counter)."""
    spec_decode_accepted_tokens: int = 0
    """Speculative decoding: drafted tokens the model accepted since start (a counter)."""


class Generator(Protocol):
    """A text-generation engine. Lifecycle (start, warm-up, shutdown) lives in the adapter's factory.

    Closing the iterator returned by `stream` (or cancelling the task consuming it) must abort the engine request.
    """

    async def render(self, turns: tuple[ChatTurn, ...]) -> PromptTokens:
        """Apply the model's chat template (with the assistant turn opened) and tokenise."""
        ...

    def stream(self, prompt: PromptTokens, sampling: Sampling, request_id: str) -> AsyncIterator[GenerationDelta]:
        """Generate, yielding text deltas; raises EngineUnavailableError if the engine fails."""
        ...

    def stats(self) -> EngineStats:
        """The engine's current load and health, without blocking."""
        ...
