"""The load generator: vLLM's own `vllm bench serve`, pointed at any OpenAI-compatible server.

We use vLLM's harness rather than writing one: it is what vLLM's published numbers come from, it reads TTFT and
inter-token times off the SSE stream, reports percentiles, and drives every arm (vLLM's server, ours, llama.cpp's)
with the same requests. It runs as a subprocess per concurrency level and writes one JSON result each.

Prompts are the evaluation questions about `data/` (bench/eval/questions.toml) in several phrasings, so the RAG
arms retrieve real passages and the rails see real questions; every level gets prompts no earlier level sent,
so a level never finds its own prompts in the prefix cache. Outputs are fixed-length (`--ignore-eos`).
"""

from __future__ import annotations

import enum
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec

from bench.questions import load_questions
from bench.servers import REPO
from bench.vllm_serve import LLAMA_CPP_COMPAT


class Api(enum.Enum):
    """How the load generator sends each prompt: (harness backend, endpoint)."""

    CHAT = ("openai-chat", "/v1/chat/completions")
    """The prompt as one user turn; the server builds the rest."""
    COMPLETIONS = ("openai", "/v1/completions")
    """The prompt as finished text, chat template already applied (the like-for-like arm)."""


PHRASINGS = ("{q}", "Quick question: {q}", "Hi! {q}", "{q} Thanks.", "Can you help? {q}", "I need to know: {q}")


class SweepPoint(msgspec.Struct, kw_only=True):
    """One concurrency level of one arm, as `vllm bench serve` measured it."""

    concurrency: int
    completed: int
    failed: int
    duration_s: float
    request_throughput: float
    output_throughput: float
    mean_input_tokens: float
    ttft_p50_ms: float
    ttft_p99_ms: float
    tpot_p50_ms: float
    tpot_p99_ms: float
    itl_p50_ms: float
    e2el_p50_ms: float
    e2el_p99_ms: float


def prompts() -> list[str]:
    """Every question in every phrasing, interleaved so consecutive prompts ask different questions."""
    return [phrasing.format(q=question.text) for phrasing in PHRASINGS for question in load_questions()]


def requests_for(concurrency: int, minimum: int) -> int:
    """Enough requests for a steady state: at least `minimum`, and three waves of the concurrency."""
    return max(minimum, 3 * concurrency)


def write_datasets(folder: Path, concurrencies: Sequence[int], minimum: int) -> dict[int, Path]:
    """One JSONL file per level, each a fresh slice of the prompts (wrapping around only if they run out)."""
    pool = prompts()
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[int, Path] = {}
    cursor = 0
    for concurrency in concurrencies:
        count = requests_for(concurrency, minimum)
        chosen = [pool[(cursor + i) % len(pool)] for i in range(count)]
        cursor += count
        path = folder / f"prompts-c{concurrency}.jsonl"
        path.write_text("".join(json.dumps({"prompt": prompt}) + "\n" for prompt in chosen))
        files[concurrency] = path
    return files


def run_level(
    *,
    base_url: str,
    model: str,
    tokenizer: str,
    dataset: Path,
    concurrency: int,
    output_len: int,
    result_dir: Path,
    label: str,
    extra_body: Mapping[str, object],
    text_content_only: bool,
    log: Path,
    api: Api = Api.CHAT,
) -> SweepPoint:
    result_dir.mkdir(parents=True, exist_ok=True)
    result_file = f"{label}-c{concurrency}.json"
    count = sum(1 for _ in dataset.open())
    command = [
        sys.executable, "-m", "bench.vllm_serve", "bench", "serve",
        "--backend", api.value[0], "--base-url", base_url, "--endpoint", api.value[1],
        "--model", model, "--tokenizer", tokenizer, "--label", label,
        "--dataset-name", "custom", "--dataset-path", str(dataset), "--skip-chat-template",
        "--custom-output-len", str(output_len), "--ignore-eos", "--temperature", "0",
        "--num-prompts", str(count), "--max-concurrency", str(concurrency),
        "--percentile-metrics", "ttft,tpot,itl,e2el", "--metric-percentiles", "50,99",
        "--save-result", "--result-dir", str(result_dir), "--result-filename", result_file, "--disable-tqdm",
    ]  # fmt: skip
    if extra_body:
        command += ["--extra-body", json.dumps(dict(extra_body))]
    if text_content_only:
        command.append(LLAMA_CPP_COMPAT)
    with log.open("ab") as out:
        subprocess.run(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, check=True)
    return parse_result(json.loads((result_dir / result_file).read_text()), concurrency)


def parse_result(result: Mapping[str, object], concurrency: int) -> SweepPoint:
    def number(key: str) -> float:
        value = result.get(key)
        return float(value) if isinstance(value, int | float) else float("nan")

    completed = int(number("completed"))
    return SweepPoint(
        concurrency=concurrency,
        completed=completed,
        failed=int(number("failed")) if "failed" in result else 0,
        duration_s=number("duration"),
        request_throughput=number("request_throughput"),
        output_throughput=number("output_throughput"),
        mean_input_tokens=number("total_input_tokens") / completed if completed else float("nan"),
        ttft_p50_ms=number("p50_ttft_ms"),
        ttft_p99_ms=number("p99_ttft_ms"),
        tpot_p50_ms=number("p50_tpot_ms"),
        tpot_p99_ms=number("p99_tpot_ms"),
        itl_p50_ms=number("p50_itl_ms"),
        e2el_p50_ms=number("p50_e2el_ms"),
        e2el_p99_ms=number("p99_e2el_ms"),
    )
