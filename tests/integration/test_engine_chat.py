"""The real vLLM engine behind the real HTTP server, driven by the official openai SDK and raw HTTP."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.contracts import check_generator_contract
from tests.integration.conftest import LiveServer

pytestmark = pytest.mark.integration

STORY: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Write a long story about a dragon who learns to bake bread."}
]


@pytest.fixture(scope="module")
def sdk(live_server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.base_url}/v1", api_key="unused", max_retries=0)


def complete(sdk: openai.OpenAI, **kwargs: object) -> tuple[str, str | None, int]:
    response = sdk.chat.completions.create(model="SmolLM2-135M-Instruct", messages=STORY, **kwargs)  # type: ignore[call-overload]
    choice = response.choices[0]
    assert response.usage is not None
    return choice.message.content or "", choice.finish_reason, response.usage.completion_tokens


def test_readiness_is_503_until_the_engine_has_warmed_up(live_server: LiveServer) -> None:
    starting = live_server.readiness_while_starting
    assert starting.status_code == 503
    assert starting.json()["engine"] == "starting"
    assert "retry-after" in starting.headers
    ready = httpx.get(f"{live_server.base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert ready.json()["startup_s"] > 0


def test_generator_contract_holds_for_the_vllm_adapter(live_server: LiveServer) -> None:
    live_server.run(check_generator_contract(live_server.engine.get()))


def test_openai_sdk_streams_token_deltas(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="SmolLM2-135M-Instruct",
        messages=[{"role": "user", "content": "Write a short poem about the sea."}],
        stream=True,
        stream_options={"include_usage": True},
        temperature=0,
        max_tokens=24,
    )
    chunks = list(stream)
    contents = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(contents) > 2, "tokens arrive as separate deltas"
    assert any(char.isalpha() for char in "".join(contents))
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes in (["stop"], ["length"])
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens >= len(contents)


def test_non_streaming_equals_the_greedy_stream(sdk: openai.OpenAI) -> None:
    whole, finish, _ = complete(sdk, temperature=0, max_tokens=20)
    stream = sdk.chat.completions.create(
        model="SmolLM2-135M-Instruct",
        messages=STORY,
        temperature=0,
        max_tokens=20,
        stream=True,
    )
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(pieces) == whole
    assert finish == "length"


def test_max_tokens_caps_the_completion(sdk: openai.OpenAI) -> None:
    _, finish, tokens = complete(sdk, max_tokens=5, extra_body={"ignore_eos": True})
    assert (finish, tokens) == ("length", 5)
    _, finish, tokens = complete(sdk, max_completion_tokens=3, extra_body={"ignore_eos": True})
    assert (finish, tokens) == ("length", 3)


def test_stop_sequence_ends_the_text_before_it(sdk: openai.OpenAI) -> None:
    baseline, _, _ = complete(sdk, temperature=0, max_tokens=30)
    words = baseline.split()
    assert len(words) > 6, baseline
    stop = words[len(words) // 2]
    stopped, finish, _ = complete(sdk, temperature=0, max_tokens=30, stop=[stop])
    assert finish == "stop"
    assert stopped == baseline[: baseline.index(stop)]
    assert stop not in stopped


def test_seed_makes_sampling_reproducible(sdk: openai.OpenAI) -> None:
    first, _, _ = complete(sdk, temperature=1.0, seed=1234, max_tokens=16)
    again, _, _ = complete(sdk, temperature=1.0, seed=1234, max_tokens=16)
    assert first == again
    others = {complete(sdk, temperature=1.0, seed=seed, max_tokens=16)[0] for seed in (1, 2, 3)}
    assert len(others | {first}) > 1, "different seeds sample differently"


def test_prompt_longer_than_the_context_is_a_400_naming_messages(live_server: LiveServer, sdk: openai.OpenAI) -> None:
    too_long = "lorem ipsum " * live_server.context_window
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model="SmolLM2-135M-Instruct", messages=[{"role": "user", "content": too_long}])
    assert caught.value.code == "context_length_exceeded"
    assert caught.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(
            model="SmolLM2-135M-Instruct", messages=STORY, max_tokens=live_server.context_window
        )
    assert caught.value.param == "max_tokens"


def test_client_disconnect_aborts_the_engine_request(live_server: LiveServer) -> None:
    body = {"messages": STORY, "stream": True, "max_tokens": 600, "ignore_eos": True}
    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{live_server.base_url}/v1/chat/completions", json=body) as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()
        received = 0
        for line in lines:
            if line.startswith("data: {"):
                received += 1
            if received == 5:
                break
        assert live_server.metric("vllm:num_requests_running") == 1
    # Leaving the `with` closed the socket mid-stream.
    closed_at = time.monotonic()
    while live_server.metric("vllm:num_requests_running") != 0:
        assert time.monotonic() - closed_at < 1.0, "engine still running the request 1 s after the disconnect"
        time.sleep(0.02)


def test_concurrent_streams_all_complete(sdk: openai.OpenAI) -> None:
    def one(seed: int) -> tuple[str | None, int]:
        _, finish, tokens = complete(sdk, seed=seed, max_tokens=8, extra_body={"ignore_eos": True})
        return finish, tokens

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(4)))
    assert results == [("length", 8)] * 4


def test_shared_prefix_is_served_from_the_prefix_cache(live_server: LiveServer, sdk: openai.OpenAI) -> None:
    system: ChatCompletionMessageParam = {
        "role": "system",
        "content": "You answer questions about the ACME support handbook. " * 12,
    }
    hits_before = live_server.metric("vllm:prefix_cache_hits_total")
    cached = []
    for question in ("How do I reset my password?", "Where is the invoice page?"):
        response = sdk.chat.completions.create(
            model="SmolLM2-135M-Instruct",
            messages=[system, {"role": "user", "content": question}],
            max_tokens=1,
        )
        assert response.usage is not None
        details = response.usage.prompt_tokens_details
        assert details is not None
        assert details.cached_tokens is not None
        cached.append(details.cached_tokens)
    assert cached[1] >= 96, f"the shared system prompt was reused (cached tokens per request: {cached})"
    assert live_server.metric("vllm:prefix_cache_hits_total") - hits_before >= cached[1]


def test_prompt_lookup_drafts_are_accepted_when_the_answer_copies_the_prompt(
    live_server: LiveServer, sdk: openai.OpenAI
) -> None:
    """Speculation (prompt lookup; off by default, on in this session's server) drafts the tokens that followed
    the latest ones in the prompt; an answer that repeats the prompt has its drafts accepted, and the counters say
    so in /metrics."""
    passage = "The quick brown fox jumps over the lazy dog while the cat sleeps on the warm red mat by the door."
    drafted_before = live_server.metric("vllm:spec_decode_num_draft_tokens_total")
    accepted_before = live_server.metric("vllm:spec_decode_num_accepted_tokens_total")
    response = sdk.chat.completions.create(
        model="SmolLM2-135M-Instruct",
        messages=[{"role": "user", "content": f"Repeat this sentence exactly, twice: {passage} {passage}"}],
        max_tokens=48,
        temperature=0,
    )
    assert response.choices[0].message.content
    drafted = live_server.metric("vllm:spec_decode_num_draft_tokens_total") - drafted_before
    accepted = live_server.metric("vllm:spec_decode_num_accepted_tokens_total") - accepted_before
    assert drafted > 0, "the engine drafted no tokens: speculation is off"
    assert 0 < accepted <= drafted


def test_sse_wire_format_over_a_socket(live_server: LiveServer) -> None:
    body = {"messages": STORY, "stream": True, "max_tokens": 3, "ignore_eos": True}
    response = httpx.post(f"{live_server.base_url}/v1/chat/completions", json=body, timeout=30)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    payloads = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert payloads[0]["choices"][0]["delta"]["role"] == "assistant"
    assert payloads[-1]["choices"][0]["finish_reason"] == "length"
