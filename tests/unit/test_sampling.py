from __future__ import annotations

import pytest

from rag_server.errors import ContextLengthExceededError
from rag_server.pipeline import RequestedSampling, resolve_sampling
from rag_server.settings import GenerationSettings

DEFAULTS = GenerationSettings(default_max_tokens=100, default_temperature=0.7, default_top_p=0.9)


def test_server_defaults_fill_what_the_request_left_out() -> None:
    sampling = resolve_sampling(RequestedSampling(), prompt_tokens=10, context_window=1000, defaults=DEFAULTS)
    assert (sampling.max_tokens, sampling.temperature, sampling.top_p) == (100, 0.7, 0.9)


def test_default_length_shrinks_to_the_room_left_in_the_context() -> None:
    sampling = resolve_sampling(RequestedSampling(), prompt_tokens=980, context_window=1000, defaults=DEFAULTS)
    assert sampling.max_tokens == 20


def test_explicit_zero_temperature_is_kept() -> None:
    sampling = resolve_sampling(RequestedSampling(temperature=0.0), 10, 1000, DEFAULTS)
    assert sampling.temperature == 0.0


def test_prompt_that_fills_the_context_is_refused_naming_messages() -> None:
    with pytest.raises(ContextLengthExceededError) as caught:
        resolve_sampling(RequestedSampling(), prompt_tokens=1000, context_window=1000, defaults=DEFAULTS)
    assert caught.value.param == "messages"


def test_completion_that_does_not_fit_is_refused_naming_the_parameter_used() -> None:
    requested = RequestedSampling(max_tokens=500, max_tokens_param="max_completion_tokens")
    with pytest.raises(ContextLengthExceededError) as caught:
        resolve_sampling(requested, prompt_tokens=600, context_window=1000, defaults=DEFAULTS)
    assert caught.value.param == "max_completion_tokens"
    assert "only 400 tokens are left" in caught.value.message
