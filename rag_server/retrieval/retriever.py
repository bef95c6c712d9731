"""Search one collection: embed the query, apply the caller's access filter and the requested narrowing,
fuse dense and BM25 results with reciprocal-rank fusion."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from rag_server.retrieval.access import Principal, access_condition
from rag_server.retrieval.index import hit_from_point
from rag_server.retrieval.port import Embedder, FieldMatch, StoreFilter, StoreQuery, VectorStore
from rag_server.retrieval.records import SearchFilters, SearchHit, SearchMode
from rag_server.retrieval.sparse import Bm25Encoder

__all__ = ["Fusion", "Retriever", "search_filter"]


def search_filter(principal: Principal, filters: SearchFilters) -> StoreFilter:
    """Caller narrowing AND access control: every condition must hold, so no request field can widen access."""
    must = [FieldMatch("record", ("chunk",))]
    access = access_condition(principal)
    if access is not None:
        must.append(access)
    if filters.document_ids:
        must.append(FieldMatch("document_id", filters.document_ids))
    if filters.sources:
        must.append(FieldMatch("source", filters.sources))
    must.extend(FieldMatch(f"metadata.{key}", (value,)) for key, value in sorted(filters.metadata.items()))
    return StoreFilter(must=tuple(must))


class Fusion(msgspec.Struct, frozen=True, kw_only=True):
    """How hybrid search merges its dense and BM25 rankings."""

    candidates: int = 50
    """Candidates taken from each ranking before fusion (at least `top_k`)."""
    rrf_k: int = 60
    """Reciprocal-rank-fusion constant: larger flattens the difference between ranks."""


class Retriever:
    """Blocking (the query embedding is CPU work); run it off the event loop."""

    def __init__(self, embedder: Embedder, sparse: Bm25Encoder, fusion: Fusion = Fusion()) -> None:  # noqa: B008
        self._embedder = embedder
        self._sparse = sparse
        self._fusion = fusion

    def search(
        self,
        store: VectorStore,
        query: str,
        *,
        top_k: int,
        principal: Principal,
        filters: SearchFilters = SearchFilters(),  # noqa: B008 - immutable Struct
        mode: SearchMode = "hybrid",
        query_vector: Sequence[float] | None = None,
    ) -> list[SearchHit]:
        """`query_vector`: the embedder's vector for `query` when the caller already has it."""
        dense = None
        if mode in ("hybrid", "dense"):
            dense = list(query_vector) if query_vector is not None else self._embedder.embed_query(query)
        sparse = self._sparse.encode_query(query) if mode in ("hybrid", "sparse") else None
        if sparse is not None and not sparse.indices:
            if dense is None:
                return []  # only stop words: BM25 has nothing to match
            sparse = None
        points = store.query(
            StoreQuery(
                dense=dense,
                sparse=sparse,
                where=search_filter(principal, filters),
                limit=top_k,
                candidates=max(self._fusion.candidates, top_k),
                rrf_k=self._fusion.rrf_k,
            )
        )
        return [hit_from_point(point) for point in points]
