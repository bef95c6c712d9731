"""One ingest run: discover → parse → chunk → (embed, upsert) through a sink, then optionally prune.

Every file is fingerprinted (its bytes plus every setting that shapes its chunks); a file whose complete record
carries the same fingerprint is skipped, so a re-run only does the work an edit or an interruption left.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from ingest.chunker import Chunker
from ingest.discover import DiscoveredFile, discover
from ingest.document import ParseError
from ingest.parsers import parser_for
from ingest.report import FileOutcome, IngestReport, Status
from ingest.sinks import IndexSink
from rag_server.retrieval.index import document_id_for
from rag_server.retrieval.records import DocumentDraft, DocumentRecord

__all__ = ["PIPELINE_VERSION", "IngestRun", "RunObserver"]

PIPELINE_VERSION = 2
"""Bump when parsing or chunking changes in a way that should re-index every document."""


class RunObserver:
    """Progress hooks; the CLI draws bars with them. The default does nothing."""

    def planned(self, files: int) -> None: ...

    def file_started(self, source: str) -> None: ...

    def chunks_written(self, count: int) -> None: ...

    def file_done(self, outcome: FileOutcome) -> None: ...


class IngestRun:
    def __init__(
        self,
        sink: IndexSink,
        chunker: Chunker,
        *,
        settings_fingerprint: str,
        max_file_bytes: int,
        observer: RunObserver | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._sink = sink
        self._chunker = chunker
        self._settings_fingerprint = settings_fingerprint
        self._max_file_bytes = max_file_bytes
        self._observer = observer or RunObserver()
        self._clock = clock

    def run(self, roots: list[Path], report: IngestReport, *, prune: bool) -> IngestReport:
        began = self._clock()
        known = {record.document_id: record for record in self._sink.documents()}
        discovered = list(discover(roots))
        files = [found for found in discovered if found.supported]
        report.files.extend(
            FileOutcome(source=found.source, status="unsupported") for found in discovered if not found.supported
        )
        self._observer.planned(len(files))
        seen: set[str] = set()
        for found in files:
            self._observer.file_started(found.source)
            document_id = document_id_for(str(found.path))
            seen.add(document_id)
            outcome = self._ingest(found, document_id, known.get(document_id), report)
            report.files.append(outcome)
            self._observer.file_done(outcome)
        if prune:
            for record in known.values():
                if record.document_id not in seen and _under(record.path_key, roots):
                    if not report.dry_run:
                        self._sink.delete(record.document_id)
                    outcome = FileOutcome(source=record.source, status="pruned", chunks=record.chunk_count)
                    report.files.append(outcome)
                    self._observer.file_done(outcome)
        report.seconds = self._clock() - began
        return report

    def _ingest(  # noqa: PLR0911 - one early return per way a file can end
        self, found: DiscoveredFile, document_id: str, known: DocumentRecord | None, report: IngestReport
    ) -> FileOutcome:
        try:
            size = found.path.stat().st_size
            if size > self._max_file_bytes:
                return _failed(found, f"larger than the {self._max_file_bytes // 2**20} MiB limit")
            data = found.path.read_bytes()
        except OSError as exc:
            return _failed(found, f"unreadable: {exc.strerror or type(exc).__name__}")
        fingerprint = self._fingerprint(found, data)
        if known is not None and known.fingerprint == fingerprint and known.state == "complete":
            return FileOutcome(source=found.source, status="unchanged", chunks=known.chunk_count)
        parser = parser_for(found.path.suffix)
        assert parser is not None  # only supported files get here
        started = self._clock()
        try:
            parsed = parser.parse(found.path, data)
            chunks = tuple(self._chunker.chunk(parsed))
        except ParseError as exc:
            return _failed(found, str(exc))
        except Exception as exc:  # a parser library's own failure on a malformed file
            return _failed(found, f"cannot parse ({type(exc).__name__})")
        report.parse_seconds += self._clock() - started
        if not chunks:
            return _failed(found, "no extractable text")
        status: Status = "added" if known is None else "updated"
        if report.dry_run:
            return FileOutcome(source=found.source, status=status, chunks=len(chunks))
        draft = DocumentDraft(
            document_id=document_id,
            source=found.source,
            path_key=str(found.path),
            title=parsed.title,
            fingerprint=fingerprint,
            access_groups=found.meta.access_groups,
            metadata=found.meta.metadata,
            chunks=chunks,
        )
        started = self._clock()
        self._sink.replace(draft, self._observer.chunks_written)
        report.write_seconds += self._clock() - started
        report.chunks_written += len(chunks)
        return FileOutcome(source=found.source, status=status, chunks=len(chunks))

    def _fingerprint(self, found: DiscoveredFile, data: bytes) -> str:
        digest = hashlib.sha256()
        digest.update(msgspec.json.encode([PIPELINE_VERSION, self._settings_fingerprint, found.source, found.meta]))
        digest.update(hashlib.sha256(data).digest())
        return digest.hexdigest()


def _failed(found: DiscoveredFile, reason: str) -> FileOutcome:
    return FileOutcome(source=found.source, status="failed", reason=reason)


def _under(path_key: str, roots: list[Path]) -> bool:
    path = Path(path_key)
    return any(path == root.resolve() or path.is_relative_to(root.resolve()) for root in roots)
