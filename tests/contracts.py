"""Checks every Generator must pass; run against the fake (unit) and the real vLLM adapter (integration)."""

from __future__ import annotations

import asyncio

from rag_server.generation.port import ChatTurn, Generator, Sampling

QUESTION = (ChatTurn("user", "Write a long story about a dragon."),)


async def check_generator_contract(generator: Generator) -> None:
    prompt = await generator.render(QUESTION)
    assert prompt.token_ids, "rendering yields tokens"

    deltas = [d async for d in generator.stream(prompt, Sampling(max_tokens=4, temperature=0), "contract-1")]
    assert deltas, "a stream yields at least one delta"
    assert [d.finish_reason for d in deltas[:-1]] == [None] * (len(deltas) - 1), "finish_reason on the last only"
    assert deltas[-1].finish_reason in ("stop", "length")
    counts = [d.completion_tokens for d in deltas]
    assert counts == sorted(counts), "completion_tokens is cumulative"
    assert 0 < counts[-1] <= 4, "max_tokens is honoured"
    assert all(d.prompt_tokens == len(prompt.token_ids) for d in deltas)

    # Closing the stream early aborts the request: the engine reports nothing running soon after.
    stream = generator.stream(prompt, Sampling(max_tokens=64, temperature=0, ignore_eos=True), "contract-2")
    await anext(stream)
    assert generator.stats().alive
    await stream.aclose()  # type: ignore[attr-defined]
    for _ in range(100):
        if generator.stats().num_requests_running == 0:
            break
        await asyncio.sleep(0.01)
    assert generator.stats().num_requests_running == 0, "closing the stream aborted the request within 1 s"
