"""Writing documents into a collection so that any interruption converges on the next run.

A document is replaced in four atomic steps:

1. its record is written as `pending` with the new fingerprint,
2. its chunks are upserted under deterministic ids (document id + ordinal), so a re-run overwrites them,
3. every chunk of the document that does not carry the new fingerprint (the old version's tail) is deleted,
4. the record is marked `complete`.

A kill between any two steps leaves a record that is `pending` or stale, so the next run redoes the document;
a reader may briefly see a mix of the old and new version's chunks, never a duplicate. Deleting a document
removes its chunks before its record, so `--prune` also converges.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

import msgspec

from rag_server.retrieval.errors import EmbedderMismatchError
from rag_server.retrieval.port import (
    ChunkScorer,
    DeleteWhere,
    Embedder,
    FieldMatch,
    StoredPoint,
    StoreFilter,
    StorePoint,
    UpsertPoints,
    VectorStore,
)
from rag_server.retrieval.records import ChunkDraft, DocumentDraft, DocumentRecord, SearchHit
from rag_server.retrieval.sparse import Bm25Encoder

__all__ = [
    "CollectionStamp",
    "DocumentIndex",
    "DocumentList",
    "chunk_point_id",
    "document_id_for",
    "embedding_text",
    "read_stamp",
    "stamp_collection",
]

NAMESPACE = uuid.UUID("6f1d3c4e-2b1a-5e8f-9c7d-0a4b3e2f1d5c")
_STAMP_ID = str(uuid.uuid5(NAMESPACE, "collection-stamp"))
SCHEMA_VERSION = 1
_PAGE = 256

ProgressCallback = Callable[[int], None]


class CollectionStamp(msgspec.Struct, frozen=True, kw_only=True):
    """What a collection's vectors were made with; stored in the collection itself."""

    embedder: str
    dimension: int
    sparse: str
    schema_version: int = SCHEMA_VERSION


class DocumentList(msgspec.Struct, frozen=True):
    """A collection's documents with the models it was built with: the server sends it, `rag-ingest` reads it."""

    stamp: CollectionStamp
    """The models this server embeds with; a client chunking for another embedder must stop."""
    data: list[DocumentRecord]
    object: str = "list"


def document_id_for(path_key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"document:{path_key}"))


def chunk_point_id(document_id: str, ordinal: int) -> str:
    return str(uuid.uuid5(uuid.UUID(document_id), f"chunk:{ordinal}"))


def embedding_text(title: str, section: str, text: str) -> str:
    """What gets embedded: the chunk with its title and heading path, which name its topic more often than
    the chunk itself does."""
    parts = [title] if title else []
    if section and section != title:
        parts.append(section)
    heading = " › ".join(parts)
    return f"{heading}\n\n{text}" if heading else text


def read_stamp(store: VectorStore) -> CollectionStamp | None:
    page = store.scroll(StoreFilter(must=(FieldMatch("record", ("collection",)),)), limit=1)
    if not page.points:
        return None
    return msgspec.convert(page.points[0].payload, CollectionStamp, strict=False)


def stamp_collection(store: VectorStore, stamp: CollectionStamp) -> None:
    """Record `stamp` in a new collection, or refuse an existing one that was built with other models."""
    existing = read_stamp(store)
    if existing is None:
        payload = {"record": "collection", **msgspec.structs.asdict(stamp)}
        store.write([UpsertPoints((StorePoint(id=_STAMP_ID, payload=payload),))])
        return
    if existing != stamp:
        raise EmbedderMismatchError(
            f"the collection was built with embedder {existing.embedder} ({existing.dimension} dimensions, "
            f"{existing.sparse}), but this server is configured with {stamp.embedder} ({stamp.dimension} "
            f"dimensions, {stamp.sparse}); set RAG_RETRIEVAL__EMBEDDER_MODEL={existing.embedder} or ingest "
            "into a new collection"
        )


class DocumentIndex:
    """Replaces and deletes whole documents in one collection. Blocking; run it off the event loop."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        sparse: Bm25Encoder,
        batch_size: int = 64,
        scorer: ChunkScorer | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._scorer = scorer
        self._sparse = sparse
        self._batch_size = batch_size

    def documents(self) -> list[DocumentRecord]:
        where = StoreFilter(must=(FieldMatch("record", ("document",)),))
        records: list[DocumentRecord] = []
        offset: str | None = None
        while True:
            page = self._store.scroll(where, _PAGE, offset)
            records.extend(msgspec.convert(p.payload, DocumentRecord, strict=False) for p in page.points)
            if page.next_offset is None:
                return records
            offset = page.next_offset

    def replace(self, draft: DocumentDraft, progress: ProgressCallback | None = None) -> DocumentRecord:
        self._write_record(draft, "pending")
        for batch in _batches(draft.chunks, self._batch_size):
            texts = [embedding_text(draft.title, chunk.section, chunk.text) for chunk in batch]
            dense = self._embedder.embed_documents(texts)
            scores: list[float | None] = [None] * len(batch)
            if self._scorer is not None:
                scores = list(self._scorer.score([chunk.text for chunk in batch], dense))
            points = tuple(
                StorePoint(
                    id=chunk_point_id(draft.document_id, chunk.ordinal),
                    dense=vector,
                    sparse=self._sparse.encode_document(text),
                    payload=_chunk_payload(draft, chunk, injection_score),
                )
                for chunk, vector, text, injection_score in zip(batch, dense, texts, scores, strict=True)
            )
            self._store.write([UpsertPoints(points)])
            if progress is not None:
                progress(len(batch))
        stale = StoreFilter(
            must=(FieldMatch("record", ("chunk",)), FieldMatch("document_id", (draft.document_id,))),
            must_not=(FieldMatch("fingerprint", (draft.fingerprint,)),),
        )
        self._store.write([DeleteWhere(stale)])
        return self._write_record(draft, "complete")

    def delete(self, document_id: str) -> None:
        chunks = StoreFilter(must=(FieldMatch("record", ("chunk",)), FieldMatch("document_id", (document_id,))))
        record = StoreFilter(must=(FieldMatch("record", ("document",)), FieldMatch("document_id", (document_id,))))
        self._store.write([DeleteWhere(chunks), DeleteWhere(record)])

    def _write_record(self, draft: DocumentDraft, state: Literal["pending", "complete"]) -> DocumentRecord:
        record = DocumentRecord(
            document_id=draft.document_id,
            source=draft.source,
            path_key=draft.path_key,
            title=draft.title,
            fingerprint=draft.fingerprint,
            chunk_count=len(draft.chunks),
            state=state,
            access_groups=draft.access_groups,
        )
        payload = {"record": "document", **msgspec.structs.asdict(record), "access_groups": list(draft.access_groups)}
        self._store.write([UpsertPoints((StorePoint(id=draft.document_id, payload=payload),))])
        return record


def _chunk_payload(draft: DocumentDraft, chunk: ChunkDraft, injection_score: float | None) -> dict[str, Any]:
    return {
        "record": "chunk",
        "document_id": draft.document_id,
        "fingerprint": draft.fingerprint,
        "source": draft.source,
        "title": draft.title,
        "section": chunk.section,
        "page": chunk.page,
        "start": chunk.start,
        "end": chunk.end,
        "ordinal": chunk.ordinal,
        "text": chunk.text,
        "access_groups": list(draft.access_groups),
        "metadata": dict(draft.metadata),
        "injection_score": injection_score,
    }


def hit_from_point(point: StoredPoint) -> SearchHit:
    """A stored chunk (written by `_chunk_payload`) as a search hit: the one place payload keys meet the API."""
    payload = point.payload
    fields = {
        "chunk_id": point.id,
        "score": point.score,
        **{name: payload.get(name) for name in _HIT_PAYLOAD_KEYS},
    }
    return msgspec.convert(fields, SearchHit, strict=False)


_HIT_PAYLOAD_KEYS = (
    "document_id",
    "source",
    "title",
    "section",
    "page",
    "start",
    "end",
    "ordinal",
    "text",
    "injection_score",
)
"""Payload keys a hit shows under the same name. Renaming one in `_chunk_payload` means mapping it here."""


def _batches(items: Sequence[ChunkDraft], size: int) -> Iterator[Sequence[ChunkDraft]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
