"""Document writes over HTTP: how `rag-ingest` reaches an index the running server owns.

`GET|PUT|DELETE /v1/collections/{collection}/documents[/{document_id}]`, scope `manage_documents`: callers present
the server's ingest token (published to its own user in `<index_dir>/owner.json`) or an admin API key
(`rag_server.api.gate`).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import msgspec
from litestar import Request, delete, get, put

from rag_server.api.decoding import decode_body
from rag_server.api.gate import Scope
from rag_server.errors import InvalidRequestError
from rag_server.retrieval.access import Principal
from rag_server.retrieval.errors import CollectionNotFoundError
from rag_server.retrieval.index import DocumentList
from rag_server.retrieval.records import DocumentDraft, DocumentRecord
from rag_server.retrieval.service import KnowledgeSlot

__all__ = ["DocumentList", "delete_document", "list_documents", "put_document"]

logger = logging.getLogger(__name__)

_MAX_DOCUMENT_BYTES = 256 * 2**20
_decoder = msgspec.json.Decoder(DocumentDraft)


_MANAGE = {"scope": Scope.MANAGE_DOCUMENTS}
_ONE_DOCUMENT = "/collections/{collection:str}/documents/{document_id:str}"


@get("/collections/{collection:str}/documents", opt=_MANAGE)
async def list_documents(collection: str, knowledge: KnowledgeSlot) -> DocumentList:
    catalog = knowledge.get().catalog
    try:
        await anyio.to_thread.run_sync(catalog.store, collection)
    except CollectionNotFoundError:
        return DocumentList(stamp=catalog.stamp, data=[])
    records = await anyio.to_thread.run_sync(lambda: catalog.index(collection).documents())
    return DocumentList(stamp=catalog.stamp, data=records)


@put(_ONE_DOCUMENT, opt=_MANAGE, request_max_body_size=_MAX_DOCUMENT_BYTES)
async def put_document(
    collection: str, document_id: str, request: Request[Any, Any, Any], knowledge: KnowledgeSlot, principal: Principal
) -> DocumentRecord:
    draft = decode_body(await request.body(), _decoder)
    if draft.document_id != document_id:
        raise InvalidRequestError("`document_id` in the body differs from the URL", param="document_id")
    catalog = knowledge.get().catalog
    record = await anyio.to_thread.run_sync(lambda: catalog.index(collection).replace(draft))
    logger.info(
        "document %s replaced in %s by %s (%d chunks)", document_id, collection, principal.id, record.chunk_count
    )
    return record


@delete(_ONE_DOCUMENT, opt=_MANAGE, status_code=204)
async def delete_document(collection: str, document_id: str, knowledge: KnowledgeSlot, principal: Principal) -> None:
    catalog = knowledge.get().catalog
    await anyio.to_thread.run_sync(lambda: catalog.index(collection).delete(document_id))
    logger.info("document %s deleted from %s by %s", document_id, collection, principal.id)
