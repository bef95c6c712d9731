"""The capacity simulation's HPA replay (bench/hpa.py) and fleet (bench/capacity_sim.py) on small, hand-made cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.capacity_model import Profile, ReplicaModel, Trace, load_profile, replica_model
from bench.capacity_sim import Case, Scaling, Signal, simulate
from bench.capacity_sweep import behavior
from bench.hpa import Behavior, Hpa, Rule

PROFILE = Path(__file__).parents[2] / "bench" / "capacity_profile.toml"
NO_METRIC = np.nan


def rules(
    *, min_replicas: int = 2, max_replicas: int = 50, up_window_s: int = 0, down_window_s: int = 0,
    up_pods: int = 4, up_percent: int = 100, up_period_s: int = 15, down_pods: int = 100,
) -> Behavior:  # fmt: skip
    return Behavior(
        min_replicas=min_replicas,
        max_replicas=max_replicas,
        scale_up=Rule(stabilization_window_s=up_window_s, pods=up_pods, percent=up_percent, period_s=up_period_s),
        scale_down=Rule(stabilization_window_s=down_window_s, pods=down_pods, percent=0, period_s=15),
    )


def sync(hpa: Hpa, usage: float, target: float = 1.0) -> int:
    """One sync on a single-row HPA with one metric."""
    return int(hpa.sync(np.asarray([[usage], [0.0]]), np.asarray([[target], [NO_METRIC]]))[0])


def test_a_metric_within_the_tolerance_changes_nothing() -> None:
    hpa = Hpa([rules()], [10])
    assert sync(hpa, usage=10.5) == 10  # ratio 1.05
    assert sync(hpa, usage=9.5) == 10  # ratio 0.95
    assert sync(hpa, usage=11.5) == 12  # ratio 1.15: ceil(11.5 / 1)


def test_the_largest_proposal_across_metrics_wins() -> None:
    hpa = Hpa([rules()], [4])
    assert int(hpa.sync(np.asarray([[4.0], [9.0]]), np.asarray([[1.0], [1.0]]))[0]) == 8  # 4 + 4 pods


def test_scale_up_is_limited_by_the_policy_per_period() -> None:
    every_sync = Hpa([rules(up_period_s=15)], [2])
    assert [sync(every_sync, usage=100) for _ in range(3)] == [6, 12, 24]  # max(+4 pods, +100%) each sync
    per_minute = Hpa([rules(up_period_s=60)], [2])
    counts = [sync(per_minute, usage=100) for _ in range(5)]
    assert counts == [6, 6, 6, 6, 12]  # the +4 of the first sync uses the minute up; then 100% of 6


def test_scale_up_waits_for_the_lowest_proposal_of_its_window() -> None:
    hpa = Hpa([rules(up_window_s=30)], [2])
    assert sync(hpa, usage=5) == 2  # the previous sync proposed 2
    assert sync(hpa, usage=5) == 5  # both proposals in the window asked for 5


def test_scale_down_holds_the_highest_proposal_of_its_window() -> None:
    hpa = Hpa([rules(down_window_s=60)], [4])
    assert sync(hpa, usage=10) == 8  # up at once: +4 pods
    assert sync(hpa, usage=10) == 10
    # Demand falls to 2 replicas' worth; the 10 proposed 15 and 30 s ago hold the count for the 60 s window.
    assert [sync(hpa, usage=2) for _ in range(4)] == [10, 10, 10, 2]


def test_scale_down_is_limited_to_one_pod_per_period() -> None:
    one_pod = Behavior(
        min_replicas=2,
        max_replicas=50,
        scale_up=Rule(stabilization_window_s=0, pods=4, percent=100, period_s=15),
        scale_down=Rule(stabilization_window_s=0, pods=1, percent=0, period_s=60),
    )
    hpa = Hpa([one_pod], [10])
    assert [sync(hpa, usage=0) for _ in range(5)] == [9, 9, 9, 9, 8]


def test_the_count_stays_within_min_and_max() -> None:
    hpa = Hpa([rules(min_replicas=2, max_replicas=7)], [3])
    assert sync(hpa, usage=0) == 2
    assert sync(hpa, usage=1000) == 6  # +4 pods this sync
    assert sync(hpa, usage=1000) == 7


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile(PROFILE)


@pytest.fixture(scope="module")
def model(profile: Profile) -> ReplicaModel:
    return replica_model(profile, max_in_flight=4, max_queued=16)


def steady(rate_rps: float, minutes: int, ramp_minutes: int = 0) -> Trace:
    """Arrivals at their expected rate (no noise), after a linear ramp from nothing."""
    seconds = np.arange(60 * (minutes + ramp_minutes), dtype=np.float64)
    rate = rate_rps * np.clip(seconds / max(60 * ramp_minutes, 1), 0, 1)
    return Trace(step_s=1, rate_rps=rate, arrivals=rate.copy(), spike_hour=seconds >= 60 * ramp_minutes)


def case(target: float, cold_start_s: int = 60) -> Case:
    scaling = Scaling(signal=Signal.DEMAND, target=target, max_in_flight=4, behavior=behavior(max_replicas=40))
    return Case(scaling=scaling, cold_start_s=cold_start_s)


def test_new_pods_serve_only_after_their_cold_start(profile: Profile, model: ReplicaModel) -> None:
    load = steady(rate_rps=6.0, minutes=6)
    _, series = simulate(load, [case(2.0, cold_start_s=90)], {4: model}, profile, record=[0])
    assert series is not None
    pods, ready = series.replicas[:, 0], series.ready[:, 0]
    first_scale_up = int(np.argmax(pods > 2))
    assert first_scale_up == 25  # the first sync (at 25 s) that reads a scrape taken under load (at 15 s)
    assert ready[first_scale_up + 89] == 2
    assert ready[first_scale_up + 90] == pods[first_scale_up]


def test_a_target_too_high_breaks_the_slo_and_a_lower_one_meets_it(profile: Profile, model: ReplicaModel) -> None:
    load = steady(rate_rps=3.0, minutes=20, ramp_minutes=20)
    (high, low), _ = simulate(load, [case(6.0), case(0.75)], {4: model}, profile)
    assert high.p99_day_s > 2.5
    assert not high.meets_slo
    assert low.p99_day_s <= 2.5
    assert low.meets_slo
    assert low.replica_hours > high.replica_hours
