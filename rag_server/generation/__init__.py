"""Text generation: the Generator port, the engine supervisor, and (imported lazily) the vLLM adapter."""

from rag_server.generation.port import (
    ChatTurn,
    EngineStats,
    FinishReason,
    GenerationDelta,
    Generator,
    PromptTokens,
    Sampling,
)
from rag_server.generation.supervisor import EngineSlot

__all__ = [
    "ChatTurn",
    "EngineSlot",
    "EngineStats",
    "FinishReason",
    "GenerationDelta",
    "Generator",
    "PromptTokens",
    "Sampling",
]
