"""BM25 sparse vectors: term weights for documents, unit weights for queries; Qdrant applies the IDF.

Qdrant Edge's tokenizer (lower-casing, English stop words, Snowball stemming) does the work for both store
adapters, so a collection built through one can be queried through the other.
"""

from __future__ import annotations

import qdrant_edge as edge

from rag_server.retrieval.port import SparseVector

__all__ = ["Bm25Encoder"]


class Bm25Encoder:
    def __init__(self, average_length: float = 120.0) -> None:
        self.average_length = average_length
        self._model = edge.Bm25(edge.Bm25Config(language="english", avg_len=average_length))

    @property
    def model_id(self) -> str:
        """Recorded with the collection: changing it changes every document vector."""
        return f"bm25/qdrant-edge-0.9/english/avg{self.average_length:g}"

    def encode_document(self, text: str) -> SparseVector:
        vector = self._model.embed_document(text)
        return SparseVector(list(vector.indices), list(vector.values))

    def encode_query(self, text: str) -> SparseVector:
        vector = self._model.embed_query(text)
        return SparseVector(list(vector.indices), list(vector.values))
