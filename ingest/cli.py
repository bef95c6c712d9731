"""`rag-ingest PATH... [--collection NAME] [--prune] [--dry-run] [--json]`.

Exit status: 0 when every supported file is indexed (or unchanged), 1 when any file failed, 2 when the run
could not start (bad arguments or settings, an index owned by another ingest run, a server that refused).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

import msgspec
from rich.console import Console

from ingest.chunker import TokenChunker, load_token_counter
from ingest.discover import MetaFileError
from ingest.pipeline import IngestRun, RunObserver
from ingest.progress import RichObserver, summary_table
from ingest.report import IngestReport
from ingest.sinks import IndexSink, RemoteSink, RemoteSinkError
from rag_server.errors import RagError
from rag_server.retrieval.catalog import open_catalog
from rag_server.retrieval.embedder import load_embedder, resolve_model_path
from rag_server.retrieval.errors import CollectionNotFoundError, StoreLockedError
from rag_server.retrieval.injection_scoring import chunk_scorer_id, load_chunk_scorer
from rag_server.retrieval.ownership import current_owner
from rag_server.retrieval.records import COLLECTION_NAME, DocumentRecord
from rag_server.retrieval.sparse import Bm25Encoder
from rag_server.settings import Settings, SettingsError, load_settings

__all__ = ["main"]

TOKEN_VARIABLE = "RAG_INGEST_TOKEN"  # noqa: S105 - the variable's name, not a token


class UsageError(Exception):
    """The run cannot start; the message says why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag-ingest", description="Index PDF, HTML, Markdown, DOCX and text files for retrieval."
    )
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders (searched recursively)")
    parser.add_argument("--collection", help="collection to write (default: RAG_RETRIEVAL__COLLECTION)")
    parser.add_argument("--prune", action="store_true", help="remove documents under PATHs whose files are gone")
    parser.add_argument("--dry-run", action="store_true", help="parse and chunk, report, write nothing")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report instead of tables")
    parser.add_argument(
        "--server", help=f"send documents to this rag-server URL (token from ${TOKEN_VARIABLE}); default: automatic"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stderr = Console(stderr=True)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(os.environ)
        collection = args.collection or settings.retrieval.collection
        if not re.match(COLLECTION_NAME, collection):
            raise UsageError(f"invalid collection name {collection!r}: use letters, digits, '-' and '_'")
        missing = [str(path) for path in args.paths if not path.exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        with _open_sink(settings, collection, args) as (sink, target):
            report = IngestReport(collection=collection, target=target, dry_run=args.dry_run)
            observer = nullcontext(RunObserver()) if args.json else RichObserver(stderr)
            with observer as progress:
                run = IngestRun(
                    sink,
                    TokenChunker(
                        load_token_counter(resolve_model_path(settings.retrieval.embedder_model)),
                        settings.ingest.chunk_tokens,
                        settings.ingest.chunk_overlap_tokens,
                    ),
                    settings_fingerprint=_settings_fingerprint(settings),
                    max_file_bytes=int(settings.ingest.max_file_mib * 2**20),
                    observer=progress,
                )
                run.run(list(args.paths), report, prune=args.prune)
    except (SettingsError, UsageError, MetaFileError, RemoteSinkError, RagError) as exc:
        message = exc.message if isinstance(exc, RagError) else str(exc)
        if args.json:
            print(msgspec.json.encode({"error": message}).decode())
        else:
            stderr.print(f"[red]rag-ingest:[/] {message}")
        return 2
    if args.json:
        print(msgspec.json.encode(report).decode())
    else:
        Console().print(summary_table(report))
    return 1 if report.failed else 0


def _settings_fingerprint(settings: Settings) -> str:
    shaping = [
        settings.ingest.chunk_tokens,
        settings.ingest.chunk_overlap_tokens,
        settings.retrieval.embedder_model,
        chunk_scorer_id(settings.guardrails),  # a new injection detector rescans every chunk
    ]
    return hashlib.sha256(msgspec.json.encode([*shaping, Bm25Encoder().model_id])).hexdigest()


class _NothingYet:
    """Dry run against a collection that does not exist yet: nothing is known, nothing is written."""

    def documents(self) -> list[DocumentRecord]:
        return []

    def replace(self, draft: object, progress: object = None) -> DocumentRecord:
        raise AssertionError("a dry run never writes")

    def delete(self, document_id: str) -> None:
        raise AssertionError("a dry run never writes")


@contextmanager
def _open_sink(settings: Settings, collection: str, args: argparse.Namespace) -> Iterator[tuple[IndexSink, str]]:
    retrieval = settings.retrieval
    owner = None if retrieval.qdrant_url or args.server else current_owner(Path(retrieval.index_dir))
    if args.server or owner is not None:
        url = args.server or (owner.url if owner else "")
        token = os.environ.get(TOKEN_VARIABLE, "") if args.server else (owner.token if owner else "")
        remote = RemoteSink(url, token, collection)
        try:
            remote.documents()
            if remote.stamp is not None and remote.stamp.embedder != retrieval.embedder_model:
                raise UsageError(
                    f"the server embeds with {remote.stamp.embedder}, this CLI chunks for "
                    f"{retrieval.embedder_model}; set RAG_RETRIEVAL__EMBEDDER_MODEL to match"
                )
            yield remote, f"server {url}"
        finally:
            remote.close()
        return
    embedder = load_embedder(retrieval.embedder_model, retrieval.embedder_device, retrieval.embedder_batch_size)
    catalog = open_catalog(retrieval, embedder, scorer=load_chunk_scorer(settings.guardrails, embedder))
    target = retrieval.qdrant_url or "embedded"
    try:
        if args.dry_run:
            try:
                catalog.store(collection)
            except CollectionNotFoundError:
                yield _NothingYet(), target
                return
        yield catalog.index(collection, batch_size=retrieval.embedder_batch_size), target
    except StoreLockedError as exc:
        raise UsageError(
            f"the index at {exc.directory} is open in another process (another rag-ingest run, or a server that "
            "did not publish owner.json); wait for it to finish and re-run"
        ) from None
    finally:
        catalog.close()


if __name__ == "__main__":
    sys.exit(main())
