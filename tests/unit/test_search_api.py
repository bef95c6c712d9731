"""`POST /v1/search` and the document endpoints through create_app, on the in-memory Qdrant and a fake embedder."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from rag_server.app import create_app
from rag_server.retrieval.catalog import Catalog
from rag_server.retrieval.errors import EmbedderMismatchError
from rag_server.retrieval.index import CollectionStamp, document_id_for, stamp_collection
from rag_server.retrieval.records import ChunkDraft, DocumentDraft
from rag_server.settings import ApiKey, AuthSettings, Settings, load_settings
from tests.fakes import FakeGenerator, fake_services, memory_catalog

IT_KEY, HR_KEY, ADMIN_KEY = "key-it", "key-hr", "key-admin"


def api_key(id_: str, key: str, groups: tuple[str, ...], admin: bool = False) -> ApiKey:
    return ApiKey(id=id_, sha256=hashlib.sha256(key.encode()).hexdigest(), groups=groups, admin=admin)


def draft(path: str, groups: tuple[str, ...], text: str, metadata: dict[str, str] | None = None) -> DocumentDraft:
    return DocumentDraft(
        document_id=document_id_for(path),
        source=path,
        path_key=path,
        title=path,
        fingerprint="0" * 64,
        access_groups=groups,
        metadata=metadata or {},
        chunks=(ChunkDraft(ordinal=0, text=text, start=0, end=len(text)),),
    )


@pytest.fixture
def catalog() -> Catalog:
    catalog = memory_catalog()
    index = catalog.index("default")
    index.replace(draft("it/vpn.md", ("it",), "reset the vpn password in the portal", {"team": "it"}))
    index.replace(draft("hr/salary.md", ("hr",), "salary bands and password for the payroll", {"team": "hr"}))
    index.replace(draft("faq.txt", ("public",), "the password must be fourteen characters"))
    return catalog


@pytest.fixture
def secured(catalog: Catalog) -> Iterator[TestClient[Litestar]]:
    settings = load_settings({})
    auth = AuthSettings(
        enabled=True,
        api_keys=(
            api_key("it-bot", IT_KEY, ("it",)),
            api_key("hr-bot", HR_KEY, ("hr",)),
            api_key("ops", ADMIN_KEY, (), admin=True),
        ),
    )
    settings = Settings(server=settings.server, engine=settings.engine, auth=auth)
    with TestClient(create_app(settings, fake_services(FakeGenerator(), catalog, settings))) as client:
        yield client


def sources(client: TestClient[Litestar], key: str, **body: object) -> set[str]:
    response = client.post("/v1/search", json={"query": "password", "top_k": 10, **body}, headers=bearer(key))
    assert response.status_code == 200, response.text
    return {hit["source"] for hit in response.json()["data"]}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_each_key_sees_its_groups_and_public_documents_only(secured: TestClient[Litestar]) -> None:
    assert sources(secured, IT_KEY) == {"it/vpn.md", "faq.txt"}
    assert sources(secured, HR_KEY) == {"hr/salary.md", "faq.txt"}


@pytest.mark.parametrize("mode", ["hybrid", "dense", "sparse"])
def test_request_filters_cannot_widen_access(secured: TestClient[Litestar], mode: str) -> None:
    salary = document_id_for("hr/salary.md")
    assert sources(secured, IT_KEY, mode=mode, filters={"document_ids": [salary]}) == set()
    assert sources(secured, IT_KEY, mode=mode, filters={"sources": ["hr/salary.md"]}) == set()
    assert sources(secured, IT_KEY, mode=mode, filters={"metadata": {"team": "hr"}}) == set()


def test_filters_narrow_results(secured: TestClient[Litestar]) -> None:
    assert sources(secured, IT_KEY, filters={"metadata": {"team": "it"}}) == {"it/vpn.md"}
    assert sources(secured, HR_KEY, filters={"sources": ["faq.txt"]}) == {"faq.txt"}


def test_hits_carry_citation_fields(secured: TestClient[Litestar]) -> None:
    body = secured.post("/v1/search", json={"query": "vpn portal"}, headers=bearer(IT_KEY)).json()
    hit = body["data"][0]
    assert hit["source"] == "it/vpn.md"
    assert hit["document_id"] == document_id_for("it/vpn.md")
    assert (hit["start"], hit["end"], hit["ordinal"], hit["page"]) == (0, 36, 0, None)
    assert hit["text"] == "reset the vpn password in the portal"
    assert body["mode"] == "hybrid"  # the default ranking


def test_missing_or_wrong_key_is_401(secured: TestClient[Litestar]) -> None:
    assert secured.post("/v1/search", json={"query": "x"}).status_code == 401
    response = secured.post("/v1/search", json={"query": "x"}, headers=bearer("nope"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert secured.get("/v1/models", headers=bearer(IT_KEY)).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
        ("POST", "/v1/search"),
        ("POST", "/v1/guardrails/check"),
        ("GET", "/v1/collections/default/documents"),
    ],
)
def test_every_v1_route_refuses_a_stranger_before_reading_the_body(
    secured: TestClient[Litestar], method: str, path: str
) -> None:
    response = secured.request(method, path, content=b'{"messages": [', headers={"content-type": "application/json"})
    assert response.status_code == 401, "not a 400 about the body: strangers learn nothing of validation"
    assert response.json()["error"]["type"] == "authentication_error"


def test_probes_and_the_page_stay_open(secured: TestClient[Litestar]) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/"):
        assert secured.get(path).status_code in (200, 503), path  # 503: readiness says why, not who


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x", "top_k": 0}, "top_k"),
        ({"query": "x", "top_k": 51}, "top_k"),
        ({"query": "x", "mode": "fuzzy"}, "mode"),
        ({"query": "x", "filters": {"document_ids": ["not-a-uuid"]}}, "filters.document_ids[0]"),
        ({"query": "x", "filters": {"tenant": "b"}}, "filters.tenant"),
        ({"query": "x", "collection": "../etc"}, "collection"),
        ({"quer": "x"}, "quer"),
    ],
)
def test_bad_search_input_is_a_400_naming_the_field(
    secured: TestClient[Litestar], body: dict[str, object], param: str
) -> None:
    response = secured.post("/v1/search", json=body, headers=bearer(IT_KEY))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_unknown_collection_is_a_404(secured: TestClient[Litestar]) -> None:
    response = secured.post("/v1/search", json={"query": "x", "collection": "nothing"}, headers=bearer(IT_KEY))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "collection_not_found"


def test_document_writes_need_an_admin_key(secured: TestClient[Litestar]) -> None:
    doc = draft("new.md", ("public",), "brand new password policy text")
    url = f"/v1/collections/default/documents/{doc.document_id}"
    body = msgspec.json.encode(doc)
    assert secured.put(url, content=body, headers=bearer(IT_KEY)).status_code == 403
    assert secured.put(url, content=body).status_code == 401
    response = secured.put(url, content=body, headers=bearer(ADMIN_KEY))
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "complete"
    assert "new.md" in sources(secured, IT_KEY)
    listing = secured.get("/v1/collections/default/documents", headers=bearer(ADMIN_KEY)).json()
    assert {d["source"] for d in listing["data"]} == {"it/vpn.md", "hr/salary.md", "faq.txt", "new.md"}
    assert secured.delete(url, headers=bearer(ADMIN_KEY)).status_code == 204
    assert "new.md" not in sources(secured, IT_KEY)


def test_mismatched_embedder_is_refused(catalog: Catalog) -> None:
    store = catalog.store("default")
    with pytest.raises(EmbedderMismatchError, match="RAG_RETRIEVAL__EMBEDDER_MODEL=fake/bag-of-words-64"):
        stamp_collection(store, CollectionStamp(embedder="other/model", dimension=64, sparse=catalog.sparse.model_id))


def test_search_logs_ids_and_counts_never_the_query(
    secured: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    query = "salary of customer jane.doe@example.com"
    assert secured.post("/v1/search", json={"query": query}, headers=bearer(HR_KEY)).status_code == 200
    assert "principal=hr-bot" in caplog.text
    assert "jane.doe" not in caplog.text
    assert HR_KEY not in caplog.text


def test_document_id_in_body_must_match_the_url(secured: TestClient[Litestar]) -> None:
    doc = draft("a.md", ("public",), "text")
    url = f"/v1/collections/default/documents/{document_id_for('b.md')}"
    response = secured.put(url, content=msgspec.json.encode(doc), headers=bearer(ADMIN_KEY))
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "document_id"
