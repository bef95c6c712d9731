"""Decode and check a chat-completions body: every problem becomes a typed 400 naming the parameter."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from rag_server.api.decoding import decode_body
from rag_server.api.openai_types import (
    AssistantMessage,
    ChatCompletionRequest,
    Content,
    DeveloperMessage,
    Message,
    SystemMessage,
    UserMessage,
)
from rag_server.errors import UnsupportedParameterError
from rag_server.generation.port import ChatTurn

__all__ = ["DecodedChat", "decode_chat_request", "to_chat_turns"]

_decoder = msgspec.json.Decoder(ChatCompletionRequest)
_shape = msgspec.json.Decoder(dict[str, msgspec.Raw])
_message_shapes = msgspec.json.Decoder(list[dict[str, msgspec.Raw]])
_KNOWN_FIELDS = frozenset(ChatCompletionRequest.__struct_fields__)
_KNOWN_MESSAGE_FIELDS = frozenset({"role", "content", "name", "refusal"})
_PRINTABLE_NAME = re.compile(r"[A-Za-z0-9_.\[\]-]{1,64}")
_MAX_REPORTED = 16


class DecodedChat(msgspec.Struct, frozen=True):
    request: ChatCompletionRequest
    ignored: tuple[str, ...]
    """Fields the server does not know and ignored (`messages[].x` for one inside a message), for the warning
    and the `X-Ignored-Fields` header. Names only, and only printable ones: a name is client text too."""


def _neutral_none(value: Any) -> bool:
    return value is None


# Parameter -> "is this value one we can honour by ignoring it?" (what SDKs and UIs send by default).
_NEUTRAL_VALUES: dict[str, Callable[[Any], bool]] = {
    "n": lambda v: v in (None, 1),
    "logprobs": lambda v: v in (None, False),
    "top_logprobs": lambda v: v in (None, 0),
    "logit_bias": lambda v: not v,
    "tools": lambda v: not v,
    "tool_choice": lambda v: v in (None, "none", "auto"),
    "parallel_tool_calls": lambda v: True,  # meaningless without tools, which are refused above
    "functions": lambda v: not v,
    "function_call": lambda v: v in (None, "none", "auto"),
    "response_format": lambda v: v is None or v == {"type": "text"},
    "audio": _neutral_none,
    "modalities": lambda v: v in (None, ["text"]),
    "prediction": _neutral_none,
    "reasoning_effort": _neutral_none,
    "verbosity": _neutral_none,
    "web_search_options": _neutral_none,
    "service_tier": lambda v: v in (None, "auto", "default"),
    "store": lambda v: v in (None, False),
    "metadata": lambda v: True,  # only meaningful with `store`, which is refused above
}


def decode_chat_request(body: bytes) -> DecodedChat:
    """Parse the JSON body; raise InvalidRequestError / UnsupportedParameterError naming the field."""
    request = decode_body(body, _decoder)
    for name, is_neutral in _NEUTRAL_VALUES.items():
        if not is_neutral(getattr(request, name)):
            raise UnsupportedParameterError(f"`{name}` is not supported by this server", param=name)
    return DecodedChat(request, _ignored_fields(body))


def _ignored_fields(body: bytes) -> tuple[str, ...]:
    """The body is valid by now; read only its keys (values stay undecoded)."""
    top = _shape.decode(body)
    names = sorted(set(top) - _KNOWN_FIELDS)
    in_messages: set[str] = set()
    for message in _message_shapes.decode(top["messages"]):
        in_messages.update(f"messages[].{name}" for name in set(message) - _KNOWN_MESSAGE_FIELDS)
    named = [name if _PRINTABLE_NAME.fullmatch(name) else "(unprintable)" for name in [*names, *sorted(in_messages)]]
    return tuple(dict.fromkeys(named))[:_MAX_REPORTED]


def _text_of(content: Content) -> str:
    return content if isinstance(content, str) else "".join(part.text for part in content)


def _turn(message: Message) -> ChatTurn:
    if isinstance(message, SystemMessage | DeveloperMessage):
        return ChatTurn("system", _text_of(message.content))
    if isinstance(message, UserMessage):
        return ChatTurn("user", _text_of(message.content))
    assert isinstance(message, AssistantMessage)
    return ChatTurn("assistant", _text_of(message.content))


def to_chat_turns(request: ChatCompletionRequest) -> tuple[ChatTurn, ...]:
    return tuple(_turn(message) for message in request.messages)
