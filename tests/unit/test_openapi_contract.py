"""The published OpenAPI document holds for the whole HTTP layer (fake engine, fake rails, in-memory index):
fuzzed with schemathesis over a real socket. The real engine gets the same treatment in tests/integration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rag_server.app import create_app
from rag_server.guarding import GuardrailsSlot
from rag_server.services import Services
from rag_server.settings import load_settings
from tests.contract_fuzz import FUZZ_SETTINGS, assert_publishes_the_default_schema, call_and_check, default_schema
from tests.fakes import FakeGenerator, fake_guardrails, fake_services
from tests.support import serving


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    settings = load_settings({"RAG_ENGINE__MAX_MODEL_LEN": "512"})
    base = fake_services(FakeGenerator(), settings=settings)
    services = Services(
        engine=base.engine, knowledge=base.knowledge, guardrails=GuardrailsSlot.ready_with(fake_guardrails())
    )
    with serving(create_app(settings, services)) as url:
        yield url


schema = default_schema()


@schema.parametrize()  # type: ignore[untyped-decorator]  # schemathesis ships no types for its pytest plugin
@FUZZ_SETTINGS
def test_the_http_layer_keeps_its_published_contract(case: Any, base_url: str) -> None:
    call_and_check(case, base_url)


def test_the_document_is_openapi_3_1_with_every_route(base_url: str) -> None:
    assert_publishes_the_default_schema(base_url)
    document = httpx.get(f"{base_url}/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert {"/v1/chat/completions", "/v1/search", "/v1/guardrails/check", "/v1/models"} <= set(document["paths"])
    search_top_k = document["components"]["schemas"]["SearchRequest"]["properties"]["top_k"]["anyOf"][0]
    assert search_top_k["maximum"] == 50, "the deployment's retrieval.max_top_k, not the type's ceiling"
    min_p = document["components"]["schemas"]["ChatCompletionRequest"]["properties"]["min_p"]
    assert min_p["anyOf"][0]["maximum"] == 1, "speculation is off by default: min_p is honoured"
