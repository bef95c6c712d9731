"""Retrieval quality and speed on this machine: recall@k and MRR for dense, BM25 and hybrid over data/ plus
distractor documents, ingest throughput, query latency, and latency/recall as the index grows to 10k and 100k
points (bench/retrieval_scale.py).

    .venv/bin/python -m bench.retrieval_eval [--distractors 400] [--repeat 3] [--sizes 10000,100000]

Distractors are the long descriptions of the packages installed in this virtual environment (real technical
prose, none of it about our questions), written as Markdown files and ingested beside data/.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import statistics
import tempfile
import time
from pathlib import Path

import msgspec

from bench.questions import load_questions, relevant
from bench.retrieval_scale import OPERATOR, ScalePoint
from bench.retrieval_scale import run as run_scale
from ingest.chunker import TokenChunker, load_token_counter
from ingest.pipeline import IngestRun
from ingest.report import IngestReport
from rag_server.retrieval.catalog import open_catalog
from rag_server.retrieval.edge_store import EdgeStore
from rag_server.retrieval.embedder import load_embedder, resolve_model_path
from rag_server.retrieval.records import SearchMode
from rag_server.retrieval.retriever import Fusion, Retriever
from rag_server.settings import IngestSettings, RetrievalSettings

REPO = Path(__file__).resolve().parents[1]


def write_distractors(folder: Path, limit: int) -> int:
    written = 0
    for dist in sorted(importlib.metadata.distributions(), key=lambda d: d.metadata["Name"] or ""):
        text = dist.read_text("METADATA") or ""
        text = text.split("\n\n", 1)[1] if "\n\n" in text else ""  # the long description follows the headers
        if len(text) < 2000:
            continue
        (folder / f"{dist.metadata['Name']}.md").write_text(text[:20000])
        written += 1
        if written >= limit:
            break
    return written


class ModeRow(msgspec.Struct):
    mode: str
    recall: dict[int, float]
    mrr: float
    p50_ms: float
    p95_ms: float


class RetrievalReport(msgspec.Struct):
    markdown: str
    modes: list[ModeRow]
    scale: list[ScalePoint]


def report(
    work: Path, *, distractors: int, repeat: int, sizes: tuple[int, ...], hnsw_max_points: int
) -> RetrievalReport:
    questions = load_questions()
    ingest_settings = IngestSettings()
    folder = work / "distractors"
    folder.mkdir(parents=True, exist_ok=True)
    count = write_distractors(folder, distractors)
    settings = RetrievalSettings(index_dir=str(work / "index"))
    began = time.perf_counter()
    embedder = load_embedder(settings.embedder_model, "auto", settings.embedder_batch_size)
    load_s = time.perf_counter() - began
    catalog = open_catalog(settings, embedder)
    chunker = TokenChunker(
        load_token_counter(resolve_model_path(settings.embedder_model)),
        ingest_settings.chunk_tokens,
        ingest_settings.chunk_overlap_tokens,
    )
    report = IngestReport(collection="default", target="embedded", dry_run=False)
    IngestRun(catalog.index("default"), chunker, settings_fingerprint="bench", max_file_bytes=2**26).run(
        [REPO / "data", folder], report, prune=False
    )
    store = catalog.store("default")
    retriever = Retriever(embedder, catalog.sparse, Fusion(candidates=settings.fusion_candidates, rrf_k=settings.rrf_k))
    rows = []
    modes: tuple[SearchMode, ...] = ("dense", "sparse", "hybrid")
    for mode in modes:
        ranks: list[int | None] = []
        latencies: list[float] = []
        for _ in range(repeat):
            ranks = []
            for question in questions:
                started = time.perf_counter()
                hits = retriever.search(store, question.text, top_k=10, principal=OPERATOR, mode=mode)
                latencies.append((time.perf_counter() - started) * 1000)
                rank = next((i for i, h in enumerate(hits, 1) if relevant(h.source, h.section, question)), None)
                ranks.append(rank)
        recall = {k: sum(1 for r in ranks if r is not None and r <= k) / len(ranks) for k in (1, 3, 5, 10)}
        mrr = sum(1 / r for r in ranks if r is not None) / len(ranks)
        latencies.sort()
        rows.append(
            ModeRow(mode, recall, mrr, statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))])
        )
    embed_ms = []
    for question in questions:
        started = time.perf_counter()
        embedder.embed_query(question.text)
        embed_ms.append((time.perf_counter() - started) * 1000)
    index_bytes = sum(f.stat().st_size for f in (work / "index").rglob("*") if f.is_file())
    assert isinstance(store, EdgeStore)
    scale = run_scale(store, embedder, questions, work, sizes, hnsw_max_points, repeat)
    catalog.close()
    lines = [
        f"Corpus: data/ + {count} distractor documents = {report.chunks_written} chunks; {len(questions)} questions, "
        f"each asked {repeat} times per mode; latency per query, in-process, including the query embedding.",
        "",
        f"Ingest: {report.chunks_written / report.seconds:.1f} chunks/s ({report.chunks_written} chunks in "
        f"{report.seconds:.1f} s; embedding + upsert {100 * report.write_seconds / report.seconds:.0f} %, parse + "
        f"chunk {report.parse_seconds:.1f} s); embedder load {load_s:.1f} s; index on disk "
        f"{index_bytes / 2**20:.0f} MiB (incl. preallocated WAL segments).",
        "",
        "| mode | recall@1 | recall@3 | recall@5 | recall@10 | MRR | query p50 ms | query p95 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        r = row.recall
        lines.append(
            f"| {row.mode} | {r[1]:.2f} | {r[3]:.2f} | {r[5]:.2f} | {r[10]:.2f} | {row.mrr:.2f} "
            f"| {row.p50_ms:.1f} | {row.p95_ms:.1f} |"
        )
    lines += [
        "",
        f"**Index size.** Dense search through the retriever with the question's vector given (the query embedding "
        f"itself: p50 {statistics.median(embed_ms):.1f} ms, the same at every size). Extra points are synthetic "
        "(see `bench/retrieval_scale.py`).",
        "",
        "| points | method | build s | query p50 ms | query p95 ms | recall@5 | overlap with exact top 10 |",
        "|---|---|---|---|---|---|---|",
    ]
    for point in scale:
        lines.append(
            f"| {point.points:,} | {point.method} | {point.build_s:.1f} | {point.p50_ms:.1f} | {point.p95_ms:.1f} "
            f"| {point.recall_at_5:.2f} | {point.overlap_exact_10:.2f} |"
        )
    return RetrievalReport("\n".join(lines), rows, scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--distractors", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--hnsw-max-points", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        sizes = tuple(int(size) for size in args.sizes.split(","))
        print(report(Path(scratch), distractors=args.distractors, repeat=args.repeat, sizes=sizes,
                     hnsw_max_points=args.hnsw_max_points).markdown)  # fmt: skip


if __name__ == "__main__":
    main()
