"""The one lifecycle of background components: start in the background, ready only when really usable, failures
reported with a reason, a typed 503 for handlers meanwhile, and an event instead of polling for whoever waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import anyio
import pytest

from rag_server.errors import EngineUnavailableError
from rag_server.generation.port import Generator
from rag_server.generation.supervisor import EngineSlot, warmed
from rag_server.guarding import GuardrailsSlot, GuardrailsUnavailableError
from rag_server.lifecycle import Phase, RestartPolicy, supervise
from rag_server.retrieval.service import Knowledge, KnowledgeSlot
from tests.fakes import FakeGenerator


async def test_slot_becomes_ready_only_after_a_warm_up_token_and_stops_at_shutdown() -> None:
    generator = FakeGenerator()
    slot = EngineSlot()
    entered = anyio.Event()

    @asynccontextmanager
    async def open_generator() -> AsyncIterator[Generator]:
        entered.set()
        yield generator

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(supervise, slot, warmed(open_generator), 5.0)
        await entered.wait()
        with anyio.fail_after(5):
            await slot.settled()
        assert slot.status().phase is Phase.READY
        assert generator.seen_sampling[0].max_tokens == 1, "warm-up generated a token"
        assert slot.get() is generator
        tasks.cancel_scope.cancel()
    assert slot.status().phase is Phase.STOPPED
    with pytest.raises(EngineUnavailableError):
        slot.get()


async def test_start_failure_is_reported_without_crashing() -> None:
    slot = EngineSlot()

    @asynccontextmanager
    async def broken() -> AsyncIterator[Generator]:
        raise OSError("no model here")
        yield FakeGenerator()  # type: ignore[unreachable]  # makes this an async generator

    await supervise(slot, broken, 5.0)
    status = slot.status()
    assert status.phase is Phase.FAILED
    assert "OSError" in (status.reason or "")
    with anyio.fail_after(1):
        await slot.settled()  # whoever waits for it is released, not left polling
    with pytest.raises(EngineUnavailableError) as caught:
        slot.get()
    assert caught.value.retry_after_s == 30


async def test_start_timeout_is_reported() -> None:
    slot = EngineSlot()

    @asynccontextmanager
    async def slow() -> AsyncIterator[Generator]:
        await anyio.sleep(10)
        yield FakeGenerator()  # pragma: no cover

    await supervise(slot, slow, 0.05)
    assert slot.status().phase is Phase.FAILED
    assert "did not start within" in (slot.status().reason or "")


def test_generator_is_refused_while_starting() -> None:
    with pytest.raises(EngineUnavailableError) as caught:
        EngineSlot().get()
    assert caught.value.retry_after_s == 10


def test_a_dead_engine_is_reported_dead_and_refused() -> None:
    generator = FakeGenerator()
    slot = EngineSlot.ready_with(generator)
    generator.alive = False
    assert slot.status().phase is Phase.DEAD
    assert not slot.status().serving
    with pytest.raises(EngineUnavailableError):
        slot.get()


async def test_a_disabled_component_is_settled_serving_and_optional() -> None:
    slot = GuardrailsSlot(enabled=False)
    with anyio.fail_after(1):
        await slot.settled()
    assert slot.status().serving
    assert slot.get_if_enabled() is None
    with pytest.raises(GuardrailsUnavailableError, match="disabled"):
        slot.get()


async def test_a_component_raising_timeout_error_fails_alone_and_the_server_lives_on() -> None:
    slot = KnowledgeSlot()

    @asynccontextmanager
    async def index_behind_a_slow_network() -> AsyncIterator[Knowledge]:
        raise TimeoutError  # e.g. a socket timeout while reaching a Qdrant server
        yield  # type: ignore[unreachable]  # makes this an async generator

    await supervise(slot, index_behind_a_slow_network)  # no start-up deadline: returns, does not raise
    assert slot.status().phase is Phase.FAILED
    assert "TimeoutError" in (slot.status().reason or "")


async def test_the_slot_stops_before_the_component_closes_and_a_close_error_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    slot = EngineSlot()
    seen_while_closing: list[Phase] = []

    @asynccontextmanager
    async def open_generator() -> AsyncIterator[Generator]:
        try:
            yield FakeGenerator()
        finally:
            seen_while_closing.append(slot.status().phase)
            raise OSError("device gone")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(supervise, slot, open_generator, 5.0)
        with anyio.fail_after(5):
            await slot.settled()
        tasks.cancel_scope.cancel()
    assert seen_while_closing == [Phase.STOPPED], "no handler can get a component that is closing"
    assert slot.status().phase is Phase.STOPPED
    assert "failed while closing" in caplog.text


async def test_a_dead_component_is_restarted_and_ready_again() -> None:
    opened: list[FakeGenerator] = []
    reopened = anyio.Event()
    slot = EngineSlot()

    @asynccontextmanager
    async def open_generator() -> AsyncIterator[Generator]:
        opened.append(FakeGenerator())
        if len(opened) == 2:
            reopened.set()
        yield opened[-1]

    policy = RestartPolicy(max_restarts=2, window_s=60, backoff_s=0, check_interval_s=0.01)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(partial(supervise, slot, open_generator, 5.0, restarts=policy))
        with anyio.fail_after(5):
            await slot.settled()
            opened[0].alive = False
            await reopened.wait()
            await anyio.wait_all_tasks_blocked()
        assert slot.status().phase is Phase.READY
        assert slot.get() is opened[1]
        tasks.cancel_scope.cancel()


async def test_a_component_that_keeps_dying_is_given_up_on() -> None:
    slot = EngineSlot()
    reasons: list[str] = []
    opens = 0

    @asynccontextmanager
    async def dies_at_once() -> AsyncIterator[Generator]:
        nonlocal opens
        opens += 1
        generator = FakeGenerator()
        generator.alive = False
        yield generator

    policy = RestartPolicy(max_restarts=2, window_s=60, backoff_s=0.01, check_interval_s=0.01)
    with anyio.fail_after(5):
        await supervise(slot, dies_at_once, 5.0, restarts=policy, give_up=reasons.append)
    assert opens == 3, "the first start and two restarts"
    assert slot.status().phase is Phase.FAILED
    assert reasons == [slot.status().reason]
    assert "2 restarts" in reasons[0]


async def test_a_failed_first_start_is_not_retried() -> None:
    slot = EngineSlot()
    opens = 0

    @asynccontextmanager
    async def broken() -> AsyncIterator[Generator]:
        nonlocal opens
        opens += 1
        raise OSError("no model here")
        yield FakeGenerator()  # type: ignore[unreachable]  # makes this an async generator

    policy = RestartPolicy(max_restarts=3, window_s=60, backoff_s=0, check_interval_s=0.01)
    await supervise(slot, broken, 5.0, restarts=policy)
    assert opens == 1, "a configuration problem does not fix itself by retrying"
    assert slot.status().phase is Phase.FAILED
