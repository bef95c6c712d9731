"""Overload: goodput, refusals and admitted latency at 1x, 2x and 4x the load the server admits at once.

The full guarded RAG server with `admission.max_in_flight=4` and `max_queued=4`; closed-loop clients (4, 8, 16)
each send the next request as soon as the last one finished, or after the `Retry-After` of a refusal, for a fixed
time. This is a custom client because what is measured is the admission behaviour (status codes, Retry-After,
streams that never finish), which the load generators report only as failures.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import msgspec

from bench.servers import Arm, running
from bench.serving import Plan


class OverloadRow(msgspec.Struct, kw_only=True):
    load: str
    clients: int
    goodput_rps: float
    rejected_pct: float
    p50_s: float
    p99_s: float
    other_5xx: int
    hung: int


async def closed_loop(base_url: str, model: str, clients: int, seconds: float, question: str) -> OverloadRow:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    hung = 0
    deadline = time.perf_counter() + seconds
    body = {"model": model, "messages": [{"role": "user", "content": question}], "max_tokens": 32,
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
    return OverloadRow(
        load="",
        clients=clients,
        goodput_rps=len(latencies) / seconds,
        rejected_pct=100 * (total - statuses.get(200, 0)) / max(1, total),
        p50_s=statistics.median(ordered) if ordered else float("nan"),
        p99_s=ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan"),
        other_5xx=sum(n for code, n in statuses.items() if code >= 500 and code != 503),
        hung=hung,
    )


def run(plan: Plan, full_pipeline: Arm, seconds: float) -> list[OverloadRow]:
    limited = dict(full_pipeline.env) | {
        "RAG_ADMISSION__MAX_IN_FLIGHT": "4",
        "RAG_ADMISSION__MAX_QUEUED": "4",
    }
    arm = Arm("overload", "D with max_in_flight 4, max_queued 4", full_pipeline.command, limited, ours=True)
    rows = []
    with running(arm, plan.port, plan.work_dir / "logs", plan.served_name) as server:
        for load, clients in (("1x", 4), ("2x", 8), ("4x", 16)):
            row = asyncio.run(
                closed_loop(server.base_url, plan.served_name, clients, seconds, "How do I reset my VPN password?")
            )
            row.load = load
            rows.append(row)
            print(f"   overload {load}: {msgspec.json.encode(row).decode()}", flush=True)
    return rows
