"""The sentence encoder on each device: does `auto` pick the GPU, do the GPU's vectors and injection verdicts match
the CPU's, how fast does it embed passages and queries, and how much GPU memory does it take beside the engine.

Two steps, so that the measuring step needs only torch, sentence-transformers, numpy, msgspec and `guardrails`
(what a GPU box without our ingest dependencies has):

    python -m bench.encoder_device prepare --out bench/results/encoder_texts.json
    python -m bench.encoder_device measure --texts bench/results/encoder_texts.json --model PATH --out result.json

`prepare` chunks data/ and the package-docs corpus with the ingest chunker (the passages a real ingest embeds) and
adds the injection evaluation prompts; `measure` runs every device it finds.
`make bench BENCH_ARGS="--sections encoders"` does both on this machine; on a GPU machine it adds the CUDA column.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

REPO = Path(__file__).resolve().parent.parent
CORPORA = (REPO / "data", REPO / "bench" / "corpora" / "package-docs")
INJECTION_EVAL = REPO / "bench" / "eval" / "injection_eval.jsonl"
BATCH_SIZES = (32, 128)
QUERY_REPEATS = 50
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
THROUGHPUT_PASSAGES = 2048
"""Passages per throughput timing: the corpora repeated, so that a GPU's run is long enough to time."""


class Texts(msgspec.Struct, frozen=True):
    passages: list[str]
    """Chunks of the sample wiki and a corpus nobody here wrote, as ingest makes them."""
    questions: list[str]
    """Short chat turns: the injection evaluation's texts (attacks and benign)."""


class Throughput(msgspec.Struct, frozen=True):
    device: str
    batch_size: int
    passages_per_s: float
    peak_gpu_mib: float | None
    """Peak of torch's allocator while embedding (GPU only)."""


class DeviceRun(msgspec.Struct, frozen=True):
    device: str
    """What the model reports once loaded, e.g. `cuda:0`."""
    name: str
    """The processor: CPU model and thread count, or the GPU's name."""
    load_s: float
    query_ms_p50: float
    """One short question embedded, as the chat path does per turn."""
    injection_ms_p50: float
    """The injection detector's score of one short question: embedding, n-grams and rules."""
    grounding_evidence_ms_p50: float
    """The groundedness check embedding one answer's passages, uncached (bench/eval/grounding_labelled.toml)."""
    grounding_sentence_ms_p50: float
    """The groundedness check judging one answer sentence against them."""
    resident_gpu_mib: float | None
    """GPU memory the loaded model holds (weights and buffers)."""
    gpu_total_mib: float | None
    gpu_in_use_mib: float | None
    """The whole card's used memory after the throughput runs (every process on it: on a bare box, this one's CUDA
    context, the model and torch's cached blocks)."""


class Parity(msgspec.Struct, frozen=True):
    texts: int
    min_cosine: float
    max_abs_difference: float
    injection_scores: int
    verdict_flips: int
    """Texts flagged on one device and not on the other, at the shipped threshold."""
    max_score_difference: float
    grounding_cases: int
    grounding_flips: int
    """Answer sentences the groundedness check calls unsupported on one device and not on the other."""


class EncoderDeviceResult(msgspec.Struct, frozen=True):
    model: str
    auto_picks: str
    """The device `load_sentence_encoder(..., "auto")` chose."""
    runs: list[DeviceRun]
    passages: int
    """How many passages each throughput figure embedded."""
    throughput: list[Throughput]
    parity: Parity | None
    """CPU against CUDA; None without a GPU."""
    torch: str
    sentence_transformers: str


def prepare(out: Path) -> Texts:
    """Chunk the corpora with the shipping chunker (needs the ingest dependencies)."""
    from ingest.chunker import TokenChunker, load_token_counter  # noqa: PLC0415 - the prepare step only
    from ingest.discover import discover  # noqa: PLC0415
    from ingest.parsers import parser_for  # noqa: PLC0415
    from rag_server.retrieval.embedder import DEFAULT_EMBEDDER, resolve_model_path  # noqa: PLC0415
    from rag_server.settings import IngestSettings  # noqa: PLC0415

    settings = IngestSettings()
    chunker = TokenChunker(
        load_token_counter(resolve_model_path(DEFAULT_EMBEDDER)), settings.chunk_tokens, settings.chunk_overlap_tokens
    )
    passages: list[str] = []
    for found in discover(list(CORPORA)):
        parser = parser_for(found.path.suffix)
        if parser is None or not found.supported:
            continue
        document = parser.parse(found.path, found.path.read_bytes())
        passages += [draft.text for draft in chunker.chunk(document)]
    questions = [json.loads(line)["text"] for line in INJECTION_EVAL.read_text().splitlines() if line.strip()]
    texts = Texts(passages=passages, questions=questions)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(msgspec.json.encode(texts))
    return texts


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up: first-call allocations and kernel selection
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _synchronize(torch: Any, device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _processor_name(torch: Any, device: str) -> str:
    if device.startswith("cuda"):
        return str(torch.cuda.get_device_name(0))
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads"


def _measure_device(
    device: str, model: str, model_id: str, texts: Texts, encoders: dict[str, Any], passages: int
) -> tuple[DeviceRun, list[Throughput]]:
    import torch  # noqa: PLC0415 - heavy

    from bench import grounding_eval  # noqa: PLC0415 - reads TOML only, but keeps this module's imports light
    from guardrails.encoders import load_sentence_encoder  # noqa: PLC0415
    from guardrails.groundedness import GroundednessScorer  # noqa: PLC0415
    from guardrails.injection import InjectionDetector, load_injection_model  # noqa: PLC0415

    cuda = device == "cuda"
    before = 0.0
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated() / 2**20
    started = time.perf_counter()
    encoder = load_sentence_encoder(model, device)  # type: ignore[arg-type]
    _synchronize(torch, encoder.device)
    load_s = time.perf_counter() - started
    encoder.model_id = model_id  # a local copy of the shipped model (the GPU box has no package) keeps its id
    encoders[device] = encoder
    resident = torch.cuda.memory_allocated() / 2**20 - before if cuda else None
    total = torch.cuda.mem_get_info()[1] / 2**20 if cuda else None
    question = "How many days of paid annual leave do full-time employees get?"
    query_ms = _median_ms(lambda: encoder.embed_query(question), QUERY_REPEATS)  # returns host lists: synchronised
    detector = InjectionDetector(load_injection_model(), encoder)
    injection_ms = _median_ms(lambda: detector.score(question), QUERY_REPEATS)
    per_sentence, per_evidence = grounding_eval.timing(grounding_eval.load(), GroundednessScorer(encoder.encode))
    workload = (texts.passages * (passages // len(texts.passages) + 1))[:passages]
    rates = []
    for batch_size in BATCH_SIZES:
        encoder.batch_size = batch_size
        encoder.embed_documents(texts.passages[:batch_size])  # warm-up at this shape
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        started = time.perf_counter()
        encoder.embed_documents(workload)
        _synchronize(torch, encoder.device)
        elapsed = time.perf_counter() - started
        peak = torch.cuda.max_memory_allocated() / 2**20 - before if cuda else None
        rates.append(Throughput(device, batch_size, len(workload) / elapsed, peak))
    in_use = (total - torch.cuda.mem_get_info()[0] / 2**20) if cuda and total is not None else None
    run = DeviceRun(
        device=encoder.device,
        name=_processor_name(torch, encoder.device),
        load_s=load_s,
        query_ms_p50=query_ms,
        injection_ms_p50=injection_ms,
        grounding_evidence_ms_p50=statistics.median(per_evidence),
        grounding_sentence_ms_p50=statistics.median(per_sentence),
        resident_gpu_mib=resident,
        gpu_total_mib=total,
        gpu_in_use_mib=in_use,
    )
    return run, rates


def _parity(texts: Texts, encoders: dict[str, Any]) -> Parity:
    import numpy as np  # noqa: PLC0415

    from bench import grounding_eval  # noqa: PLC0415
    from guardrails.groundedness import GroundednessScorer  # noqa: PLC0415
    from guardrails.injection import InjectionDetector, load_injection_model  # noqa: PLC0415

    cases = grounding_eval.load()
    grounded = [grounding_eval.verdicts(cases, GroundednessScorer(encoders[d].encode)) for d in ("cpu", "cuda")]
    sample = texts.passages + texts.questions
    cpu = np.asarray(encoders["cpu"].encode(sample))
    gpu = np.asarray(encoders["cuda"].encode(sample))
    cosines = (cpu * gpu).sum(axis=1) / (np.linalg.norm(cpu, axis=1) * np.linalg.norm(gpu, axis=1))
    model = load_injection_model()
    cpu_detector = InjectionDetector(model, encoders["cpu"])
    threshold = cpu_detector.threshold
    on_cpu = cpu_detector.score_many(texts.questions)
    on_gpu = InjectionDetector(model, encoders["cuda"]).score_many(texts.questions)
    pairs = list(zip(on_cpu, on_gpu, strict=True))
    return Parity(
        texts=len(sample),
        min_cosine=float(cosines.min()),
        max_abs_difference=float(np.abs(cpu - gpu).max()),
        injection_scores=len(on_cpu),
        verdict_flips=sum((a.score >= threshold) != (b.score >= threshold) for a, b in pairs),
        max_score_difference=max(abs(a.score - b.score) for a, b in pairs),
        grounding_cases=len(cases),
        grounding_flips=sum(a != b for a, b in zip(*grounded, strict=True)),
    )


def measure(texts: Texts, model: str, model_id: str, passages: int = THROUGHPUT_PASSAGES) -> EncoderDeviceResult:
    import sentence_transformers  # noqa: PLC0415 - heavy
    import torch  # noqa: PLC0415

    from guardrails.encoders import load_sentence_encoder  # noqa: PLC0415

    probe = load_sentence_encoder(model, "auto")
    auto = probe.device
    del probe  # sentence-transformers holds a reference cycle: collect it, or the GPU figures count it too
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    devices: Sequence[str] = ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)
    encoders: dict[str, Any] = {}
    runs, throughput = [], []
    for device in devices:
        run, rates = _measure_device(device, model, model_id, texts, encoders, passages)
        runs.append(run)
        throughput += rates
    return EncoderDeviceResult(
        model=model,
        auto_picks=auto,
        runs=runs,
        passages=passages,
        throughput=throughput,
        parity=_parity(texts, encoders) if "cuda" in encoders else None,
        torch=str(torch.__version__),
        sentence_transformers=str(sentence_transformers.__version__),
    )


def report(result: EncoderDeviceResult, passages: int) -> str:
    lines = [
        f"Encoder `{result.model}`, torch {result.torch}, sentence-transformers {result.sentence_transformers}; "
        f'`embedder_device = "auto"` picked `{result.auto_picks}`. Throughput over {result.passages} passages '
        f"(the {passages} chunks of data/ and package-docs that ingest's chunker makes, repeated).",
        "",
        "| device | processor | load s | query p50 ms | injection score p50 ms | grounding: passages / sentence "
        "p50 ms | model on GPU MiB | GPU in use MiB | GPU total MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in result.runs:
        resident = "–" if run.resident_gpu_mib is None else f"{run.resident_gpu_mib:.0f}"
        in_use = "–" if run.gpu_in_use_mib is None else f"{run.gpu_in_use_mib:.0f}"
        total = "–" if run.gpu_total_mib is None else f"{run.gpu_total_mib:.0f}"
        lines.append(
            f"| {run.device} | {run.name} | {run.load_s:.1f} | {run.query_ms_p50:.2f} | "
            f"{run.injection_ms_p50:.2f} | {run.grounding_evidence_ms_p50:.1f} / {run.grounding_sentence_ms_p50:.1f} | "
            f"{resident} | {in_use} | {total} |"
        )
    lines += ["", "| device | batch | passages/s | peak GPU MiB while embedding |", "|---|---|---|---|"]
    for rate in result.throughput:
        peak = "–" if rate.peak_gpu_mib is None else f"{rate.peak_gpu_mib:.0f}"
        lines.append(f"| {rate.device} | {rate.batch_size} | {rate.passages_per_s:.0f} | {peak} |")
    if result.parity is not None:
        parity = result.parity
        lines += [
            "",
            f"CPU against CUDA on {parity.texts} texts: lowest cosine {parity.min_cosine:.6f}, largest coordinate "
            f"difference {parity.max_abs_difference:.2e}; injection verdicts on {parity.injection_scores} prompts: "
            f"{parity.verdict_flips} differ, largest score difference {parity.max_score_difference:.2e}; groundedness "
            f"verdicts on {parity.grounding_cases} labelled answer sentences: {parity.grounding_flips} differ.",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    prepare_step = steps.add_parser("prepare")
    prepare_step.add_argument("--out", type=Path, required=True)
    measure_step = steps.add_parser("measure")
    measure_step.add_argument("--texts", type=Path, required=True)
    measure_step.add_argument("--model", default=DEFAULT_MODEL, help="model id or local folder")
    measure_step.add_argument("--model-id", default=DEFAULT_MODEL, help="the id the folder holds a copy of")
    measure_step.add_argument("--passages", type=int, default=THROUGHPUT_PASSAGES, help="per throughput figure")
    measure_step.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.step == "prepare":
        texts = prepare(args.out)
        print(f"{len(texts.passages)} passages, {len(texts.questions)} questions -> {args.out}")
        return
    texts = msgspec.json.decode(args.texts.read_bytes(), type=Texts)
    result = measure(texts, args.model, args.model_id, args.passages)
    args.out.write_bytes(msgspec.json.format(msgspec.json.encode(result)))
    print(report(result, len(texts.passages)))


if __name__ == "__main__":
    main()
