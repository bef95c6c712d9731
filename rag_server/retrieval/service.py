"""Retrieval as the server uses it: one search service for `/v1/search` and the chat pipeline, and its slot in the
server's lifecycle.

One rule for both callers:
- `top_k` is 1 to `retrieval.max_top_k`; a request that names none gets `retrieval.default_top_k`;
- a request that names a collection needs it to exist (404 otherwise); the default collection, before anything is
  ingested into it, simply holds nothing (an empty result, so a plain chat request is answered without sources);
- the blocking work (opening the collection, embedding, the store query) runs in one worker-thread call.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import msgspec

from rag_server.errors import InvalidRequestError, RagError
from rag_server.lifecycle import ComponentFactory, Supervised, in_worker_thread
from rag_server.retrieval.access import Principal
from rag_server.retrieval.catalog import Catalog
from rag_server.retrieval.errors import CollectionNotFoundError
from rag_server.retrieval.ownership import Owner, claim, release
from rag_server.retrieval.port import Embedder
from rag_server.retrieval.records import SearchFilters, SearchHit, SearchMode
from rag_server.retrieval.retriever import Fusion, Retriever
from rag_server.settings import RetrievalSettings

__all__ = [
    "Knowledge",
    "KnowledgeSlot",
    "RetrievalUnavailableError",
    "SearchQuery",
    "SearchResult",
    "check_top_k",
    "open_knowledge",
]


class RetrievalUnavailableError(RagError):
    status_code = 503
    error_type = "service_unavailable"
    code = "retrieval_unavailable"


class SearchQuery(msgspec.Struct, frozen=True, kw_only=True):
    """One search as a caller asks for it; None means the deployment's default."""

    text: str
    principal: Principal
    top_k: int | None = None
    top_k_param: str = "top_k"
    """The request field that carried `top_k`, so a bound error names it."""
    collection: str | None = None
    mode: SearchMode | None = None
    filters: SearchFilters = SearchFilters()
    query_vector: tuple[float, ...] | None = None
    """The embedder's vector for `text`, when the caller already computed it."""


class SearchResult(msgspec.Struct, frozen=True, kw_only=True):
    hits: list[SearchHit]
    collection: str
    mode: SearchMode
    top_k: int

    def summary(self) -> str:
        """For the log line: names and counts, never the query or the passages."""
        return f"collection={self.collection} mode={self.mode} top_k={self.top_k} hits={len(self.hits)}"


def check_top_k(top_k: int | None, max_top_k: int, param: str = "top_k") -> None:
    """InvalidRequestError naming `param` unless `top_k` is unset or 1 to `max_top_k` (the deployment's bound)."""
    if top_k is not None and not 1 <= top_k <= max_top_k:
        raise InvalidRequestError(f"`{param}` must be between 1 and {max_top_k}", param=param)


class Knowledge:
    """The open index and its search, shared by every request."""

    def __init__(self, catalog: Catalog, settings: RetrievalSettings, owner: Owner | None = None) -> None:
        self.catalog = catalog
        self.owner = owner
        """Set when this process owns an embedded index and publishes an ingest token for `rag-ingest`."""
        self._settings = settings
        fusion = Fusion(candidates=settings.fusion_candidates, rrf_k=settings.rrf_k)
        self._retriever = Retriever(catalog.embedder, catalog.sparse, fusion)

    @property
    def embedder(self) -> Embedder:
        return self.catalog.embedder

    async def embed_query(self, text: str) -> tuple[float, ...]:
        return tuple(await anyio.to_thread.run_sync(self.catalog.embedder.embed_query, text))

    async def search(self, query: SearchQuery) -> SearchResult:
        """Raise InvalidRequestError for a `top_k` over the bound, CollectionNotFoundError for a named collection
        that does not exist."""
        settings = self._settings
        check_top_k(query.top_k, settings.max_top_k, query.top_k_param)
        top_k = settings.default_top_k if query.top_k is None else query.top_k
        collection = query.collection or settings.collection
        mode = query.mode or settings.search_mode
        hits = await anyio.to_thread.run_sync(self._search, query, collection, mode, top_k)
        return SearchResult(hits=hits, collection=collection, mode=mode, top_k=top_k)

    def _search(self, query: SearchQuery, collection: str, mode: SearchMode, top_k: int) -> list[SearchHit]:
        try:
            store = self.catalog.store(collection)
        except CollectionNotFoundError:
            if query.collection is not None:
                raise
            return []  # the default collection before the first ingest
        return self._retriever.search(
            store,
            query.text,
            top_k=top_k,
            principal=query.principal,
            filters=query.filters,
            mode=mode,
            query_vector=query.query_vector,
        )

    def is_ingest_token(self, token: str) -> bool:
        return self.owner is not None and hmac.compare_digest(token.encode(), self.owner.token.encode())


class KnowledgeSlot(Supervised[Knowledge]):
    component = "retrieval service"
    unavailable = RetrievalUnavailableError
    starting_reason = "loading the embedder"


def open_knowledge(
    load_catalog: Callable[[], Catalog], settings: RetrievalSettings, index_dir: Path | None, own_url: str
) -> ComponentFactory[Knowledge]:
    """The retrieval factory: load the embedder and open the catalog off the event loop, publish ownership of an
    embedded index (`index_dir`) for `rag-ingest`, and undo both at shutdown."""

    @asynccontextmanager
    async def open_with_owner() -> AsyncIterator[Knowledge]:
        async with in_worker_thread(load_catalog, Catalog.close)() as catalog:
            owner = claim(index_dir, own_url) if index_dir is not None else None
            try:
                yield Knowledge(catalog, settings, owner)
            finally:
                if index_dir is not None and owner is not None:
                    release(index_dir, owner)

    return open_with_owner
