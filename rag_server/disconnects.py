"""What happens when the client goes away: the one place that races work against the client's disconnect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import anyio

from rag_server.errors import RagError

__all__ = ["ClientGoneError", "WaitForDisconnect", "disconnect_of", "unless_client_leaves"]

T = TypeVar("T")

WaitForDisconnect = Callable[[], Awaitable[None]]
"""Returns when the client has disconnected (never, while it stays)."""


def disconnect_of(receive: Callable[[], Awaitable[Mapping[str, Any]]]) -> WaitForDisconnect:
    """Watch an ASGI request's `receive` channel (its body already read) for the client's disconnect."""

    async def wait_for_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    return wait_for_disconnect


class ClientGoneError(RagError):
    """The client disconnected before its response was ready; nothing is sent back."""

    status_code = 499
    error_type = "client_closed_request"
    code = "client_gone"


async def unless_client_leaves(wait_for_disconnect: WaitForDisconnect, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work`; if the client disconnects first, cancel it (closing whatever it streams, so the engine request
    is aborted) and raise ClientGoneError. Errors from `work` propagate as themselves, not as an ExceptionGroup."""
    results: list[T] = []
    failures: list[Exception] = []
    gone = False
    async with anyio.create_task_group() as group:

        async def watch() -> None:
            nonlocal gone
            await wait_for_disconnect()
            gone = True
            group.cancel_scope.cancel()

        group.start_soon(watch)
        try:
            results.append(await work())
        except Exception as exc:  # re-raised below as itself
            failures.append(exc)
        group.cancel_scope.cancel()
    if failures:
        raise failures[0]
    if gone or not results:
        raise ClientGoneError("the client disconnected before the response was ready")
    return results[0]
