"""Authentication once, for every `/v1` route, before a handler reads a byte of the body.

A guard on the `/v1` router resolves the caller from `Authorization` (401 when a key is required and wrong) and
checks the route's scope (403): `Scope.ASK` for chat, search, the guardrails check and the model list;
`Scope.MANAGE_DOCUMENTS` for document writes, which take an admin API key or the ingest token the server
publishes to `rag-ingest` in its index's owner file. Handlers receive the result as the `principal` dependency.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from rag_server.auth import AuthenticationError, Authenticator, PermissionDeniedError
from rag_server.retrieval.access import Principal
from rag_server.retrieval.service import KnowledgeSlot

__all__ = ["INGEST_TOKEN_HOLDER", "Gate", "Scope", "authenticate", "principal_of"]

INGEST_TOKEN_HOLDER = Principal(id="ingest-token", all_access=True, admin=True)
"""The `rag-ingest` process on this machine, holding the token from the index's owner file."""


class Scope(enum.StrEnum):
    ASK = "ask"
    """Chat, search, the guardrails check, the model list: any valid key."""
    MANAGE_DOCUMENTS = "manage_documents"
    """Writing and deleting documents: an admin key or the ingest token."""


@dataclass(frozen=True)
class Gate:
    authenticator: Authenticator
    knowledge: KnowledgeSlot

    def admit(self, authorization: str | None, scope: Scope) -> Principal:
        if scope is Scope.ASK:
            return self.authenticator.principal(authorization)
        scheme, _, token = (authorization or "").partition(" ")
        service = self.knowledge.peek()
        if scheme.lower() == "bearer" and service is not None and service.is_ingest_token(token.strip()):
            return INGEST_TOKEN_HOLDER
        refusal = "document writes need the server's ingest token or an admin API key"
        try:
            principal = self.authenticator.principal(authorization)
        except AuthenticationError:
            raise AuthenticationError(refusal) from None
        if not principal.admin:
            raise PermissionDeniedError(refusal)
        return principal


def authenticate(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The `/v1` router's guard: runs before the handler, so a refused caller's body is never read."""
    gate: Gate = connection.app.state.gate
    scope = Scope(handler.opt.get("scope", Scope.ASK))
    connection.state.principal = gate.admit(connection.headers.get("authorization"), scope)


def principal_of(request: Request[Any, Any, Any]) -> Principal:
    """The `principal` dependency of every `/v1` handler (set by `authenticate`)."""
    principal: Principal = request.state.principal
    return principal
