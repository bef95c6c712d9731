"""`VectorStore` on Qdrant Edge: the Qdrant engine in-process (WAL, segments, payload indexes, sparse vectors).

One shard directory per collection. The WAL takes an exclusive lock, so one process owns a directory at a time;
`open_edge_store` raises `StoreLockedError` when another opener holds it, so callers can hand their work to the
owner instead (see `rag_server.retrieval.ownership`).
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import qdrant_edge as edge

from rag_server.retrieval.errors import StoreLockedError, StoreSchemaError
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

__all__ = ["EdgeStore", "open_edge_store"]

_CONFIG_FILE = "edge_config.json"
_WAL_DIR = "wal"


class EdgeStore:
    def __init__(self, shard: edge.EdgeShard) -> None:
        self._shard = shard

    def write(self, ops: Sequence[WriteOp]) -> None:
        for op in ops:
            match op:
                case UpsertPoints(points):
                    self._shard.update(edge.UpdateOperation.upsert_points([_point(p) for p in points]))
                case DeleteWhere(where):
                    condition = _filter(where)
                    assert condition is not None  # DeleteWhere never holds an empty filter
                    self._shard.update(edge.UpdateOperation.delete_points_by_filter(condition))

    def query(self, query: StoreQuery) -> list[StoredPoint]:
        where = _filter(query.where)
        if query.dense is not None and query.sparse is not None:
            request = edge.QueryRequest(
                limit=query.limit,
                with_payload=True,
                filter=where,
                prefetches=[
                    edge.Prefetch(limit=query.candidates, query=edge.Query.Nearest(query.dense, using=DENSE)),
                    edge.Prefetch(
                        limit=query.candidates, query=edge.Query.Nearest(_sparse(query.sparse), using=SPARSE)
                    ),
                ],
                query=edge.Fusion.Rrf(k=query.rrf_k),  # type: ignore[arg-type]  # the 0.9 stub omits Fusion.Rrf
            )
        elif query.dense is not None:
            request = edge.QueryRequest(
                limit=query.limit, with_payload=True, filter=where, query=edge.Query.Nearest(query.dense, using=DENSE)
            )
        elif query.sparse is not None:
            request = edge.QueryRequest(
                limit=query.limit,
                with_payload=True,
                filter=where,
                query=edge.Query.Nearest(_sparse(query.sparse), using=SPARSE),
            )
        else:
            raise ValueError("a query needs a dense or a sparse vector")
        return [
            StoredPoint(str(hit.id), float(hit.score), dict(hit.payload or {})) for hit in self._shard.query(request)
        ]

    def scroll(self, where: StoreFilter, limit: int, offset: str | None = None) -> ScrollPage:
        records, next_offset = self._shard.scroll(
            edge.ScrollRequest(
                offset=uuid.UUID(offset) if offset else None, limit=limit, filter=_filter(where), with_payload=True
            )
        )
        points = [StoredPoint(str(record.id), 0.0, dict(record.payload or {})) for record in records]
        return ScrollPage(points, str(next_offset) if next_offset is not None else None)

    def optimize(self) -> bool:
        """Build the HNSW index over everything written so far (blocking; minutes per 100k points on 2 cores)."""
        return self._shard.optimize()

    def close(self) -> None:
        self._shard.close()


def open_edge_store(directory: Path, dimension: int | None) -> EdgeStore | None:
    """Open the shard in `directory`; create it when `dimension` is given, else return None if it is missing."""
    exists = (directory / _CONFIG_FILE).is_file()
    if not exists and dimension is None:
        return None
    try:
        if exists:
            shard = edge.EdgeShard.load(str(directory))
        else:
            directory.mkdir(parents=True, exist_ok=True)
            shard = edge.EdgeShard.create(str(directory), _config(dimension or 0))
    except Exception:
        if _wal_locked(directory):
            raise StoreLockedError(directory) from None
        raise
    store = EdgeStore(shard)
    if not exists:
        for key in INDEXED_KEYWORDS:
            shard.update(edge.UpdateOperation.create_field_index(key, edge.PayloadSchemaType.Keyword))
    elif dimension is not None:
        stored = _stored_dimension(directory)
        if stored is not None and stored != dimension:
            store.close()
            raise StoreSchemaError(f"the index at {directory} holds {stored}-dimensional vectors, not {dimension}")
    return store


def _wal_locked(directory: Path) -> bool:
    """Whether an open shard holds the lock on this directory's WAL (this process's own included).

    Qdrant Edge 0.9 reports a held lock as a bare `Exception` with nothing typed on it, only the text
    `Can't init WAL: Kind(WouldBlock)`. Its WAL locks the `wal` directory itself with `flock(LOCK_EX | LOCK_NB)`
    (`/proc/locks` shows a FLOCK on that inode), so after a failed open the kernel answers the same question
    typed: `BlockingIOError` while any other open file description holds the lock. Probing only after the open
    failed means the probe's own momentary lock can never be why it failed; an owner that closes in between
    leaves the engine's original error to propagate.
    """
    try:
        descriptor = os.open(directory / _WAL_DIR, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # releases the probe's lock if it got one
    return False


def _stored_dimension(directory: Path) -> int | None:
    config: dict[str, Any] = msgspec.json.decode((directory / _CONFIG_FILE).read_bytes())
    size = config.get("vectors", {}).get(DENSE, {}).get("size")
    return int(size) if size is not None else None


def _config(dimension: int) -> edge.EdgeConfig:
    return edge.EdgeConfig(
        vectors={DENSE: edge.EdgeVectorParams(size=dimension, distance=edge.Distance.Cosine)},
        sparse_vectors={SPARSE: edge.EdgeSparseVectorParams(modifier=edge.Modifier.Idf)},
    )


def _point(point: StorePoint) -> edge.Point:
    vectors: dict[str, Any] = {}
    if point.dense is not None:
        vectors[DENSE] = point.dense
    if point.sparse is not None:
        vectors[SPARSE] = _sparse(point.sparse)
    return edge.Point(uuid.UUID(point.id), vectors, point.payload)


def _sparse(vector: SparseVector) -> edge.SparseVector:
    return edge.SparseVector(vector.indices, vector.values)


def _condition(match: FieldMatch) -> edge.FieldCondition:
    if len(match.values) == 1:
        return edge.FieldCondition(key=match.key, match=edge.MatchValue(match.values[0]))
    return edge.FieldCondition(key=match.key, match=edge.MatchAny(list(match.values)))


def _filter(where: StoreFilter) -> edge.Filter | None:
    if not where.must and not where.must_not:
        return None
    return edge.Filter(
        must=[_condition(m) for m in where.must] or None, must_not=[_condition(m) for m in where.must_not] or None
    )
