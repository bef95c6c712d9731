"""`POST /v1/search`: passages from the caller's documents, without generation."""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Request, post
from msgspec import Meta

from rag_server.api.decoding import decode_body
from rag_server.auth import Authenticator
from rag_server.errors import InvalidRequestError
from rag_server.retrieval.records import ChunkHit, SearchFilters, SearchMode
from rag_server.retrieval.service import KnowledgeSlot
from rag_server.settings import RetrievalSettings

__all__ = ["SearchRequest", "SearchResponse", "search"]

logger = logging.getLogger(__name__)


class SearchRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    query: Annotated[str, Meta(min_length=1, max_length=4000)]
    top_k: Annotated[int, Meta(ge=1, le=100)] | None = None
    collection: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    mode: SearchMode | None = None
    filters: SearchFilters = SearchFilters()


class SearchResponse(msgspec.Struct, frozen=True, kw_only=True):
    data: list[ChunkHit]
    collection: str
    mode: SearchMode
    embedder: str
    took_ms: float
    object: str = "list"


_decoder = msgspec.json.Decoder(SearchRequest)


@post("/v1/search", status_code=200)
async def search(
    request: Request[Any, Any, Any],
    knowledge: KnowledgeSlot,
    authenticator: Authenticator,
    retrieval_settings: RetrievalSettings,
) -> SearchResponse:
    began = time.perf_counter()
    principal = authenticator.principal(request.headers.get("authorization"))
    body = decode_body(await request.body(), _decoder)
    if not body.query.strip():
        raise InvalidRequestError("`query` must contain some text", param="query")
    top_k = body.top_k or retrieval_settings.default_top_k
    if top_k > retrieval_settings.max_top_k:
        raise InvalidRequestError(f"`top_k` may be at most {retrieval_settings.max_top_k}", param="top_k")
    collection = body.collection or retrieval_settings.collection
    mode = body.mode or retrieval_settings.search_mode
    catalog = knowledge.catalog()
    retriever = knowledge.retriever()
    store = await anyio.to_thread.run_sync(catalog.store, collection)
    hits = await anyio.to_thread.run_sync(
        lambda: retriever.search(store, body.query, top_k=top_k, principal=principal, filters=body.filters, mode=mode)
    )
    took_ms = (time.perf_counter() - began) * 1000
    logger.info(
        "search principal=%s collection=%s mode=%s top_k=%d hits=%d took_ms=%.1f",
        principal.id,
        collection,
        mode,
        top_k,
        len(hits),
        took_ms,
    )
    return SearchResponse(
        data=hits, collection=collection, mode=mode, embedder=catalog.embedder.model_id, took_ms=round(took_ms, 2)
    )
