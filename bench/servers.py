"""Server processes under test: start one arm on loopback, wait until it answers, measure its memory, stop it.

Every arm is a separate process started the same way and driven by the same clients, so the only difference
between two arms is the command and environment below.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec
import psutil

REPO = Path(__file__).resolve().parents[1]
POEM = [{"role": "user", "content": "Write a short poem about the sea."}]


@dataclass(frozen=True)
class Arm:
    key: str
    """Short id used in file names and plots (`A`, `B`, `C-pii`, ...)."""
    name: str
    """What the arm is, for tables."""
    command: list[str]
    env: Mapping[str, str] = field(default_factory=dict)
    extra_body: Mapping[str, object] = field(default_factory=dict)
    """Added to every request (e.g. llama.cpp's way to forbid end-of-sequence)."""
    ours: bool = False
    """Our server: it logs per-request stage timings and takes the `rag` extension."""
    text_content_only: bool = False
    """llama-cpp-python's server: plain-string turns, no `x-request-id` (see bench/vllm_serve.py)."""
    pipeline_prompts: bool = False
    """Fed the prompts the full pipeline builds (bench/pipeline_prompts.py) as finished text, not the questions."""


@dataclass
class Running:
    arm: Arm
    client: httpx.Client
    process: subprocess.Popen[bytes]
    startup_s: float
    log_path: Path
    model: str
    """The name requests give in `model` (every arm serves the model under the same name)."""

    @property
    def base_url(self) -> str:
        return str(self.client.base_url)


class StreamTiming(msgspec.Struct):
    ttft_s: float
    """Request sent to the first non-empty `delta.content`."""
    decode_tok_s: float
    """(completion tokens - 1) / (last content delta - first content delta)."""
    completion_tokens: int
    prompt_tokens: int
    cached_tokens: int


def stream_once(
    client: httpx.Client,
    messages: list[dict[str, str]],
    max_tokens: int,
    *,
    ignore_eos: bool,
    model: str,
    extra_body: Mapping[str, object] | None = None,
) -> StreamTiming:
    body: dict[str, object] = {
        **(extra_body or {}),  # the standard fields below win
        "model": model,
        "messages": messages,
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if ignore_eos:
        body["ignore_eos"] = True
    started = time.perf_counter()
    first = last = 0.0
    usage: dict[str, object] = {}
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: {"):
                continue
            chunk = msgspec.json.decode(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"]
            if chunk.get("choices") and (chunk["choices"][0].get("delta") or {}).get("content"):
                last = time.perf_counter()
                first = first or last
    completion = _int(usage.get("completion_tokens"))
    details = usage.get("prompt_tokens_details")
    decode = (completion - 1) / (last - first) if completion > 1 and last > first else 0.0
    return StreamTiming(
        ttft_s=first - started,
        decode_tok_s=decode,
        completion_tokens=completion,
        prompt_tokens=_int(usage.get("prompt_tokens")),
        cached_tokens=_int(details.get("cached_tokens")) if isinstance(details, dict) else 0,
    )


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def scrape(client: httpx.Client, *names: str) -> list[float]:
    """Each Prometheus counter or gauge summed over its labels, from one read of /metrics; 0 for one the server
    does not export."""
    try:
        text = client.get("/metrics").text
    except httpx.HTTPError:
        return [0.0 for _ in names]
    totals = []
    for name in names:
        pattern = re.compile(rf"^{re.escape(name)}(?:{{[^}}]*}})? ([0-9.eE+-]+)$", re.MULTILINE)
        totals.append(sum(float(value) for value in pattern.findall(text)))
    return totals


def memory_mib(process: subprocess.Popen[bytes]) -> float:
    """Proportional set size of the server and its children (vLLM's engine core is a child process), in MiB.

    PSS splits shared pages (torch, CUDA libraries) between the processes mapping them, so the sum is what the
    arm really costs; RSS would count those libraries once per process."""
    total = 0
    try:
        root = psutil.Process(process.pid)
        for proc in [root, *root.children(recursive=True)]:
            try:
                info = proc.memory_full_info()
                total += getattr(info, "pss", info.rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
    except psutil.NoSuchProcess:
        return 0.0
    return total / 2**20


@contextmanager
def running(arm: Arm, port: int, log_dir: Path, model: str, timeout_s: float = 900) -> Iterator[Running]:
    """Start the arm, wait for its first one-token completion (start-up includes any warm-up), yield, stop."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{arm.key}.log"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            arm.command, cwd=REPO, env=os.environ | dict(arm.env), stdout=log, stderr=subprocess.STDOUT
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{arm.name} exited during start-up; see {log_path}")
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"{arm.name} did not start within {timeout_s:.0f} s; see {log_path}")
            try:
                stream_once(client, POEM, 1, ignore_eos=True, model=model, extra_body=arm.extra_body)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield Running(arm, client, process, time.perf_counter() - started, log_path, model)
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
