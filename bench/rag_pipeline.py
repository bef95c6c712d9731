"""The guarded RAG pipeline end to end: `python -m bench.rag_pipeline [--seconds S]`.

Starts `rag-server` on an index of `data/` (ingested first) twice, prefix cache on and off, and measures through
the whole pipeline (rails, retrieval, prompt, engine, output rails):
- per-stage time (from the server's own log line: queue, input_rails, retrieval, prompt, ttft), medians;
- TTFT on the same 8 questions with the cache on vs off, and the engine's prefix-cache hit rate around them;
- overload (cache-on arm, `admission.max_in_flight=4`, `max_queued=4`): closed-loop clients at 1x, 2x and 4x that
  concurrency for a fixed time; goodput, rejections (503 + Retry-After), p50/p99 latency of admitted requests,
  5xx other than 503, hung streams.
A custom client because TTFT must be read off each SSE stream and the stage split comes from our own log.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.serve_compare import MODEL as MODEL_DIR
from bench.serve_compare import REPO, SERVED_NAME, Arm, _engine_env, running, scrape, stream_once

WARM_UP = ["Hello, who can help me with IT problems?", "Where is the HR handbook?", "What are the office hours?"]
QUESTIONS = [
    "How do I reset my VPN password?",
    "How many vacation days do I get per year?",
    "How do I connect to the office wifi?",
    "Who approves my expense report?",
    "What should I do if my laptop is stolen?",
    "How do I set up my new laptop?",
    "Can I carry over unused vacation days?",
    "How do I print from my laptop?",
]
STAGE = re.compile(r"(queue|input_rails|retrieval|prompt|ttft)_ms=([0-9.]+)")


def ask(client: httpx.Client, question: str, max_tokens: int) -> tuple[float, int]:
    """TTFT in ms and cached prompt tokens, read off one streamed answer."""
    timing = stream_once(client, [{"role": "user", "content": question}], max_tokens, ignore_eos=False)
    return timing.ttft_s * 1000, timing.cached_tokens


def stage_medians(log: Path, skip: int) -> dict[str, float]:
    found: dict[str, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines()[skip:]:
        if " chat chatcmpl-" in line:
            for stage, value in STAGE.findall(line):
                found.setdefault(stage, []).append(float(value))
    return {stage: statistics.median(values) for stage, values in found.items()}


async def closed_loop(base_url: str, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    hung = 0
    deadline = time.perf_counter() + seconds
    body = {"model": SERVED_NAME, "messages": [{"role": "user", "content": QUESTIONS[0]}], "max_tokens": 32,
            "temperature": 0, "stream": True, "ignore_eos": True}  # fmt: skip

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal hung
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                async with client.stream("POST", "/v1/chat/completions", json=body) as response:
                    text = (await response.aread()).decode()
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if response.status_code == 200:
                        if not text.rstrip().endswith("[DONE]"):
                            hung += 1
                        latencies.append(time.perf_counter() - started)
                    else:
                        await asyncio.sleep(float(response.headers.get("retry-after", "1")))
            except httpx.TimeoutException:
                hung += 1

    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
    ordered = sorted(latencies)
    total = sum(statuses.values())
    return {
        "clients": clients,
        "goodput_rps": len(latencies) / seconds,
        "rejected_pct": 100 * (total - statuses.get(200, 0)) / max(1, total),
        "p50_s": statistics.median(ordered) if ordered else float("nan"),
        "p99_s": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan"),
        "other_5xx": sum(n for code, n in statuses.items() if code >= 500 and code != 503),
        "hung": hung,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rag-pipeline-"))
    index = work / "index"
    env = os.environ | {"RAG_RETRIEVAL__INDEX_DIR": str(index)}
    subprocess.run(
        [sys.executable, "-m", "ingest", str(REPO / "data"), "--json"], env=env, check=True, capture_output=True
    )
    common = _engine_env() | {
        "RAG_ENGINE__MODEL": str(MODEL_DIR), "RAG_SERVER__PORT": str(args.port), "RAG_ENGINE__CPU_KV_CACHE_GIB": "2",
        "RAG_ENGINE__ENFORCE_EAGER": "true", "RAG_RETRIEVAL__INDEX_DIR": str(index),
        "RAG_ADMISSION__MAX_IN_FLIGHT": "4", "RAG_ADMISSION__MAX_QUEUED": "4",
        "RAG_ADMISSION__MAX_IN_FLIGHT_PER_KEY": "64",
    }  # fmt: skip
    arms = [
        Arm("cache on", [sys.executable, "-m", "rag_server"], common),
        Arm("cache off", [sys.executable, "-m", "rag_server"], common | {"RAG_ENGINE__ENABLE_PREFIX_CACHING": "false"}),
    ]
    ttft: dict[str, list[float]] = {}
    cached: dict[str, list[int]] = {}
    stages: dict[str, dict[str, float]] = {}
    hit_rate: dict[str, float] = {}
    overload: list[dict[str, float]] = []
    for arm in arms:
        with running(arm, args.port, work / "logs") as (client, _):
            for question in WARM_UP:  # warm every path (and, with the cache on, the system prompt's blocks)
                ask(client, question, 1)
            log = work / "logs" / f"{arm.name.replace(' ', '_')}.log"
            warm_lines = len(log.read_text(errors="replace").splitlines())
            hits = scrape(client, "vllm:prefix_cache_hits_total")
            queries = scrape(client, "vllm:prefix_cache_queries_total")
            for question in QUESTIONS:  # each question once: only the system prompt can be a cache hit
                ms, tokens = ask(client, question, 8)
                ttft.setdefault(arm.name, []).append(ms)
                cached.setdefault(arm.name, []).append(tokens)
            hits = scrape(client, "vllm:prefix_cache_hits_total") - hits
            queries = scrape(client, "vllm:prefix_cache_queries_total") - queries
            hit_rate[arm.name] = 100 * hits / queries if queries else 0.0
            stages[arm.name] = stage_medians(log, skip=warm_lines)
            if arm.name == "cache on":
                for clients in (4, 8, 16):
                    overload.append(asyncio.run(closed_loop(str(client.base_url), clients, args.seconds)))
    print(f"\n{len(QUESTIONS)} different questions about data/, each once, max_tokens 8, eager mode, medians.\n")
    print("| arm | TTFT ms | cached prompt tokens | prefix-cache hit rate | queue | input rails | retrieval | prompt |")
    print("|---|---|---|---|---|---|---|---|")
    for arm in arms:
        s = stages[arm.name]
        print(
            f"| {arm.name} | {statistics.median(ttft[arm.name]):.1f} | {statistics.median(cached[arm.name]):.0f} | "
            f"{hit_rate[arm.name]:.1f}% | {s.get('queue', 0):.1f} | {s.get('input_rails', 0):.1f} | "
            f"{s.get('retrieval', 0):.1f} | {s.get('prompt', 0):.1f} |"
        )
    on, off = statistics.median(ttft["cache on"]), statistics.median(ttft["cache off"])
    print(
        f"\n**Prefix caching cuts TTFT through the whole pipeline by {100 * (1 - on / off):.0f}%** "
        f"({off:.0f} → {on:.0f} ms)."
    )
    print(f"\nOverload: max_in_flight 4, max_queued 4, closed-loop clients for {args.seconds:.0f} s each, 32 tokens.\n")
    print("| load | clients | goodput req/s | rejected (503) | admitted p50 s | admitted p99 s | other 5xx | hung |")
    print("|---|---|---|---|---|---|---|---|")
    for row, load in zip(overload, ("1x", "2x", "4x"), strict=True):
        print(
            f"| {load} | {row['clients']:.0f} | {row['goodput_rps']:.2f} | {row['rejected_pct']:.0f}% | "
            f"{row['p50_s']:.2f} | {row['p99_s']:.2f} | {row['other_5xx']:.0f} | {row['hung']:.0f} |"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
