"""Schemathesis against a running server's own `/openapi.json`: bounded examples per operation, every default
check (no server error, status codes, content types and bodies as documented, 405s with `Allow`)."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import allow_header_conformance

from rag_server.api.openapi import openapi_document
from rag_server.settings import EngineSettings, RetrievalSettings

# Litestar's automatic OPTIONS answer lists only one method when two handlers share a path (PUT and DELETE of a
# document), so that one check is left out for that path; every 405 is still checked for its `Allow` header.
_LITESTAR_OPTIONS_QUIRK = "/v1/collections/{collection}/documents/{document_id}"

FUZZ_SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def default_document(*, speculative: bool = EngineSettings().speculative) -> bytes:
    """The document a server on the default settings publishes (a test checks it does); the integration suite's
    server speculates, which bounds `min_p`."""
    return openapi_document(RetrievalSettings().max_top_k, speculative=speculative)


def default_schema(*, speculative: bool = EngineSettings().speculative) -> Any:
    return schemathesis.openapi.from_dict(msgspec.json.decode(default_document(speculative=speculative)))


def assert_publishes_the_default_schema(base_url: str, *, speculative: bool = EngineSettings().speculative) -> None:
    assert httpx.get(f"{base_url}/openapi.json").content == default_document(speculative=speculative)


@schemathesis.check
def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 500 is always a bug. A 503 is the server's documented "not now" (a guard that fails closed on a huge
    input, a full queue) as long as it says when to retry; without `Retry-After` it is a bug too."""
    status = response.status_code
    if status >= 500 and not (status == 503 and "retry-after" in response.headers):
        raise AssertionError(f"server error {status} without Retry-After: {response.text[:300]}")
    return None


_LENGTH_FIELDS = ("max_tokens", "max_completion_tokens", "min_tokens")
_FUZZ_MAX_TOKENS = 8
_SCHEMA_MAX = 2**31 - 1  # above it a value is invalid on purpose (a negative test): left for the server to refuse


def _short_answers(case: Any) -> None:
    """A real engine on 2 cores writes ~20 tokens a second: cap what a generated chat may ask to be written (only
    values the server would accept anyway), so the fuzz stays bounded in time, not in what it tries."""
    body = case.body
    if case.path != "/v1/chat/completions" or not isinstance(body, dict):
        return
    for field in _LENGTH_FIELDS:
        value = body.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and _FUZZ_MAX_TOKENS < value <= _SCHEMA_MAX:
            body[field] = _FUZZ_MAX_TOKENS
    if body.get("max_tokens") is None and body.get("max_completion_tokens") is None:
        body["max_tokens"] = _FUZZ_MAX_TOKENS


def call_and_check(case: Any, base_url: str) -> None:
    excluded: list[Any] = [not_a_server_error]
    if case.path == _LITESTAR_OPTIONS_QUIRK:
        excluded.append(allow_header_conformance)
    _short_answers(case)
    case.call_and_validate(base_url=base_url, excluded_checks=excluded, timeout=60)
