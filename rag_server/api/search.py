"""`POST /v1/search`: passages from the caller's documents, without generation."""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

import msgspec
from litestar import Request, post
from msgspec import Meta

from rag_server.api.decoding import decode_body
from rag_server.errors import InvalidRequestError
from rag_server.retrieval.access import Principal
from rag_server.retrieval.records import CollectionName, SearchFilters, SearchHit, SearchMode, TopK
from rag_server.retrieval.service import KnowledgeSlot, SearchQuery

__all__ = ["SearchRequest", "SearchResponse", "search"]

logger = logging.getLogger(__name__)


class SearchRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    query: Annotated[str, Meta(min_length=1, max_length=4000)]
    top_k: TopK | None = None
    collection: CollectionName | None = None
    mode: SearchMode | None = None
    filters: SearchFilters = SearchFilters()


class SearchResponse(msgspec.Struct, frozen=True, kw_only=True):
    data: list[SearchHit]
    collection: str
    mode: SearchMode
    embedder: str
    took_ms: float
    object: str = "list"


_decoder = msgspec.json.Decoder(SearchRequest)


@post("/search", status_code=200)
async def search(request: Request[Any, Any, Any], knowledge: KnowledgeSlot, principal: Principal) -> SearchResponse:
    began = time.perf_counter()
    body = decode_body(await request.body(), _decoder)
    if not body.query.strip():
        raise InvalidRequestError("`query` must contain some text", param="query")
    service = knowledge.get()
    result = await service.search(
        SearchQuery(
            text=body.query,
            principal=principal,
            top_k=body.top_k,
            collection=body.collection,
            mode=body.mode,
            filters=body.filters,
        )
    )
    took_ms = (time.perf_counter() - began) * 1000
    logger.info("search principal=%s %s took_ms=%.1f", principal.id, result.summary(), took_ms)
    return SearchResponse(
        data=result.hits,
        collection=result.collection,
        mode=result.mode,
        embedder=service.embedder.model_id,
        took_ms=round(took_ms, 2),
    )
