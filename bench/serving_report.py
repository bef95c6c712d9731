"""Markdown for the serving comparison: the tables, the overhead ratios and each goal, met or missed by how much."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.loadgen import SweepPoint
from bench.roofline import Roofline
from bench.serving import ArmRun, at, by_key

GOAL_TPOT_RATIO = 1.05
GOAL_TTFT_DELTA_MS = 10.0
GOAL_PIPELINE_MS = 30.0
GOAL_CACHE_CUT = 0.70
GOAL_ROOFLINE = 0.80
GOAL_LIKE_FOR_LIKE_TTFT = 1.1
GOAL_LIKE_FOR_LIKE_THROUGHPUT = 0.9
GOAL_SPECULATION_SPEEDUP = 1.3
OWN_STAGES = ("queue", "input_rails", "retrieval", "prompt")


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _decode(point: SweepPoint | None) -> float:
    return 1000 / point.tpot_p50_ms if point and point.tpot_p50_ms > 0 else float("nan")


def _pair(first: ArmRun | None, second: ArmRun | None) -> tuple[SweepPoint, SweepPoint] | None:
    """Both arms' points at concurrency 1, when both ran."""
    one = at(first, 1) if first else None
    two = at(second, 1) if second else None
    return (one, two) if one is not None and two is not None else None


def tables(runs: Sequence[ArmRun]) -> list[str]:
    lines = [
        "| arm | start-up s | prompt tokens | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms | decode tok/s | memory idle MiB "
        "| memory peak MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        if run.error:
            lines.append(f"| {run.name} | failed: {run.error[:120]} | | | | | | | |")
            continue
        point = at(run, 1)
        if point is None:
            continue
        lines.append(
            f"| {run.name} | {run.startup_s:.0f} | {point.mean_input_tokens:.0f} | {point.ttft_p50_ms:.1f} | "
            f"{point.ttft_p99_ms:.1f} | {point.tpot_p50_ms:.1f} | {_decode(point):.1f} | {run.idle_mib:,.0f} | "
            f"{run.peak_mib:,.0f} |"
        )
    lines += [
        "",
        "Concurrency sweep (TTFT / TPOT as p50 / p99 in ms; hit rate from the engine's prefix-cache counters):",
        "",
        "| arm | concurrency | TTFT p50 / p99 | TPOT p50 / p99 | output tok/s | req/s | failed | cache hit rate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for point in run.sweep:
            rate = run.hit_rate.get(point.concurrency)
            lines.append(
                f"| {run.key} | {point.concurrency} | {point.ttft_p50_ms:.0f} / {point.ttft_p99_ms:.0f} | "
                f"{point.tpot_p50_ms:.1f} / {point.tpot_p99_ms:.1f} | {point.output_throughput:.0f} | "
                f"{point.request_throughput:.2f} | {point.failed} | {'–' if rate is None else f'{rate:.0%}'} |"
            )
    return lines


def goals(runs: Sequence[ArmRun], roofline: Roofline | None) -> list[str]:
    arms = by_key(runs)
    lines = ["**Goals** (concurrency 1 unless said otherwise):", ""]
    raw, bare = arms.get("A"), arms.get("B")
    points = _pair(raw, bare)
    if raw and bare and points:
        a1, b1 = points
        ratio = b1.tpot_p50_ms / a1.tpot_p50_ms
        ratios = [
            (mine.tpot_p50_ms / p.tpot_p50_ms, p.concurrency)
            for p in raw.sweep
            if (mine := at(bare, p.concurrency)) is not None
        ]
        worst = max(ratios)
        delta = b1.ttft_p50_ms - a1.ttft_p50_ms
        lines += [
            f"- TPOT(B)/TPOT(A) = **{ratio:.3f}** (goal ≤ {GOAL_TPOT_RATIO}): {_met(ratio <= GOAL_TPOT_RATIO)}; "
            f"worst over the sweep {worst[0]:.3f} at concurrency {worst[1]}.",
            f"- TTFT(B) − TTFT(A) = **{delta:+.1f} ms** (goal ≤ {GOAL_TTFT_DELTA_MS:.0f} ms): "
            f"{_met(delta <= GOAL_TTFT_DELTA_MS)}.",
        ]
    full = arms.get("D")
    points = _pair(bare, full)
    if full and points:
        b1, d1 = points
        own = _own_stages_ms(full)
        split = ", ".join(f"{stage.replace('_', ' ')} {full.stages_ms.get(stage, 0.0):.1f}"
                          for stage in OWN_STAGES)  # fmt: skip
        extra_tokens = d1.mean_input_tokens - b1.mean_input_tokens
        lines += [
            f"- TTFT(D) − TTFT(B) = **{d1.ttft_p50_ms - b1.ttft_p50_ms:+.0f} ms**. The pipeline's own stages take "
            f"**{own:.1f} ms** ({split} ms; goal ≤ {GOAL_PIPELINE_MS:.0f} ms: {_met(own <= GOAL_PIPELINE_MS)}); the "
            f"rest is the engine prefilling the {extra_tokens:.0f} extra prompt tokens (system prompt and retrieved "
            "passages) and the output rails' hold-back of the first word.",
        ]
    for key in ("C-pii", "C-injection", "C-output", "C-retrieval"):
        alone = arms.get(key)
        points = _pair(bare, alone)
        if alone and points:
            b1, c1 = points
            lines.append(
                f"- {alone.name}: TTFT {c1.ttft_p50_ms - b1.ttft_p50_ms:+.1f} ms over B, TPOT ratio "
                f"{c1.tpot_p50_ms / b1.tpot_p50_ms:.3f}."
            )
    lines += _cache_goals(arms)
    lines += like_for_like(arms)
    lines += speculation(arms)
    if roofline is not None:
        for key in ("A", "B"):
            run = arms.get(key)
            if run and at(run, 1):
                share = _decode(at(run, 1)) / roofline.tokens_per_s
                lines.append(
                    f"- Decode at batch 1, {run.name}: {_decode(at(run, 1)):.1f} tok/s = **{share:.0%}** of the "
                    f"memory-bandwidth roofline ({roofline.tokens_per_s:.0f} tok/s = {roofline.bandwidth_gb_s:.1f} "
                    f"GB/s measured ÷ {roofline.weight_bytes / 1e6:.0f} MB of weights per token; goal ≥ "
                    f"{GOAL_ROOFLINE:.0%}): {_met(share >= GOAL_ROOFLINE)}."
                )
    llama, raw = arms.get("llama.cpp"), arms.get("A")
    if llama and raw and at(llama, 1) and at(raw, 1):
        top = max(p.concurrency for p in raw.sweep)
        l_top, a_top = at(llama, top), at(raw, top)
        line = f"- llama.cpp vs vllm serve: decode at batch 1 {_decode(at(llama, 1)) / _decode(at(raw, 1)):.2f}×"
        if l_top and a_top:
            line += f"; output tok/s at concurrency {top} {l_top.output_throughput / a_top.output_throughput:.2f}×"
        lines.append(line + ".")
    return lines


def _own_stages_ms(run: ArmRun) -> float:
    """The pipeline's own time before the engine sees the request (median at concurrency 1, from its log)."""
    return sum(run.stages_ms.get(stage, 0.0) for stage in OWN_STAGES)


def _levels(run: ArmRun, base: ArmRun) -> list[tuple[SweepPoint, SweepPoint]]:
    """(run's point, base's point) at each concurrency both measured, in the run's order."""
    return [(point, other) for point in run.sweep if (other := at(base, point.concurrency)) is not None]


def like_for_like(arms: Mapping[str, ArmRun]) -> list[str]:
    """D against `vllm serve` fed D's own prompts (A-rag), level by level: what rails, retrieval, citations and SSE
    cost on top of the engine when both prefill the same tokens."""
    raw, full = arms.get("A-rag"), arms.get("D")
    if raw is None or full is None or not full.sweep:
        return []
    own = _own_stages_ms(full)
    lines = [
        "",
        f"Like for like: D against `vllm serve` fed the very prompts D builds (A-rag; D's reported prompt tokens "
        f"equal the rebuilt prompts' on {full.prompt_check or 'n/a'} questions checked). TTFT goal: D ≤ "
        f"{GOAL_LIKE_FOR_LIKE_TTFT}× (A-rag + the pipeline's own {own:.0f} ms); TPOT ratio ≤ {GOAL_TPOT_RATIO}; "
        f"throughput ≥ {GOAL_LIKE_FOR_LIKE_THROUGHPUT}× at the top level.",
        "",
        "| concurrency | prompt tokens A-rag / D | TTFT p50 A-rag / D ms | D ÷ (A-rag + own) | TPOT p50 A-rag / D ms "
        "| TPOT ratio | output tok/s A-rag / D | throughput ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for point, base in _levels(full, raw):
        ttft = point.ttft_p50_ms / (base.ttft_p50_ms + own)
        lines.append(
            f"| {point.concurrency} | {base.mean_input_tokens:.0f} / {point.mean_input_tokens:.0f} | "
            f"{base.ttft_p50_ms:.0f} / {point.ttft_p50_ms:.0f} | {ttft:.2f} | {base.tpot_p50_ms:.1f} / "
            f"{point.tpot_p50_ms:.1f} | {point.tpot_p50_ms / base.tpot_p50_ms:.3f} | "
            f"{base.output_throughput:.0f} / {point.output_throughput:.0f} | "
            f"{point.output_throughput / base.output_throughput:.2f} |"
        )
    lines.append("")
    return lines


def speculation(arms: Mapping[str, ArmRun]) -> list[str]:
    """The full pipeline with prompt-lookup speculation (D-spec) against D as shipped (speculation off)."""
    on, off = arms.get("D-spec"), arms.get("D")
    if on is None or off is None or not on.sweep:
        return []
    lines = [
        "",
        f"Speculative decoding (prompt lookup) through the full pipeline: D-spec against D (speculation off, the "
        f"default). Goal: decode ≥ {GOAL_SPECULATION_SPEEDUP}× faster at one user. (The answers here are "
        "fixed-length with `ignore_eos`: past the model's own end the text copies less, so real answers accept more.)",
        "",
        "| concurrency | TPOT p50 off / on ms | decode speed-up | output tok/s off / on | throughput ratio | "
        "drafted tokens accepted |",
        "|---|---|---|---|---|---|",
    ]
    for point, base in _levels(on, off):
        rate = on.acceptance.get(point.concurrency)
        lines.append(
            f"| {point.concurrency} | {base.tpot_p50_ms:.1f} / {point.tpot_p50_ms:.1f} | "
            f"{base.tpot_p50_ms / point.tpot_p50_ms:.2f}× | {base.output_throughput:.0f} / "
            f"{point.output_throughput:.0f} | {point.output_throughput / base.output_throughput:.2f} | "
            f"{'–' if rate is None else f'{rate:.0%}'} |"
        )
    lines.append("")
    return lines


def _cache_goals(arms: Mapping[str, ArmRun]) -> list[str]:
    lines = []
    on, off = arms.get("B"), arms.get("B-nocache")
    if on and off and on.probe and off.probe:
        cut = 1 - on.probe.warm_ttft_ms / off.probe.warm_ttft_ms
        lines.append(
            f"- Prefix cache on a {on.probe.prompt_tokens}-token prompt (≈ {on.probe.prompt_tokens - 15}-token shared "
            f"system prompt, 8 different questions, `max_tokens=1`): warm TTFT {off.probe.warm_ttft_ms:.0f} → "
            f"{on.probe.warm_ttft_ms:.0f} ms, **−{cut:.0%}** (goal ≥ {GOAL_CACHE_CUT:.0%}): "
            f"{_met(cut >= GOAL_CACHE_CUT)}; hit rate {on.probe.hit_rate:.0%} vs {off.probe.hit_rate:.0%}."
        )
    raw = arms.get("A")
    if raw and raw.probe and on and on.probe:
        lines.append(
            f"  The same probe on vllm serve: warm TTFT {raw.probe.warm_ttft_ms:.0f} ms, hit rate "
            f"{raw.probe.hit_rate:.0%}."
        )
    full, uncached = arms.get("D"), arms.get("E")
    points = _pair(full, uncached)
    if full and points:
        d1, e1 = points
        rates = ", ".join(f"{rate:.0%} at {c}" for c, rate in sorted(full.hit_rate.items()))
        lines.append(
            f"- Prefix cache through the full pipeline (D vs E): TTFT {e1.ttft_p50_ms:.0f} → {d1.ttft_p50_ms:.0f} ms "
            f"(**−{1 - d1.ttft_p50_ms / e1.ttft_p50_ms:.0%}**); D's hit rate by concurrency: {rates}. Only the "
            "system prompt (and passages two questions share) can hit: the retrieved passages differ per question."
        )
    return lines
