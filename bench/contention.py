"""The pipeline's own stages while the engine is busy: why the input rails cost several times more under load, and
which process settings fix it.

On a CPU machine the engine's OpenMP threads and the server's own models (the embedder and the injection encoder,
both torch) share the cores. Two suspects:
- the engine's OpenMP threads spin between steps (libgomp's default wait policy) on every core, so the rails'
  threads run in the gaps;
- the server's torch uses one intra-op thread per core, and its threads then fight the engine's for the same cores.

Per variant (a process setting of the full pipeline, arm D): start the server; send probe questions one at a
time (`max_tokens=1`) while `users` other clients stream long answers, plain (the engine decoding) or through the
whole pipeline (retrieval, output rails and the groundedness check working for them too), and read the pipeline's
stage timings for the probes from the server's log; record the background streams' decode rate, so that what a
variant gives the rails is set against what it takes from decoding.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Mapping, Sequence

import httpx
import msgspec

from bench.loadgen import prompts
from bench.servers import Arm, Running, running
from bench.serving import Plan, arms

VARIANTS: Mapping[str, Mapping[str, str]] = {
    "as shipped": {},
    "engine threads sleep when idle (OMP_WAIT_POLICY=PASSIVE)": {"OMP_WAIT_POLICY": "PASSIVE"},
    "one OpenMP thread for the engine and the server (OMP_NUM_THREADS=1)": {"OMP_NUM_THREADS": "1"},
}
"""Environment added to the server process. OMP_NUM_THREADS reaches the server's own torch and, since the model
runs in the engine-core process (`engine.cpu_worker_process=false`), the engine too: an operator's value of it wins
over `engine.cpu_threads_bind` (rag_server/generation/engine_env.py), so the engine decodes on one core and leaves
the other to the server."""

PROBES = 12
BACKGROUND_TOKENS = 256
OWN_STAGES = ("input_rails", "retrieval", "prompt")


class Load(msgspec.Struct, frozen=True):
    users: int
    """Clients streaming long answers while the probes run."""
    rag: bool = False
    """Their answers go through the whole pipeline (else plain chat: the engine decoding)."""

    @property
    def label(self) -> str:
        return "none" if not self.users else f"{self.users} × {'full pipeline' if self.rag else 'plain decoding'}"


LOADS = (Load(0), Load(8), Load(8, rag=True))


class ContentionPoint(msgspec.Struct, kw_only=True):
    variant: str
    users: int
    """Clients streaming long answers while the probes ran."""
    rag: bool = False
    input_rails_ms: float
    own_stages_ms: float
    """Input rails, retrieval and prompt: the pipeline's time before the engine sees a request (medians)."""
    background_tok_s: float
    """Decode rate of the background streams together (0 with none)."""


class _Background:
    """`users` clients each streaming fixed-length answers, one after another, until stopped."""

    def __init__(self, server: Running, users: int, *, rag: bool) -> None:
        self._server = server
        self._rag = rag
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(users)]
        self._lock = threading.Lock()
        self.tokens = 0
        self._started = 0.0
        self.seconds = 0.0

    def __enter__(self) -> _Background:
        self._started = time.perf_counter()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self.seconds = time.perf_counter() - self._started
        for thread in self._threads:
            thread.join()

    def _loop(self, index: int) -> None:
        questions = prompts()
        body = {"model": self._server.model, "max_tokens": BACKGROUND_TOKENS, "temperature": 0, "stream": True,
                "ignore_eos": True, "rag": {"enabled": self._rag}}  # fmt: skip
        with httpx.Client(base_url=self._server.base_url, timeout=300) as client:
            turn = index
            while not self._stop.is_set():
                messages = [{"role": "user", "content": questions[turn % len(questions)]}]
                turn += len(self._threads)
                with client.stream("POST", "/v1/chat/completions", json=body | {"messages": messages}) as response:
                    for line in response.iter_lines():
                        if line.startswith("data: {") and '"content"' in line:
                            with self._lock:
                                self.tokens += 1
                        if self._stop.is_set():
                            break


def _probe(server: Running, question: str) -> str:
    """One pipeline request; returns its request id, by which its stage timings are found in the log."""
    body = {"model": server.model, "messages": [{"role": "user", "content": question}], "max_tokens": 1}
    response = server.client.post("/v1/chat/completions", json=body).raise_for_status()
    return str(response.json()["id"])


def _stage_times(server: Running, request_ids: Sequence[str]) -> dict[str, list[float]]:
    wanted = set(request_ids)
    found: dict[str, list[float]] = {}
    for line in server.log_path.read_text(errors="replace").splitlines():
        parts = line.split()
        if "chat" in parts and any(part in wanted for part in parts):
            for part in parts:
                name, _, value = part.partition("_ms=")
                if value and name in OWN_STAGES:
                    found.setdefault(name, []).append(float(value))
    return found


def measure_variant(plan: Plan, variant: str, env: Mapping[str, str], loads: Sequence[Load]) -> list[ContentionPoint]:
    full = next(arm for arm in arms(plan) if arm.key == "D")
    arm = Arm(f"contention-{len(env)}-{'-'.join(env.values()) or 'shipped'}", variant, full.command,
              dict(full.env) | dict(env), ours=True)  # fmt: skip
    questions = prompts()
    points = []
    with running(arm, plan.port, plan.work_dir / "logs", plan.served_name) as server:
        for question in questions[:3]:  # warm-up: the first requests load lazily initialised parts
            _probe(server, question)
        for load in loads:
            ids = []
            with _Background(server, load.users, rag=load.rag) as background:
                time.sleep(2.0 if load.users else 0.0)  # let the streams reach steady decoding
                for question in questions[3 : 3 + PROBES]:
                    ids.append(_probe(server, question))
                    time.sleep(0.3)
            time.sleep(0.5)  # the log line is written when the request ends
            stages = _stage_times(server, ids)
            own = [sum(values) for values in zip(*(stages.get(stage, []) for stage in OWN_STAGES), strict=False)]
            points.append(
                ContentionPoint(
                    variant=variant,
                    users=load.users,
                    rag=load.rag,
                    input_rails_ms=statistics.median(stages.get("input_rails", [float("nan")])),
                    own_stages_ms=statistics.median(own) if own else float("nan"),
                    background_tok_s=background.tokens / background.seconds if load.users else 0.0,
                )
            )
            print(f"   {variant} {load.label}: {msgspec.json.encode(points[-1]).decode()}", flush=True)
    return points


def run(plan: Plan, loads: Sequence[Load] = LOADS) -> list[ContentionPoint]:
    results = []
    for variant, env in VARIANTS.items():
        print(f"== contention: {variant}", flush=True)
        results.extend(measure_variant(plan, variant, env, loads))
    return results


def table(points: Sequence[ContentionPoint]) -> list[str]:
    idle = {p.variant: p for p in points if p.users == 0}
    lines = [
        "| variant | other clients streaming | input rails p50 ms | own stages p50 ms | × idle (as shipped) | "
        "background decode tok/s |",
        "|---|---|---|---|---|---|",
    ]
    base = idle.get(next(iter(VARIANTS)))
    for point in points:
        ratio = point.own_stages_ms / base.own_stages_ms if base and base.own_stages_ms else float("nan")
        lines.append(
            f"| {point.variant} | {Load(point.users, point.rag).label} | {point.input_rails_ms:.1f} | "
            f"{point.own_stages_ms:.1f} | {ratio:.2f} | {point.background_tok_s:.1f} |"
        )
    return lines
