"""Where drafted documents go: straight into the index, or to the running server that owns it.

Qdrant Edge admits one process per index directory. While `rag-server` runs it owns the index and publishes
its address and a per-run ingest token in `<index_dir>/owner.json` (readable by its user only); `rag-ingest`
finds that file and sends its drafts to the server instead of opening the index, so a user never meets a lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import httpx
import msgspec

from rag_server.retrieval.index import CollectionStamp, DocumentList
from rag_server.retrieval.records import DocumentDraft, DocumentRecord

__all__ = ["IndexSink", "RemoteSink", "RemoteSinkError"]

ProgressCallback = Callable[[int], None]


class IndexSink(Protocol):
    def documents(self) -> list[DocumentRecord]: ...

    def replace(self, draft: DocumentDraft, progress: ProgressCallback | None = None) -> DocumentRecord: ...

    def delete(self, document_id: str) -> None: ...


class RemoteSinkError(RuntimeError):
    """The server refused or failed an ingest call; the message is the server's error message."""


class RemoteSink:
    def __init__(self, base_url: str, token: str, collection: str, timeout_s: float = 600.0) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s
        )
        self._path = f"/v1/collections/{collection}/documents"
        self.stamp: CollectionStamp | None = None

    def documents(self) -> list[DocumentRecord]:
        listing = msgspec.json.decode(self._call("GET", self._path).content, type=DocumentList)
        self.stamp = listing.stamp
        return listing.data

    def replace(self, draft: DocumentDraft, progress: ProgressCallback | None = None) -> DocumentRecord:
        response = self._call("PUT", f"{self._path}/{draft.document_id}", content=msgspec.json.encode(draft))
        if progress is not None:
            progress(len(draft.chunks))
        return msgspec.json.decode(response.content, type=DocumentRecord)

    def delete(self, document_id: str) -> None:
        self._call("DELETE", f"{self._path}/{document_id}")

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, content: bytes | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json"} if content is not None else None
        response = self._client.request(method, path, content=content, headers=headers)
        if response.is_error:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = f"HTTP {response.status_code}"
            raise RemoteSinkError(f"the server refused {method} {path}: {message}")
        return response
