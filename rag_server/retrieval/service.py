"""Retrieval's life in the server: load the embedder and open the index in the background, publish ownership
of an embedded index, answer readiness, close everything at shutdown."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import anyio
import msgspec

from rag_server.errors import RagError
from rag_server.retrieval.catalog import Catalog
from rag_server.retrieval.ownership import Owner, claim, release
from rag_server.retrieval.retriever import Retriever

if TYPE_CHECKING:
    from guardrails.injection import TextEncoder

__all__ = ["CatalogFactory", "KnowledgeSlot", "RetrievalReadiness", "RetrievalUnavailableError", "keep_catalog_open"]

logger = logging.getLogger(__name__)

CatalogFactory = Callable[[], AbstractContextManager[Catalog]]
Phase = Literal["starting", "ready", "failed", "stopped"]


class RetrievalUnavailableError(RagError):
    status_code = 503
    error_type = "service_unavailable"
    code = "retrieval_unavailable"


class RetrievalReadiness(msgspec.Struct, frozen=True):
    phase: Phase
    reason: str | None = None


class KnowledgeSlot:
    """Holds the catalog once it is open; handlers get a typed 503 before that."""

    def __init__(self, retriever_options: dict[str, int] | None = None) -> None:
        self._catalog: Catalog | None = None
        self._retriever: Retriever | None = None
        self._phase: Phase = "starting"
        self._reason: str | None = "loading the embedder"
        self._options = retriever_options or {}
        self.owner: Owner | None = None

    @classmethod
    def ready_with(cls, catalog: Catalog, **retriever_options: int) -> KnowledgeSlot:
        slot = cls(retriever_options)
        slot.mark_ready(catalog)
        return slot

    def mark_ready(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._retriever = Retriever(catalog.embedder, catalog.sparse, **self._options)
        self._phase, self._reason = "ready", None

    def mark_failed(self, reason: str) -> None:
        self._catalog, self._retriever, self._phase, self._reason = None, None, "failed", reason

    def mark_stopped(self) -> None:
        self._catalog, self._retriever, self._phase, self._reason = None, None, "stopped", "shut down"

    def readiness(self) -> RetrievalReadiness:
        return RetrievalReadiness(self._phase, self._reason)

    def catalog(self) -> Catalog:
        if self._catalog is None:
            raise RetrievalUnavailableError(f"retrieval is not ready: {self._reason}", retry_after_s=5)
        return self._catalog

    def retriever(self) -> Retriever:
        self.catalog()
        assert self._retriever is not None
        return self._retriever

    def settled(self) -> bool:
        """True once opening finished, either way."""
        return self._phase != "starting"

    def shared_encoder(self, model_id: str) -> TextEncoder | None:
        """The loaded embedder, when it is `model_id`, for the guardrails to share instead of loading a copy."""
        embedder = self._catalog.embedder if self._catalog is not None else None
        if embedder is None or embedder.model_id != model_id or not hasattr(embedder, "encode"):
            return None
        return cast("TextEncoder", embedder)

    def is_ingest_token(self, token: str) -> bool:
        return self.owner is not None and hmac.compare_digest(token.encode(), self.owner.token.encode())


async def keep_catalog_open(
    slot: KnowledgeSlot, open_catalog: CatalogFactory, index_dir: Path | None, url: str
) -> None:
    """Run for the server's lifetime: open, publish ownership of an embedded index, close on cancellation."""
    began = time.monotonic()
    try:
        manager = open_catalog()
        catalog = await anyio.to_thread.run_sync(manager.__enter__)
    except Exception as exc:
        reason = exc.message if isinstance(exc, RagError) else f"{type(exc).__name__} while opening the index"
        logger.error("retrieval failed to start: %s", reason)
        slot.mark_failed(reason)
        return
    if index_dir is not None:
        slot.owner = claim(index_dir, url)
    slot.mark_ready(catalog)
    logger.info("retrieval ready in %.1f s", time.monotonic() - began)
    try:
        await anyio.sleep_forever()
    finally:
        slot.mark_stopped()
        if index_dir is not None and slot.owner is not None:
            release(index_dir, slot.owner)
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(manager.__exit__, None, None, None)
