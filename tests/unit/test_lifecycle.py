"""The one lifecycle of background components: start in the background, ready only when really usable, failures
reported with a reason, a typed 503 for handlers meanwhile, and an event instead of polling for whoever waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest

from rag_server.errors import EngineUnavailableError
from rag_server.generation.port import Generator
from rag_server.generation.supervisor import EngineSlot, warmed
from rag_server.guarding import GuardrailsSlot, GuardrailsUnavailableError
from rag_server.lifecycle import Phase, supervise
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
