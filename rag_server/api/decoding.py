"""Request bodies to Structs: every problem is a 400 that names the field, never a 500.

One leniency, as pydantic-based servers (vLLM's) have it: a number with a zero fraction (`5.0`) is accepted where
an integer is expected, because JSON (and JSON Schema) do not tell `5.0` from `5` and some clients write every
number as a float. Strings are never taken for numbers or booleans.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from rag_server.errors import InvalidRequestError
from rag_server.validation import field_error

__all__ = ["decode_body"]

T = TypeVar("T")

_untyped = msgspec.json.Decoder()


def decode_body(body: bytes, decoder: msgspec.json.Decoder[T]) -> T:
    if not body.strip():
        raise InvalidRequestError("the request body is empty; expected a JSON object")
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        retried: T = _with_whole_floats_as_ints(body, decoder.type, exc)
        return retried
    except msgspec.DecodeError as exc:
        raise InvalidRequestError(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:  # msgspec's guard against nesting deeper than its decoder's stack
        raise _too_deep() from None


def _with_whole_floats_as_ints(body: bytes, target: Any, first: msgspec.ValidationError) -> Any:
    """A second, slower try only for a body that failed: `5.0` → `5`, then the same strict conversion. If it still
    fails, the first error is the one reported."""
    try:
        return msgspec.convert(_whole_floats_as_ints(_untyped.decode(body)), target)
    except (msgspec.ValidationError, msgspec.DecodeError):
        error = field_error(first)
        message = f"{error.reason} (at `{error.path}`)" if error.located and error.path else error.reason
        raise InvalidRequestError(message, param=error.path) from None
    except RecursionError:
        raise _too_deep() from None


def _whole_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_floats_as_ints(item) for item in value]
    return value


def _too_deep() -> InvalidRequestError:
    return InvalidRequestError("the request body nests arrays or objects too deeply")
