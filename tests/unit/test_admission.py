"""Admission: bounded slots and queue, decided before any work, shared fairly between keys with no per-key cap."""

from __future__ import annotations

import anyio
import pytest

from rag_server.admission import Admission, Ticket
from rag_server.disconnects import ClientGoneError
from rag_server.errors import OverloadedError
from rag_server.settings import AdmissionSettings


async def never() -> None:
    await anyio.sleep_forever()


async def test_admission_queues_then_refuses_with_retry_after() -> None:
    admission = Admission(AdmissionSettings(max_queued=1), capacity=1)
    first = await admission.admit("a", 10, never)
    async with anyio.create_task_group() as group:
        admitted = []

        async def queued() -> None:
            admitted.append(await admission.admit("a", 10, never))

        group.start_soon(queued)
        await anyio.wait_all_tasks_blocked()
        assert admission.queued == 1
        with pytest.raises(OverloadedError) as refused:
            await admission.admit("a", 10, never)
        assert refused.value.retry_after_s is not None
        assert refused.value.retry_after_s >= 1
        first.release()
    assert len(admitted) == 1
    admitted[0].release()
    assert (admission.in_flight, admission.queued) == (0, 0)


async def test_a_lone_key_may_use_every_slot() -> None:
    admission = Admission(AdmissionSettings(), capacity=32)
    tickets = [await admission.admit("everyone-anonymous", 10, never) for _ in range(32)]
    assert admission.in_flight == 32, "no per-key cap: one shared key (or no auth) gets the whole server"
    for ticket in tickets:
        ticket.release()


async def test_a_freed_slot_goes_to_the_key_with_the_smallest_share() -> None:
    admission = Admission(AdmissionSettings(), capacity=4)
    heavy = [await admission.admit("heavy", 10, never) for _ in range(4)]
    order: list[str] = []
    tickets: list[Ticket] = []
    async with anyio.create_task_group() as group:

        async def ask(key: str) -> None:
            tickets.append(await admission.admit(key, 10, never))
            order.append(key)

        for key in ("heavy", "heavy", "heavy", "light"):  # the light key arrives last
            group.start_soon(ask, key)
            await anyio.wait_all_tasks_blocked()
        heavy.pop().release()
        await anyio.wait_all_tasks_blocked()
        assert order == ["light"], "the key with nothing running goes first, not the oldest heavy request"
        for ticket in heavy:
            ticket.release()
    assert order == ["light", "heavy", "heavy", "heavy"]
    for ticket in tickets:
        ticket.release()
    assert (admission.in_flight, admission.queued) == (0, 0)


async def test_weights_set_shares() -> None:
    admission = Admission(AdmissionSettings(), capacity=3)
    held = [await admission.admit("gold", 10, never, weight=2.0), await admission.admit("std", 10, never)]
    held.append(await admission.admit("gold", 10, never, weight=2.0))
    order: list[str] = []
    async with anyio.create_task_group() as group:

        async def ask(key: str, weight: float) -> None:
            held.append(await admission.admit(key, 10, never, weight=weight))
            order.append(key)

        group.start_soon(ask, "std", 1.0)
        await anyio.wait_all_tasks_blocked()
        group.start_soon(ask, "gold", 2.0)
        await anyio.wait_all_tasks_blocked()
        held.pop(0).release()  # gold: 1 running / 2 = 0.5 vs std: 1 running / 1 = 1.0
        await anyio.wait_all_tasks_blocked()
        assert order == ["gold"]
        held.pop(0).release()
    assert order == ["gold", "std"]
    for ticket in held:
        ticket.release()


async def test_a_full_queue_takes_a_newcomer_from_a_lighter_key_and_bumps_the_heaviest() -> None:
    admission = Admission(AdmissionSettings(max_queued=3), capacity=1)
    running = await admission.admit("flood", 10, never)
    outcomes: dict[str, str] = {}
    async with anyio.create_task_group() as group:

        async def ask(name: str, key: str) -> None:
            try:
                ticket = await admission.admit(key, 10, never)
            except OverloadedError:
                outcomes[name] = "refused"
                return
            outcomes[name] = "admitted"
            ticket.release()

        for n in range(3):
            group.start_soon(ask, f"flood-{n}", "flood")
            await anyio.wait_all_tasks_blocked()
        group.start_soon(ask, "polite", "polite")
        await anyio.wait_all_tasks_blocked()
        assert outcomes == {"flood-2": "refused"}, "the flood's newest place went to the lighter key"
        with pytest.raises(OverloadedError):
            await admission.admit("flood", 10, never)  # the heaviest key itself is refused at once
        running.release()
    assert outcomes["polite"] == "admitted"
    assert (admission.in_flight, admission.queued) == (0, 0)


async def test_a_queued_request_whose_client_left_is_dropped() -> None:
    admission = Admission(AdmissionSettings(max_queued=4), capacity=1)
    ticket = await admission.admit("a", 10, never)
    with pytest.raises(ClientGoneError):
        await admission.admit("b", 10, lambda: anyio.sleep(0.05))
    assert admission.queued == 0
    ticket.release()
    assert admission.in_flight == 0


async def test_a_request_that_waits_too_long_is_refused_and_leaves_the_queue() -> None:
    admission = Admission(AdmissionSettings(max_queue_wait_s=0.05), capacity=1)
    ticket = await admission.admit("a", 10, never)
    with pytest.raises(OverloadedError):
        await admission.admit("b", 10, never)
    assert admission.queued == 0
    ticket.release()


async def test_a_prompt_too_big_for_the_queue_is_refused_without_bumping_anyone() -> None:
    admission = Admission(AdmissionSettings(max_queued_prompt_tokens=100), capacity=1)
    running = await admission.admit("a", 10, never)
    async with anyio.create_task_group() as group:
        group.start_soon(admission.admit, "a", 50, never)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(OverloadedError):
            await admission.admit("b", 1_000, never)
        assert admission.queued == 1, "the queued request keeps its place"
        group.cancel_scope.cancel()
    running.release()


async def test_a_queued_request_cancelled_otherwise_leaves_no_place_and_no_slot() -> None:
    admission = Admission(AdmissionSettings(), capacity=1)
    running = await admission.admit("a", 10, never)
    with anyio.move_on_after(0.05):
        await admission.admit("b", 10, never)  # e.g. the server shutting down
    assert admission.queued == 0
    running.release()
    assert admission.in_flight == 0, "the slot freed above went to nobody"
