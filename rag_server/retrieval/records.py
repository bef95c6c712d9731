"""Values that flow through ingestion and retrieval: drafts in, records stored, hits out."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "COLLECTION_NAME",
    "MAX_TOP_K",
    "PUBLIC_GROUP",
    "ChunkDraft",
    "CollectionName",
    "DocumentDraft",
    "DocumentRecord",
    "SearchFilters",
    "SearchHit",
    "SearchMode",
    "TopK",
]

PUBLIC_GROUP = "public"
"""Access group of documents ingested without one: every caller may read them."""

SearchMode = Literal["hybrid", "dense", "sparse"]

COLLECTION_NAME = r"^[A-Za-z0-9_-]{1,64}(?!\n)$"
"""What a collection may be called: it names a directory of the embedded index and a Qdrant collection. (`(?!\n)`:
Python's `$` also matches before a final newline, and `default\n` must not pass.)"""
CollectionName = Annotated[str, Meta(pattern=COLLECTION_NAME)]

MAX_TOP_K = 100
"""The hard ceiling on passages per search; `retrieval.max_top_k` sets the deployment's own, lower one."""
TopK = Annotated[int, Meta(ge=1, le=MAX_TOP_K)]

DocumentId = Annotated[str, Meta(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
MetadataKey = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class ChunkDraft(msgspec.Struct, frozen=True, kw_only=True):
    """One chunk of a parsed document, before embedding."""

    ordinal: Annotated[int, Meta(ge=0)]
    text: Annotated[str, Meta(min_length=1)]
    start: Annotated[int, Meta(ge=0)]
    """Character offset of the chunk in the document's parsed text (citations point here)."""
    end: Annotated[int, Meta(ge=0)]
    section: str = ""
    """Heading path of the chunk's start, e.g. `Leave policy › Sick leave`."""
    page: Annotated[int, Meta(ge=1)] | None = None
    """1-based page of the chunk's start (PDF only)."""


class DocumentDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A whole document's new version: what `DocumentIndex.replace` writes."""

    document_id: DocumentId
    source: Annotated[str, Meta(min_length=1, max_length=1024)]
    """Display path, e.g. `data/hr/leave-policy.md`."""
    path_key: Annotated[str, Meta(min_length=1, max_length=4096)]
    """Absolute path the document was read from; `--prune` compares it with the files on disk."""
    title: str
    fingerprint: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]
    """Hash of the file's bytes and every setting that shapes its chunks; unchanged means skip."""
    access_groups: tuple[Annotated[str, Meta(min_length=1, max_length=128)], ...] = (PUBLIC_GROUP,)
    metadata: dict[MetadataKey, Annotated[str, Meta(max_length=1024)]] = {}
    chunks: Annotated[tuple[ChunkDraft, ...], Meta(max_length=100_000)] = ()


class DocumentRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The index's record of one document; `complete` only once all its chunks are written."""

    document_id: str
    source: str
    path_key: str
    title: str
    fingerprint: str
    chunk_count: int
    state: Literal["pending", "complete"]
    access_groups: tuple[str, ...]


class SearchFilters(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Narrowing a caller may ask for; access control is applied on top and cannot be widened by these."""

    document_ids: Annotated[tuple[DocumentId, ...], Meta(max_length=100)] = ()
    sources: Annotated[tuple[Annotated[str, Meta(min_length=1, max_length=1024)], ...], Meta(max_length=100)] = ()
    metadata: Annotated[dict[MetadataKey, Annotated[str, Meta(max_length=1024)]], Meta(max_length=16)] = {}


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    """A retrieved passage with everything a citation needs. It is also what `/v1/search` returns, so its fields
    are public API: the index maps its stored payload onto them in one place (`index.hit_from_point`)."""

    chunk_id: str
    document_id: str
    source: str
    """Display path of the document, e.g. `data/hr/leave-policy.md`."""
    title: str
    section: str
    """Heading path of the passage's start, e.g. `Leave policy › Sick leave`."""
    page: int | None
    """1-based page of the passage's start (PDF only)."""
    start: int
    """Character offsets of the passage in the document's parsed text."""
    end: int
    ordinal: int
    """Position of the passage among its document's chunks, from 0."""
    text: str
    score: float
    """Similarity (dense), BM25 score (sparse) or fused reciprocal-rank score (hybrid): higher is better."""
    injection_score: float | None
    """The injection detector's score for the passage, computed at ingest (chat leaves out passages it flags)."""
