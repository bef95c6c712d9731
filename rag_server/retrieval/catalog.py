"""The collections of one deployment: opened on first use, stamped with the models that filled them.

Embedded mode keeps one Qdrant Edge shard per collection under `index_dir`; server mode keeps collections on a
Qdrant server reached through `qdrant-client`. Either way every collection is checked against this process's
embedder before it is used, so vectors from two models are never mixed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag_server.retrieval.errors import CollectionNotFoundError
from rag_server.retrieval.index import CollectionStamp, DocumentIndex, stamp_collection
from rag_server.retrieval.port import ChunkScorer, Embedder, VectorStore
from rag_server.retrieval.records import COLLECTION_NAME
from rag_server.retrieval.sparse import Bm25Encoder
from rag_server.settings import RetrievalSettings

__all__ = ["Catalog", "StoreOpener", "open_catalog"]

_COLLECTION_NAME = re.compile(COLLECTION_NAME)

StoreOpener = Callable[[str, int | None], VectorStore | None]
"""Open collection `name`; create it with vectors of the given dimension, or return None if missing and None."""


class Catalog:
    def __init__(
        self,
        opener: StoreOpener,
        embedder: Embedder,
        sparse: Bm25Encoder,
        closer: Callable[[], None] = lambda: None,
        scorer: ChunkScorer | None = None,
    ) -> None:
        self._opener = opener
        self.scorer = scorer
        self._stores: dict[str, VectorStore] = {}
        self._lock = threading.Lock()
        self._closer = closer
        self.embedder = embedder
        self.sparse = sparse
        self.stamp = CollectionStamp(embedder=embedder.model_id, dimension=embedder.dimension, sparse=sparse.model_id)

    def store(self, name: str, *, create: bool = False) -> VectorStore:
        """The collection's store; CollectionNotFoundError unless it exists or `create` is set."""
        if not _COLLECTION_NAME.match(name):
            raise CollectionNotFoundError(f"no collection named {name!r}", param="collection")
        with self._lock:
            store = self._stores.get(name)
            if store is None:
                store = self._opener(name, self.embedder.dimension if create else None)
                if store is None:
                    raise CollectionNotFoundError(
                        f"no collection named {name!r}; ingest documents into it first", param="collection"
                    )
                stamp_collection(store, self.stamp)
                self._stores[name] = store
            return store

    def index(self, name: str, batch_size: int = 64) -> DocumentIndex:
        return DocumentIndex(self.store(name, create=True), self.embedder, self.sparse, batch_size, self.scorer)

    def close(self) -> None:
        with self._lock:
            for store in self._stores.values():
                close = getattr(store, "close", None)
                if close is not None:
                    close()
            self._stores.clear()
            self._closer()


def open_catalog(
    settings: RetrievalSettings,
    embedder: Embedder,
    sparse: Bm25Encoder | None = None,
    scorer: ChunkScorer | None = None,
) -> Catalog:
    """Embedded Qdrant Edge under `index_dir`, or the Qdrant server at `qdrant_url`."""
    sparse = sparse or Bm25Encoder()
    if settings.qdrant_url:
        from qdrant_client import QdrantClient  # noqa: PLC0415 - server mode only

        from rag_server.retrieval.client_store import open_client_store  # noqa: PLC0415

        client: Any = QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key or None)
        return Catalog(lambda name, dim: open_client_store(client, name, dim), embedder, sparse, client.close, scorer)

    from rag_server.retrieval.edge_store import open_edge_store  # noqa: PLC0415

    root = Path(settings.index_dir)
    return Catalog(lambda name, dim: open_edge_store(root / name, dim), embedder, sparse, scorer=scorer)
