"""The request path between the HTTP edge and the engine."""

from rag_server.pipeline.chat import ChatPipeline, PreparedChat
from rag_server.pipeline.sampling import RequestedSampling, resolve_sampling

__all__ = ["ChatPipeline", "PreparedChat", "RequestedSampling", "resolve_sampling"]
