"""The autoscaling parameters shipped in the CPU overlay, replayed by the capacity simulation (bench/capacity.py)
on the measured replica profile: a business day with an unannounced 10x launch spike stays within the TTFT SLO and
nobody is refused. Change the ScaledObject and this says whether the change still holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.capacity_model import Traffic, load_profile, replica_model, trace
from bench.capacity_sim import Case, Scaling, Signal, simulate
from bench.hpa import Behavior, Rule
from tests.deploy.artifacts import ROOT, one, render

PROFILE = ROOT / "bench" / "capacity_profile.toml"


def rule(direction: dict[str, Any]) -> Rule:
    assert direction["selectPolicy"] == "Max"
    policies = {policy["type"]: policy for policy in direction["policies"]}
    (period_s,) = {policy["periodSeconds"] for policy in policies.values()}
    return Rule(
        stabilization_window_s=direction["stabilizationWindowSeconds"],
        pods=policies.get("Pods", {}).get("value", 0),
        percent=policies.get("Percent", {}).get("value", 0),
        period_s=period_s,
    )


def shipped_scaling() -> Scaling:
    manifests = render("cpu")
    spec = one(manifests, "ScaledObject")["spec"]
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    demand = next(trigger for trigger in spec["triggers"] if trigger["name"] == "demand")
    settings = next(m for m in manifests if m["kind"] == "ConfigMap" and "RAG_ADMISSION__MAX_IN_FLIGHT" in m["data"])
    return Scaling(
        signal=Signal.DEMAND,
        target=float(demand["metadata"]["threshold"]),
        max_in_flight=int(settings["data"]["RAG_ADMISSION__MAX_IN_FLIGHT"]),
        behavior=Behavior(
            min_replicas=spec["minReplicaCount"],
            max_replicas=spec["maxReplicaCount"],
            scale_up=rule(behavior["scaleUp"]),
            scale_down=rule(behavior["scaleDown"]),
        ),
    )


def test_the_shipped_parameters_keep_the_slo_through_a_launch_spike() -> None:
    profile = load_profile(Path(PROFILE))
    scaling = shipped_scaling()
    models = {scaling.max_in_flight: replica_model(profile, scaling.max_in_flight)}
    (outcome,), _ = simulate(
        trace(Traffic()), [Case(scaling=scaling, cold_start_s=int(profile.cold_start.default_s))], models, profile
    )
    assert outcome.refused_pct == 0.0
    assert outcome.p99_day_s <= 2.5, outcome
    assert outcome.p99_spike_s <= 2.5, outcome
