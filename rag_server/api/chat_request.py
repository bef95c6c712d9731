"""Decode and check a chat-completions body: every problem becomes a typed 400 naming the parameter."""

from __future__ import annotations

import re
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

__all__ = ["NEUTRAL_VALUES", "DecodedChat", "decode_chat_request", "to_chat_turns"]

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


# OpenAI parameters this server cannot honour, accepted only at the values SDKs and chat UIs send by default.
# One table: the check below and the OpenAPI document (`enum`) both read it.
NEUTRAL_VALUES: dict[str, tuple[Any, ...]] = {
    "n": (None, 1),
    "logprobs": (None, False),
    "top_logprobs": (None, 0),
    "logit_bias": (None, {}),
    "tools": (None, []),
    "tool_choice": (None, "none", "auto"),
    "functions": (None, []),
    "function_call": (None, "none", "auto"),
    "response_format": (None, {"type": "text"}),
    "audio": (None,),
    "modalities": (None, ["text"]),
    "prediction": (None,),
    "reasoning_effort": (None,),
    "verbosity": (None,),
    "web_search_options": (None,),
    "service_tier": (None, "auto", "default"),
    "store": (None, False),
}
"""`parallel_tool_calls` and `metadata` are accepted as anything: meaningless without tools, and without `store`."""


def _is_neutral(value: Any, allowed: tuple[Any, ...]) -> bool:
    return any(value == choice and type(value) is type(choice) for choice in allowed)


def decode_chat_request(body: bytes) -> DecodedChat:
    """Parse the JSON body; raise InvalidRequestError / UnsupportedParameterError naming the field."""
    request = decode_body(body, _decoder)
    for name, allowed in NEUTRAL_VALUES.items():
        if not _is_neutral(getattr(request, name), allowed):
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
