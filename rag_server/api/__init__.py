"""HTTP surfaces: one module each, thin handlers."""

from rag_server.api.chat import create_chat_completion
from rag_server.api.documents import delete_document, list_documents, put_document
from rag_server.api.guardrails import check_guardrails
from rag_server.api.health import healthz, readyz
from rag_server.api.metrics import metrics
from rag_server.api.models import list_models
from rag_server.api.search import search
from rag_server.api.web import chat_page, web_asset

ROUTES = [
    create_chat_completion,
    search,
    check_guardrails,
    list_documents,
    put_document,
    delete_document,
    list_models,
    healthz,
    readyz,
    metrics,
    chat_page,
    web_asset,
]

__all__ = ["ROUTES"]
