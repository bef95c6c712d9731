"""The chat path: checks that can refuse a request run in `prepare`, before any response byte is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

from rag_server.generation.port import ChatTurn, GenerationDelta, Generator, PromptTokens, Sampling
from rag_server.generation.supervisor import EngineSlot
from rag_server.pipeline.sampling import RequestedSampling, resolve_sampling
from rag_server.settings import GenerationSettings

__all__ = ["ChatPipeline", "PreparedChat"]


class PreparedChat:
    """A request that passed every check; streaming it can only fail in-band."""

    def __init__(self, generator: Generator, prompt: PromptTokens, sampling: Sampling, request_id: str) -> None:
        self.generator = generator
        self.prompt = prompt
        self.sampling = sampling
        self.request_id = request_id

    def stream(self) -> AsyncIterator[GenerationDelta]:
        return self.generator.stream(self.prompt, self.sampling, self.request_id)


class ChatPipeline:
    def __init__(self, engine: EngineSlot, context_window: int, defaults: GenerationSettings) -> None:
        self._engine = engine
        self._context_window = context_window
        self._defaults = defaults

    async def prepare(self, turns: tuple[ChatTurn, ...], requested: RequestedSampling, request_id: str) -> PreparedChat:
        """Raise EngineUnavailableError (503) or ContextLengthExceededError (400), else a ready-to-stream chat."""
        generator = self._engine.generator()
        prompt = await generator.render(turns)
        sampling = resolve_sampling(requested, len(prompt.token_ids), self._context_window, self._defaults)
        return PreparedChat(generator, prompt, sampling, request_id)
