"""Document writes over HTTP: how `rag-ingest` reaches an index the running server owns.

`GET|PUT|DELETE /v1/collections/{collection}/documents[/{document_id}]`. Callers present the server's ingest
token (published to its own user in `<index_dir>/owner.json`) or an admin API key.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import msgspec
from litestar import Request, delete, get, put

from rag_server.api.decoding import decode_body
from rag_server.auth import AuthenticationError, Authenticator, PermissionDeniedError
from rag_server.errors import InvalidRequestError
from rag_server.retrieval.errors import CollectionNotFoundError
from rag_server.retrieval.index import DocumentList
from rag_server.retrieval.records import DocumentDraft, DocumentRecord
from rag_server.retrieval.service import KnowledgeSlot

__all__ = ["DocumentList", "delete_document", "list_documents", "put_document"]

logger = logging.getLogger(__name__)

_MAX_DOCUMENT_BYTES = 256 * 2**20
_decoder = msgspec.json.Decoder(DocumentDraft)


def _authorise(request: Request[Any, Any, Any], knowledge: KnowledgeSlot, authenticator: Authenticator) -> str:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    service = knowledge.peek()
    if scheme.lower() == "bearer" and service is not None and service.is_ingest_token(token.strip()):
        return "ingest-token"
    try:
        principal = authenticator.principal(header)
    except AuthenticationError:
        raise AuthenticationError("document writes need the server's ingest token or an admin API key") from None
    if not principal.admin:
        raise PermissionDeniedError("document writes need the server's ingest token or an admin API key")
    return principal.id


@get("/v1/collections/{collection:str}/documents")
async def list_documents(
    collection: str, request: Request[Any, Any, Any], knowledge: KnowledgeSlot, authenticator: Authenticator
) -> DocumentList:
    _authorise(request, knowledge, authenticator)
    catalog = knowledge.get().catalog
    try:
        await anyio.to_thread.run_sync(catalog.store, collection)
    except CollectionNotFoundError:
        return DocumentList(stamp=catalog.stamp, data=[])
    records = await anyio.to_thread.run_sync(lambda: catalog.index(collection).documents())
    return DocumentList(stamp=catalog.stamp, data=records)


@put("/v1/collections/{collection:str}/documents/{document_id:str}", request_max_body_size=_MAX_DOCUMENT_BYTES)
async def put_document(
    collection: str,
    document_id: str,
    request: Request[Any, Any, Any],
    knowledge: KnowledgeSlot,
    authenticator: Authenticator,
) -> DocumentRecord:
    caller = _authorise(request, knowledge, authenticator)
    draft = decode_body(await request.body(), _decoder)
    if draft.document_id != document_id:
        raise InvalidRequestError("`document_id` in the body differs from the URL", param="document_id")
    catalog = knowledge.get().catalog
    record = await anyio.to_thread.run_sync(lambda: catalog.index(collection).replace(draft))
    logger.info("document %s replaced in %s by %s (%d chunks)", document_id, collection, caller, record.chunk_count)
    return record


@delete("/v1/collections/{collection:str}/documents/{document_id:str}", status_code=204)
async def delete_document(
    collection: str,
    document_id: str,
    request: Request[Any, Any, Any],
    knowledge: KnowledgeSlot,
    authenticator: Authenticator,
) -> None:
    caller = _authorise(request, knowledge, authenticator)
    catalog = knowledge.get().catalog
    await anyio.to_thread.run_sync(lambda: catalog.index(collection).delete(document_id))
    logger.info("document %s deleted from %s by %s", document_id, collection, caller)
