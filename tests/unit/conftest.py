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
    return load_settings({"RAG_ENGINE__MAX_MODEL_LEN": "64", "RAG_GENERATION__DEFAULT_MAX_TOKENS": "16"})


@pytest.fixture
def generator() -> FakeGenerator:
    return FakeGenerator()


@pytest.fixture
def client(settings: Settings, generator: FakeGenerator) -> Iterator[TestClient[Litestar]]:
    app = create_app(settings, fake_services(generator))
    with TestClient(app) as test_client:
        yield test_client
