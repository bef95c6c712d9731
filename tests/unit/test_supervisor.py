"""Engine life in the server: background start, warm-up before ready, failures reported, never hung."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest

from rag_server.errors import EngineUnavailableError
from rag_server.generation.port import Generator
from rag_server.generation.supervisor import EngineSlot, keep_engine_running
from tests.fakes import FakeGenerator


async def test_slot_becomes_ready_only_after_a_warm_up_token() -> None:
    generator = FakeGenerator()
    slot = EngineSlot()
    entered = anyio.Event()

    @asynccontextmanager
    async def open_generator() -> AsyncIterator[Generator]:
        entered.set()
        yield generator

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(keep_engine_running, slot, open_generator, 5.0)
        await entered.wait()
        with anyio.fail_after(5):
            while not slot.readiness().ready:  # noqa: ASYNC110 - polling a state with a deadline
                await anyio.sleep(0.01)
        assert generator.seen_sampling[0].max_tokens == 1, "warm-up generated a token"
        tasks.cancel_scope.cancel()
    assert slot.readiness().engine == "stopped"


async def test_start_failure_is_reported_without_crashing() -> None:
    slot = EngineSlot()

    @asynccontextmanager
    async def broken() -> AsyncIterator[Generator]:
        raise OSError("no model here")
        yield FakeGenerator()  # type: ignore[unreachable]  # makes this an async generator

    await keep_engine_running(slot, broken, 5.0)
    readiness = slot.readiness()
    assert (readiness.ready, readiness.engine) == (False, "failed")
    assert "OSError" in (readiness.reason or "")


async def test_start_timeout_is_reported() -> None:
    slot = EngineSlot()

    @asynccontextmanager
    async def slow() -> AsyncIterator[Generator]:
        await anyio.sleep(10)
        yield FakeGenerator()  # pragma: no cover

    await keep_engine_running(slot, slow, 0.05)
    assert slot.readiness().engine == "failed"
    assert "did not start within" in (slot.readiness().reason or "")


def test_generator_is_refused_while_starting() -> None:
    with pytest.raises(EngineUnavailableError) as caught:
        EngineSlot().generator()
    assert caught.value.retry_after_s == 10
