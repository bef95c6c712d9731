from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from rag_server.app import create_app
from rag_server.settings import Settings, load_settings
from tests.fakes import FakeGenerator, fake_services


@pytest.fixture
def settings() -> Settings:
    # Plain chat (no retrieval, no system prompt) in a tiny window: these tests are about the OpenAI surface.
    # tests/unit/test_rag_chat.py covers the RAG path with its own settings.
    return load_settings(
        {
            "RAG_ENGINE__MAX_MODEL_LEN": "64",
            "RAG_GENERATION__DEFAULT_MAX_TOKENS": "16",
            "RAG_CHAT__RAG_BY_DEFAULT": "false",
        }
    )


@pytest.fixture
def generator() -> FakeGenerator:
    return FakeGenerator()


@pytest.fixture
def client(settings: Settings, generator: FakeGenerator) -> Iterator[TestClient[Litestar]]:
    app = create_app(settings, fake_services(generator))
    with TestClient(app) as test_client:
        yield test_client
