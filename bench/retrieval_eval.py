"""Retrieval quality and speed on this machine: recall@k and MRR for dense, BM25 and hybrid over data/ plus
distractor documents, ingest throughput, query latency and index size.

    .venv/bin/python -m bench.retrieval_eval [--distractors 400] [--repeat 3]

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

from ingest.chunker import TokenChunker, load_token_counter
from ingest.pipeline import IngestRun
from ingest.report import IngestReport
from rag_server.retrieval.access import Principal
from rag_server.retrieval.catalog import open_catalog
from rag_server.retrieval.embedder import load_embedder, resolve_model_path
from rag_server.retrieval.records import SearchMode
from rag_server.retrieval.retriever import Retriever
from rag_server.settings import IngestSettings, RetrievalSettings

REPO = Path(__file__).resolve().parents[1]
OPERATOR = Principal(id="bench", all_access=True)


class Question(msgspec.Struct, frozen=True):
    text: str
    source: str
    section: str = ""


class QuestionSet(msgspec.Struct, frozen=True):
    q: list[Question]


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


def relevant(hit_source: str, hit_section: str, question: Question) -> bool:
    return hit_source == question.source and (not question.section or question.section in hit_section)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--distractors", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    questions = msgspec.toml.decode((REPO / "bench" / "eval" / "questions.toml").read_bytes(), type=QuestionSet).q
    ingest_settings = IngestSettings()
    with tempfile.TemporaryDirectory() as scratch:
        distractors = Path(scratch) / "distractors"
        distractors.mkdir()
        count = write_distractors(distractors, args.distractors)
        settings = RetrievalSettings(index_dir=str(Path(scratch) / "index"))
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
            [REPO / "data", distractors], report, prune=False
        )
        store = catalog.store("default")
        retriever = Retriever(embedder, catalog.sparse, settings.fusion_candidates, settings.rrf_k)
        rows = []
        modes: tuple[SearchMode, ...] = ("dense", "sparse", "hybrid")
        for mode in modes:
            ranks: list[int | None] = []
            latencies: list[float] = []
            for _ in range(args.repeat):
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
            p95 = latencies[int(0.95 * (len(latencies) - 1))]
            rows.append((mode, recall, mrr, statistics.median(latencies), p95))
        index_bytes = sum(f.stat().st_size for f in (Path(scratch) / "index").rglob("*") if f.is_file())
        catalog.close()
    print(f"corpus: data/ + {count} distractor documents = {report.chunks_written} chunks; {len(questions)} questions")
    print(
        f"ingest: {report.seconds:.1f} s, {report.chunks_written / report.seconds:.1f} chunks/s; "
        f"embedding+upsert {report.write_seconds:.1f} s ({100 * report.write_seconds / report.seconds:.0f}%), "
        f"parse+chunk {report.parse_seconds:.1f} s; embedder load {load_s:.1f} s; index on disk "
        f"{index_bytes / 2**20:.0f} MiB (incl. preallocated WAL)"
    )
    print("| mode | recall@1 | recall@3 | recall@5 | recall@10 | MRR | query p50 ms | query p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for mode, recall, mrr, p50, p95 in rows:
        print(
            f"| {mode} | {recall[1]:.2f} | {recall[3]:.2f} | {recall[5]:.2f} | {recall[10]:.2f} | {mrr:.2f} "
            f"| {p50:.1f} | {p95:.1f} |"
        )


if __name__ == "__main__":
    main()
