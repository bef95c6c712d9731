"""The request path between the HTTP edge and the engine."""

from rag_server.pipeline.chat import AnswerEvent, ChatInput, ChatPipeline, PreparedChat, RagOptions
from rag_server.pipeline.sampling import RequestedSampling, resolve_sampling

__all__ = [
    "AnswerEvent",
    "ChatInput",
    "ChatPipeline",
    "PreparedChat",
    "RagOptions",
    "RequestedSampling",
    "resolve_sampling",
]
