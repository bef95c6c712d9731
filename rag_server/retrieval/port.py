"""The two retrieval ports: an `Embedder` turns text into dense vectors, a `VectorStore` keeps points.

Both are narrow on purpose. Store adapters translate the small filter and query language below into their
backend's own classes (Qdrant Edge in-process, or qdrant-client against a server), so the index and the
retriever never see a vendor type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import msgspec

__all__ = [
    "ChunkScorer",
    "DeleteWhere",
    "Embedder",
    "FieldMatch",
    "ScrollPage",
    "SparseVector",
    "StoreFilter",
    "StorePoint",
    "StoreQuery",
    "StoredPoint",
    "UpsertPoints",
    "VectorStore",
    "WriteOp",
]


class ChunkScorer(Protocol):
    """Scores chunks for prompt injection at ingest, so retrieval can drop poisoned ones without re-scoring."""

    model_id: str
    """Names the detector and its version; part of every document's fingerprint, so a new detector rescans."""

    def score(self, texts: Sequence[str], embeddings: Sequence[Sequence[float]]) -> list[float]:
        """One score in [0, 1] per chunk; `embeddings` are the chunks' own dense vectors, in order."""
        ...


class Embedder(Protocol):
    model_id: str
    dimension: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-length vectors for passages, in order."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """A unit-length vector for a search query."""
        ...


class SparseVector(msgspec.Struct, frozen=True):
    indices: list[int]
    values: list[float]


class FieldMatch(msgspec.Struct, frozen=True):
    """`key` (a payload path such as `metadata.team`) equals any of `values`."""

    key: str
    values: tuple[str, ...]


class StoreFilter(msgspec.Struct, frozen=True, kw_only=True):
    must: tuple[FieldMatch, ...] = ()
    must_not: tuple[FieldMatch, ...] = ()


class StorePoint(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    """A UUID string."""
    dense: list[float] | None = None
    sparse: SparseVector | None = None
    payload: dict[str, Any]


class UpsertPoints(msgspec.Struct, frozen=True, tag="upsert"):
    points: tuple[StorePoint, ...]


class DeleteWhere(msgspec.Struct, frozen=True, tag="delete"):
    where: StoreFilter

    def __post_init__(self) -> None:
        if not self.where.must and not self.where.must_not:
            raise ValueError("a delete needs a filter; refusing to delete every point")


WriteOp = UpsertPoints | DeleteWhere


class StoreQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Nearest neighbours by the dense vector, the sparse one, or both fused with reciprocal-rank fusion."""

    dense: list[float] | None = None
    sparse: SparseVector | None = None
    where: StoreFilter = StoreFilter()
    limit: int
    candidates: int = 50
    """Per-vector candidate count fed into the fusion (hybrid only)."""
    rrf_k: int = 60


class StoredPoint(msgspec.Struct, frozen=True):
    id: str
    score: float
    payload: dict[str, Any]


class ScrollPage(msgspec.Struct, frozen=True):
    points: list[StoredPoint]
    next_offset: str | None


class VectorStore(Protocol):
    """One collection of points with a dense vector `dense` and a BM25 sparse vector `sparse`."""

    def write(self, ops: Sequence[WriteOp]) -> None:
        """Apply the operations in order; each one is atomic."""
        ...

    def query(self, query: StoreQuery) -> list[StoredPoint]:
        """Best first; points without the queried vector (document records) never appear."""
        ...

    def scroll(self, where: StoreFilter, limit: int, offset: str | None = None) -> ScrollPage:
        """Points matching `where`, in id order, a page at a time."""
        ...
