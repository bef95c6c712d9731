"""Leaving without cutting anyone off: a signal drains (new answers refused with a retryable 503, running ones go
on), the drain ends when they are done or at its timeout, and whatever is cut ends in-band, never silently."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import anyio
import pytest

from rag_server.admission import Admission, Ticket
from rag_server.drain import Drain, ServingState
from rag_server.errors import ShuttingDownError
from rag_server.settings import AdmissionSettings


async def never() -> None:
    await anyio.sleep_forever()


class Stops:
    def __init__(self) -> None:
        self.at: list[float] = []

    def __call__(self) -> None:
        self.at.append(anyio.current_time())


async def started(drain: Drain, admission: Admission, tasks: anyio.abc.TaskGroup) -> Stops:
    stops = Stops()
    drain.bind(stops)
    tasks.start_soon(drain.run, admission)
    await anyio.wait_all_tasks_blocked()
    return stops


async def signalled(drain: Drain) -> None:
    drain.signal()  # as from the signal handler: hops onto the loop
    await anyio.sleep(0.01)
    await anyio.wait_all_tasks_blocked()


async def test_a_drain_refuses_new_and_queued_answers_and_waits_for_running_ones() -> None:
    admission = Admission(AdmissionSettings(), capacity=1)
    drain = Drain(timeout_s=30)
    running = await admission.admit("a", 10, never)
    refused: list[ShuttingDownError] = []
    async with anyio.create_task_group() as tasks:
        stops = await started(drain, admission, tasks)

        async def queued() -> None:
            with pytest.raises(ShuttingDownError) as caught:
                await admission.admit("b", 10, never)
            refused.append(caught.value)

        tasks.start_soon(queued)
        await anyio.wait_all_tasks_blocked()
        assert admission.queued == 1
        await signalled(drain)
        assert drain.state is ServingState.DRAINING
        assert len(refused) == 1, "the queued request left with a retryable 503"
        assert refused[0].retry_after_s is not None
        with pytest.raises(ShuttingDownError):
            await admission.admit("c", 10, never)
        assert not stops.at, "the running answer holds the server up"
        running.release()
    assert len(stops.at) == 1
    assert drain.exit_code == 0


async def slow_answer(closed: list[bool]) -> AsyncGenerator[str]:
    try:
        for n in range(1000):
            yield f"token {n}"
            await anyio.sleep(0.01)
    finally:
        closed.append(True)


async def consume(drain: Drain, ticket: Ticket, seen: list[str], ending: list[BaseException]) -> None:
    closed: list[bool] = []
    try:
        async for event in drain.unless_stopped(slow_answer(closed)):
            seen.append(event)
    except ShuttingDownError as exc:
        ending.append(exc)
    finally:
        assert closed == [True], "the answer (and so its engine request) was closed"
        ticket.release()


async def test_answers_still_running_at_the_timeout_end_in_band_then_the_server_stops() -> None:
    admission = Admission(AdmissionSettings(), capacity=2)
    drain = Drain(timeout_s=0.2)
    seen: list[str] = []
    ending: list[BaseException] = []
    async with anyio.create_task_group() as tasks:
        stops = await started(drain, admission, tasks)
        tasks.start_soon(consume, drain, await admission.admit("a", 10, never), seen, ending)
        await anyio.sleep(0.05)
        signal_at = anyio.current_time()
        await signalled(drain)
    assert drain.state is ServingState.STOPPING
    assert len(ending) == 1, "the cut answer was told why"
    assert seen, "it streamed until the timeout"
    assert stops.at[0] - signal_at >= 0.2


async def test_a_second_signal_ends_running_answers_at_once() -> None:
    admission = Admission(AdmissionSettings(), capacity=2)
    drain = Drain(timeout_s=60)
    ending: list[BaseException] = []
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:  # ends when the drain has stopped the server
            stops = await started(drain, admission, tasks)
            tasks.start_soon(consume, drain, await admission.admit("a", 10, never), [], ending)
            await signalled(drain)
            assert drain.state is ServingState.DRAINING
            await signalled(drain)
    assert len(stops.at) == 1
    assert len(ending) == 1


async def test_a_component_giving_up_stops_the_server_with_a_failing_exit_code() -> None:
    admission = Admission(AdmissionSettings(), capacity=2)
    drain = Drain(timeout_s=60)
    ending: list[BaseException] = []
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:
            stops = await started(drain, admission, tasks)
            tasks.start_soon(consume, drain, await admission.admit("a", 10, never), [], ending)
            await anyio.wait_all_tasks_blocked()
            drain.abandon("the engine died for good")
    assert len(stops.at) == 1
    assert drain.exit_code == 1
    assert "retry" in str(ending[0])


def test_a_signal_before_the_app_started_stops_the_server_at_once() -> None:
    drain = Drain(timeout_s=60)
    stops = Stops.__new__(Stops)
    stops.at = []
    drain.bind(lambda: stops.at.append(0.0))
    drain.signal()
    assert stops.at == [0.0]
