"""Overload over a real socket (uvicorn in a thread, a slow fake engine): refusals are immediate and carry
Retry-After, admitted requests finish, nothing hangs, a queued request whose client left never reaches the engine,
and the server serves again as soon as the burst is over. The full-size version is bench/overload.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from functools import partial

import httpx
import pytest

from rag_server.app import create_app
from rag_server.settings import Settings, load_settings
from tests.fakes import FakeGenerator, fake_services
from tests.support import serving

REPLY = " ".join(["word"] * 10)  # 10 tokens at 30 ms: ~0.3 s per request


@pytest.fixture
def served() -> Iterator[tuple[str, FakeGenerator]]:
    settings: Settings = load_settings(
        {
            "RAG_ENGINE__MAX_MODEL_LEN": "256",
            "RAG_CHAT__RAG_BY_DEFAULT": "false",
            "RAG_ADMISSION__MAX_IN_FLIGHT": "2",
            "RAG_ADMISSION__MAX_QUEUED": "2",
            "RAG_ADMISSION__MAX_QUEUE_WAIT_S": "10",
        }
    )
    generator = FakeGenerator(REPLY, delay_s=0.03)
    with serving(create_app(settings, fake_services(generator))) as url:
        yield url, generator


BODY = {"messages": [{"role": "user", "content": "hello"}], "stream": True, "max_tokens": 10}


async def one_request(client: httpx.AsyncClient) -> tuple[int, float, str, dict[str, str]]:
    started = time.perf_counter()
    async with client.stream("POST", "/v1/chat/completions", json=BODY) as response:
        body = (await response.aread()).decode()
        return response.status_code, time.perf_counter() - started, body, dict(response.headers)


async def until(condition: Callable[[], Awaitable[bool]], failure: str, timeout_s: float = 5.0) -> None:
    """Poll `condition` until it holds; fail with `failure` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not await condition():
        assert time.monotonic() < deadline, failure
        await asyncio.sleep(0.01)


async def engine_running(generator: FakeGenerator, count: int) -> bool:
    return len(generator.running) == count


async def requests_queued(client: httpx.AsyncClient, count: int) -> bool:
    return f"rag_requests_queued {float(count)}" in (await client.get("/metrics")).text


def test_a_burst_of_six_times_capacity(served: tuple[str, FakeGenerator]) -> None:
    base_url, _ = served

    async def burst() -> list[tuple[int, float, str, dict[str, str]]]:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            return await asyncio.gather(*(one_request(client) for _ in range(12)))

    results = asyncio.run(burst())
    statuses = sorted(status for status, *_ in results)
    assert set(statuses) <= {200, 503}, statuses
    admitted = [r for r in results if r[0] == 200]
    refused = [r for r in results if r[0] == 503]
    assert len(admitted) >= 4  # two running + two queued
    assert refused, "beyond the queue, requests are refused"
    assert all(body.rstrip().endswith("data: [DONE]") for _, _, body, _ in admitted), "no hung or cut stream"
    assert all(int(headers["retry-after"]) >= 1 for _, _, _, headers in refused)
    # Relative, not a wall-clock bound (a loaded CI box once took 0.5 s to refuse): a refusal never waits for a slot,
    # so it comes back before the queued requests, which wait for the running ones, are done.
    slowest_admitted = max(seconds for _, seconds, _, _ in admitted)
    assert all(seconds < slowest_admitted for _, seconds, _, _ in refused), "refusals are immediate"
    assert slowest_admitted < 3.0, "admitted requests keep their latency"

    async def after() -> int:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            return (await one_request(client))[0]

    assert asyncio.run(after()) == 200, "serves again as soon as the burst is over"
    metrics = httpx.get(f"{base_url}/metrics").text
    assert 'rag_admission_rejections_total{reason="capacity"}' in metrics


def test_a_queued_request_whose_client_left_never_reaches_the_engine(served: tuple[str, FakeGenerator]) -> None:
    base_url, generator = served

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            running = [asyncio.create_task(one_request(client)) for _ in range(2)]
            await until(partial(engine_running, generator, 2), "the two admitted requests never reached the engine")
            queued = asyncio.create_task(one_request(client))
            await until(partial(requests_queued, client, 1), "the third request was never queued")
            queued.cancel()  # the client gives up while queued
            await asyncio.gather(*running)

    asyncio.run(scenario())
    deadline = time.monotonic() + 5
    while 'reason="client_gone"' not in httpx.get(f"{base_url}/metrics").text:
        assert time.monotonic() < deadline, "the queued request was not dropped"
        time.sleep(0.05)
    assert len(generator.seen_sampling) == 2, "only the two admitted requests reached the engine"


def test_a_client_that_leaves_a_whole_completion_aborts_the_engine_request(served: tuple[str, FakeGenerator]) -> None:
    base_url, generator = served

    async def leave_early() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            request = asyncio.create_task(client.post("/v1/chat/completions", json=BODY | {"stream": False}))
            # From the first token on, the 10 tokens take ~0.3 s: the client leaves in the middle.
            await until(partial(engine_running, generator, 1), "the request never reached the engine")
            request.cancel()

    asyncio.run(leave_early())
    deadline = time.monotonic() + 5
    while not generator.aborted:
        assert time.monotonic() < deadline, "the engine request was not aborted"
        time.sleep(0.05)
    assert not generator.running


def test_on_defaults_48_anonymous_streams_are_all_answered() -> None:
    """32 generate (the engine's max_num_seqs), 16 queue; one shared identity is no reason to refuse anyone."""
    settings = load_settings({"RAG_ENGINE__MAX_MODEL_LEN": "256", "RAG_CHAT__RAG_BY_DEFAULT": "false"})
    generator = FakeGenerator(REPLY, delay_s=0.03)
    with serving(create_app(settings, fake_services(generator, settings=settings))) as url:

        async def crowd() -> list[tuple[int, float, str, dict[str, str]]]:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                return await asyncio.gather(*(one_request(client) for _ in range(48)))

        results = asyncio.run(crowd())
        metrics = httpx.get(f"{url}/metrics").text
    assert [status for status, *_ in results] == [200] * 48
    assert all(body.rstrip().endswith("data: [DONE]") for _, _, body, _ in results)
    assert "rag_admission_rejections_total{" not in metrics, "nothing was refused"
