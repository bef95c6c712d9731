"""The inputs of the capacity simulation: the measured replica profile, the day's traffic, one replica's queue.

**One replica** is a birth-death chain over `k`, the requests it holds: `min(k, m)` in flight (`m` =
`max_in_flight`), the rest in its FIFO admission queue, at most `max_queued` of them (a newcomer beyond gets 503 at
once). Requests arrive at rate `λ` and complete at `throughput(min(k, m))`, the measured closed-loop rate at that
concurrency (linear between measured levels). A request that finds `k < m` starts at concurrency `k + 1` and
its TTFT is the measured TTFT at that concurrency; one that finds `k ≥ m` first waits for `k - m + 1`
completions (exponential gaps at `throughput(m)`) and then starts at concurrency `m`; a wait over 60 s is a 503.
Measured TTFT at a concurrency is lognormal with the measured p50 and p99 (linear between levels).

The chain's stationary distribution at rate `λ` fixes the mean `x` a replica holds, and `x` fixes the rate
back (the mean grows with `λ`). The tables below are indexed by `x` on a fine grid: what a replica that holds `x`
on average completes, refuses, reports as in flight and queued (means and variances) and what an arriving
request finds. `bench/capacity.py` moves `x` with the traffic (a pointwise-stationary fluid model) and reads
everything else here, so a replica's random ups and downs around its mean are in the TTFT tail, not only its mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import msgspec
import numpy as np
from msgspec import Meta
from numpy.typing import NDArray
from scipy.special import gammainc, ndtr, ndtri

__all__ = [
    "TTFT_GRID_S",
    "Profile",
    "ReplicaModel",
    "Trace",
    "Traffic",
    "load_profile",
    "replica_model",
    "trace",
]

Floats = NDArray[np.float64]

MAX_QUEUE_WAIT_S = 60.0
"""`admission.max_queue_wait_s`: a request still queued after this long gets 503."""
MAX_QUEUED = 64
"""`admission.max_queued`, the shipped default."""
TTFT_GRID_S: Floats = np.arange(0.0, 65.0, 0.02, dtype=np.float64)
"""TTFT values at which distributions are kept; a p99 beyond the grid is reported as infinite."""
_Z99 = 2.3263478740408408
_X_STEP = 0.02


class Provenance(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    source: str
    run: str
    machine: str
    model: str
    load: str


class Sweep(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    concurrency: tuple[Annotated[int, Meta(ge=1)], ...]
    ttft_p50_ms: tuple[Annotated[float, Meta(gt=0)], ...]
    ttft_p99_ms: tuple[Annotated[float, Meta(gt=0)], ...]
    throughput_rps: tuple[Annotated[float, Meta(gt=0)], ...]
    requests: tuple[int, ...]
    failed: tuple[int, ...]

    def __post_init__(self) -> None:
        columns = (self.ttft_p50_ms, self.ttft_p99_ms, self.throughput_rps, self.requests, self.failed)
        if any(len(column) != len(self.concurrency) for column in columns):
            raise ValueError("every sweep column needs one value per concurrency level")
        if list(self.concurrency) != sorted(set(self.concurrency)):
            raise ValueError("concurrency levels must increase")
        if any(p99 < p50 for p50, p99 in zip(self.ttft_p50_ms, self.ttft_p99_ms, strict=True)):
            raise ValueError("a TTFT p99 below its p50")


class ColdStart(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    default_s: Annotated[float, Meta(ge=0)]
    sensitivity_s: tuple[Annotated[float, Meta(ge=0)], ...]


class KvCache(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    capacity_tokens: Annotated[int, Meta(ge=1)]
    tokens_per_request: Annotated[int, Meta(ge=1)]


class Profile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`bench/capacity_profile.toml`: one replica, measured, and where the numbers come from."""

    provenance: Provenance
    sweep: Sweep
    cold_start: ColdStart
    kv_cache: KvCache

    def throughput(self, concurrency: Floats) -> Floats:
        """Completed requests per second with this many in flight (0 at 0, linear between measured levels)."""
        levels = np.concatenate(([0.0], np.asarray(self.sweep.concurrency, dtype=np.float64)))
        rates = np.concatenate(([0.0], np.asarray(self.sweep.throughput_rps)))
        rate: Floats = np.interp(concurrency, levels, rates)
        return rate

    def ttft_lognormal(self, concurrency: Floats) -> tuple[Floats, Floats]:
        """`(log median, sigma)` of TTFT in seconds for a request that starts at this concurrency."""
        levels = np.asarray(self.sweep.concurrency, dtype=np.float64)
        p50 = np.interp(concurrency, levels, np.asarray(self.sweep.ttft_p50_ms)) / 1000
        p99 = np.interp(concurrency, levels, np.asarray(self.sweep.ttft_p99_ms)) / 1000
        return np.log(p50), np.maximum(np.log(p99 / p50), 1e-6) / _Z99


def load_profile(path: Path) -> Profile:
    return msgspec.toml.decode(path.read_bytes(), type=Profile)


# A business day as a fraction of the peak, by hour (linear in between): quiet night, morning ramp, a lunch dip,
# the afternoon peak, the evening tail.
DAY_SHAPE: tuple[tuple[float, float], ...] = (
    (0.0, 0.06), (6.0, 0.05), (7.0, 0.15), (9.0, 0.80), (11.0, 0.90), (12.0, 0.85), (12.75, 0.60),
    (13.5, 0.80), (15.0, 1.00), (16.5, 0.95), (18.0, 0.50), (20.0, 0.20), (24.0, 0.06),
)  # fmt: skip


class Traffic(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One day of requests: the business-day curve times a launch spike, Poisson-sampled per step."""

    peak_rps: Annotated[float, Meta(gt=0)] = 4.0
    """The day's peak (15:00) in requests per second, spike not counted."""
    spike_factor: Annotated[float, Meta(ge=1)] = 10.0
    """The spike multiplies the day's curve by this much at its top."""
    spike_start_h: Annotated[float, Meta(ge=0, lt=23)] = 10.0
    spike_ramp_s: Annotated[float, Meta(ge=0)] = 300.0
    """Linear ramp from 1x to the factor (0: a step)."""
    spike_hold_s: Annotated[float, Meta(ge=0)] = 1800.0
    spike_decay_s: Annotated[float, Meta(ge=0)] = 900.0
    step_s: Annotated[int, Meta(ge=1, le=5)] = 2
    """Simulation step; events (scrapes, syncs) land in the step that holds them."""
    seed: int = 20261123


@dataclass(frozen=True, slots=True)
class Trace:
    """Expected and sampled arrivals per step, and which steps are the spike hour (its first 60 minutes)."""

    step_s: int
    rate_rps: Floats
    arrivals: Floats
    spike_hour: NDArray[np.bool_]


def trace(traffic: Traffic) -> Trace:
    seconds = np.arange(0, 86_400, traffic.step_s, dtype=np.float64)
    hours, levels = zip(*DAY_SHAPE, strict=True)
    day = traffic.peak_rps * np.interp(seconds / 3600, hours, levels)
    since = seconds - traffic.spike_start_h * 3600
    ramp = np.clip(since / traffic.spike_ramp_s, 0, 1) if traffic.spike_ramp_s > 0 else (since >= 0) * 1.0
    fall = np.clip((since - traffic.spike_ramp_s - traffic.spike_hold_s) / max(traffic.spike_decay_s, 1e-9), 0, 1)
    multiplier = 1 + (traffic.spike_factor - 1) * np.where(since < 0, 0.0, ramp * (1 - fall))
    rate = day * multiplier
    arrivals = np.random.default_rng(traffic.seed).poisson(rate * traffic.step_s).astype(np.float64)
    return Trace(traffic.step_s, rate, arrivals, (since >= 0) & (since < 3600))


@dataclass(frozen=True, slots=True)
class ReplicaModel:
    """One replica's queue for one `max_in_flight`, tabulated by the mean number of requests it holds (`x`).

    Rows are `x = 0, 0.02, 0.04, …` up to the most a replica can hold; `ttft_cdf[k]` is the TTFT distribution of a
    request that arrives to find `k` (on `TTFT_GRID_S`, 0 everywhere for a refused one).
    """

    max_in_flight: int
    x_step: float
    throughput: Floats
    blocked: Floats
    refused: Floats
    in_flight: Floats
    in_flight_var: Floats
    queued: Floats
    queued_var: Floats
    held_var: Floats
    finds: Floats
    ttft_cdf: Floats


def _stationary(log_rate: Floats, log_departures: Floats) -> Floats:
    """Rows: the birth-death chain's distribution over `k = 0..K` for each arrival rate (given as a log)."""
    held = np.arange(len(log_departures))
    log_weights = held[None, :] * log_rate[:, None] - np.cumsum(log_departures)[None, :]
    log_weights -= log_weights.max(axis=1, keepdims=True)
    weights = np.exp(log_weights)
    normalised: Floats = weights / weights.sum(axis=1, keepdims=True)
    return normalised


def _ttft_cdfs(profile: Profile, max_in_flight: int, capacity: int) -> tuple[Floats, Floats]:
    """TTFT CDF for an arrival finding `k = 0..capacity`, and the chance its queue wait passes 60 s."""
    grid = TTFT_GRID_S
    cdf = np.zeros((capacity + 1, len(grid)))
    log_median, sigma = profile.ttft_lognormal(np.arange(1, max_in_flight + 1, dtype=np.float64))
    with np.errstate(divide="ignore"):
        log_grid = np.log(grid)
    cdf[:max_in_flight] = ndtr((log_grid[None, :] - log_median[:, None]) / sigma[:, None])
    # Queued: an Erlang wait plus a TTFT at full concurrency; the TTFT enters through 32 of its quantiles.
    quantiles = np.exp(log_median[-1] + sigma[-1] * _normal_quantiles(32))
    rate = float(profile.throughput(np.asarray([float(max_in_flight)]))[0])
    completions = np.arange(1, capacity - max_in_flight + 1, dtype=np.float64)
    after_wait = np.maximum(grid[None, :] - quantiles[:, None], 0.0)
    cdf[max_in_flight:capacity] = gammainc(completions[:, None, None], rate * after_wait[None, :, :]).mean(axis=1)
    timed_out = np.zeros(capacity + 1)
    timed_out[max_in_flight:capacity] = 1 - gammainc(completions, rate * MAX_QUEUE_WAIT_S)
    timed_out[capacity] = 1.0
    return cdf, timed_out


def _normal_quantiles(count: int) -> Floats:
    quantiles: Floats = ndtri((np.arange(count) + 0.5) / count)
    return quantiles


def _variance(distributions: Floats, values: Floats) -> Floats:
    spread: Floats = np.maximum(distributions @ values**2 - (distributions @ values) ** 2, 0.0)
    return spread


def replica_model(profile: Profile, max_in_flight: int, max_queued: int = MAX_QUEUED) -> ReplicaModel:
    capacity = max_in_flight + max_queued
    held = np.arange(capacity + 1, dtype=np.float64)
    in_flight = np.minimum(held, max_in_flight)
    queued = held - in_flight
    departures = profile.throughput(in_flight)
    with np.errstate(divide="ignore"):
        log_departures = np.log(departures)
    log_departures[0] = 0.0  # k = 0 has no departures; the chain's weights start at k = 1
    full_rate = float(departures[-1])
    log_rates = np.log(full_rate) + np.linspace(np.log(1e-5), np.log(1e4), 4000)
    means = _stationary(log_rates, log_departures) @ held
    rows = np.arange(0.0, means[-1], _X_STEP)
    finds = _stationary(np.interp(rows, means, log_rates), log_departures)
    cdf, timed_out = _ttft_cdfs(profile, max_in_flight, capacity)
    return ReplicaModel(
        max_in_flight=max_in_flight,
        x_step=_X_STEP,
        throughput=finds @ departures,
        blocked=finds[:, -1],
        refused=finds @ timed_out,
        in_flight=finds @ in_flight,
        in_flight_var=_variance(finds, in_flight),
        queued=finds @ queued,
        queued_var=_variance(finds, queued),
        held_var=_variance(finds, held),
        finds=finds,
        ttft_cdf=cdf,
    )
