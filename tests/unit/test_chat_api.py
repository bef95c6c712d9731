"""The chat endpoint through create_app with a fake engine: wire format, errors, and what reaches the logs."""

from __future__ import annotations

import json
import logging
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from rag_server.app import create_app
from rag_server.settings import Settings, Speculation
from tests.fakes import FakeGenerator, fake_services

URL = "/v1/chat/completions"
QUESTION = {"role": "user", "content": "What is the capital of France? My email is jane@example.com"}


def sse_payloads(text: str) -> list[Any]:
    events = [line.removeprefix("data: ") for line in text.split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]", "every stream ends with [DONE]"
    return [json.loads(event) for event in events[:-1]]


def test_stream_has_role_chunk_content_deltas_finish_and_done(client: TestClient[Litestar]) -> None:
    response = client.post(URL, json={"messages": [QUESTION], "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = sse_payloads(response.text)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert len({chunk["id"] for chunk in chunks}) == 1
    text = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks)
    assert text == "The capital of France is Paris."
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None}
    assert response.headers["x-request-id"] == chunks[0]["id"]


def test_usage_chunk_only_when_asked(client: TestClient[Litestar]) -> None:
    plain = sse_payloads(client.post(URL, json={"messages": [QUESTION], "stream": True}).text)
    assert all(chunk["usage"] is None for chunk in plain)
    body = {"messages": [QUESTION], "stream": True, "stream_options": {"include_usage": True}}
    chunks = sse_payloads(client.post(URL, json=body).text)
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 6
    assert chunks[-1]["usage"]["total_tokens"] == chunks[-1]["usage"]["prompt_tokens"] + 6


def test_non_streaming_equals_the_collected_stream(client: TestClient[Litestar]) -> None:
    whole = client.post(URL, json={"messages": [QUESTION]}).json()
    streamed = sse_payloads(client.post(URL, json={"messages": [QUESTION], "stream": True}).text)
    assert whole["object"] == "chat.completion"
    assert whole["choices"][0]["message"] == {
        "role": "assistant",
        "content": "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in streamed),
        "refusal": None,
        "citations": streamed[-1]["citations"],  # extension fields: the same in both modes
        "attributed": streamed[-1]["attributed"],
        "sources": streamed[-1]["sources"],
        "masked": [],
        "guardrail": None,
        "grounding": streamed[-1]["grounding"],
    }
    assert whole["choices"][0]["finish_reason"] == streamed[-1]["choices"][0]["finish_reason"] == "stop"
    assert whole["usage"]["completion_tokens"] == 6


def test_max_tokens_and_stop_reach_the_engine(client: TestClient[Litestar], generator: FakeGenerator) -> None:
    body = {"messages": [QUESTION], "max_tokens": 3, "stop": ["Paris"], "temperature": 0, "seed": 7}
    whole = client.post(URL, json=body).json()
    assert whole["choices"][0]["message"]["content"] == "The capital of"
    assert whole["choices"][0]["finish_reason"] == "length"
    sampling = generator.seen_sampling[-1]
    assert (sampling.max_tokens, sampling.stop, sampling.temperature, sampling.seed) == (3, ("Paris",), 0.0, 7)
    stopped = client.post(URL, json={"messages": [QUESTION], "stop": "France"}).json()
    assert stopped["choices"][0]["message"]["content"] == "The capital of "
    assert stopped["choices"][0]["finish_reason"] == "stop"


def test_vllm_sampling_extras_reach_the_engine_and_unknown_fields_are_named(
    client: TestClient[Litestar], generator: FakeGenerator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    extras = {"top_k": 20, "min_p": 0.05, "repetition_penalty": 1.1, "min_tokens": 2}
    response = client.post(URL, json={"messages": [QUESTION], **extras, "ui_session": "s-1", "max_tokens": 8})
    assert response.status_code == 200
    sampling = generator.seen_sampling[-1]
    assert (sampling.top_k, sampling.min_p, sampling.repetition_penalty, sampling.min_tokens) == (20, 0.05, 1.1, 2)
    assert response.headers["x-ignored-fields"] == "ui_session"
    assert "ignored unknown fields: ui_session" in caplog.text
    assert "s-1" not in caplog.text, "names only, never values"


def test_min_p_is_refused_while_the_engine_speculates_rather_than_silently_ignored(
    settings: Settings, generator: FakeGenerator
) -> None:
    speculating = msgspec.structs.replace(
        settings, engine=msgspec.structs.replace(settings.engine, speculation=Speculation.NGRAM)
    )
    with TestClient(create_app(speculating, fake_services(generator))) as client:
        response = client.post(URL, json={"messages": [QUESTION], "min_p": 0.05})
        published = client.get("/openapi.json").json()
    min_p = published["components"]["schemas"]["ChatCompletionRequest"]["properties"]["min_p"]
    assert min_p["anyOf"][0]["maximum"] == 0, "the published contract says so too"
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "min_p"
    assert "RAG_ENGINE__SPECULATION=off" in error["message"]
    assert generator.seen_sampling == []


def test_max_completion_tokens_wins_and_defaults_apply(client: TestClient[Litestar], generator: FakeGenerator) -> None:
    client.post(URL, json={"messages": [QUESTION], "max_completion_tokens": 2})
    assert generator.seen_sampling[-1].max_tokens == 2
    client.post(URL, json={"messages": [QUESTION]})
    assert generator.seen_sampling[-1].max_tokens == 16  # RAG_GENERATION__DEFAULT_MAX_TOKENS in the fixture


@pytest.mark.parametrize(
    ("body", "status", "param", "code"),
    [
        ({"messages": []}, 400, "messages", None),
        ({"messages": [{"role": "robot", "content": "x"}]}, 400, "messages[0].role", None),
        ({"messages": [QUESTION], "max_tokens": 0}, 400, "max_tokens", None),
        ({"messages": [QUESTION], "max_tokens": 10_000}, 400, "max_tokens", "context_length_exceeded"),
        ({"messages": [{"role": "user", "content": "word " * 100}]}, 400, "messages", "context_length_exceeded"),
        ({"messages": [QUESTION], "n": 3}, 400, "n", "unsupported_parameter"),
        ({"messages": [QUESTION], "tools": [{"type": "function"}]}, 400, "tools", "unsupported_parameter"),
        ({"messages": [QUESTION], "model": "gpt-4o"}, 404, "model", "model_not_found"),
    ],
)
def test_bad_requests_get_the_openai_envelope_naming_the_field(
    client: TestClient[Litestar], body: dict[str, Any], status: int, param: str, code: str | None
) -> None:
    for stream in (False, True):
        response = client.post(URL, json=body | {"stream": stream})
        assert response.status_code == status
        error = response.json()["error"]
        assert error["param"] == param
        assert error["code"] == code
        assert error["type"] == "invalid_request_error"
        assert error["message"]


def test_malformed_json_is_a_400_not_a_500(client: TestClient[Litestar]) -> None:
    response = client.post(URL, content=b'{"messages": [', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]
    nested = client.post(URL, content=b'{"messages": [' * 5000, headers={"content-type": "application/json"})
    assert nested.status_code == 400
    assert "too deeply" in nested.json()["error"]["message"]
    huge = client.post(URL, json={"messages": [{"role": "user", "content": "word " * 1_000_000}]})
    assert huge.status_code == 413
    assert huge.json()["error"]["type"] == "invalid_request_error"


def test_engine_not_ready_is_503_with_retry_after(settings: Settings) -> None:
    with TestClient(create_app(settings, fake_services(None))) as client:
        response = client.post(URL, json={"messages": [QUESTION]})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "10"
        assert response.json()["error"]["code"] == "engine_unavailable"
        ready = client.get("/readyz")
        assert ready.status_code == 503
        readiness = ready.json()
        assert readiness.pop("bundle").startswith("b-")
        assert readiness == {
            "ready": False,
            "engine": "starting",
            "guardrails": "disabled",
            "retrieval": "ready",
            "reason": "the engine is starting",
            "startup_s": None,
            "server": "serving",
        }


def test_dead_engine_turns_readiness_and_requests_to_503(
    client: TestClient[Litestar], generator: FakeGenerator
) -> None:
    assert client.get("/readyz").status_code == 200
    generator.alive = False
    assert client.get("/readyz").json()["engine"] == "dead"
    assert client.post(URL, json={"messages": [QUESTION]}).status_code == 503
    assert client.get("/healthz").status_code == 200, "liveness stays up while the engine is being restarted"
    assert "rag_server_ready 0.0" in client.get("/metrics").text, "the gauge says what /readyz says"


def test_engine_that_failed_for_good_fails_liveness_so_the_container_restarts(settings: Settings) -> None:
    services = fake_services(None)
    services.engine.fail("the engine died and 3 restarts within 600 s failed")
    with TestClient(create_app(settings, services)) as client:
        liveness = client.get("/healthz")
        assert liveness.status_code == 503
        assert liveness.json() == {"status": "failed", "reason": "the engine died and 3 restarts within 600 s failed"}
        assert client.get("/readyz").json()["engine"] == "failed"


def test_engine_failure_mid_stream_goes_in_band_then_done(settings: Settings) -> None:
    generator = FakeGenerator(fail_after=2)
    with TestClient(create_app(settings, fake_services(generator))) as client:
        response = client.post(URL, json={"messages": [QUESTION], "stream": True})
        assert response.status_code == 200
        chunks = sse_payloads(response.text)
        assert chunks[-1]["error"]["code"] == "engine_unavailable"
        assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1]) == "The capital"
        whole = client.post(URL, json={"messages": [QUESTION]})
        assert whole.status_code == 503


def test_unexpected_errors_are_500_without_their_message(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    class Exploding(FakeGenerator):
        async def render(self, turns: Any) -> Any:
            raise RuntimeError("secret-" + "user-text")

    with TestClient(create_app(settings, fake_services(Exploding()))) as client:
        response = client.post(URL, json={"messages": [QUESTION]})
    assert response.status_code == 500
    assert response.json()["error"] == {
        "message": "internal server error",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert "secret-user-text" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_logs_carry_ids_and_counts_never_message_text(
    client: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.post(URL, json={"messages": [QUESTION], "stream": True})
    client.post(URL, json={"messages": [QUESTION]})
    client.post(URL, json={"messages": [QUESTION], "max_tokens": 10_000})
    assert "chatcmpl-" in caplog.text
    for secret in ("jane@example.com", "capital", "Paris"):
        assert secret not in caplog.text


def test_models_lists_the_served_model(client: TestClient[Litestar]) -> None:
    models = client.get("/v1/models").json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == ["Qwen2.5-Coder-0.5B-Instruct"]  # the default model folder's name


def test_unknown_routes_render_per_surface(client: TestClient[Litestar]) -> None:
    api = client.get("/v1/nothing")
    assert api.status_code == 404
    assert api.json()["error"]["type"] == "invalid_request_error"
    other = client.get("/nothing")
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    assert client.get(URL).status_code == 405


def test_series_an_alert_rates_exist_at_zero_before_their_first_event(client: TestClient[Litestar]) -> None:
    text = client.get("/metrics").text
    assert 'rag_http_requests_total{route="/v1/chat/completions",status="503"} 0.0' in text
    assert 'rag_guardrail_failures_total{guard="history",reason="guard_timeout",stage="input"} 0.0' in text


def test_metrics_expose_engine_figures_under_vllm_names(client: TestClient[Litestar]) -> None:
    text = client.get("/metrics").text
    assert "rag_engine_ready 1.0" in text
    assert "rag_server_ready 1.0" in text
    assert 'vllm:num_requests_running{model_name="Qwen2.5-Coder-0.5B-Instruct"} 0.0' in text
    assert "vllm:prefix_cache_hits_total" in text
    assert "vllm:spec_decode_num_accepted_tokens_total" in text
