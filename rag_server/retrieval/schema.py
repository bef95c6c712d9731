"""Names shared by every store adapter: vector names and the payload keys that get an index."""

from __future__ import annotations

__all__ = ["DENSE", "INDEXED_KEYWORDS", "SPARSE"]

DENSE = "dense"
SPARSE = "sparse"

INDEXED_KEYWORDS = ("record", "document_id", "source", "access_groups", "fingerprint")
"""Payload fields every filter or delete goes through; each gets a keyword index."""
