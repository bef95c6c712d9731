"""Text generation: the Generator port, the engine's slot in the lifecycle, and (imported lazily) the vLLM adapter."""

from rag_server.generation.port import ChatTurn, GenerationDelta, Generator, Sampling
from rag_server.generation.supervisor import EngineSlot

__all__ = ["ChatTurn", "EngineSlot", "GenerationDelta", "Generator", "Sampling"]
