"""msgspec's validation text, split once for everyone who names the bad field to a person."""

from __future__ import annotations

import msgspec
import pytest

from rag_server.validation import FieldError, field_error


class Turn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: str
    scores: dict[str, int] = {}


class Body(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    messages: list[Turn] = []
    top_k: int = 5


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"top_k": "five"}',
            FieldError(reason="Expected `int`, got `str`", path="top_k", located=True, unknown=False),
        ),
        (
            b'{"messages": [{"role": 1}]}',
            FieldError(reason="Expected `str`, got `int`", path="messages[0].role", located=True, unknown=False),
        ),
        (
            b'{"messages": [{"role": "user", "name": "ann"}]}',
            FieldError(
                reason="Object contains unknown field `name`", path="messages[0].name", located=True, unknown=True
            ),
        ),
        (
            b'{"stream": true}',
            FieldError(reason="Object contains unknown field `stream`", path="stream", located=False, unknown=True),
        ),
        (b"[]", FieldError(reason="Expected `object`, got `array`", path=None, located=False, unknown=False)),
    ],
)
def test_the_bad_field_is_named_by_its_path(body: bytes, expected: FieldError) -> None:
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.json.decode(body, type=Body)
    assert field_error(raised.value) == expected


def test_field_names_leave_out_indexes_and_map_keys() -> None:
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.json.decode(b'{"messages": [{"role": "user", "scores": {"a": "high"}}]}', type=Body)
    error = field_error(raised.value)
    assert error.path == "messages[0].scores[...]"
    assert error.fields == ("messages", "scores")
