"""What an ingest run did, file by file: the `--json` output and the source of the summary table."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["FileOutcome", "IngestReport", "Status"]

Status = Literal["added", "updated", "unchanged", "failed", "pruned", "unsupported"]


class FileOutcome(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    status: Status
    chunks: int = 0
    reason: str | None = None
    """Why a file failed (parser's reason); never document text."""


class IngestReport(msgspec.Struct, kw_only=True):
    collection: str
    target: str
    """`embedded` (this process opened the index), `server` (handed to the running server) or a Qdrant URL."""
    dry_run: bool
    files: list[FileOutcome] = []
    chunks_written: int = 0
    seconds: float = 0.0
    parse_seconds: float = 0.0
    write_seconds: float = 0.0
    """Embedding and upserting (the embedder's share of the run)."""

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.files if outcome.status == status)

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0
