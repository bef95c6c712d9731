"""The chat path up to the first token: `ChatPipeline.prepare` runs every stage that can refuse a request, in one
straight line, before a response byte is sent. Each stage returns a typed value the next one takes:

    the conversation as sent must fit the context window (a 400 before any rails time)
    the question's vector, computed once for the injection check and the search
    input rails on the conversation (policy → PII → injection, on the query vector)   → CheckedInput
    retrieval with the caller's access filter, then the retrieval rail               → screened sources
    prompt [system prompt][numbered sources][conversation] fitted to the window      → FittedPrompt
    → PreparedChat, which streams the answer through the output rails (`pipeline.answer`)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio
import msgspec

from guardrails import Action, Decision, GuardContext, GuardUnavailableError, Reason
from guardrails.groundedness import GroundednessScorer
from guardrails.vector_cache import VectorCache
from rag_server.errors import ContentFilterError, InvalidRequestError
from rag_server.generation.port import ChatTurn
from rag_server.generation.supervisor import EngineSlot
from rag_server.guarding import GuardrailsSlot, guard_failed
from rag_server.pipeline.answer import PreparedChat
from rag_server.pipeline.attribution import CitationAttributor
from rag_server.pipeline.fitting import PromptBudget, ensure_conversation_fits, fit_prompt
from rag_server.pipeline.grounding import GroundingCheck
from rag_server.pipeline.sampling import RequestedSampling, check_supported
from rag_server.pipeline.sources import Source, sources_from_hits
from rag_server.pipeline.stages import RequestStage, StageTimer
from rag_server.retrieval.access import Principal
from rag_server.retrieval.records import CollectionName, SearchFilters, SearchMode, TopK
from rag_server.retrieval.service import Knowledge, KnowledgeSlot, SearchQuery, check_top_k
from rag_server.settings import ChatSettings, GroundingMode

if TYPE_CHECKING:
    from guardrails import Guardrails  # Presidio and spaCy: imported by whoever loads the rails

__all__ = ["ChatInput", "ChatPipeline", "CheckedInput", "RagOptions", "RequestRails"]

_REFUSALS = {Reason.PROMPT_INJECTION: "prompt injection", Reason.POLICY_VIOLATION: "content policy"}
"""What a refusal's message calls each blocking reason."""


class RagOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `rag` extension of a chat request; every field optional, plain OpenAI requests get the defaults."""

    enabled: bool | None = None
    collection: CollectionName | None = None
    top_k: TopK | None = None
    mode: SearchMode | None = None
    filters: SearchFilters = SearchFilters()


class ChatInput(msgspec.Struct, frozen=True, kw_only=True):
    turns: tuple[ChatTurn, ...]
    sampling: RequestedSampling
    request_id: str
    principal: Principal
    rag: RagOptions = RagOptions()


class CheckedInput(msgspec.Struct, frozen=True, kw_only=True):
    """The conversation after the input rails: PII masked with this request's placeholders."""

    turns: tuple[ChatTurn, ...]
    question: str
    """The last user turn as the user wrote it: retrieval searches with it (see docs/architecture.md)."""
    query_vector: tuple[float, ...] | None
    """The embedder's vector for `question`, computed once for the injection check and the search."""


@dataclass(frozen=True)
class RequestRails:
    """The rails and this request's context (its vault and decisions), together or not at all."""

    rails: Guardrails
    context: GuardContext


@dataclass(frozen=True, kw_only=True)
class ChatPipeline:
    """Shared by every request; holds the slots it reads and the settings sections it uses."""

    engine: EngineSlot
    knowledge: KnowledgeSlot
    guardrails: GuardrailsSlot
    chat: ChatSettings
    budget: PromptBudget
    max_top_k: int
    """`retrieval.max_top_k`: a request's `rag.top_k` is checked against it even when retrieval is off."""
    speculative: bool = False
    """The engine drafts speculatively (`engine.speculation`), so some sampling parameters cannot be honoured."""
    emit_refused: Callable[[list[Decision]], None] = lambda decisions: None
    """Where a refused request's guardrail decisions go (an accepted one's leave with its answer)."""
    passage_vectors: VectorCache = field(default_factory=VectorCache)
    """The passages' sentence vectors for the groundedness check, shared by every answer (the embedder model is
    fixed by the settings, so they outlive a restart of the retrieval service)."""

    async def prepare(self, chat: ChatInput, timer: StageTimer | None = None) -> PreparedChat:
        """Raise a typed 4xx/503 error, or return a chat ready to stream. A refused request's guardrail
        decisions go to `emit_refused`; an accepted one's stay on the context until the answer ends."""
        timer = timer or StageTimer()
        check_top_k(chat.rag.top_k, self.max_top_k, "rag.top_k")  # the same answer whether retrieval runs or not
        check_supported(chat.sampling, speculative=self.speculative)
        generator = self.engine.get()
        rails = self.guardrails.get_if_enabled()
        use_rag = self.chat.rag_by_default if chat.rag.enabled is None else chat.rag.enabled
        knowledge = self.knowledge.get() if use_rag else None
        guarded = RequestRails(rails, rails.new_context(chat.request_id)) if rails is not None else None
        question_index = _last_user_turn(chat.turns)
        try:
            with timer.stage(RequestStage.PROMPT):
                await ensure_conversation_fits(generator, chat.turns, chat.sampling, self.budget)
            with timer.stage(RequestStage.RETRIEVAL):
                question = chat.turns[question_index].content
                vector = await knowledge.embed_query(question) if knowledge is not None else None
            with timer.stage(RequestStage.INPUT_RAILS):
                checked = await self._check_input(chat, question_index, vector, guarded, knowledge)
            with timer.stage(RequestStage.RETRIEVAL):
                sources = await self._retrieve(chat, checked, knowledge, guarded)
            with timer.stage(RequestStage.PROMPT):
                fitted = await fit_prompt(generator, checked.turns, sources, chat.sampling, self.budget)
        except BaseException:
            if guarded is not None:
                self.emit_refused(list(guarded.context.decisions))
            raise
        return PreparedChat(
            generator=generator,
            prompt=fitted.prompt,
            sampling=fitted.sampling,
            request_id=chat.request_id,
            sources=fitted.sources,
            guard=guarded.rails.open_stream(guarded.context) if guarded is not None else None,
            context=guarded.context if guarded is not None else None,
            timer=timer,
            grounding=self._grounding(knowledge, fitted.sources) if sources is not None else None,
            attribution=self._attribution(fitted.sources),
        )

    def _attribution(self, sources: Sequence[Source]) -> CitationAttributor | None:
        """Citations placed for the sentences the model left uncited (none without passages, or when off)."""
        if not sources or not self.chat.attribute_citations:
            return None
        return CitationAttributor(sources, coverage=self.chat.attribution_coverage)

    def _grounding(self, knowledge: Knowledge | None, sources: Sequence[Source]) -> GroundingCheck | None:
        """The groundedness check of an answer from the documents (none without retrieval, or when it is off)."""
        if knowledge is None or self.chat.grounding is GroundingMode.OFF:
            return None
        embed = knowledge.embedder.embed_documents
        scorer = GroundednessScorer(
            embed,
            similarity=self.chat.grounding_similarity,
            evidence_encode=functools.partial(self.passage_vectors.encode, encode=embed),
        )
        return GroundingCheck(scorer, [source.text for source in sources], self.chat.grounding)

    async def _check_input(
        self,
        chat: ChatInput,
        question_index: int,
        vector: tuple[float, ...] | None,
        guarded: RequestRails | None,
        knowledge: Knowledge | None,
    ) -> CheckedInput:
        """The input rails; the question's vector goes to the injection check when its encoder made it."""
        question = chat.turns[question_index].content
        if guarded is None:
            return CheckedInput(turns=chat.turns, question=question, query_vector=vector)
        encoder = guarded.rails.config.injection_encoder
        shared_vector = vector if knowledge is not None and knowledge.embedder.model_id == encoder else None
        try:
            turns = await anyio.to_thread.run_sync(_guard_turns, guarded, chat.turns, question_index, shared_vector)
        except GuardUnavailableError as failure:
            raise guard_failed(failure) from None
        return CheckedInput(turns=turns, question=question, query_vector=vector)

    async def _retrieve(
        self,
        chat: ChatInput,
        checked: CheckedInput,
        knowledge: Knowledge | None,
        guarded: RequestRails | None,
    ) -> list[Source] | None:
        """The passages for the prompt, best first, with those flagged at ingest dropped; None without retrieval."""
        if knowledge is None:
            return None
        result = await knowledge.search(
            SearchQuery(
                text=checked.question,
                principal=chat.principal,
                top_k=chat.rag.top_k,
                top_k_param="rag.top_k",
                collection=chat.rag.collection,
                mode=chat.rag.mode,
                filters=chat.rag.filters,
                query_vector=checked.query_vector,
            )
        )
        hits = result.hits
        if guarded is not None and hits:
            screen = guarded.rails.screen_chunks([hit.injection_score for hit in hits], guarded.context)
            hits = [hit for hit, keep in zip(hits, screen.keep, strict=True) if keep]
        return sources_from_hits(hits)


def _guard_turns(
    guarded: RequestRails, turns: Sequence[ChatTurn], question_index: int, embedding: tuple[float, ...] | None
) -> tuple[ChatTurn, ...]:
    """Blocking: the input rails on the question; the policy and injection rails on every other turn the client
    sent (a forged system or assistant turn is refused like a user's); then PII masking of the rest of the
    conversation with the same vault (one person keeps one placeholder across turns). Raises ContentFilterError
    on a block, naming the turn by index, never by text."""
    rails, context = guarded.rails, guarded.context
    verdict = rails.check_input(turns[question_index].content, context, embedding)
    blocked = verdict.blocked_by
    if verdict.action is Action.BLOCK and blocked is not None:
        what = _REFUSALS.get(blocked.reason, blocked.reason.value)
        raise ContentFilterError(
            f"this request was refused by the input guardrails: {what} (decision {blocked.decision_id})"
        )
    earlier = [index for index in range(len(turns)) if index != question_index]
    if earlier:
        history = rails.check_history([turns[index].content for index in earlier], context)
        if history.blocked_turn is not None:
            turn = earlier[history.blocked_turn]
            what = _REFUSALS.get(history.decision.reason, history.decision.reason.value)
            raise ContentFilterError(
                f"this request was refused by the input guardrails: {what} in messages[{turn}], a "
                f"{turns[turn].role} turn (decision {history.decision.decision_id})",
                param=f"messages[{turn}]",
            )
    masked = rails.mask_earlier_turns([turns[index].content for index in earlier], context) if earlier else []
    checked = list(turns)
    checked[question_index] = ChatTurn("user", verdict.text)
    for index, text in zip(earlier, masked, strict=True):
        checked[index] = ChatTurn(turns[index].role, text)
    return tuple(checked)


def _last_user_turn(turns: tuple[ChatTurn, ...]) -> int:
    for index in range(len(turns) - 1, -1, -1):
        if turns[index].role == "user":
            return index
    raise InvalidRequestError("the conversation needs at least one user message", param="messages")
