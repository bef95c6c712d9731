"""A guardrailed RAG application server with an OpenAI-compatible API."""

from rag_server.app import create_app
from rag_server.settings import Settings, load_settings

__all__ = ["Settings", "create_app", "load_settings"]
