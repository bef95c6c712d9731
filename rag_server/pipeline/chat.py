"""The chat path: `prepare` does everything that can refuse a request (engine, rails, retrieval, prompt) before a
response byte is sent; `PreparedChat.answer` streams the generator through the output rails and citations.

    input rails (policy → PII → injection, on the query embedding) → retrieval with the caller's access filter →
    retrieval rail (chunks flagged at ingest dropped) → prompt [system prompt][numbered sources][conversation] →
    engine → output rails → citations
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Annotated

import anyio
import msgspec
from msgspec import Meta

from guardrails import Action, Decision, GuardContext, GuardUnavailableError, Stage, StreamGuard
from rag_server.errors import ContentFilterError, EngineUnavailableError, InvalidRequestError
from rag_server.generation.port import ChatTurn, GenerationDelta, Generator, PromptTokens, Sampling
from rag_server.generation.supervisor import EngineSlot
from rag_server.guarding import GuardrailFailedError, GuardrailsSlot
from rag_server.pipeline.citations import CitationFilter
from rag_server.pipeline.prompt import compose_turns
from rag_server.pipeline.sampling import RequestedSampling, resolve_sampling
from rag_server.pipeline.sources import Source, render_sources, sources_from_hits
from rag_server.pipeline.stages import StageTimer
from rag_server.retrieval.access import Principal
from rag_server.retrieval.errors import CollectionNotFoundError
from rag_server.retrieval.records import ChunkHit, SearchFilters, SearchMode
from rag_server.retrieval.service import KnowledgeSlot
from rag_server.settings import Settings

if TYPE_CHECKING:
    from guardrails import Guardrails

__all__ = ["AnswerEvent", "ChatInput", "ChatPipeline", "PreparedChat", "RagOptions"]

logger = logging.getLogger(__name__)

_Embed = Callable[[str], list[float]]


class RagOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `rag` extension of a chat request; every field optional, plain OpenAI requests get the defaults."""

    enabled: bool | None = None
    collection: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    top_k: Annotated[int, Meta(ge=0, le=100)] | None = None
    mode: SearchMode | None = None
    filters: SearchFilters = SearchFilters()


class ChatInput(msgspec.Struct, frozen=True, kw_only=True):
    turns: tuple[ChatTurn, ...]
    sampling: RequestedSampling
    request_id: str
    principal: Principal
    rag: RagOptions = RagOptions()


class AnswerEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Released answer text; the last event carries the finish reason (and the block, if any)."""

    text: str = ""
    finish_reason: str | None = None
    blocked_by: Decision | None = None


class PreparedChat:
    """A request that passed every check; answering it can only fail in-band."""

    def __init__(
        self,
        *,
        generator: Generator,
        prompt: PromptTokens,
        sampling: Sampling,
        request_id: str,
        sources: Sequence[Source],
        guard: StreamGuard | None,
        context: GuardContext | None,
        timer: StageTimer,
    ) -> None:
        self.generator = generator
        self.prompt = prompt
        self.sampling = sampling
        self.request_id = request_id
        self.sources = tuple(sources)
        self.citations = CitationFilter(self.sources)
        self.guard = guard
        self.context = context
        self.timer = timer
        self.last: GenerationDelta | None = None
        self.outcome = "cancelled"
        """The finish reason once the answer ends (`stop`, `length`, `content_filter`), `error`, or `cancelled`."""

    def masked_kinds(self) -> list[str]:
        """The kinds of personal data masked on the way in (e.g. `PERSON`), sorted, never values."""
        kinds = {
            kind
            for decision in self.decisions()
            if decision.stage is Stage.INPUT and decision.guard == "pii"
            for kind in decision.finding_kinds
        }
        return sorted(kinds)

    def decisions(self) -> list[Decision]:
        """Every guardrail decision of this request so far (call after `answer` ends for the output ones)."""
        return list(self.context.decisions) if self.context is not None else []

    async def events(self) -> AsyncIterator[AnswerEvent]:
        """Stream the answer. Leaving early (a block, a disconnect) closes the generator: the engine aborts."""
        first_text_at: float | None = None
        deltas = self.generator.stream(self.prompt, self.sampling, self.request_id)
        try:
            async for delta in deltas:
                self.last = delta
                if delta.finish_reason == "abort":
                    raise EngineUnavailableError("the engine aborted this request; retry shortly")
                text, stopped = self._through_rails(delta.text, final=delta.finish_reason is not None)
                if stopped is not None:
                    self._output_decisions()
                    self.outcome = "content_filter"
                    yield AnswerEvent(text=text, finish_reason="content_filter", blocked_by=stopped)
                    return
                if delta.finish_reason is not None:
                    text += self.citations.finish()
                if text and first_text_at is None:
                    first_text_at = time.perf_counter()
                    self.timer.record("ttft", first_text_at - self.timer.started)
                if delta.finish_reason is not None:
                    self._output_decisions()
                    self.outcome = delta.finish_reason
                    yield AnswerEvent(text=text, finish_reason=delta.finish_reason)
                    return
                if text:
                    yield AnswerEvent(text=text)
        finally:
            close = getattr(deltas, "aclose", None)
            if close is not None:
                await close()  # aborts the engine request when the answer ends early

    def _through_rails(self, text: str, *, final: bool) -> tuple[str, Decision | None]:
        if self.guard is not None:
            released = self.guard.feed(text)
            if released.stopped is not None:
                return "", released.stopped
            text = released.text
            if final:
                tail = self.guard.finish()
                if tail.stopped is not None:
                    return "", tail.stopped
                text += tail.text
        return self.citations.feed(text), None

    def _output_decisions(self) -> None:
        if self.guard is not None:
            self.guard.decisions()


class ChatPipeline:
    def __init__(
        self,
        engine: EngineSlot,
        knowledge: KnowledgeSlot,
        guardrails: GuardrailsSlot,
        settings: Settings,
        emit_refused: Callable[[list[Decision]], None] = lambda decisions: None,
    ) -> None:
        self._emit_refused = emit_refused
        self._engine = engine
        self._knowledge = knowledge
        self._guardrails = guardrails
        self._settings = settings

    async def prepare(self, chat: ChatInput, timer: StageTimer | None = None) -> PreparedChat:
        """Raise a typed 4xx/503 error, or return a chat ready to stream. A refused request's guardrail
        decisions go to `emit_refused`; an accepted one's stay on the context until the answer ends."""
        timer = timer or StageTimer()
        contexts: list[GuardContext] = []
        try:
            return await self._prepare(chat, timer, contexts)
        except BaseException:
            for context in contexts:
                self._emit_refused(list(context.decisions))
            raise

    async def _prepare(self, chat: ChatInput, timer: StageTimer, contexts: list[GuardContext]) -> PreparedChat:
        generator = self._engine.generator()
        rails = None if self._guardrails.phase == "disabled" else self._guardrails.rails()
        use_rag = self._settings.chat.rag_by_default if chat.rag.enabled is None else chat.rag.enabled
        question_index = _last_user_turn(chat.turns)
        question = chat.turns[question_index].content
        with timer.stage("prompt"):
            # Too long already as sent: say so before spending rails time on it.
            raw = await generator.render(chat.turns)
            resolve_sampling(
                chat.sampling, len(raw.token_ids), self._settings.engine.max_model_len, self._settings.generation
            )
        vectors: dict[str, list[float]] = {}
        embed = self._query_embedder(vectors, rails) if use_rag else None

        context: GuardContext | None = None
        turns = list(chat.turns)
        if rails is not None:
            context = rails.new_context(chat.request_id)
            contexts.append(context)
            with timer.stage("input_rails"):
                turns[question_index] = ChatTurn("user", await self._check_input(rails, question, context, embed))
                earlier = [i for i in range(len(turns)) if i != question_index]
                if earlier:
                    masked = await anyio.to_thread.run_sync(
                        rails.mask_earlier_turns, [turns[i].content for i in earlier], context
                    )
                    for index, text in zip(earlier, masked, strict=True):
                        turns[index] = ChatTurn(turns[index].role, text)

        sources: list[Source] = []
        if use_rag:
            with timer.stage("retrieval"):
                hits = await self._retrieve(chat, question, vectors)
                if rails is not None and context is not None and hits:
                    screen = rails.screen_chunks([hit.injection_score for hit in hits], context)
                    hits = [hit for hit, keep in zip(hits, screen.keep, strict=True) if keep]
                sources = sources_from_hits(hits)

        with timer.stage("prompt"):
            prompt, sources = await self._render(generator, tuple(turns), sources, use_rag)
            sampling = resolve_sampling(
                chat.sampling, len(prompt.token_ids), self._settings.engine.max_model_len, self._settings.generation
            )
        guard = rails.open_stream(context) if rails is not None and context is not None else None
        return PreparedChat(
            generator=generator,
            prompt=prompt,
            sampling=sampling,
            request_id=chat.request_id,
            sources=sources,
            guard=guard,
            context=context,
            timer=timer,
        )

    def _query_embedder(self, vectors: dict[str, list[float]], rails: Guardrails | None) -> _Embed | None:
        """The retrieval embedder as the injection check's encoder (when it is the same model): one MiniLM pass
        serves both, and the vector is kept for the search."""
        catalog = self._knowledge.catalog()  # 503 now if retrieval is not ready
        embedder = catalog.embedder
        if rails is not None and embedder.model_id != rails.config.injection_encoder:
            return None

        def embed(text: str) -> list[float]:
            if text not in vectors:
                vectors[text] = embedder.embed_query(text)
            return vectors[text]

        return embed

    async def _check_input(self, rails: Guardrails, question: str, context: GuardContext, embed: _Embed | None) -> str:
        try:
            verdict = await anyio.to_thread.run_sync(rails.check_input, question, context, embed)
        except GuardUnavailableError as failure:
            raise GuardrailFailedError(f"{failure} (decision {failure.decision_id})", retry_after_s=1) from None
        blocked = verdict.blocked_by
        if verdict.action is Action.BLOCK and blocked is not None:
            what = {"prompt_injection": "prompt injection", "policy_violation": "content policy"}.get(
                blocked.reason, blocked.reason
            )
            raise ContentFilterError(
                f"this request was refused by the input guardrails: {what} (decision {blocked.decision_id})"
            )
        return verdict.text

    async def _retrieve(self, chat: ChatInput, question: str, vectors: dict[str, list[float]]) -> list[ChunkHit]:
        settings = self._settings
        top_k = settings.chat.top_k if chat.rag.top_k is None else chat.rag.top_k
        if top_k > settings.retrieval.max_top_k:
            raise InvalidRequestError(f"`rag.top_k` may be at most {settings.retrieval.max_top_k}", param="rag.top_k")
        if top_k == 0:
            return []
        catalog = self._knowledge.catalog()
        retriever = self._knowledge.retriever()
        collection = chat.rag.collection or settings.retrieval.collection
        try:
            store = await anyio.to_thread.run_sync(catalog.store, collection)
        except CollectionNotFoundError:
            if chat.rag.collection is not None:
                raise
            return []  # nothing ingested yet: answer without sources rather than fail a plain request
        mode = chat.rag.mode or settings.retrieval.search_mode
        return await anyio.to_thread.run_sync(
            lambda: retriever.search(
                store,
                question,
                top_k=top_k,
                principal=chat.principal,
                filters=chat.rag.filters,
                mode=mode,
                query_vector=vectors.get(question),
            )
        )

    async def _render(
        self, generator: Generator, turns: tuple[ChatTurn, ...], sources: list[Source], use_rag: bool
    ) -> tuple[PromptTokens, list[Source]]:
        """Render; while the answer would get less than `chat.min_completion_tokens`, drop the lowest-ranked
        source (the prompt can never crowd out the answer)."""
        room_needed = self._settings.chat.min_completion_tokens
        window = self._settings.engine.max_model_len
        while True:
            block = render_sources(sources) if use_rag else None
            prompt = await generator.render(compose_turns(turns, block))
            if not sources or len(prompt.token_ids) + room_needed <= window:
                return prompt, sources
            sources = sources[:-1]


def _last_user_turn(turns: tuple[ChatTurn, ...]) -> int:
    for index in range(len(turns) - 1, -1, -1):
        if turns[index].role == "user":
            return index
    raise InvalidRequestError("the conversation needs at least one user message", param="messages")
