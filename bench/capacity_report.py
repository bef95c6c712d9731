"""The capacity simulation's outputs: the docs block (Markdown) and the figure (replicas, queues, TTFT p99)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import msgspec
import numpy as np
from numpy.typing import NDArray

from bench.capacity_model import Profile, ReplicaModel, Trace, trace
from bench.capacity_sim import SLO_TTFT_S, Outcome, Series, Signal, p99_by_window, simulate
from bench.capacity_sweep import Choice, Context

__all__ = ["markdown", "plot"]

Floats = NDArray[np.float64]

QUERIES = {
    Signal.QUEUE: "sum(rag_requests_queued) + sum(vllm:num_requests_waiting)",
    Signal.DEMAND: "sum(rag_requests_in_flight) + sum(rag_requests_queued)",
    Signal.DEMAND_KV: "demand, plus sum(vllm:kv_cache_usage_perc)",
}


def _seconds(value: float) -> str:
    return "∞" if value == float("inf") else f"{value:.2f}"


def _down(outcome: Outcome) -> str:
    rule = outcome.case.scaling.behavior.scale_down
    policy = f"{rule.pods} pod" + (f" or {rule.percent}%" if rule.percent else "")
    return f"{rule.stabilization_window_s} s / {policy} per {rule.period_s} s"


def _signal(outcome: Outcome) -> str:
    scaling = outcome.case.scaling
    return f"{scaling.signal} (KV {scaling.kv_target:g})" if scaling.kv_target is not None else str(scaling.signal)


def _row(outcome: Outcome) -> str:
    scaling = outcome.case.scaling
    up = scaling.behavior.scale_up
    cells = (
        _signal(outcome), f"{scaling.target:g}", str(scaling.max_in_flight),
        f"{up.stabilization_window_s} s / {up.period_s} s", _down(outcome), f"{outcome.replica_hours:.0f}",
        str(outcome.peak_replicas), _seconds(outcome.p99_day_s), _seconds(outcome.p99_spike_s),
        f"{outcome.refused_pct:.3f}", "yes" if outcome.meets_slo else "no",
    )  # fmt: skip
    return "| " + " | ".join(cells) + " |"


_HEADER = (
    "| signal | target | max_in_flight | scale-up window / period | scale-down window / policy | replica-hours "
    "| peak replicas | p99 TTFT day s | p99 TTFT spike hour s | refused % | meets SLO |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def _distinct(outcomes: Iterable[Outcome], count: int) -> list[Outcome]:
    """The first `count` outcomes that differ in result (a trigger that never fires repeats its twin's numbers)."""
    seen: set[tuple[float, ...]] = set()
    kept = []
    for outcome in outcomes:
        key = (outcome.replica_hours, outcome.p99_day_s, outcome.p99_spike_s, float(outcome.scale_events))
        if key not in seen:
            seen.add(key)
            kept.append(outcome)
        if len(kept) == count:
            break
    return kept


def _best_per_group(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """Stage 1's best for each signal and `max_in_flight` (outcomes are ranked already)."""
    best: dict[tuple[str, int], Outcome] = {}
    for outcome in outcomes:
        best.setdefault((_signal(outcome), outcome.case.scaling.max_in_flight), outcome)
    return [best[key] for key in sorted(best)]


def _chosen_table(choice: Choice, max_replicas: int) -> str:
    chosen = choice.chosen
    scaling = chosen.case.scaling
    up, down = scaling.behavior.scale_up, scaling.behavior.scale_down
    down_policies = f"Pods {down.pods}" + (f" and Percent {down.percent}" if down.percent else "")
    seeds = " / ".join(f"{_seconds(o.p99_day_s)} and {_seconds(o.p99_spike_s)}" for o in choice.other_seeds)
    lines = [
        "| setting | value |",
        "|---|---|",
        f"| trigger | Prometheus `{QUERIES[scaling.signal]}`, `metricType: AverageValue`, "
        f'`threshold: "{scaling.target:g}"` |',
        f"| `RAG_ADMISSION__MAX_IN_FLIGHT` | {scaling.max_in_flight} |",
        f"| `minReplicaCount` / `maxReplicaCount` | {scaling.behavior.min_replicas} / {max_replicas} |",
        f"| scaleUp | `stabilizationWindowSeconds: {up.stabilization_window_s}`; Pods {up.pods} and Percent "
        f"{up.percent} per {up.period_s} s; `selectPolicy: Max` |",
        f"| scaleDown | `stabilizationWindowSeconds: {down.stabilization_window_s}`; {down_policies} per "
        f"{down.period_s} s; `selectPolicy: Max` |",
        f"| simulated | TTFT p99 {_seconds(chosen.p99_day_s)} s over the day, {_seconds(chosen.p99_spike_s)} s over "
        f"the spike hour; {chosen.refused_pct:.3f}% refused; {chosen.replica_hours:.0f} replica-hours; peak "
        f"{chosen.peak_replicas} replicas; {chosen.scale_events} scale events |",
        f"| other traffic seeds | TTFT p99 day and spike hour: {seeds} s |",
    ]
    return "\n".join(lines)


def _cold_start_table(choice: Choice) -> str:
    chosen = choice.chosen.case.scaling
    lines = [
        "| cold start s | replica-hours | p99 TTFT day s | p99 TTFT spike hour s | refused % | cheapest target "
        "that meets the SLO | its replica-hours |",
        "|---|---|---|---|---|---|---|",
    ]
    for seconds in sorted({o.case.cold_start_s for o in choice.cold_start}):
        runs = [o for o in choice.cold_start if o.case.cold_start_s == seconds]
        mine = next(o for o in runs if o.case.scaling.target == chosen.target)
        passing = sorted((o for o in runs if o.meets_slo), key=lambda o: o.replica_hours)
        cheapest = (
            (f"{passing[0].case.scaling.target:g}", f"{passing[0].replica_hours:.0f}") if passing else ("none", "-")
        )
        lines.append(
            f"| {seconds} | {mine.replica_hours:.0f} | {_seconds(mine.p99_day_s)} | {_seconds(mine.p99_spike_s)} "
            f"| {mine.refused_pct:.3f} | {cheapest[0]} | {cheapest[1]} |"
        )
    return "\n".join(lines)


def _step_table(choice: Choice) -> str:
    lines = [
        "| cold start s | replica-hours | p99 TTFT day s | p99 TTFT spike hour s | refused % |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {o.case.cold_start_s} | {o.replica_hours:.0f} | {_seconds(o.p99_day_s)} | {_seconds(o.p99_spike_s)} "
        f"| {o.refused_pct:.3f} |"
        for o in choice.step_spike
    ]
    return "\n".join(lines)


def _announced(choice: Choice) -> str:
    best = choice.no_spike[0]
    if not best.meets_slo:
        return "Without the launch spike no threshold of the same configuration meets the SLO."
    floor = choice.announced[0].case.scaling.floor
    assert floor is not None
    lines = [
        _prose(
            f"Without the spike the same configuration meets the SLO up to threshold {best.case.scaling.target:g},",
            f"with {best.replica_hours:.0f} replica-hours (TTFT p99 {_seconds(best.p99_day_s)} s). A launch known in",
            "advance can be met with that threshold and a KEDA `cron` trigger (`desiredReplicas` from",
            f"{_clock(floor.start_h)} to {_clock(floor.end_h)}, a floor under the demand trigger):",
        ),
        "",
        "| cron `desiredReplicas` | replica-hours | peak replicas | p99 TTFT day s | p99 TTFT spike hour s "
        "| refused % | meets SLO |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in choice.announced:
        replicas = o.case.scaling.floor.replicas if o.case.scaling.floor else 0
        lines.append(
            f"| {replicas} | {o.replica_hours:.0f} | {o.peak_replicas} | {_seconds(o.p99_day_s)} "
            f"| {_seconds(o.p99_spike_s)} | {o.refused_pct:.3f} | {'yes' if o.meets_slo else 'no'} |"
        )
    return "\n".join(lines)


def _clock(hours: float) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _prose(*sentences: str) -> str:
    return textwrap.fill(" ".join(sentences), width=118, break_long_words=False, break_on_hyphens=False)


def _inputs(choice: Choice, profile: Profile) -> str:
    traffic, source = choice.traffic, profile.provenance
    day = trace(traffic)
    return _prose(
        "`python -m bench.capacity` (the model is in its docstring). One replica: `bench/capacity_profile.toml`,",
        f"from {source.source}; run {source.run}; {source.machine}; {source.model}.",
        f"Cold start (pod created to ready) {profile.cold_start.default_s:g} s.",
        f"Traffic: a business day peaking at {traffic.peak_rps:g} req/s at 15:00 (quiet night, morning ramp, lunch",
        f"dip) and a launch spike at {_clock(traffic.spike_start_h)} to {traffic.spike_factor:g}x the day's level,",
        f"ramping over {traffic.spike_ramp_s / 60:g} min, holding {traffic.spike_hold_s / 60:g} min and falling over",
        f"{traffic.spike_decay_s / 60:g} min: {day.arrivals.sum():,.0f} requests, of them",
        f"{day.arrivals[day.spike_hour].sum():,.0f} in the spike hour (Poisson, seed {traffic.seed}).",
        f"Objective: TTFT p99 ≤ {SLO_TTFT_S:g} s per request over the day and over the spike hour (a bucket",
        "boundary of `vllm:time_to_first_token_seconds`), nobody refused (a 60 s queue wait or a full queue), the",
        "fewest replica-hours; the winner must also meet it under three other traffic seeds.",
    )


def _kv_note(choice: Choice, profile: Profile) -> str:
    limit = max(o.case.scaling.max_in_flight for o in choice.stage1)
    held = limit * profile.kv_cache.tokens_per_request
    share = 100 * held / profile.kv_cache.capacity_tokens
    return _prose(
        f"The KV-cache trigger adds nothing here: {limit} requests in flight hold at most {held:,} of the cache's",
        f"{profile.kv_cache.capacity_tokens:,} tokens ({share:.1f}%), so at threshold 0.5 it never fires, and at",
        "0.02 it counts requests in flight, which the demand trigger already does and more (it also sees the queue).",
        "Rows that repeat another's numbers are left out.",
    )


def _chosen_rank(choice: Choice) -> str:
    rank = choice.stage2.index(choice.chosen)
    if rank == 0:
        return ""
    above = "The configuration" if rank == 1 else f"The {rank} configurations"
    return _prose(f"{above} ranked above the chosen one met the SLO with this seed but missed it under another.")


_ASSUMPTIONS = _prose(
    "Assumptions: arrivals are Poisson; the load balancer spreads them evenly over ready replicas (HAProxy",
    "`leastconn`, idealised: requests held move to a new replica at once); a replica is the measured closed-loop",
    "profile of arm D (eager mode, 32-token answers, the evaluation questions' prompts and their prefix-cache hit",
    "rates) as a birth-death queue around its mean (pointwise-stationary fluid); TTFT at a concurrency is lognormal",
    "through the measured p50 and p99; the engine's own queue stays empty (`max_in_flight` ≤ `max_num_seqs`); a pod",
    "costs from creation, cold start included; draining pods are not counted; the metrics carry the replicas' own",
    "random spread; Prometheus scrapes, KEDA polls and the HPA syncs every 15 s, the HPA as Kubernetes implements it.",
)


def markdown(choice: Choice, profile: Profile, image: Path) -> str:
    cold = f"{profile.cold_start.default_s:g}"
    sections = [
        "#### Autoscaling: the ScaledObject's parameters, simulated",
        _inputs(choice, profile),
        "**Chosen**",
        _chosen_table(choice, choice.chosen.case.scaling.behavior.max_replicas),
        f"**Best of the sweep** (stage 2: windows and policies around each signal's best; cold start {cold} s)",
        _HEADER + "\n" + "\n".join(_row(o) for o in _distinct(choice.stage2, 8)),
        _chosen_rank(choice),
        "**Each signal and `max_in_flight` at its best** (stage 1: scale-up window 0 s, Pods 4 / Percent 100 per "
        "15 s; scale-down window 300 s, 1 pod per 60 s)",
        _HEADER + "\n" + "\n".join(_row(o) for o in _distinct(_best_per_group(choice.stage1), len(choice.stage1))),
        _kv_note(choice, profile),
        "**Cold start** (the chosen configuration, and the cheapest threshold of the same configuration that still "
        "meets the SLO)",
        _cold_start_table(choice),
        "**The spike as a step** (10x at once; the chosen configuration)",
        _step_table(choice),
        _announced(choice),
        _ASSUMPTIONS,
        f"![capacity]({Path('img') / image.name})",
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _replay(choice: Choice, ctx: Context) -> tuple[Trace, Series, Trace, Series]:
    case = choice.chosen.case
    ramp = trace(choice.traffic)
    step = trace(msgspec.structs.replace(choice.traffic, spike_ramp_s=0.0))
    runs = [simulate(t, [case], ctx.models, ctx.profile, ctx.timing, record=[0])[1] for t in (ramp, step)]
    ramp_series, step_series = runs
    assert ramp_series is not None
    assert step_series is not None
    return ramp, ramp_series, step, step_series


@dataclass(frozen=True, slots=True)
class _Curves:
    """One replay averaged over windows of steps: window midpoints in hours and the means, and TTFT p99."""

    hours: Floats
    rate: Floats
    pods: Floats
    ready: Floats
    in_flight: Floats
    queued: Floats
    p99: Floats

    def between(self, first_h: float, last_h: float) -> _Curves:
        keep = (self.hours >= first_h) & (self.hours <= last_h)
        return _Curves(*(getattr(self, name)[keep] for name in self.__slots__))


def _curves(source: Trace, series: Series, model: ReplicaModel, window_s: int) -> _Curves:
    steps = max(window_s // source.step_s, 1)
    count = len(source.arrivals) // steps

    def mean(values: Floats) -> Floats:
        averaged: Floats = values[: count * steps].reshape(count, steps).mean(axis=1)
        return averaged

    return _Curves(
        hours=(np.arange(count) + 0.5) * steps * source.step_s / 3600,
        rate=mean(source.rate_rps),
        pods=mean(series.replicas[:, 0].astype(np.float64)),
        ready=mean(series.ready[:, 0].astype(np.float64)),
        in_flight=mean(series.in_flight[:, 0]),
        queued=mean(series.queued[:, 0]),
        p99=p99_by_window(source, series, model, 0, steps),
    )


def _draw(axes: Any, curves: _Curves, style: str, label: str) -> None:
    top, middle, bottom = axes
    top.plot(curves.hours, curves.pods, style, color="tab:blue", label=f"pods ({label})", linewidth=1)
    top.plot(curves.hours, curves.ready, style, color="tab:green", label=f"ready ({label})", linewidth=1)
    middle.plot(curves.hours, curves.queued, style, color="tab:red", label=f"queued ({label})", linewidth=1)
    middle.plot(curves.hours, curves.in_flight, style, color="tab:purple", label=f"in flight ({label})", linewidth=1)
    bottom.plot(curves.hours, curves.p99, style, color="tab:orange", label=f"TTFT p99 ({label})", linewidth=1)


def _label(axes: Any, curves: _Curves, title: str) -> None:
    top, middle, bottom = axes
    rate = top.twinx()
    rate.plot(curves.hours, curves.rate, color="0.6", linewidth=0.8)
    rate.set_ylabel("arrivals req/s (grey, 5-min ramp)")
    top.set_title(title)
    top.set_ylabel("replicas")
    middle.set_ylabel("requests per ready replica")
    bottom.set_ylabel("TTFT p99 s")
    bottom.set_yscale("log")
    bottom.axhline(SLO_TTFT_S, color="black", linestyle=":", linewidth=1, label="SLO 2.5 s")
    bottom.set_xlabel("hour of day")
    for panel in axes:
        panel.grid(True, alpha=0.3)
        panel.legend(fontsize=7, loc="best")


def plot(choice: Choice, ctx: Context, path: Path) -> Path:
    """Left: the day, per minute. Right: the spike hour, per 30 s, the 5-minute ramp and the step."""
    ramp, ramp_series, step, step_series = _replay(choice, ctx)
    model = ctx.models[choice.chosen.case.scaling.max_in_flight]
    figure, axes = plt.subplots(3, 2, figsize=(13, 9), sharex="col", gridspec_kw={"width_ratios": [2, 1]})
    day = _curves(ramp, ramp_series, model, 60)
    _draw(axes[:, 0], day, "-", "5-min ramp")
    _label(axes[:, 0], day, "the day, per minute")
    first, last = choice.traffic.spike_start_h - 0.1, choice.traffic.spike_start_h + 1.0
    zoomed = _curves(ramp, ramp_series, model, 30).between(first, last)
    _draw(axes[:, 1], zoomed, "-", "5-min ramp")
    _draw(axes[:, 1], _curves(step, step_series, model, 30).between(first, last), "--", "step")
    _label(axes[:, 1], zoomed, "the spike hour, per 30 s")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
