"""Answer quality through the real server: gold-fact questions over data/ and over a corpus nobody here wrote
(bench/corpora/package-docs), asked of `rag-server` as a client would, with the server's default sampling unless an
arm overrides it.

    .venv/bin/python -m bench.answers_eval [--arms smollm2,qwen] [--corpora data,packages] [--limit N]

Per arm and corpus: accuracy (a gold fact in the answer), citation rate (a `[n]` pointing at a passage that holds the
fact), correct refusals on unanswerable questions ("not in the documents"), false refusals on answerable ones,
answers that are nothing but a marker, retrieval hit rate (the source document among the passages), TTFT and TPOT.
The questions were written by reading the documents before any model was tried (bench/eval/answers_*.toml).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import msgspec

from bench.servers import REPO, Arm, Running, running, scrape

CORPORA = {
    "data": (REPO / "data", REPO / "bench" / "eval" / "answers_data.toml"),
    "packages": (REPO / "bench" / "corpora" / "package-docs", REPO / "bench" / "eval" / "answers_packages.toml"),
    "manpages": (REPO / "bench" / "corpora" / "man-pages", REPO / "bench" / "eval" / "answers_manpages.toml"),
}
HITS, QUERIES = "vllm:prefix_cache_hits_total", "vllm:prefix_cache_queries_total"
MAX_TOKENS = 160
"""Enough for a short answer with citations; a model that rambles past it is judged on what it said so far."""

# The phrases a refusal uses: the system prompt asks for "could not find it in the documents".
REFUSAL = re.compile(
    r"(could ?n[o']t|can ?n[o']t|cannot|unable to|did ?n[o']t|do ?n[o']t|does ?n[o']t) (find|locate|see|contain|"
    r"mention|include|have|provide|say|cover|specify)|not (found|mentioned|covered|specified|included|stated|provided)"
    r"|no (information|mention|details?|answer)|isn'?t (mentioned|covered|specified|in the)",
    re.IGNORECASE,
)
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


class Question(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    question: str
    family: str
    accept: list[str] = []
    source: str | None = None
    answerable: bool = True


class Graded(msgspec.Struct, kw_only=True):
    id: str
    answerable: bool
    answer: str
    outcome: str
    """ok, or what went wrong (http_400 content_filter, an in-band error, a transport error)."""
    correct: bool
    cited: bool
    refused: bool
    marker_only: bool
    retrieved: bool
    """The question's source document is among the passages the answer was given."""
    ttft_s: float
    tpot_s: float
    sentences_checked: int = 0
    sentences_unsupported: int = 0
    """The server's groundedness check on this answer (its final chunk's `grounding`)."""
    model_cited: bool = False
    """`cited` by a marker the model wrote itself (not one the server's attribution placed)."""


class ArmCorpus(msgspec.Struct, kw_only=True):
    arm: str
    corpus: str
    answerable: int
    unanswerable: int
    accuracy: float
    citation_rate: float
    correct_refusal: float
    false_refusal: float
    marker_only: float
    retrieval_hit: float
    ttft_p50_s: float
    tpot_p50_ms: float
    errors: int
    unsupported_sentences: float
    """Share of the checked answer sentences the groundedness check found unsupported."""
    graded: list[Graded]
    prefix_hit_rate: float = -1.0
    """Prompt tokens the engine found in its prefix cache while answering these questions (-1: not measured)."""
    model_citation_rate: float = -1.0
    """The citation rate counting only the markers the model wrote (-1: not measured)."""


def load(path: Path) -> list[Question]:
    return msgspec.convert(tomllib.loads(path.read_text())["q"], list[Question])


def normalise(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


def holds(text: str, accept: Sequence[str]) -> bool:
    haystack = normalise(text)
    return any(normalise(fact) in haystack for fact in accept)


def cited_numbers(answer: str) -> set[int]:
    return {int(n) for group in MARKER.findall(answer) for n in group.split(",")}


def grade(
    question: Question,
    answer: str,
    sources: list[dict[str, object]],
    outcome: str,
    timing: tuple[float, float],
    grounding: dict[str, object] | None = None,
    attributed: Sequence[int] = (),
) -> Graded:
    numbers = cited_numbers(answer)
    passages = {int(str(s["n"])): str(s.get("text", "")) for s in sources}
    without_markers = MARKER.sub("", answer).strip(" .\n")
    return Graded(
        id=question.id,
        answerable=question.answerable,
        answer=answer,
        outcome=outcome,
        correct=outcome == "ok" and holds(answer, question.accept) if question.answerable else False,
        cited=any(holds(passages.get(n, ""), question.accept) for n in numbers) if question.answerable else False,
        refused=outcome == "ok" and bool(REFUSAL.search(answer)),
        marker_only=outcome == "ok" and not without_markers and bool(numbers),
        retrieved=question.source is not None
        and any(str(s.get("source", "")).endswith(Path(question.source).name) for s in sources),
        ttft_s=timing[0],
        tpot_s=timing[1],
        sentences_checked=int(str((grounding or {}).get("checked", 0))),
        sentences_unsupported=len((grounding or {}).get("unsupported") or []),  # type: ignore[arg-type]
        model_cited=question.answerable
        and any(holds(passages.get(n, ""), question.accept) for n in numbers - set(attributed)),
    )


def ask(server: Running, question: Question) -> Graded:
    body = {
        "model": server.model,
        "messages": [{"role": "user", "content": question.question}],
        "stream": True,
        "max_tokens": MAX_TOKENS,
        "stream_options": {"include_usage": True},
    }
    started = time.perf_counter()
    first = last = 0.0
    text, outcome, completion = "", "ok", 0
    sources: list[dict[str, object]] = []
    grounding: dict[str, object] | None = None
    attributed: list[int] = []
    try:
        with server.client.stream("POST", "/v1/chat/completions", json=body) as response:
            if response.status_code != 200:
                response.read()
                code = (response.json().get("error") or {}).get("code", "")
                return grade(question, "", [], f"http_{response.status_code} {code}", (0.0, 0.0))
            for line in response.iter_lines():
                if not line.startswith("data: {"):
                    continue
                chunk = msgspec.json.decode(line[6:])
                if "error" in chunk:
                    outcome = f"in_band {chunk['error'].get('code', '')}"
                sources = chunk.get("sources") or sources
                grounding = chunk.get("grounding") or grounding
                attributed = chunk.get("attributed") or attributed
                if chunk.get("usage"):
                    completion = int(chunk["usage"].get("completion_tokens") or 0)
                delta = (chunk.get("choices") or [{}])[0].get("delta") or {}
                if delta.get("content"):
                    last = time.perf_counter()
                    first = first or last
                    text += delta["content"]
    except httpx.TransportError as error:
        outcome = f"transport {type(error).__name__}"
    tpot = (last - first) / (completion - 1) if completion > 1 and last > first else 0.0
    timing = (first - started if first else 0.0, tpot)
    return grade(question, text, sources, outcome, timing, grounding, attributed)


def summarise(arm: str, corpus: str, graded: list[Graded], prefix_hit_rate: float = -1.0) -> ArmCorpus:
    answerable = [g for g in graded if g.answerable]
    unanswerable = [g for g in graded if not g.answerable]

    def rate(items: list[Graded], flag: str) -> float:
        return round(sum(bool(getattr(g, flag)) for g in items) / len(items), 3) if items else 0.0

    timed = [g for g in graded if g.ttft_s > 0]
    return ArmCorpus(
        arm=arm,
        corpus=corpus,
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        accuracy=rate(answerable, "correct"),
        citation_rate=rate(answerable, "cited"),
        model_citation_rate=rate(answerable, "model_cited"),
        correct_refusal=rate(unanswerable, "refused"),
        false_refusal=rate(answerable, "refused"),
        marker_only=rate(graded, "marker_only"),
        retrieval_hit=rate(answerable, "retrieved"),
        ttft_p50_s=round(statistics.median(g.ttft_s for g in timed), 3) if timed else 0.0,
        tpot_p50_ms=round(1000 * statistics.median(g.tpot_s for g in timed if g.tpot_s > 0), 1) if timed else 0.0,
        errors=sum(g.outcome != "ok" for g in graded),
        unsupported_sentences=round(
            sum(g.sentences_unsupported for g in graded) / max(1, sum(g.sentences_checked for g in graded)), 3
        ),
        graded=graded,
        prefix_hit_rate=prefix_hit_rate,
    )


@contextmanager
def indexes(corpora: Sequence[str]) -> Iterator[dict[str, Path]]:
    """One embedded index per corpus, ingested once and shared by every arm."""
    with tempfile.TemporaryDirectory(prefix="answers-") as scratch:
        built = {}
        for corpus in corpora:
            folder, _ = CORPORA[corpus]
            index = Path(scratch) / corpus
            env = os.environ | {"RAG_RETRIEVAL__INDEX_DIR": str(index)}
            subprocess.run([str(REPO / ".venv" / "bin" / "rag-ingest"), str(folder)], env=env, check=True, cwd=REPO)
            built[corpus] = index
        yield built


def arm_named(key: str, port: int, index: Path, settings: dict[str, str]) -> Arm:
    env = {
        "RAG_SERVER__PORT": str(port),
        "RAG_RETRIEVAL__INDEX_DIR": str(index),
        "RAG_ENGINE__ENFORCE_EAGER": "true",
        **settings,
    }
    return Arm(key=key, name=key, command=[str(REPO / ".venv" / "bin" / "rag-server")], env=env, ours=True)


MODELS = {"smollm2": "SmolLM2-135M-Instruct", "qwen": "Qwen2.5-Coder-0.5B-Instruct"}
OPTIONS = {
    "q": {"RAG_GENERATION__PROMPT_LAYOUT": "question"},
    "s": {"RAG_GENERATION__PROMPT_LAYOUT": "system"},
    "t0": {"RAG_GENERATION__DEFAULT_TEMPERATURE": "0"},
    "t1": {"RAG_GENERATION__DEFAULT_TEMPERATURE": "1"},
    "hybrid": {"RAG_RETRIEVAL__SEARCH_MODE": "hybrid"},
    "dense": {"RAG_RETRIEVAL__SEARCH_MODE": "dense"},
    "doc": {"RAG_GENERATION__PASSAGE_ORDER": "document"},
    "score": {"RAG_GENERATION__PASSAGE_ORDER": "score"},
    "noattr": {"RAG_CHAT__ATTRIBUTE_CITATIONS": "false"},
}


def arm_settings(key: str) -> dict[str, str]:
    """`qwen-q-t0`: a model, then options (prompt layout, default temperature, search mode, passage order, citation
    attribution off); the rest as configured."""
    model, *options = key.split("-")
    settings = {
        "RAG_ENGINE__MODEL": f"data/models/{MODELS[model]}",
        "RAG_ENGINE__SERVED_MODEL_NAME": MODELS[model],
    }
    for option in options:
        settings |= OPTIONS[option]
    return settings


def run(arms: Sequence[str], corpora: Sequence[str], limit: int | None, port: int = 8931) -> list[ArmCorpus]:
    results = []
    log_dir = REPO / "bench" / "results" / "answers-logs"
    with indexes(corpora) as built:
        for corpus in corpora:
            questions = load(CORPORA[corpus][1])[:limit]
            for key in arms:
                settings = arm_settings(key)
                model = settings["RAG_ENGINE__SERVED_MODEL_NAME"]
                arm = arm_named(f"{key}-{corpus}", port, built[corpus], settings)
                with running(arm, port, log_dir, model) as server:
                    before = scrape(server.client, HITS, QUERIES)
                    graded = [ask(server, question) for question in questions]
                    hits, queries = (b - a for a, b in zip(before, scrape(server.client, HITS, QUERIES), strict=True))
                summary = summarise(key, corpus, graded, round(hits / queries, 3) if queries else -1.0)
                results.append(summary)
                (log_dir / f"{key}-{corpus}.json").write_bytes(msgspec.json.format(msgspec.json.encode(summary)))
                print(table([summary]), flush=True)
    return results


def table(results: Sequence[ArmCorpus]) -> str:
    rows = [
        "| arm | corpus | questions | accuracy | citation | cited by the model | correct refusal | false refusal | "
        "marker only | retrieval hit | unsupported sentences | TTFT p50 s | TPOT p50 ms | prefix hit | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows.extend(
        f"| {r.arm} | {r.corpus} | {r.answerable}+{r.unanswerable} | {r.accuracy:.2f} | {r.citation_rate:.2f} | "
        f"{f'{r.model_citation_rate:.2f}' if r.model_citation_rate >= 0 else 'n/a'} | "
        f"{r.correct_refusal:.2f} | {r.false_refusal:.2f} | {r.marker_only:.2f} | {r.retrieval_hit:.2f} | "
        f"{f'{r.unsupported_sentences:.2f}' if r.unsupported_sentences >= 0 else 'n/a'} | "
        f"{r.ttft_p50_s:.2f} | {r.tpot_p50_ms:.0f} | "
        f"{f'{r.prefix_hit_rate:.2f}' if r.prefix_hit_rate >= 0 else 'n/a'} | {r.errors} |"
        for r in results
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--arms", default="smollm2,qwen")
    parser.add_argument("--corpora", default="data,packages")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "answers.json")
    args = parser.parse_args()
    results = run(args.arms.split(","), args.corpora.split(","), args.limit)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(msgspec.json.format(msgspec.json.encode(results)))
    print(table(results))


if __name__ == "__main__":
    main()
