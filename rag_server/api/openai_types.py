"""OpenAI chat-completions wire types (the subset this server honours), as msgspec Structs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from guardrails import Reason
from rag_server.bundle import Bundle
from rag_server.pipeline.answer import AnswerFinish
from rag_server.pipeline.chat import RagOptions
from rag_server.pipeline.grounding import GroundingReport
from rag_server.pipeline.sources import Source

__all__ = [
    "AssistantMessage",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionRequest",
    "ChunkChoice",
    "ChunkDelta",
    "CitedMessage",
    "CompletionChoice",
    "CompletionMessage",
    "DeveloperMessage",
    "FinalChunk",
    "GuardrailNotice",
    "Message",
    "ModelCard",
    "ModelList",
    "PromptTokensDetails",
    "StreamOptions",
    "SystemMessage",
    "TextPart",
    "Usage",
    "UserMessage",
]


class TextPart(msgspec.Struct, frozen=True):
    """A content part. Only text: an image or audio part is refused, naming `type`."""

    type: Literal["text"]
    text: str


Content = str | list[TextPart]
TokenCount = Annotated[int, Meta(ge=1, le=2**31 - 1)]
"""Bounded so every integer the schema allows decodes (msgspec refuses integers beyond 64 bits)."""
StopString = Annotated[str, Meta(min_length=1)]
"""An empty stop string would end every answer before it starts (vLLM refuses it)."""


class _ChatMessage(msgspec.Struct, frozen=True, tag_field="role"):
    content: Content
    name: str | None = None


class SystemMessage(_ChatMessage, frozen=True, tag="system"):
    pass


class DeveloperMessage(_ChatMessage, frozen=True, tag="developer"):
    """OpenAI's newer name for system instructions; treated as a system message."""


class UserMessage(_ChatMessage, frozen=True, tag="user"):
    pass


class AssistantMessage(_ChatMessage, frozen=True, tag="assistant"):
    refusal: str | None = None


Message = SystemMessage | DeveloperMessage | UserMessage | AssistantMessage


class StreamOptions(msgspec.Struct, frozen=True):
    include_usage: bool = False
    include_obfuscation: bool = False
    """Accepted for SDK compatibility; this server never pads chunks."""


class ChatCompletionRequest(msgspec.Struct, frozen=True, kw_only=True):
    """`POST /v1/chat/completions` body. Unknown fields are ignored, as vLLM's server does (a newer SDK or chat UI
    must not break chat), and named in a warning and the `X-Ignored-Fields` response header."""

    messages: Annotated[list[Message], Meta(min_length=1)]
    model: str | None = None
    max_tokens: TokenCount | None = None
    max_completion_tokens: TokenCount | None = None
    temperature: Annotated[float, Meta(ge=0, le=2)] | None = None
    top_p: Annotated[float, Meta(gt=0, le=1)] | None = None
    seed: Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)] | None = None
    stop: StopString | Annotated[list[StopString], Meta(max_length=4)] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = None
    presence_penalty: Annotated[float, Meta(ge=-2, le=2)] | None = None
    frequency_penalty: Annotated[float, Meta(ge=-2, le=2)] | None = None
    ignore_eos: bool = False
    """vLLM-compatible extension: keep generating past end-of-sequence (fixed-length benchmarks)."""
    # vLLM's sampling extras, honoured as `vllm serve` honours them.
    top_k: Annotated[int, Meta(ge=-1, le=2**31 - 1)] | None = None
    min_p: Annotated[float, Meta(ge=0, le=1)] | None = None
    repetition_penalty: Annotated[float, Meta(gt=0, le=2)] | None = None
    min_tokens: Annotated[int, Meta(ge=0, le=2**31 - 1)] | None = None
    rag: RagOptions | None = None
    """Extension: steer retrieval (`enabled`, `collection`, `top_k`, `mode`, `filters`); standard clients omit it."""

    # OpenAI parameters this server cannot honour. Accepted only at their neutral value (what SDKs and chat UIs
    # send by default); anything else is a 400 naming the parameter (see api/chat_request.py).
    n: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    logit_bias: dict[str, float] | None = None
    tools: list[Any] | None = None
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    functions: list[Any] | None = None
    function_call: Any = None
    response_format: Any = None
    audio: Any = None
    modalities: list[str] | None = None
    prediction: Any = None
    reasoning_effort: str | None = None
    verbosity: str | None = None
    web_search_options: Any = None
    service_tier: str | None = None
    store: bool | None = None
    metadata: dict[str, str] | None = None


class PromptTokensDetails(msgspec.Struct, frozen=True):
    cached_tokens: int


class Usage(msgspec.Struct, frozen=True):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails | None = None


class ChunkDelta(msgspec.Struct, frozen=True, omit_defaults=True):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(msgspec.Struct, frozen=True):
    index: int
    delta: ChunkDelta
    finish_reason: AnswerFinish | None = None
    logprobs: None = None


class ChatCompletionChunk(msgspec.Struct, frozen=True):
    id: str
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    system_fingerprint: str | None = None


class CompletionMessage(msgspec.Struct, frozen=True):
    content: str
    role: Literal["assistant"] = "assistant"
    refusal: None = None


class CompletionChoice(msgspec.Struct, frozen=True):
    index: int
    message: CompletionMessage
    finish_reason: AnswerFinish
    logprobs: None = None


class GuardrailNotice(msgspec.Struct, frozen=True):
    """Why an answer was cut short (extension): the decision to look up in the audit log, never the text."""

    decision_id: str
    guard: str
    reason: Reason


class FinalChunk(ChatCompletionChunk, frozen=True):
    """The chunk carrying `finish_reason`, with the extension fields standard clients ignore."""

    citations: list[Source] = []
    """The sources the answer's `[n]` markers point to, in number order."""
    attributed: list[int] = []
    """The numbers among those that only the server's markers point to (placed where the model cited nothing)."""
    sources: list[Source] = []
    """Every passage the model was given (what it could have cited)."""
    masked: list[str] = []
    """Kinds of personal data masked in the question before it reached the model (never the values)."""
    guardrail: GuardrailNotice | None = None
    grounding: GroundingReport | None = None
    """Answer sentences the passages do not support, by offsets (when the groundedness check ran)."""


class CitedMessage(CompletionMessage, frozen=True):
    citations: list[Source] = []
    """Extension: the sources the answer's `[n]` markers point to."""
    attributed: list[int] = []
    """Extension: the numbers among those that only the server's markers point to."""
    sources: list[Source] = []
    """Extension: every passage the model was given."""
    masked: list[str] = []
    """Extension: kinds of personal data masked before the model saw the conversation."""
    guardrail: GuardrailNotice | None = None
    grounding: GroundingReport | None = None
    """Extension: answer sentences the passages do not support, by offsets."""


class ChatCompletion(msgspec.Struct, frozen=True):
    id: str
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage
    object: Literal["chat.completion"] = "chat.completion"
    system_fingerprint: str | None = None


class ModelCard(msgspec.Struct, frozen=True):
    id: str
    created: int
    owned_by: str
    max_model_len: int
    bundle: Bundle
    """What this replica serves (model digest, prompt and policy versions, settings hash) as one id."""
    object: Literal["model"] = "model"


class ModelList(msgspec.Struct, frozen=True):
    data: list[ModelCard]
    object: Literal["list"] = "list"
