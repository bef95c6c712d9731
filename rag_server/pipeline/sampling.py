"""Turn what a request asked for into concrete decoding parameters that fit the context window."""

from __future__ import annotations

import msgspec

from rag_server.errors import ContextLengthExceededError, UnsupportedParameterError
from rag_server.generation.port import Sampling
from rag_server.settings import GenerationSettings

__all__ = ["RequestedSampling", "check_room", "check_supported", "resolve_sampling"]


class RequestedSampling(msgspec.Struct, frozen=True, kw_only=True):
    """Decoding parameters as the client sent them; None means 'server default'."""

    max_tokens: int | None = None
    max_tokens_param: str = "max_tokens"
    """The wire name the client used for the length limit, so errors name it."""
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    ignore_eos: bool = False
    top_k: int | None = None
    min_p: float | None = None
    repetition_penalty: float | None = None
    min_tokens: int | None = None


def check_supported(requested: RequestedSampling, *, speculative: bool) -> None:
    """Refuse what the engine would silently ignore: vLLM drops `min_p` while it decodes speculatively."""
    if speculative and requested.min_p:
        raise UnsupportedParameterError(
            "`min_p` is not supported while the engine decodes speculatively; omit it, or run the server with "
            "RAG_ENGINE__SPECULATION=off",
            param="min_p",
        )


def check_room(requested: RequestedSampling, prompt_tokens: int, context_window: int) -> int:
    """The tokens left for the completion; ContextLengthExceededError (naming the field to change) when the prompt
    fills the window or the requested length does not fit beside it."""
    room = context_window - prompt_tokens
    if room < 1:
        raise ContextLengthExceededError(
            f"the prompt is {prompt_tokens} tokens but this model's context window is {context_window} tokens; "
            "shorten the messages",
            param="messages",
        )
    if requested.max_tokens is not None and requested.max_tokens > room:
        raise ContextLengthExceededError(
            f"`{requested.max_tokens_param}` is {requested.max_tokens} but only {room} tokens are left after the "
            f"{prompt_tokens}-token prompt in the {context_window}-token context window",
            param=requested.max_tokens_param,
        )
    return room


def resolve_sampling(
    requested: RequestedSampling, prompt_tokens: int, context_window: int, defaults: GenerationSettings
) -> Sampling:
    """Fill in defaults; raise ContextLengthExceededError when prompt and completion cannot fit."""
    room = check_room(requested, prompt_tokens, context_window)
    max_tokens = requested.max_tokens or min(defaults.default_max_tokens, room)
    return Sampling(
        max_tokens=max_tokens,
        temperature=defaults.default_temperature if requested.temperature is None else requested.temperature,
        top_p=defaults.default_top_p if requested.top_p is None else requested.top_p,
        seed=requested.seed,
        stop=requested.stop,
        presence_penalty=requested.presence_penalty or 0.0,
        frequency_penalty=requested.frequency_penalty or 0.0,
        ignore_eos=requested.ignore_eos,
        top_k=requested.top_k or 0,
        min_p=requested.min_p or 0.0,
        repetition_penalty=requested.repetition_penalty or 1.0,
        min_tokens=min(requested.min_tokens or 0, max_tokens),
    )
