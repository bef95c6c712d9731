"""`GET /openapi.json`: the API as an OpenAPI 3.1 document, its schemas generated from the msgspec wire types.

The handlers decode their own bodies (so every error names its field in the OpenAI envelope), which leaves a
framework nothing to infer a request schema from; the operations are therefore listed here, once, and every schema
comes from the Structs the handlers really decode and encode (`msgspec.json.schema_components`). A test fuzzes the
running server against this document (schemathesis), so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, get

from rag_server.api.chat_request import NEUTRAL_VALUES
from rag_server.api.errors import ErrorEnvelope, Problem
from rag_server.api.guardrails import CheckRequest, CheckResponse
from rag_server.api.health import Liveness, ServerReadiness
from rag_server.api.openai_types import ChatCompletion, ChatCompletionRequest, ModelList, UserMessage
from rag_server.api.search import SearchRequest, SearchResponse
from rag_server.retrieval.index import DocumentList
from rag_server.retrieval.records import COLLECTION_NAME, DocumentDraft, DocumentRecord

__all__ = ["openapi_document", "openapi_json"]

_WIRE_TYPES: tuple[Any, ...] = (
    ChatCompletionRequest,
    ChatCompletion,
    SearchRequest,
    SearchResponse,
    CheckRequest,
    CheckResponse,
    DocumentDraft,
    DocumentRecord,
    DocumentList,
    ModelList,
    ErrorEnvelope,
    Problem,
    Liveness,
    ServerReadiness,
)
_REF = "#/components/schemas/{name}"
_UNAUTHENTICATED = "A valid API key is required (when authentication is on)"
_MISMATCH = "The collection was built with another embedding model"
_V1_ERRORS = {
    "400": "The body or a parameter is invalid; `error.param` names it",
    "401": _UNAUTHENTICATED,
    "413": "The body is larger than `server.max_request_bytes`",
    "503": "Not ready, or at capacity: retry after `Retry-After` seconds",
}


def _ref(struct: type) -> dict[str, str]:
    return {"$ref": _REF.format(name=struct.__name__)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str,
    answer: tuple[str, dict[str, Any]] | None,
    body: type | None = None,
    errors: dict[str, str] = _V1_ERRORS,
    **extra: Any,
) -> dict[str, Any]:
    """`answer`: the success status and its response object (None: 204 without a body)."""
    status, response = answer if answer is not None else ("204", {"description": "Done"})
    failures = {code: _json(_ref(ErrorEnvelope), text) for code, text in errors.items()}
    operation: dict[str, Any] = {"summary": summary, "responses": {status: response, **failures}, **extra}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return operation


def _chat() -> dict[str, Any]:
    answer = {
        "description": "The answer: a JSON completion, or with `stream: true` server-sent events in OpenAI's chunk "
        "format ending with `data: [DONE]`",
        "content": {
            "application/json": {"schema": _ref(ChatCompletion)},
            # One schema per event: `data` is a JSON chunk, an `{"error": ...}` envelope, or `[DONE]` last.
            "text/event-stream": {
                "schema": {"type": "object", "properties": {"data": {"type": "string"}}, "required": ["data"]}
            },
        },
    }
    refused = {**_V1_ERRORS, "404": "The model or `rag.collection` does not exist", "409": _MISMATCH}
    return _operation(
        "Chat completion, answered from the documents, guarded", ("200", answer), ChatCompletionRequest, refused
    )


def _documents_path() -> dict[str, Any]:
    return {
        "name": "collection",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": COLLECTION_NAME},
    }


def _paths() -> dict[str, Any]:
    document_id = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}
    manage = {
        **_V1_ERRORS,
        "403": "Needs an admin API key or the server's ingest token",
        "404": "No collection of that name",
        "409": _MISMATCH,
    }
    upload = {**manage, "413": "The document is larger than 256 MiB"}
    ok = "200"
    return {
        "/v1/chat/completions": {"post": _chat()},
        "/v1/search": {
            "post": _operation(
                "Passages from the caller's documents", (ok, _json(_ref(SearchResponse), "Hits")), SearchRequest,
                {**_V1_ERRORS, "404": "The named collection does not exist", "409": _MISMATCH},
            )
        },
        "/v1/guardrails/check": {
            "post": _operation("Run the rails on a text", (ok, _json(_ref(CheckResponse), "Verdict")), CheckRequest)
        },
        "/v1/models": {
            "get": _operation(
                "The served model", (ok, _json(_ref(ModelList), "Models")), None, {"401": _UNAUTHENTICATED}
            )
        },
        "/v1/collections/{collection}/documents": {
            "parameters": [_documents_path()],
            "get": _operation("A collection's documents", (ok, _json(_ref(DocumentList), "Documents")), None, manage),
        },
        "/v1/collections/{collection}/documents/{document_id}": {
            "parameters": [_documents_path(), document_id],
            "put": _operation("Replace a document", (ok, _json(_ref(DocumentRecord), "Stored")), DocumentDraft, upload),
            "delete": _operation("Delete a document", None, None, manage),
        },
        "/healthz": {
            "get": {
                "summary": "Liveness",
                "security": [],
                "responses": {
                    ok: _json(_ref(Liveness), "Alive"),
                    "503": _json(_ref(Liveness), "The engine failed for good; restart the process"),
                },
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness",
                "security": [],
                "responses": {
                    ok: _json(_ref(ServerReadiness), "Ready"),
                    "503": _json(_ref(ServerReadiness), "Not ready; the body says which component and why"),
                },
            }
        },
    }  # fmt: skip


def openapi_document(max_top_k: int, *, speculative: bool) -> bytes:
    """The document for a deployment whose `retrieval.max_top_k` is `max_top_k` and whose engine decodes
    speculatively or not (the bounds that are configuration, not type)."""
    _, components = msgspec.json.schema_components(_WIRE_TYPES, ref_template=_REF)
    for holder in ("SearchRequest", "RagOptions"):
        bounded = components[holder]["properties"]["top_k"]["anyOf"][0]
        bounded["maximum"] = max_top_k
    # The question is the last user turn: a conversation without one is refused (400 naming `messages`).
    chat = components["ChatCompletionRequest"]["properties"]
    if speculative:  # vLLM ignores min_p while it speculates: refused with 400 `unsupported_parameter` above 0
        chat["min_p"]["anyOf"][0]["maximum"] = 0
        chat["min_p"]["description"] = "Not supported while this server decodes speculatively: 0 or null only."
    chat["messages"]["contains"] = _ref(UserMessage)
    for name, allowed in NEUTRAL_VALUES.items():  # refused with 400 `unsupported_parameter` at any other value
        chat[name] = {"enum": list(allowed), "description": "Not supported: accepted only at these values."}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "rag-server", "version": "1", "description": "A guardrailed RAG server, OpenAI-compatible."},
        "paths": _paths(),
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        # A bearer key when the deployment turns authentication on (`auth.enabled`); none when it is off.
        "security": [{"bearer": []}, {}],
    }
    return msgspec.json.encode(document)


@get("/openapi.json", sync_to_thread=False, include_in_schema=False)
def openapi_json(openapi: bytes) -> Response[bytes]:
    return Response(openapi, media_type="application/json")
