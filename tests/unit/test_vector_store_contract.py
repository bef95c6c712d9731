"""One contract, every VectorStore adapter: Qdrant Edge (the embedded default), qdrant-client in its in-memory
mode (the same request models a server gets) and, when QDRANT_URL is set, a real Qdrant server."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from rag_server.retrieval.client_store import open_client_store
from rag_server.retrieval.edge_store import open_edge_store
from rag_server.retrieval.errors import StoreLockedError, StoreSchemaError
from rag_server.retrieval.port import (
    DeleteWhere,
    FieldMatch,
    SparseVector,
    StoredPoint,
    StoreFilter,
    StorePoint,
    StoreQuery,
    UpsertPoints,
    VectorStore,
)

BACKENDS = ["edge", "client-memory"] + (["client-server"] if os.environ.get("QDRANT_URL") else [])


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    if request.param == "edge":
        edge = open_edge_store(tmp_path / "shard", 4)
        assert edge is not None
        yield edge
        edge.close()
        return
    client = (
        QdrantClient(":memory:") if request.param == "client-memory" else QdrantClient(url=os.environ["QDRANT_URL"])
    )
    name = f"contract-{uuid.uuid4().hex[:8]}"
    opened = open_client_store(client, name, 4)
    assert opened is not None
    yield opened
    client.delete_collection(name)
    client.close()


def pid(n: int) -> str:
    return str(uuid.UUID(int=n))


def point(n: int, dense: list[float], terms: list[int], group: str, doc: str = "d1") -> StorePoint:
    payload = {"record": "chunk", "document_id": doc, "access_groups": [group], "n": n}
    return StorePoint(id=pid(n), dense=dense, sparse=SparseVector(terms, [1.0] * len(terms)), payload=payload)


POINTS = (
    point(1, [0.9, 0.1, 0, 0], [10, 20], "a"),
    point(2, [0.1, 0.9, 0, 0], [20, 30], "a"),
    point(3, [0, 0.1, 0.9, 0], [30, 40], "b", doc="d2"),
    point(4, [0.6, 0.6, 0.1, 0], [30, 40], "a", doc="d2"),
)


def ids(points: Sequence[StoredPoint]) -> list[str]:
    return [p.id for p in points]


def test_dense_sparse_and_hybrid_rank_the_expected_points(store: VectorStore) -> None:
    store.write([UpsertPoints(POINTS)])
    assert ids(store.query(StoreQuery(dense=[1, 0, 0, 0], limit=2))) == [pid(1), pid(4)]
    sparse_top = ids(store.query(StoreQuery(sparse=SparseVector([10], [1.0]), limit=3)))
    assert sparse_top == [pid(1)]
    fused = store.query(StoreQuery(dense=[1, 0, 0, 0], sparse=SparseVector([30, 40], [1.0, 1.0]), limit=3))
    assert ids(fused)[0] == pid(4), "in both candidate lists, so first after fusion"
    assert len(fused) == 3


def test_filters_are_applied_inside_the_query(store: VectorStore) -> None:
    store.write([UpsertPoints(POINTS)])
    only_b = StoreFilter(must=(FieldMatch("access_groups", ("b",)),))
    assert ids(store.query(StoreQuery(dense=[1, 0, 0, 0], where=only_b, limit=10))) == [pid(3)]
    not_d2 = StoreFilter(must_not=(FieldMatch("document_id", ("d2",)),))
    assert set(ids(store.query(StoreQuery(dense=[1, 0, 0, 0], where=not_d2, limit=10)))) == {pid(1), pid(2)}


def test_delete_where_and_upsert_replace(store: VectorStore) -> None:
    store.write([UpsertPoints(POINTS)])
    store.write([DeleteWhere(StoreFilter(must=(FieldMatch("document_id", ("d2",)),)))])
    store.write([UpsertPoints((point(1, [0, 0, 0, 1], [99], "a"),))])
    page = store.scroll(StoreFilter(), limit=10)
    assert sorted(ids(page.points)) == [pid(1), pid(2)]
    assert ids(store.query(StoreQuery(dense=[0, 0, 0, 1], limit=1))) == [pid(1)]


def test_vectorless_records_are_scrollable_but_never_returned_by_queries(store: VectorStore) -> None:
    store.write([UpsertPoints((*POINTS, StorePoint(id=pid(9), payload={"record": "document"})))])
    assert pid(9) not in ids(store.query(StoreQuery(dense=[1, 1, 1, 1], limit=10)))
    records = store.scroll(StoreFilter(must=(FieldMatch("record", ("document",)),)), limit=10)
    assert ids(records.points) == [pid(9)]


def test_scroll_pages_through_everything(store: VectorStore) -> None:
    store.write([UpsertPoints(POINTS)])
    seen: list[str] = []
    offset = None
    while True:
        page = store.scroll(StoreFilter(), limit=3, offset=offset)
        seen.extend(ids(page.points))
        if page.next_offset is None:
            break
        offset = page.next_offset
    assert sorted(seen) == sorted(pid(n) for n in (1, 2, 3, 4))


def test_edge_refuses_a_second_opener_and_a_dimension_change(tmp_path: Path) -> None:
    first = open_edge_store(tmp_path / "shard", 4)
    assert first is not None
    with pytest.raises(StoreLockedError):
        open_edge_store(tmp_path / "shard", 4)
    first.close()
    with pytest.raises(StoreSchemaError, match="4-dimensional"):
        open_edge_store(tmp_path / "shard", 8)
    assert open_edge_store(tmp_path / "missing", None) is None


def test_edge_tells_another_process_the_index_is_locked(tmp_path: Path) -> None:
    owner = open_edge_store(tmp_path / "shard", 4)
    assert owner is not None
    probe = (
        "import sys; from pathlib import Path; "
        "from rag_server.retrieval.edge_store import open_edge_store; "
        "from rag_server.retrieval.errors import StoreLockedError\n"
        "try:\n    open_edge_store(Path(sys.argv[1]), 4)\n"
        "except StoreLockedError:\n    print('locked')"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", probe, str(tmp_path / "shard")], capture_output=True, text=True, check=False
        )
    finally:
        owner.close()
    assert (result.returncode, result.stdout.strip()) == (0, "locked"), result.stderr


def test_edge_reports_a_broken_index_as_broken_not_as_locked(tmp_path: Path) -> None:
    store = open_edge_store(tmp_path / "shard", 4)
    assert store is not None
    store.close()
    (tmp_path / "shard" / "edge_config.json").write_text("{not json")
    with pytest.raises(Exception, match=r"edge_config\.json") as raised:
        open_edge_store(tmp_path / "shard", None)
    assert not isinstance(raised.value, StoreLockedError)


def test_a_delete_without_a_filter_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="needs a filter"):
        DeleteWhere(StoreFilter())
