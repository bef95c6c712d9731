"""Request bodies to Structs: every problem is a 400 that names the field, never a 500."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec

from rag_server.errors import InvalidRequestError

__all__ = ["decode_body", "split_validation_error"]

T = TypeVar("T")
_ERROR_PATH = re.compile(r"\s*-\s*at `\$(?P<path>[^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `(?P<name>[^`]+)`")


def decode_body(body: bytes, decoder: msgspec.json.Decoder[T]) -> T:
    if not body.strip():
        raise InvalidRequestError("the request body is empty; expected a JSON object")
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        message, param = split_validation_error(str(exc))
        raise InvalidRequestError(message, param=param) from None
    except msgspec.DecodeError as exc:
        raise InvalidRequestError(f"the request body is not valid JSON: {exc}") from None


def split_validation_error(text: str) -> tuple[str, str | None]:
    """msgspec says "Expected `int`, got `str` - at `$.messages[0].role`": split message and field path."""
    match = _ERROR_PATH.search(text)
    unknown = _UNKNOWN_FIELD.search(text)
    if not match:
        return text, unknown.group("name") if unknown else None
    param = match.group("path").lstrip(".") or None
    if unknown:
        param = f"{param}.{unknown.group('name')}" if param else unknown.group("name")
    message = text[: match.start()]
    return (f"{message} (at `{param}`)" if param else message), param
