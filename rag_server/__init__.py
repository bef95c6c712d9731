"""A guardrailed RAG application server with an OpenAI-compatible API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_server.settings import Settings, load_settings

if TYPE_CHECKING:
    from rag_server.app import create_app

__all__ = ["Settings", "create_app", "load_settings"]


def __getattr__(name: str) -> object:
    # `create_app` is imported on first use, not with the package: `rag-ingest` imports the retrieval layer through
    # this package, and `rag_server.app` would bring Litestar and every HTTP handler into the CLI.
    if name == "create_app":
        from rag_server.app import create_app  # noqa: PLC0415

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
