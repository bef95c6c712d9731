"""Retrieval on corpora nobody here wrote, by the answer-quality questions: is a passage that holds the gold fact
among the first k? Dense, BM25 and hybrid (reciprocal-rank fusion at two constants), over the package READMEs and
the Debian man pages in bench/corpora, beside data/ for comparison.

    .venv/bin/python -m bench.retrieval_unseen [--corpora data,packages,manpages]

Relevance is answer-bearing: the passage contains one of the question's accepted facts (document-level recall,
the question's source document among the hits, is reported beside it). The questions were written by reading the
documents before any retrieval setting was tried (bench/eval/answers_*.toml).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import msgspec

from bench.answers_eval import CORPORA, Question, holds, load
from bench.retrieval_scale import OPERATOR
from ingest.chunker import TokenChunker, load_token_counter
from ingest.pipeline import IngestRun
from ingest.report import IngestReport
from rag_server.retrieval.catalog import open_catalog
from rag_server.retrieval.embedder import load_embedder, resolve_model_path
from rag_server.retrieval.records import SearchHit, SearchMode
from rag_server.retrieval.retriever import Fusion, Retriever
from rag_server.settings import IngestSettings, RetrievalSettings

KS = (1, 3, 5, 10)
VARIANTS: tuple[tuple[str, SearchMode, Fusion], ...] = (
    ("dense", "dense", Fusion()),
    ("bm25", "sparse", Fusion()),
    ("hybrid rrf k=60", "hybrid", Fusion(candidates=50, rrf_k=60)),
    ("hybrid rrf k=10", "hybrid", Fusion(candidates=50, rrf_k=10)),
)


class VariantRow(msgspec.Struct, kw_only=True):
    corpus: str
    variant: str
    questions: int
    chunks: int
    recall: dict[int, float]
    document_recall_5: float
    mrr: float
    p50_ms: float


def first_relevant(hits: Sequence[SearchHit], question: Question) -> int | None:
    return next((rank for rank, hit in enumerate(hits, 1) if holds(hit.text, question.accept)), None)


def evaluate(corpus: str, work: Path) -> list[VariantRow]:
    folder, questions_file = CORPORA[corpus]
    questions = [q for q in load(questions_file) if q.answerable]
    settings = RetrievalSettings(index_dir=str(work / corpus))
    ingest = IngestSettings()
    embedder = load_embedder(settings.embedder_model, "auto", settings.embedder_batch_size)
    catalog = open_catalog(settings, embedder)
    chunker = TokenChunker(
        load_token_counter(resolve_model_path(settings.embedder_model)),
        ingest.chunk_tokens,
        ingest.chunk_overlap_tokens,
    )
    report = IngestReport(collection="default", target="embedded", dry_run=False)
    IngestRun(catalog.index("default"), chunker, settings_fingerprint="bench", max_file_bytes=2**26).run(
        [folder], report, prune=False
    )
    store = catalog.store("default")
    rows = []
    for name, mode, fusion in VARIANTS:
        retriever = Retriever(embedder, catalog.sparse, fusion)
        ranks: list[int | None] = []
        documents_found = 0
        latencies = []
        for question in questions:
            started = time.perf_counter()
            hits = retriever.search(store, question.question, top_k=10, principal=OPERATOR, mode=mode)
            latencies.append((time.perf_counter() - started) * 1000)
            ranks.append(first_relevant(hits, question))
            source = Path(question.source or "").name
            documents_found += any(Path(hit.source).name == source for hit in hits[:5])
        rows.append(
            VariantRow(
                corpus=corpus,
                variant=name,
                questions=len(questions),
                chunks=report.chunks_written,
                recall={k: round(sum(r is not None and r <= k for r in ranks) / len(ranks), 3) for k in KS},
                document_recall_5=round(documents_found / len(questions), 3),
                mrr=round(sum(1 / r for r in ranks if r is not None) / len(ranks), 3),
                p50_ms=round(statistics.median(latencies), 1),
            )
        )
    catalog.close()
    return rows


def table(rows: Sequence[VariantRow]) -> str:
    lines = [
        "| corpus | chunks | questions | ranking | recall@1 | recall@3 | recall@5 | recall@10 | MRR | "
        "document recall@5 | query p50 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {r.corpus} | {r.chunks} | {r.questions} | {r.variant} | "
        + " | ".join(f"{r.recall[k]:.2f}" for k in KS)
        + f" | {r.mrr:.2f} | {r.document_recall_5:.2f} | {r.p50_ms:.1f} |"
        for r in rows
    )
    return "\n".join(lines)


def run(corpora: Sequence[str]) -> list[VariantRow]:
    with tempfile.TemporaryDirectory(prefix="retrieval-unseen-") as scratch:
        return [row for corpus in corpora for row in evaluate(corpus, Path(scratch))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpora", default="data,packages")
    args = parser.parse_args()
    print(table(run(args.corpora.split(","))))


if __name__ == "__main__":
    main()
