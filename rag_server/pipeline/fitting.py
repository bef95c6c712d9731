"""The prompt that goes to the engine: rendered through the chat template, fitted to the context window, with the
sampling resolved against what is left of it.

Two renders per request: the conversation as sent (a gate before the rails, well under a millisecond) and the final
prompt; one more for each passage that must go to make room. Sampling is resolved once, on the final prompt."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from rag_server.generation.port import ChatTurn, Generator, PromptTokens, Sampling
from rag_server.pipeline.prompt import compose_turns
from rag_server.pipeline.sampling import RequestedSampling, check_room, resolve_sampling
from rag_server.pipeline.sources import Source, arrange, render_sources
from rag_server.settings import GenerationSettings

__all__ = ["FittedPrompt", "PromptBudget", "ensure_conversation_fits", "fit_prompt"]


class PromptBudget(msgspec.Struct, frozen=True, kw_only=True):
    context_window: int
    """The model's context length in tokens (prompt and completion together)."""
    min_completion_tokens: int
    """Room kept for the answer when the request names no length: passages go before the answer gets less."""
    defaults: GenerationSettings


class FittedPrompt(msgspec.Struct, frozen=True, kw_only=True):
    prompt: PromptTokens
    sampling: Sampling
    sources: tuple[Source, ...]
    """The passages that made it into the prompt, numbered as the prompt shows them, in number order."""


async def ensure_conversation_fits(
    generator: Generator, turns: tuple[ChatTurn, ...], requested: RequestedSampling, budget: PromptBudget
) -> None:
    """Refuse a conversation that cannot fit the window even alone, before the rails spend time on it (PII
    analysis of a 10,000-word paste takes seconds and could time out into a 503 instead of this 400)."""
    as_sent = await generator.render(turns)
    check_room(requested, len(as_sent.token_ids), budget.context_window)


async def fit_prompt(
    generator: Generator,
    turns: tuple[ChatTurn, ...],
    sources: Sequence[Source] | None,
    requested: RequestedSampling,
    budget: PromptBudget,
) -> FittedPrompt:
    """Render [system prompt + sources][conversation]; while the answer would get less than `min_completion_tokens`,
    drop the lowest-ranked passage; the rest go in `passage_order`. `sources` None: no retrieval, the conversation
    as sent. Raises ContextLengthExceededError when the prompt leaves no room, or less than the request's
    `max_tokens`."""
    kept = list(sources or ())
    while True:
        placed = arrange(kept, budget.defaults.passage_order)
        block = render_sources(placed) if sources is not None else None
        prompt = await generator.render(compose_turns(turns, block, budget.defaults.prompt_layout))
        if not kept or len(prompt.token_ids) + budget.min_completion_tokens <= budget.context_window:
            break
        kept.pop()
    sampling = resolve_sampling(requested, len(prompt.token_ids), budget.context_window, budget.defaults)
    in_number_order = tuple(sorted(placed, key=lambda source: source.n))
    return FittedPrompt(prompt=prompt, sampling=sampling, sources=in_number_order)
