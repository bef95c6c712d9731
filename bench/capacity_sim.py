"""A fleet of replicas under one day of traffic, scaled by the HPA, for many configurations at once.

Each step (`Trace.step_s`, 2 s by default), for every configuration (one numpy row each):

1. Pods whose cold start has elapsed become ready. Ready replicas share the load evenly (HAProxy's `leastconn`
   taken to its limit: the requests held are spread over the ready replicas, a new one included).
2. The step's arrivals, split evenly, are offered to every ready replica: the mean `x` a replica holds moves by
   `(λ · (1 - blocked(x)) - throughput(x)) · step` (`bench/capacity_model.py` tabulates both by `x`).
   Arrivals are counted against what they find at the start of the step: the TTFT distribution and the refusals.
3. Every `scrape_s` Prometheus scrapes each ready replica: the sum over replicas of a gauge is `replicas ·
   mean(x) + z · sqrt(replicas · variance(x))` with `z` standard normal (the replicas' own ups and downs),
   rounded for counts. Every `polling_s` KEDA reads it; every `sync_s` the HPA (`bench/hpa.py`) uses what
   KEDA last read. Offsets: scrape at 0 s, KEDA at 5 s, HPA at 10 s of each period; an event lands in the
   step that holds it. A KEDA `cron` trigger (`Floor`) is one more metric: its replicas inside its window.
4. A scale-up creates pods that serve after the cold start; a scale-down deletes pods that are not ready yet
   first (the ReplicaSet controller does), then ready ones, whose held requests move to the others.

Replica-hours count every pod that exists, ready or starting.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

import msgspec
import numpy as np
from msgspec import Meta
from numpy.typing import NDArray

from bench.capacity_model import TTFT_GRID_S, Profile, ReplicaModel, Trace
from bench.hpa import Behavior, Hpa

__all__ = [
    "DEFAULT_TIMING",
    "SLO_TTFT_S",
    "Case",
    "Floor",
    "Outcome",
    "Scaling",
    "Series",
    "Signal",
    "Timing",
    "p99_by_window",
    "simulate",
]

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

SLO_TTFT_S = 2.5
"""The TTFT objective: a bucket boundary of `vllm:time_to_first_token_seconds`, so Prometheus can count it exactly."""


class Signal(enum.StrEnum):
    """What the ScaledObject's Prometheus trigger sums over the replicas."""

    QUEUE = "queue"
    """`rag_requests_queued + vllm:num_requests_waiting`: requests waiting, in our queue or the engine's."""
    DEMAND = "demand"
    """`rag_requests_in_flight + rag_requests_queued`: requests a replica holds."""
    DEMAND_KV = "demand+kv"
    """`demand`, and a second trigger on `vllm:kv_cache_usage_perc`."""


class Floor(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A KEDA `cron` trigger: `desiredReplicas` from `start_h` to `end_h`, a floor under the other triggers."""

    replicas: Annotated[int, Meta(ge=1)]
    start_h: Annotated[float, Meta(ge=0, le=24)]
    end_h: Annotated[float, Meta(ge=0, le=24)]


class Scaling(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The knobs: the server's admission limit and the ScaledObject (triggers and HPA behaviour)."""

    signal: Signal
    target: Annotated[float, Meta(gt=0)]
    """`threshold` of the trigger: the per-replica average the HPA steers to."""
    max_in_flight: Annotated[int, Meta(ge=1)]
    """`RAG_ADMISSION__MAX_IN_FLIGHT`."""
    behavior: Behavior
    kv_target: Annotated[float, Meta(gt=0, le=1)] | None = None
    """`threshold` of the KV-cache trigger (`demand+kv` only), a fraction."""
    floor: Floor | None = None
    """A scheduled minimum, for a launch announced in advance."""


class Case(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scaling: Scaling
    cold_start_s: Annotated[int, Meta(ge=0)]


class Timing(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scrape_s: Annotated[int, Meta(ge=1)] = 15
    """Prometheus `scrape_interval`."""
    polling_s: Annotated[int, Meta(ge=1)] = 15
    """KEDA `pollingInterval` (as if metrics were cached for that long: the slower case)."""
    sync_s: Annotated[int, Meta(ge=1)] = 15
    """`--horizontal-pod-autoscaler-sync-period`."""


DEFAULT_TIMING = Timing()


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    case: Case
    replica_hours: float
    p99_day_s: float
    p99_spike_s: float
    refused_pct: float
    peak_replicas: int
    peak_queued: float
    """The largest mean admission queue of a ready replica."""
    scale_events: int

    @property
    def meets_slo(self) -> bool:
        return self.p99_day_s <= SLO_TTFT_S and self.p99_spike_s <= SLO_TTFT_S and self.refused_pct == 0.0


@dataclass(frozen=True, slots=True)
class Series:
    """Per step, for the recorded rows: pods, ready pods, mean in flight and queued per replica, where `x` was."""

    replicas: Ints
    ready: Ints
    in_flight: Floats
    queued: Floats
    rows: Ints


@dataclass(slots=True)
class _Tables:
    """The batch's replica models stacked, so one gather serves every row whatever its `max_in_flight`."""

    models: list[ReplicaModel]
    model_of: Ints
    offset: Ints
    size: Ints
    columns: dict[str, Floats] = field(default_factory=dict)

    @classmethod
    def build(cls, cases: Sequence[Case], by_limit: Mapping[int, ReplicaModel]) -> _Tables:
        limits = sorted({case.scaling.max_in_flight for case in cases})
        models = [by_limit[limit] for limit in limits]
        sizes = np.asarray([len(model.throughput) for model in models])
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        model_of = np.asarray([limits.index(case.scaling.max_in_flight) for case in cases])
        tables = cls(models, model_of, starts[model_of], sizes[model_of])
        for name in (
            "throughput",
            "blocked",
            "refused",
            "in_flight",
            "in_flight_var",
            "queued",
            "queued_var",
            "held_var",
        ):
            tables.columns[name] = np.concatenate([getattr(model, name) for model in models])
        return tables

    def local_rows(self, held: Floats) -> Ints:
        nearest: Ints = (held * (1 / self.models[0].x_step) + 0.5).astype(np.int64)
        return np.minimum(nearest, self.size - 1)

    def p99(self, arrivals_by_row: Floats, case_index: int) -> float:
        """The 99th percentile TTFT over requests that found these rows (a refused request counts as endless)."""
        model = self.models[self.model_of[case_index]]
        found = arrivals_by_row[: len(model.throughput)] @ model.finds
        cdf = found @ model.ttft_cdf
        total = arrivals_by_row.sum()
        if total == 0:
            return 0.0
        reached = np.nonzero(cdf >= 0.99 * total)[0]
        return float(TTFT_GRID_S[reached[0]]) if len(reached) else float("inf")


@dataclass(slots=True)
class _Fleet:
    """Every row's pods: ready ones, starting ones (a ring indexed by the step they become ready) and `x`."""

    ready: Ints
    starting: Ints
    held: Floats
    cold_steps: Ints

    @classmethod
    def start(cls, cases: Sequence[Case], step_s: int) -> _Fleet:
        initial = np.asarray([case.scaling.behavior.min_replicas for case in cases], dtype=np.int64)
        cold = np.asarray([max(1, -(-case.cold_start_s // step_s)) for case in cases], dtype=np.int64)
        return cls(initial, np.zeros((len(cases), int(cold.max()) + 1), dtype=np.int64), np.zeros(len(cases)), cold)

    def become_ready(self, step: int) -> None:
        slot = step % self.starting.shape[1]
        arriving = self.starting[:, slot]
        if arriving.any():
            self._resize(self.ready + arriving)
            self.starting[:, slot] = 0

    def scale(self, step: int, change: Ints) -> None:
        grow = np.nonzero(change > 0)[0]
        self.starting[grow, (step + self.cold_steps[grow]) % self.starting.shape[1]] += change[grow]
        for row in np.nonzero(change < 0)[0]:
            self._remove(row, int(-change[row]), step)

    def _remove(self, row: int, count: int, step: int) -> None:
        width = self.starting.shape[1]
        for ahead in range(width - 1, 0, -1):  # the pod that would be ready last goes first
            slot = (step + ahead) % width
            taken = min(count, int(self.starting[row, slot]))
            self.starting[row, slot] -= taken
            count -= taken
        if count:
            ready = self.ready.copy()
            ready[row] -= count
            self._resize(ready)

    def _resize(self, ready: Ints) -> None:
        self.held = self.held * self.ready / np.maximum(ready, 1)
        self.ready = ready


def _usage(tables: _Tables, rows: Ints, fleet: _Fleet, noise: Floats, kv_per_request: float) -> Floats:
    """The two metrics as the HPA would read them: (primary, KV) x configurations."""
    ready = fleet.ready.astype(np.float64)
    columns = tables.columns
    spread = noise * np.sqrt(ready)
    queued = np.rint(np.maximum(ready * columns["queued"][rows] + spread * np.sqrt(columns["queued_var"][rows]), 0))
    held = np.rint(np.maximum(ready * fleet.held + spread * np.sqrt(columns["held_var"][rows]), 0))
    kv = np.maximum(ready * columns["in_flight"][rows] + spread * np.sqrt(columns["in_flight_var"][rows]), 0)
    return np.stack((queued, held, kv * kv_per_request))


def _targets(cases: Sequence[Case]) -> tuple[NDArray[np.bool_], Floats]:
    """Which primary metric each row scales on, and the (primary, KV, cron) targets (NaN: no such trigger)."""
    on_queue = np.asarray([case.scaling.signal is Signal.QUEUE for case in cases])
    kv = [case.scaling.kv_target if case.scaling.signal is Signal.DEMAND_KV else None for case in cases]
    targets = np.asarray(
        [
            [case.scaling.target for case in cases],
            [np.nan if value is None else value for value in kv],
            [np.nan if case.scaling.floor is None else 1.0 for case in cases],
        ]
    )
    return on_queue, targets


def simulate(
    trace: Trace,
    cases: Sequence[Case],
    models: Mapping[int, ReplicaModel],
    profile: Profile,
    timing: Timing = DEFAULT_TIMING,
    record: Sequence[int] = (),
) -> tuple[list[Outcome], Series | None]:
    """Play the trace for every case; `record` names the rows whose time series come back."""
    run = _Run(trace, cases, _Tables.build(cases, models), profile, timing)
    series = _Recorder(len(trace.arrivals), record)
    for step, arrivals in enumerate(trace.arrivals.tolist()):
        rows, local = run.serve(step, arrivals)
        run.control(step, rows)
        series.add(step, run.hpa.replicas, run.fleet, run.tables, rows, local)
    return run.outcomes(), series.done()


def _due(now_s: int, offset_s: int, period_s: int, step_s: int) -> bool:
    """Whether an event every `period_s` seconds, `offset_s` into the period, falls in the step starting now."""
    return (now_s - offset_s) % period_s < step_s


class _Run:
    """A batch's state and tallies while its trace plays."""

    def __init__(self, trace: Trace, cases: Sequence[Case], tables: _Tables, profile: Profile, timing: Timing) -> None:
        self.trace, self.cases, self.tables, self.timing = trace, cases, tables, timing
        self.fleet = _Fleet.start(cases, trace.step_s)
        self.hpa = Hpa([case.scaling.behavior for case in cases], self.fleet.ready.tolist(), timing.sync_s)
        self.on_queue, self.targets = _targets(cases)
        self.kv_per_request = profile.kv_cache.tokens_per_request / profile.kv_cache.capacity_tokens
        self.noise = np.random.default_rng(7)
        count, width = len(cases), int(tables.size.max())
        self.found_day, self.found_spike = np.zeros((count, width)), np.zeros((count, width))
        self.index = np.arange(count)
        self.refused, self.pod_seconds, self.peak_queued = np.zeros(count), np.zeros(count), np.zeros(count)
        self.events, self.peak_replicas = np.zeros(count, dtype=np.int64), self.hpa.replicas.copy()
        self.scraped = self.cached = np.zeros((3, count))

    def serve(self, step: int, arrivals: float) -> tuple[Ints, Ints]:
        """New pods join, the step's arrivals are counted against what they find, and every replica's mean moves."""
        fleet, columns, step_s = self.fleet, self.tables.columns, self.trace.step_s
        fleet.become_ready(step)
        local = self.tables.local_rows(fleet.held)
        rows = self.tables.offset + local
        self.found_day[self.index, local] += arrivals
        if self.trace.spike_hour[step]:
            self.found_spike[self.index, local] += arrivals
        self.refused += arrivals * columns["refused"][rows]
        offered = arrivals / (fleet.ready * step_s)
        flow = offered * (1 - columns["blocked"][rows]) - columns["throughput"][rows]
        fleet.held = np.maximum(fleet.held + flow * step_s, 0.0)
        self.peak_queued = np.maximum(self.peak_queued, columns["queued"][rows])
        self.pod_seconds += self.hpa.replicas * step_s
        return rows, local

    def control(self, step: int, rows: Ints) -> None:
        """Prometheus scrapes at 0 s, KEDA reads at 5 s and the HPA syncs at 10 s of their periods."""
        now, step_s, timing = step * self.trace.step_s, self.trace.step_s, self.timing
        if _due(now, 0, timing.scrape_s, step_s):
            noise = np.full(len(self.cases), self.noise.standard_normal())
            usage = _usage(self.tables, rows, self.fleet, noise, self.kv_per_request)
            primary = np.where(self.on_queue, usage[0], usage[1])
            self.scraped = np.stack((primary, usage[2], _scheduled(self.cases, now)))
        if _due(now, 5, timing.polling_s, step_s):
            self.cached = self.scraped
        if _due(now, 10, timing.sync_s, step_s):
            before = self.hpa.replicas
            change = self.hpa.sync(self.cached, self.targets) - before
            self.fleet.scale(step, change)
            self.events += change != 0
            self.peak_replicas = np.maximum(self.peak_replicas, self.hpa.replicas)

    def outcomes(self) -> list[Outcome]:
        total = float(self.trace.arrivals.sum())
        return [
            Outcome(
                case=case,
                replica_hours=float(self.pod_seconds[i] / 3600),
                p99_day_s=self.tables.p99(self.found_day[i], i),
                p99_spike_s=self.tables.p99(self.found_spike[i], i),
                refused_pct=_refused_pct(float(self.refused[i]), total),
                peak_replicas=int(self.peak_replicas[i]),
                peak_queued=float(self.peak_queued[i]),
                scale_events=int(self.events[i]),
            )
            for i, case in enumerate(self.cases)
        ]


def _scheduled(cases: Sequence[Case], now_s: int) -> Floats:
    """The cron trigger's value: its replicas inside its window, 1 outside (KEDA's default)."""
    hour = now_s / 3600
    floors = [case.scaling.floor for case in cases]
    return np.asarray([f.replicas if f and f.start_h <= hour < f.end_h else 1.0 for f in floors], dtype=np.float64)


def _refused_pct(expected: float, total: float) -> float:
    """Expected refusals as a percentage; under half a request over the day is none."""
    return 0.0 if expected < 0.5 else 100 * expected / total


class _Recorder:
    def __init__(self, steps: int, rows: Sequence[int]) -> None:
        self._rows = list(rows)
        shape = (steps, len(self._rows))
        self._replicas, self._ready = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        self._in_flight, self._queued = np.zeros(shape), np.zeros(shape)
        self._local = np.zeros(shape, dtype=np.int64)

    def add(self, step: int, replicas: Ints, fleet: _Fleet, tables: _Tables, rows: Ints, local: Ints) -> None:
        if not self._rows:
            return
        keep = self._rows
        self._replicas[step], self._ready[step] = replicas[keep], fleet.ready[keep]
        self._in_flight[step] = tables.columns["in_flight"][rows[keep]]
        self._queued[step] = tables.columns["queued"][rows[keep]]
        self._local[step] = local[keep]

    def done(self) -> Series | None:
        if not self._rows:
            return None
        return Series(self._replicas, self._ready, self._in_flight, self._queued, self._local)


def p99_by_window(trace: Trace, series: Series, model: ReplicaModel, column: int, window_steps: int) -> Floats:
    """TTFT p99 of the requests that arrived in each window of steps, for one recorded row (NaN: none arrived)."""
    found = model.finds[series.rows[:, column]] * trace.arrivals[:, None]
    windows = len(found) // window_steps
    per_window = found[: windows * window_steps].reshape(windows, window_steps, -1).sum(axis=1)
    cdf = per_window @ model.ttft_cdf
    totals = per_window.sum(axis=1)
    reached = cdf >= 0.99 * totals[:, None]
    first = np.where(reached.any(axis=1), TTFT_GRID_S[np.argmax(reached, axis=1)], np.inf)
    p99: Floats = np.where(totals > 0, first, np.nan)
    return p99
