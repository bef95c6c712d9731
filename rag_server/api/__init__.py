"""HTTP surfaces: one module each, thin handlers. Everything under `/v1` is one router whose guard authenticates the
caller before any handler runs (`gate.py`); probes, metrics and the chat page stay outside it."""

from litestar import Router
from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from rag_server.api.chat import create_chat_completion
from rag_server.api.documents import delete_document, list_documents, put_document
from rag_server.api.gate import authenticate, principal_of
from rag_server.api.guardrails import check_guardrails
from rag_server.api.health import healthz, readyz
from rag_server.api.metrics import metrics
from rag_server.api.models import list_models
from rag_server.api.openapi import openapi_json
from rag_server.api.search import search
from rag_server.api.web import chat_page, web_asset

V1 = Router(
    path="/v1",
    route_handlers=[
        create_chat_completion,
        search,
        check_guardrails,
        list_documents,
        put_document,
        delete_document,
        list_models,
    ],
    guards=[authenticate],
    dependencies={"principal": Provide(principal_of, sync_to_thread=False)},
)

ROUTES: list[ControllerRouterHandler] = [V1, healthz, readyz, metrics, openapi_json, chat_page, web_asset]

__all__ = ["ROUTES", "V1"]
