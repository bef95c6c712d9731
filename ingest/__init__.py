"""`rag-ingest`: documents on disk into a searchable, always-consistent Qdrant index."""

from ingest.cli import main

__all__ = ["main"]
