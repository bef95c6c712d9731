"""Request bodies to Structs: every problem is a 400 that names the field, never a 500."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from rag_server.errors import InvalidRequestError
from rag_server.validation import field_error

__all__ = ["decode_body"]

T = TypeVar("T")


def decode_body(body: bytes, decoder: msgspec.json.Decoder[T]) -> T:
    if not body.strip():
        raise InvalidRequestError("the request body is empty; expected a JSON object")
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        error = field_error(exc)
        message = f"{error.reason} (at `{error.path}`)" if error.located and error.path else error.reason
        raise InvalidRequestError(message, param=error.path) from None
    except msgspec.DecodeError as exc:
        raise InvalidRequestError(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:  # msgspec's guard against nesting deeper than its decoder's stack
        raise InvalidRequestError("the request body nests arrays or objects too deeply") from None
