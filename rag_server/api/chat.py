"""`POST /v1/chat/completions`: the guarded RAG answer, OpenAI-compatible, streamed as SSE or returned whole.

Order: decode → auth → admission → `ChatPipeline.prepare` (rails, retrieval, prompt). Everything that can fail
with a 4xx/503 fails there, before the 200. After that, problems go in-band: a guardrail stop is a final chunk
with `finish_reason: "content_filter"`, an engine failure an `{"error": ...}` event, and `data: [DONE]` always
ends the stream. Both modes consume the same event stream, so they cannot diverge.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import anyio
import msgspec
from litestar import Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.response import Stream

from guardrails import Decision
from rag_server.admission import Admission, Ticket
from rag_server.api.chat_request import decode_chat_request, to_chat_turns
from rag_server.api.errors import ErrorBody, ErrorEnvelope, error_envelope, log_unexpected
from rag_server.api.openai_types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChunkChoice,
    ChunkDelta,
    CitedMessage,
    CompletionChoice,
    FinalChunk,
    GuardrailNotice,
    PromptTokensDetails,
    Usage,
)
from rag_server.disconnects import WaitForDisconnect, disconnect_of, unless_client_leaves
from rag_server.drain import Drain
from rag_server.errors import EngineUnavailableError, ModelNotFoundError, RagError
from rag_server.generation.port import GenerationDelta
from rag_server.guarding import emit_decisions
from rag_server.metrics import ChatMetrics, GuardrailMetrics
from rag_server.pipeline import AnswerEvent, ChatInput, ChatPipeline, PreparedChat, RagOptions, RequestedSampling
from rag_server.pipeline.stages import RequestStage, StageTimer
from rag_server.retrieval.access import Principal

__all__ = ["ChatCompletions", "create_chat_completion"]

logger = logging.getLogger(__name__)

_encoder = msgspec.json.Encoder()
_DONE = b"data: [DONE]\n\n"
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _event(payload: msgspec.Struct) -> bytes:
    return b"data: " + _encoder.encode(payload) + b"\n\n"


def _usage(last: GenerationDelta | None) -> Usage:
    if last is None:
        return Usage(0, 0, 0)
    details = PromptTokensDetails(cached_tokens=last.cached_prompt_tokens)
    return Usage(last.prompt_tokens, last.completion_tokens, last.prompt_tokens + last.completion_tokens, details)


def _notice(decision: Decision | None) -> GuardrailNotice | None:
    return None if decision is None else GuardrailNotice(decision.decision_id, decision.guard, decision.reason)


_SAME_NAMED_SAMPLING = (
    "temperature",
    "top_p",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "ignore_eos",
    "top_k",
    "min_p",
    "repetition_penalty",
    "min_tokens",
)
"""Request fields that go to `RequestedSampling` under their own name."""


def _requested_sampling(request: ChatCompletionRequest) -> RequestedSampling:
    stop = (request.stop,) if isinstance(request.stop, str) else tuple(request.stop or ())
    use_new_name = request.max_completion_tokens is not None
    same_named = {name: getattr(request, name) for name in _SAME_NAMED_SAMPLING}
    return RequestedSampling(
        max_tokens=request.max_completion_tokens if use_new_name else request.max_tokens,
        max_tokens_param="max_completion_tokens" if use_new_name else "max_tokens",
        stop=stop,
        **same_named,
    )


async def _starting_with(first: bytes, rest: AsyncGenerator[bytes]) -> AsyncGenerator[bytes]:
    async with aclosing(rest):
        yield first
        async for chunk in rest:
            yield chunk


@dataclass(frozen=True, kw_only=True)
class ChatCompletions:
    """Turns a checked request into an SSE stream or a whole completion."""

    pipeline: ChatPipeline
    model_name: str
    admission: Admission
    metrics: ChatMetrics
    guardrail_metrics: GuardrailMetrics
    drain: Drain

    async def respond(
        self, principal: Principal, body: bytes, wait_for_disconnect: WaitForDisconnect
    ) -> Response[bytes] | Stream:
        timer = StageTimer()
        decoded = decode_chat_request(body)
        request = decoded.request
        if request.model is not None and request.model != self.model_name:
            raise ModelNotFoundError(f"the model `{request.model}` does not exist on this server", param="model")
        chat = ChatInput(
            turns=to_chat_turns(request),
            sampling=_requested_sampling(request),
            request_id=f"chatcmpl-{uuid.uuid4().hex}",
            principal=principal,
            rag=request.rag or RagOptions(),
        )
        prompt_estimate = sum(len(turn.content) for turn in chat.turns) // 4  # ~4 characters per token
        ticket = await self.admission.admit(principal.id, prompt_estimate, wait_for_disconnect, principal.weight)
        timer.record(RequestStage.QUEUE, ticket.queued_s)
        try:
            prepared = await self.pipeline.prepare(chat, timer)
        except BaseException:
            ticket.release()
            raise
        headers = {"X-Request-ID": chat.request_id}
        if decoded.ignored:
            logger.warning("chat %s ignored unknown fields: %s", chat.request_id, ", ".join(decoded.ignored))
            headers["X-Ignored-Fields"] = ", ".join(decoded.ignored)
        if request.stream:
            include_usage = request.stream_options is not None and request.stream_options.include_usage
            events = self._sse(prepared, ticket, int(time.time()), include_usage)
            try:
                # The status line leaves with the first answer chunk, not before: until then nothing has reached
                # the client, so a replica that dies during prefill leaves a load balancer free to retry elsewhere.
                first = await unless_client_leaves(wait_for_disconnect, lambda: anext(events))
            except BaseException:
                with anyio.CancelScope(shield=True):  # also when the whole request is being cancelled
                    await events.aclose()
                self._finish(prepared, ticket, streamed=True)
                raise
            # `background`: a client gone before the stream starts cancels it before `_sse` runs its `finally`;
            # the slot, the input decisions and the log line must not be lost with it.
            finish = BackgroundTask(self._finish, prepared, ticket, streamed=True)
            answer = _starting_with(first, events)
            return Stream(answer, media_type="text/event-stream", headers=_SSE_HEADERS | headers, background=finish)
        try:
            # A client that leaves closes the answer's generator: the engine request is aborted.
            completion = await unless_client_leaves(
                wait_for_disconnect, lambda: self._collect(prepared, int(time.time()))
            )
        finally:
            self._finish(prepared, ticket, streamed=False)
        return Response(_encoder.encode(completion), media_type="application/json", headers=headers)

    async def _sse(
        self, prepared: PreparedChat, ticket: Ticket, created: int, include_usage: bool
    ) -> AsyncGenerator[bytes]:
        completion_id = prepared.request_id

        def chunk(delta: ChunkDelta) -> bytes:
            return _event(ChatCompletionChunk(completion_id, created, self.model_name, [ChunkChoice(0, delta)]))

        # The role chunk goes out with the first answer text, not before the engine has produced any: clients and
        # load generators (`vllm bench serve`) time the first token from the first chunk, as with `vllm serve`.
        role_sent = False
        try:
            # `aclosing`: the answer closes (its output decisions recorded) before `_finish` emits them, also
            # when the client disconnects and this generator is closed mid-stream.
            async with aclosing(self.drain.unless_stopped(prepared.events())) as events:
                async for event in events:
                    if not role_sent:
                        role_sent = True
                        yield chunk(ChunkDelta(role="assistant", content=""))
                    if event.text:
                        yield chunk(ChunkDelta(content=event.text))
                    if event.finish_reason is not None:
                        yield _event(self._final_chunk(prepared, created, event))
            if include_usage:
                usage = _usage(prepared.last)
                yield _event(ChatCompletionChunk(completion_id, created, self.model_name, [], usage=usage))
        except RagError as exc:
            yield _event(error_envelope(exc))
        except Exception as exc:  # never a hung or silently truncated stream
            log_unexpected(exc, f"request {completion_id} mid-stream")
            yield _event(ErrorEnvelope(ErrorBody("internal server error", "server_error")))
        finally:
            self._finish(prepared, ticket, streamed=True)
        yield _DONE

    def _final_chunk(self, prepared: PreparedChat, created: int, event: AnswerEvent) -> FinalChunk:
        return FinalChunk(
            prepared.request_id,
            created,
            self.model_name,
            [ChunkChoice(0, ChunkDelta(), event.finish_reason)],
            citations=prepared.cited(),
            attributed=prepared.attributed(),
            sources=list(prepared.sources),
            masked=prepared.masked_kinds(),
            guardrail=_notice(event.blocked_by),
            grounding=prepared.grounding.report() if prepared.grounding is not None else None,
        )

    async def _collect(self, prepared: PreparedChat, created: int) -> ChatCompletion:
        parts: list[str] = []
        final: AnswerEvent | None = None
        async with aclosing(self.drain.unless_stopped(prepared.events())) as events:
            async for event in events:
                parts.append(event.text)
                if event.finish_reason is not None:
                    final = event
        if final is None or final.finish_reason is None:
            raise EngineUnavailableError("the engine aborted this request; retry shortly", retry_after_s=5)
        message = CitedMessage(
            content="".join(parts),
            citations=prepared.cited(),
            attributed=prepared.attributed(),
            sources=list(prepared.sources),
            masked=prepared.masked_kinds(),
            guardrail=_notice(final.blocked_by),
            grounding=prepared.grounding.report() if prepared.grounding is not None else None,
        )
        choice = CompletionChoice(index=0, message=message, finish_reason=final.finish_reason)
        return ChatCompletion(prepared.request_id, created, self.model_name, [choice], _usage(prepared.last))

    def _finish(self, prepared: PreparedChat, ticket: Ticket, *, streamed: bool) -> None:
        """Release the slot, emit the decisions, log the request: once, however the response ended."""
        if prepared.reported:
            return
        prepared.reported = True
        ticket.release()
        total = prepared.timer.since_start()
        self.admission.observe_service_time(total)
        emit_decisions(prepared.decisions(), self.guardrail_metrics.record)
        last = prepared.last
        self.metrics.observe(prepared.timer.seconds, total, last.completion_tokens if last else 0)
        if prepared.grounding is not None:
            self.metrics.observe_grounding(prepared.grounding)
        # Ids, counts, stage timings and outcomes only: never message text.
        logger.info(
            "chat %s outcome=%s streamed=%s sources=%d cited=%d prompt_tokens=%d completion_tokens=%d "
            "cached_tokens=%d %s total_ms=%.0f",
            prepared.request_id,
            prepared.outcome,
            streamed,
            len(prepared.sources),
            len(prepared.cited()),
            last.prompt_tokens if last else 0,
            last.completion_tokens if last else 0,
            last.cached_prompt_tokens if last else 0,
            prepared.timer.summary(),
            total * 1000,
        )


@post("/chat/completions", status_code=200)
async def create_chat_completion(
    request: Request[Any, Any, Any], chat: ChatCompletions, principal: Principal
) -> Response[bytes] | Stream:
    return await chat.respond(principal, await request.body(), disconnect_of(request.receive))
