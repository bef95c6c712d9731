from __future__ import annotations

import pytest

from rag_server.api.chat_request import decode_chat_request, to_chat_turns
from rag_server.errors import InvalidRequestError, UnsupportedParameterError
from rag_server.generation.port import ChatTurn

USER = '{"role": "user", "content": "hi"}'


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ('{"messages": []}', "messages"),
        ('{"messages": "hi"}', "messages"),
        ('{"messages": [{"role": "wizard", "content": "x"}]}', "messages[0].role"),
        ('{"messages": [{"role": "user"}]}', "messages[0]"),
        ('{"messages": [{"role": "user", "content": 5}]}', "messages[0].content"),
        (f'{{"messages": [{USER}], "max_tokens": 0}}', "max_tokens"),
        (f'{{"messages": [{USER}], "max_tokens": "many"}}', "max_tokens"),
        (f'{{"messages": [{USER}], "max_completion_tokens": -1}}', "max_completion_tokens"),
        (f'{{"messages": [{USER}], "temperature": 3}}', "temperature"),
        (f'{{"messages": [{USER}], "top_p": 0}}', "top_p"),
        (f'{{"messages": [{USER}], "stop": ["a", "b", "c", "d", "e"]}}', "stop"),
        (f'{{"messages": [{USER}], "stream": "yes"}}', "stream"),
        (f'{{"messages": [{USER}], "temprature": 1}}', "temprature"),
    ],
)
def test_bad_fields_are_named(body: str, param: str | None) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        decode_chat_request(body.encode())
    assert caught.value.param == param
    assert caught.value.status_code == 400


def test_unknown_field_message_names_it() -> None:
    with pytest.raises(InvalidRequestError, match="temprature"):
        decode_chat_request(f'{{"messages": [{USER}], "temprature": 1}}'.encode())


@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2", b"\xff\xfe"])
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(InvalidRequestError):
        decode_chat_request(body)


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ('"n": 2', "n"),
        ('"logprobs": true', "logprobs"),
        ('"tools": [{"type": "function", "function": {"name": "f"}}]', "tools"),
        ('"response_format": {"type": "json_object"}', "response_format"),
        ('"logit_bias": {"50256": -100}', "logit_bias"),
        ('"store": true', "store"),
    ],
)
def test_parameters_we_cannot_honour_are_refused_by_name(extra: str, param: str) -> None:
    with pytest.raises(UnsupportedParameterError) as caught:
        decode_chat_request(f'{{"messages": [{USER}], {extra}}}'.encode())
    assert caught.value.param == param
    assert caught.value.code == "unsupported_parameter"


def test_neutral_values_that_sdks_send_by_default_are_accepted() -> None:
    body = f'{{"messages": [{USER}], "n": 1, "logprobs": false, "tools": [], "response_format": {{"type": "text"}}}}'
    assert decode_chat_request(body.encode()).n == 1


def test_messages_become_turns_with_developer_as_system_and_parts_joined() -> None:
    body = b"""{"messages": [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}]},
        {"role": "assistant", "content": "Hi."}
    ]}"""
    assert to_chat_turns(decode_chat_request(body)) == (
        ChatTurn("system", "Be brief."),
        ChatTurn("user", "Hello there"),
        ChatTurn("assistant", "Hi."),
    )


def test_image_parts_are_refused() -> None:
    body = '{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}'
    with pytest.raises(InvalidRequestError) as caught:
        decode_chat_request(body.encode())
    assert caught.value.param == "messages[0].content[0].type"
