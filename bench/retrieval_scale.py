"""Query latency and recall as the index grows: the real chunks plus synthetic ones, to 10k and 100k points.

Embedding 100k real passages would take ~2 hours on two CPU cores, so the extra points are synthetic, but made
to compete: each is the normalised mean of two random real chunk vectors plus Gaussian noise, so it sits among
real text in embedding space (often near the right answer) rather than in an empty corner where a random vector
would never be retrieved. Their payloads are real chunks' payloads relabelled `synthetic://...`, so filters and
payload decoding cost what they cost; a synthetic hit never counts as relevant.

Each size is a fresh Qdrant Edge shard queried through our `Retriever` with the question's vector computed once
beforehand (the query embedding, ~13 ms on this CPU, is the same at every size and is reported separately):
- brute force (Qdrant Edge's plain segments, exact) at every size;
- HNSW (`optimize()`, m=16, ef_construct=100) where the size is at most `hnsw_max_points` (~5 min per 100k
  points on two cores) and above Qdrant's indexing threshold (smaller segments stay brute force), with recall
  against the exact top 10 as well as against the gold answers.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import qdrant_edge as edge

from bench.questions import Question, relevant
from rag_server.retrieval.access import Principal
from rag_server.retrieval.edge_store import EdgeStore, open_edge_store
from rag_server.retrieval.port import Embedder, StorePoint, UpsertPoints
from rag_server.retrieval.retriever import Fusion, Retriever
from rag_server.retrieval.schema import DENSE
from rag_server.retrieval.sparse import Bm25Encoder

OPERATOR = Principal(id="bench", all_access=True)
NOISE = 0.05
"""Per-dimension noise of a synthetic vector before normalising (384 dims: cosine to its parents' mean ~0.75)."""


class ScalePoint(msgspec.Struct, kw_only=True):
    points: int
    method: str
    """`exact` (brute force) or `hnsw`."""
    build_s: float
    """Upsert time, plus `optimize()` for HNSW."""
    p50_ms: float
    p95_ms: float
    recall_at_5: float
    """Share of questions whose answering document and section is in the top 5."""
    overlap_exact_10: float
    """Share of the exact top 10 that this method also returns (1.0 for exact)."""


def real_points(store: EdgeStore) -> list[tuple[list[float], dict[str, Any]]]:
    """Every chunk in an ingested shard with its dense vector and payload."""
    found: list[tuple[list[float], dict[str, Any]]] = []
    offset = None
    where = edge.Filter(must=[edge.FieldCondition(key="record", match=edge.MatchValue("chunk"))])
    while True:
        records, offset = store._shard.scroll(
            edge.ScrollRequest(offset=offset, limit=1000, filter=where, with_payload=True, with_vector=True)
        )
        for record in records:
            vectors: Any = record.vector
            dense = vectors.get(DENSE) if isinstance(vectors, dict) else None
            if dense is not None:
                found.append((list(dense), dict(record.payload or {})))
        if offset is None:
            return found


def synthetic(real: Sequence[tuple[list[float], dict[str, Any]]], count: int, seed: int) -> list[StorePoint]:
    rng = np.random.default_rng(seed)
    vectors = np.asarray([vector for vector, _ in real], dtype=np.float32)
    left, right = rng.integers(0, len(real), count), rng.integers(0, len(real), count)
    mixed = (vectors[left] + vectors[right]) / 2 + rng.normal(0, NOISE, (count, vectors.shape[1])).astype(np.float32)
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    points = []
    for i, vector in enumerate(mixed):
        number = seed * 10_000_000 + i
        payload = dict(real[int(left[i])][1])
        payload.update(source=f"synthetic://{number}", document_id=f"synthetic-{number}", title="synthetic", section="")
        points.append(StorePoint(id=str(uuid.UUID(int=number + 1)), dense=vector.tolist(), payload=payload))
    return points


def build(directory: Path, real: Sequence[tuple[list[float], dict[str, Any]]], total: int) -> tuple[EdgeStore, float]:
    store = open_edge_store(directory, len(real[0][0]))
    assert store is not None
    started = time.perf_counter()
    base = [StorePoint(id=str(uuid.uuid4()), dense=vector, payload=payload) for vector, payload in real]
    store.write([UpsertPoints(tuple(base))])
    remaining, batch = total - len(real), 0
    while remaining > 0:
        count = min(5000, remaining)
        store.write([UpsertPoints(tuple(synthetic(real, count, seed=batch + 1)))])
        remaining -= count
        batch += 1
    return store, time.perf_counter() - started


def measure(
    store: EdgeStore,
    retriever: Retriever,
    questions: Sequence[Question],
    vectors: Sequence[list[float]],
    repeat: int,
    exact_top: Sequence[list[str]] | None,
) -> tuple[float, float, float, float, list[list[str]]]:
    latencies: list[float] = []
    tops: list[list[str]] = []
    found = 0
    for round_ in range(repeat):
        for question, vector in zip(questions, vectors, strict=True):
            started = time.perf_counter()
            hits = retriever.search(
                store, question.text, top_k=10, principal=OPERATOR, mode="dense", query_vector=vector
            )
            latencies.append((time.perf_counter() - started) * 1000)
            if round_ == 0:
                tops.append([hit.chunk_id for hit in hits])
                found += any(relevant(hit.source, hit.section, question) for hit in hits[:5])
    overlap = 1.0
    if exact_top is not None:
        shared = [len(set(mine) & set(exact)) / max(1, len(exact)) for mine, exact in zip(tops, exact_top, strict=True)]
        overlap = statistics.mean(shared)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return statistics.median(latencies), p95, found / len(questions), overlap, tops


def run(
    ingested: EdgeStore,
    embedder: Embedder,
    questions: Sequence[Question],
    work: Path,
    sizes: Sequence[int],
    hnsw_max_points: int,
    repeat: int,
) -> list[ScalePoint]:
    real = real_points(ingested)
    vectors = [embedder.embed_query(question.text) for question in questions]
    retriever = Retriever(embedder, Bm25Encoder(), Fusion(candidates=50, rrf_k=60))
    results = []
    for size in sizes:
        store, build_s = build(work / f"scale-{size}", real, max(size, len(real)))
        try:
            p50, p95, recall, _, exact_top = measure(store, retriever, questions, vectors, repeat, None)
            results.append(ScalePoint(points=size, method="exact", build_s=build_s, p50_ms=p50, p95_ms=p95,
                                      recall_at_5=recall, overlap_exact_10=1.0))  # fmt: skip
            print(f"   {size} exact: p50 {p50:.1f} ms, recall@5 {recall:.2f}", flush=True)
            if size <= hnsw_max_points:
                started = time.perf_counter()
                store.optimize()
                optimize_s = time.perf_counter() - started
                if not store._shard.info().indexed_vectors_count:
                    print(f"   {size}: below Qdrant's indexing threshold, no HNSW built", flush=True)
                    continue
                p50, p95, recall, overlap, _ = measure(store, retriever, questions, vectors, repeat, exact_top)
                results.append(ScalePoint(points=size, method="hnsw", build_s=build_s + optimize_s, p50_ms=p50,
                                          p95_ms=p95, recall_at_5=recall, overlap_exact_10=overlap))  # fmt: skip
                print(
                    f"   {size} hnsw: p50 {p50:.1f} ms, recall@5 {recall:.2f}, optimize {optimize_s:.0f} s", flush=True
                )
        finally:
            store.close()
    return results
