"""However a chat answer ends, its audit trail is whole, and the rails' capacity belongs to the host.

Over a real socket (uvicorn in a thread; an ASGI test transport would buffer the stream): a client that leaves
mid-stream and an engine that fails mid-stream both leave the output rails' decisions in the audit log; a burst of
`/v1/guardrails/check` calls is admitted like chat and never makes a chat request fail closed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from guardrails import GuardrailsConfig
from rag_server.app import create_app
from rag_server.guarding import GuardrailsSlot
from rag_server.services import Services, guard_workers
from rag_server.settings import Settings, load_settings
from tests.fakes import FakeGenerator, FakePiiAnalyzer, fake_guardrails, fake_services
from tests.support import serving

QUESTION = {"role": "user", "content": "How do I reset my VPN password?"}


def settings_for(**environ: str) -> Settings:
    return load_settings({"RAG_ENGINE__MAX_MODEL_LEN": "512", "RAG_CHAT__RAG_BY_DEFAULT": "false", **environ})


def guarded_services(
    generator: FakeGenerator, settings: Settings, rails_config: GuardrailsConfig, pii_s: float = 0.05
) -> Services:
    base = fake_services(generator, settings=settings)
    workers = concurrent.futures.ThreadPoolExecutor(guard_workers(settings))  # as the server sizes its own
    rails = fake_guardrails(rails_config, pii=FakePiiAnalyzer(delay_s=pii_s), executor=workers)
    return Services(engine=base.engine, knowledge=base.knowledge, guardrails=GuardrailsSlot.ready_with(rails))


def audit_records(caplog: pytest.LogCaptureFixture, request_id: str) -> list[dict[str, Any]]:
    prefix = "guardrail decision "
    decisions = [
        json.loads(record.getMessage()[len(prefix) :])
        for record in caplog.records
        if record.name == "rag_server.audit" and record.getMessage().startswith(prefix)
    ]
    return [decision for decision in decisions if decision["request_id"] == request_id]


def wait_for_output_decisions(caplog: pytest.LogCaptureFixture, request_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while True:
        output = [d for d in audit_records(caplog, request_id) if d["stage"] == "output"]
        if output:
            return output
        assert time.monotonic() < deadline, f"no output-rail decision for {request_id} in the audit log"
        time.sleep(0.02)


def wait_for_chat_line(caplog: pytest.LogCaptureFixture, request_id: str) -> str:
    """The request's closing log line (written by the server thread, maybe a moment after its decisions)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"chat {request_id} ")]
        if lines:
            return lines[0]
        assert time.monotonic() < deadline, f"no log line for {request_id}"
        time.sleep(0.02)


@pytest.fixture
def slow_answer_url() -> Iterator[tuple[str, FakeGenerator]]:
    settings = settings_for()
    generator = FakeGenerator(" ".join(["word"] * 40), delay_s=0.05)  # ~2 s of answer
    with serving(create_app(settings, guarded_services(generator, settings, GuardrailsConfig()))) as url:
        yield url, generator


def test_a_stream_the_client_leaves_still_records_its_output_decisions(
    slow_answer_url: tuple[str, FakeGenerator], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url, generator = slow_answer_url
    body = {"messages": [QUESTION], "stream": True, "max_tokens": 40}
    with (
        httpx.Client(base_url=url, timeout=10) as client,
        client.stream("POST", "/v1/chat/completions", json=body) as response,
    ):
        request_id = response.headers["x-request-id"]
        first = next(line for line in response.iter_lines() if '"content":"word' in line)
        assert first, "the answer started streaming"
    # The client is gone after its first chunk: the engine request is aborted and the output rails still speak.
    output = wait_for_output_decisions(caplog, request_id)
    assert {d["guard"] for d in output} == {"pii_output", "system_prompt_leak"}
    assert request_id in generator.aborted
    assert "outcome=cancelled" in wait_for_chat_line(caplog, request_id)
    ids = [d["decision_id"] for d in audit_records(caplog, request_id)]
    assert len(ids) == len(set(ids)), "each decision is emitted once"


def test_an_engine_failure_mid_stream_records_output_decisions(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    settings = settings_for()
    generator = FakeGenerator("one two three four five", fail_after=2)
    with serving(create_app(settings, guarded_services(generator, settings, GuardrailsConfig()))) as url:
        response = httpx.post(f"{url}/v1/chat/completions", json={"messages": [QUESTION], "stream": True}, timeout=10)
    assert response.status_code == 200
    assert '"code":"engine_unavailable"' in response.text, "the failure is reported in-band"
    assert response.text.rstrip().endswith("data: [DONE]")
    request_id = response.headers["x-request-id"]
    assert {d["guard"] for d in wait_for_output_decisions(caplog, request_id)} == {"pii_output", "system_prompt_leak"}
    assert "outcome=error" in wait_for_chat_line(caplog, request_id)
    ids = [d["decision_id"] for d in audit_records(caplog, request_id)]
    assert len(ids) == len(set(ids)), "each decision is emitted once, by the stream's end or its background task"


def test_a_burst_of_guardrail_checks_never_makes_chat_fail_closed() -> None:
    settings = settings_for(
        RAG_ADMISSION__MAX_IN_FLIGHT="4",
        RAG_ADMISSION__MAX_QUEUED="64",
    )
    # Every PII pass takes 100 ms; a guard may run 800 ms (a margin for a loaded 2-core machine: at 600 ms one
    # check's 100 ms pass was once starved past it late in a full `make test`). Were the checks not admitted, or the
    # guard deadline to count the wait for a worker, 40 checks on the old hidden 4-thread pool would queue ~1 s of
    # work ahead of each chat's rails and fail them closed.
    rails_config = GuardrailsConfig(guard_timeout_ms=800)
    generator = FakeGenerator("Open the self-service portal.")
    with serving(create_app(settings, guarded_services(generator, settings, rails_config, pii_s=0.1))) as url:

        async def burst() -> tuple[list[httpx.Response], list[httpx.Response]]:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                checks = [
                    client.post("/v1/guardrails/check", json={"text": f"Mail me at ann{n}@example.com please"})
                    for n in range(40)
                ]
                chats = [client.post("/v1/chat/completions", json={"messages": [QUESTION]}) for _ in range(4)]
                responses = await asyncio.gather(*checks, *chats)
                return list(responses[:40]), list(responses[40:])

        checks, chats = asyncio.run(burst())
    assert [chat.status_code for chat in chats] == [200] * 4, [chat.json() for chat in chats]
    assert {check.status_code for check in checks} <= {200, 503}
    assert sum(check.status_code == 200 for check in checks) >= 30, "the checks queue for a slot, not fail"
    refused = [check for check in checks if check.status_code == 503]
    assert all("retry-after" in check.headers for check in refused), "a refused check says when to retry"
    failed = [
        c.json()["error"] for c in checks if c.status_code == 503 and c.json()["error"]["code"] == "guardrail_failed"
    ]
    assert not failed, failed
