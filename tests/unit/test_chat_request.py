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
        (f'{{"messages": [{USER}], "top_k": -2}}', "top_k"),
        (f'{{"messages": [{USER}], "min_p": 1.5}}', "min_p"),
        (f'{{"messages": [{USER}], "repetition_penalty": 0}}', "repetition_penalty"),
        (f'{{"messages": [{USER}], "min_tokens": -1}}', "min_tokens"),
    ],
)
def test_bad_fields_are_named(body: str, param: str | None) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        decode_chat_request(body.encode())
    assert caught.value.param == param
    assert caught.value.status_code == 400


def test_unknown_fields_are_ignored_and_named_as_vllm_does() -> None:
    body = '{"messages": [{"role": "user", "content": "hi", "id": "m1"}], "temprature": 1, "chat_id": "c", "\\n": 1}'
    decoded = decode_chat_request(body.encode())
    assert decoded.request.temperature is None, "an unknown field changes nothing"
    assert decoded.ignored == ("(unprintable)", "chat_id", "temprature", "messages[].id")


def test_vllm_sampling_extras_are_accepted() -> None:
    body = f'{{"messages": [{USER}], "top_k": 20, "min_p": 0.05, "repetition_penalty": 1.1, "min_tokens": 3}}'
    request = decode_chat_request(body.encode()).request
    assert (request.top_k, request.min_p, request.repetition_penalty, request.min_tokens) == (20, 0.05, 1.1, 3)


@pytest.mark.parametrize(
    "body", [b"", b"{not json", b"[1, 2", b"\xff\xfe", b'{"messages": [' * 5000, b"[" * 100_000, b"{" * 100_000]
)
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
    assert decode_chat_request(body.encode()).request.n == 1


def test_messages_become_turns_with_developer_as_system_and_parts_joined() -> None:
    body = b"""{"messages": [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}]},
        {"role": "assistant", "content": "Hi."}
    ]}"""
    assert to_chat_turns(decode_chat_request(body).request) == (
        ChatTurn("system", "Be brief."),
        ChatTurn("user", "Hello there"),
        ChatTurn("assistant", "Hi."),
    )


def test_image_parts_are_refused() -> None:
    body = '{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}'
    with pytest.raises(InvalidRequestError) as caught:
        decode_chat_request(body.encode())
    assert caught.value.param == "messages[0].content[0].type"


def test_a_whole_float_is_taken_for_an_integer_and_nothing_looser() -> None:
    body = f'{{"messages": [{USER}], "max_tokens": 16.0, "top_k": 20.0}}'
    request = decode_chat_request(body.encode()).request
    assert (request.max_tokens, request.top_k) == (16, 20)
    for loose in ('"max_tokens": 16.5', '"max_tokens": "16"', '"stream": "true"'):
        with pytest.raises(InvalidRequestError):
            decode_chat_request(f'{{"messages": [{USER}], {loose}}}'.encode())
