"""`VectorStore` on `qdrant-client`: a Qdrant server or cluster by URL (or the client's `:memory:` test mode).

Scale-out path for deployments that outgrow one machine. A server takes many writers, so no lock applies.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from qdrant_client import QdrantClient, models

from rag_server.retrieval.errors import StoreSchemaError
from rag_server.retrieval.port import (
    DeleteWhere,
    FieldMatch,
    ScrollPage,
    SparseVector,
    StoredPoint,
    StoreFilter,
    StorePoint,
    StoreQuery,
    UpsertPoints,
    WriteOp,
)
from rag_server.retrieval.schema import DENSE, INDEXED_KEYWORDS, SPARSE

__all__ = ["QdrantClientStore", "open_client_store"]


class QdrantClientStore:
    def __init__(self, client: QdrantClient, collection: str) -> None:
        self._client = client
        self._collection = collection

    def write(self, ops: Sequence[WriteOp]) -> None:
        for op in ops:
            match op:
                case UpsertPoints(points):
                    self._client.upsert(self._collection, points=[_point(p) for p in points], wait=True)
                case DeleteWhere(where):
                    condition = _filter(where)
                    assert condition is not None  # DeleteWhere never holds an empty filter
                    selector = models.FilterSelector(filter=condition)
                    self._client.delete(self._collection, points_selector=selector, wait=True)

    def query(self, query: StoreQuery) -> list[StoredPoint]:
        where = _filter(query.where)
        if query.dense is not None and query.sparse is not None:
            response = self._client.query_points(
                self._collection,
                prefetch=[
                    models.Prefetch(query=query.dense, using=DENSE, limit=query.candidates),
                    models.Prefetch(query=_sparse(query.sparse), using=SPARSE, limit=query.candidates),
                ],
                query=models.RrfQuery(rrf=models.Rrf(k=query.rrf_k)),
                query_filter=where,
                limit=query.limit,
                with_payload=True,
            )
        elif query.dense is not None:
            response = self._client.query_points(
                self._collection, query=query.dense, using=DENSE, query_filter=where, limit=query.limit
            )
        elif query.sparse is not None:
            response = self._client.query_points(
                self._collection, query=_sparse(query.sparse), using=SPARSE, query_filter=where, limit=query.limit
            )
        else:
            raise ValueError("a query needs a dense or a sparse vector")
        return [StoredPoint(str(hit.id), float(hit.score), dict(hit.payload or {})) for hit in response.points]

    def scroll(self, where: StoreFilter, limit: int, offset: str | None = None) -> ScrollPage:
        records, next_offset = self._client.scroll(
            self._collection, scroll_filter=_filter(where), limit=limit, offset=offset, with_payload=True
        )
        points = [StoredPoint(str(record.id), 0.0, dict(record.payload or {})) for record in records]
        return ScrollPage(points, str(next_offset) if next_offset is not None else None)


def open_client_store(client: QdrantClient, collection: str, dimension: int | None) -> QdrantClientStore | None:
    """The collection on `client`; created when `dimension` is given, else None if it is missing."""
    if not client.collection_exists(collection):
        if dimension is None:
            return None
        client.create_collection(
            collection,
            vectors_config={DENSE: models.VectorParams(size=dimension, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        for key in INDEXED_KEYWORDS:
            client.create_payload_index(collection, key, field_schema=models.PayloadSchemaType.KEYWORD)
    elif dimension is not None:
        vectors = client.get_collection(collection).config.params.vectors
        stored = vectors.get(DENSE) if isinstance(vectors, dict) else None
        if stored is None or stored.size != dimension:
            size = stored.size if stored else "no"
            raise StoreSchemaError(f"collection {collection} holds {size}-dimensional vectors, not {dimension}")
    return QdrantClientStore(client, collection)


def _point(point: StorePoint) -> models.PointStruct:
    vectors: dict[str, Any] = {}
    if point.dense is not None:
        vectors[DENSE] = point.dense
    if point.sparse is not None:
        vectors[SPARSE] = _sparse(point.sparse)
    return models.PointStruct(id=str(uuid.UUID(point.id)), vector=vectors, payload=point.payload)


def _sparse(vector: SparseVector) -> models.SparseVector:
    return models.SparseVector(indices=vector.indices, values=vector.values)


def _condition(match: FieldMatch) -> models.FieldCondition:
    if len(match.values) == 1:
        return models.FieldCondition(key=match.key, match=models.MatchValue(value=match.values[0]))
    return models.FieldCondition(key=match.key, match=models.MatchAny(any=list(match.values)))


def _filter(where: StoreFilter) -> models.Filter | None:
    if not where.must and not where.must_not:
        return None
    return models.Filter(
        must=[_condition(m) for m in where.must] or None,
        must_not=[_condition(m) for m in where.must_not] or None,
    )
