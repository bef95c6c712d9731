"""Errors of the retrieval layer; the server renders them through `rag_server.errors` subclasses."""

from __future__ import annotations

from pathlib import Path

from rag_server.errors import RagError

__all__ = ["CollectionNotFoundError", "EmbedderMismatchError", "StoreLockedError", "StoreSchemaError"]


class StoreLockedError(RagError):
    """Another process has the embedded index open (Qdrant Edge's WAL admits one writer)."""

    status_code = 503
    error_type = "service_unavailable"
    code = "index_locked"

    def __init__(self, directory: Path) -> None:
        super().__init__(f"the index at {directory} is open in another process", retry_after_s=5)
        self.directory = directory


class StoreSchemaError(RagError):
    """The stored collection cannot be used with this configuration (vector size, schema version)."""

    status_code = 409
    error_type = "invalid_request_error"
    code = "index_schema_mismatch"


class EmbedderMismatchError(StoreSchemaError):
    """The collection was built with another embedding model; mixing vectors would return nonsense."""

    code = "embedder_mismatch"


class CollectionNotFoundError(RagError):
    """The named collection does not exist (nothing has been ingested into it)."""

    status_code = 404
    error_type = "invalid_request_error"
    code = "collection_not_found"
