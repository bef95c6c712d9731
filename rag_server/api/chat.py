"""`POST /v1/chat/completions`: OpenAI-compatible chat, streamed as SSE or returned whole.

Both modes consume the same delta stream, so they cannot diverge. Anything that can fail with a 4xx/503 fails
in `ChatPipeline.prepare`, before the 200; after that, failures go in-band as an `{"error": ...}` event
followed by `data: [DONE]`.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Request, Response, post
from litestar.response import Stream

from rag_server.api.chat_request import decode_chat_request, to_chat_turns
from rag_server.api.errors import ErrorBody, ErrorEnvelope, error_envelope
from rag_server.api.openai_types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChunkChoice,
    ChunkDelta,
    CompletionChoice,
    CompletionMessage,
    PromptTokensDetails,
    Usage,
)
from rag_server.errors import EngineUnavailableError, ModelNotFoundError, RagError
from rag_server.generation.port import GenerationDelta
from rag_server.pipeline import ChatPipeline, PreparedChat, RequestedSampling

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


def _requested_sampling(request: ChatCompletionRequest) -> RequestedSampling:
    stop = (request.stop,) if isinstance(request.stop, str) else tuple(request.stop or ())
    use_new_name = request.max_completion_tokens is not None
    return RequestedSampling(
        max_tokens=request.max_completion_tokens if use_new_name else request.max_tokens,
        max_tokens_param="max_completion_tokens" if use_new_name else "max_tokens",
        temperature=request.temperature,
        top_p=request.top_p,
        seed=request.seed,
        stop=stop,
        presence_penalty=request.presence_penalty,
        frequency_penalty=request.frequency_penalty,
        ignore_eos=request.ignore_eos,
    )


class ChatCompletions:
    """Turns a checked request into an SSE stream or a whole completion."""

    def __init__(self, pipeline: ChatPipeline, model_name: str) -> None:
        self._pipeline = pipeline
        self._model_name = model_name

    async def respond(self, body: bytes) -> Response[bytes] | Stream:
        request = decode_chat_request(body)
        if request.model is not None and request.model != self._model_name:
            raise ModelNotFoundError(f"the model `{request.model}` does not exist on this server", param="model")
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        prepared = await self._pipeline.prepare(to_chat_turns(request), _requested_sampling(request), completion_id)
        headers = {"X-Request-ID": completion_id}
        if request.stream:
            include_usage = request.stream_options is not None and request.stream_options.include_usage
            events = self._sse(prepared, completion_id, int(time.time()), include_usage)
            return Stream(events, media_type="text/event-stream", headers=_SSE_HEADERS | headers)
        completion = await self._collect(prepared, completion_id, int(time.time()))
        return Response(_encoder.encode(completion), media_type="application/json", headers=headers)

    async def _sse(
        self, prepared: PreparedChat, completion_id: str, created: int, include_usage: bool
    ) -> AsyncIterator[bytes]:
        def chunk(delta: ChunkDelta, finish_reason: str | None = None) -> bytes:
            choice = ChunkChoice(index=0, delta=delta, finish_reason=finish_reason)
            return _event(ChatCompletionChunk(completion_id, created, self._model_name, [choice]))

        started = time.perf_counter()
        last: GenerationDelta | None = None
        outcome = "cancelled"  # stays so only if the client goes away mid-stream
        yield chunk(ChunkDelta(role="assistant", content=""))
        try:
            async for delta in prepared.stream():
                last = delta
                if delta.finish_reason == "abort":
                    raise EngineUnavailableError("the engine aborted this request; retry shortly")
                if delta.text:
                    yield chunk(ChunkDelta(content=delta.text))
                if delta.finish_reason is not None:
                    yield chunk(ChunkDelta(), delta.finish_reason)
                    outcome = delta.finish_reason
            if include_usage:
                yield _event(ChatCompletionChunk(completion_id, created, self._model_name, [], usage=_usage(last)))
        except RagError as exc:
            outcome = "error"
            yield _event(error_envelope(exc))
        except Exception as exc:  # never a hung or silently truncated stream
            outcome = "error"
            frames = "".join(traceback.format_tb(exc.__traceback__))
            logger.error("request %s: unhandled %s mid-stream\n%s", completion_id, type(exc).__name__, frames)
            yield _event(ErrorEnvelope(ErrorBody("internal server error", "server_error")))
        finally:
            _log_completion(completion_id, outcome, last, started, streamed=True)
        yield _DONE

    async def _collect(self, prepared: PreparedChat, completion_id: str, created: int) -> ChatCompletion:
        started = time.perf_counter()
        parts: list[str] = []
        last: GenerationDelta | None = None
        async for delta in prepared.stream():
            last = delta
            parts.append(delta.text)
        if last is None or last.finish_reason in (None, "abort"):
            raise EngineUnavailableError("the engine aborted this request; retry shortly", retry_after_s=5)
        _log_completion(completion_id, last.finish_reason, last, started, streamed=False)
        message = CompletionMessage(content="".join(parts))
        choice = CompletionChoice(index=0, message=message, finish_reason=last.finish_reason)
        return ChatCompletion(completion_id, created, self._model_name, [choice], _usage(last))


def _log_completion(
    completion_id: str, outcome: str, last: GenerationDelta | None, started: float, *, streamed: bool
) -> None:
    # Ids, counts and outcomes only: never message text.
    logger.info(
        "chat %s outcome=%s streamed=%s prompt_tokens=%d completion_tokens=%d cached_tokens=%d duration_ms=%.0f",
        completion_id,
        outcome,
        streamed,
        last.prompt_tokens if last else 0,
        last.completion_tokens if last else 0,
        last.cached_prompt_tokens if last else 0,
        (time.perf_counter() - started) * 1000,
    )


@post("/v1/chat/completions", status_code=200)
async def create_chat_completion(request: Request[Any, Any, Any], chat: ChatCompletions) -> Response[bytes] | Stream:
    return await chat.respond(await request.body())
