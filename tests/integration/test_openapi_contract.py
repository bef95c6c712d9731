"""The real server (vLLM, Presidio, the injection classifier, Qdrant Edge) keeps its published contract under a
bounded schemathesis fuzz: no 500 anywhere, every status, content type and body as `/openapi.json` says."""

from __future__ import annotations

from typing import Any

from tests.contract_fuzz import FUZZ_SETTINGS, assert_publishes_the_default_schema, call_and_check, default_schema
from tests.integration.conftest import LiveServer

schema = default_schema(speculative=True)  # the session's server speculates (tests/integration/conftest.py)


def test_the_real_server_publishes_the_document(live_server: LiveServer) -> None:
    assert_publishes_the_default_schema(live_server.base_url, speculative=True)


@schema.parametrize()  # type: ignore[untyped-decorator]  # schemathesis ships no types for its pytest plugin
@FUZZ_SETTINGS
def test_the_real_server_keeps_its_published_contract(case: Any, live_server: LiveServer) -> None:
    call_and_check(case, live_server.base_url)
