"""Who is asking, and the store filter that follows from it. Retrieval applies it to every query."""

from __future__ import annotations

import msgspec

from rag_server.retrieval.port import FieldMatch
from rag_server.retrieval.records import PUBLIC_GROUP

__all__ = ["Principal", "access_condition"]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    """Names the caller in logs and metrics (an API key's id, never the key)."""
    groups: frozenset[str] = frozenset()
    """Access groups whose documents the caller may read, besides `public`."""
    all_access: bool = False
    """Reads every document regardless of groups: the local operator when authentication is off."""
    admin: bool = False
    """May write and delete documents over HTTP."""
    weight: float = 1.0
    """The caller's share of the server when callers compete for admission slots."""


def access_condition(principal: Principal) -> FieldMatch | None:
    """None means no restriction; otherwise chunks must carry one of the caller's groups or `public`."""
    if principal.all_access:
        return None
    return FieldMatch("access_groups", tuple(sorted(principal.groups | {PUBLIC_GROUP})))
