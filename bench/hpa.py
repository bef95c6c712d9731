"""The Kubernetes HorizontalPodAutoscaler's decision, replayed for many configurations at once (numpy, one row each).

What one sync does, as `pkg/controller/podautoscaler` (horizontal.go, replica_calculator.go) implements it for
External metrics with an `AverageValue` target (what a KEDA Prometheus trigger creates):

1. **Per metric**: `ratio = usage / (target x current)`, where `usage` is the metric summed over the series the
   query returns and `current` is the workload's replica count (pods that are not ready yet count too). Within the
   tolerance (`|ratio - 1| ≤ 0.1`) the proposal is `current`; otherwise `ceil(usage / target)`.
2. **Across metrics**: the largest proposal.
3. **Out of range first**: `current > max` gives `max` and `current < min` gives `min`, without steps 4-5.
4. **Stabilization** (`behavior.scaleUp/scaleDown.stabilizationWindowSeconds`): the raw proposals of the past
   syncs are kept. The scale-up bound is the *smallest* proposal within the scale-up window, the scale-down bound
   the *largest* within the scale-down window (both including this sync's). The recommendation is `current`
   raised to the scale-up bound, then lowered to the scale-down bound: scale-up waits until every proposal in its
   window asked for more, scale-down goes no lower than any proposal in its window.
5. **Rate** (`policies`, `selectPolicy: Max`): each policy allows `start + pods` or `ceil(start x (1 + percent))`
   up, `start - pods` or `floor(start x (1 - percent))` down, where `start` is the count at the beginning of the
   policy's period (current minus what was added plus what was removed by syncs younger than the period); Max
   takes the policy that allows the bigger change. Then `[min, max]` clamps.

A proposal or scale event counts as inside a window when it is younger than the window (the controller compares
timestamps with `After(now - window)`); with syncs every 15 s a 60 s window holds this sync and the 3 before it.
Both policies of one direction share a period here (the Kubernetes API allows one period each).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec
import numpy as np
from msgspec import Meta
from numpy.typing import NDArray

__all__ = ["Behavior", "Hpa", "Rule"]

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


class Rule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One direction of `behavior` (HPAScalingRules) with `selectPolicy: Max`."""

    stabilization_window_s: Annotated[int, Meta(ge=0, le=3600)]
    """Past proposals within this many seconds bound the recommendation."""
    pods: Annotated[int, Meta(ge=0)]
    """A `Pods` policy: this many pods per period (0: no such policy)."""
    percent: Annotated[int, Meta(ge=0)]
    """A `Percent` policy: this percentage of the period's starting count per period (0: no such policy)."""
    period_s: Annotated[int, Meta(ge=1, le=1800)]
    """`periodSeconds` of both policies."""


class Behavior(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the HPA object says: the bounds, the tolerance and both directions' rules."""

    min_replicas: Annotated[int, Meta(ge=1)]
    max_replicas: Annotated[int, Meta(ge=1)]
    scale_up: Rule
    scale_down: Rule
    tolerance: Annotated[float, Meta(ge=0)] = 0.1
    """`--horizontal-pod-autoscaler-tolerance`, the controller's default."""


def _column(values: Sequence[float]) -> Floats:
    return np.asarray(values, dtype=np.float64)


class Hpa:
    """The controller's memory (proposals and scale events of the past syncs) and one `sync` step.

    Row `i` of every array belongs to `behaviors[i]`. The memory starts as if the current count had been proposed
    at every past sync and nothing had been scaled.
    """

    def __init__(self, behaviors: Sequence[Behavior], initial: Sequence[int], sync_s: int = 15) -> None:
        self.sync_s = sync_s
        self.replicas: Ints = np.asarray(initial, dtype=np.int64).copy()
        self._min = np.asarray([b.min_replicas for b in behaviors], dtype=np.int64)
        self._max = np.asarray([b.max_replicas for b in behaviors], dtype=np.int64)
        self._tolerance = _column([b.tolerance for b in behaviors])
        self._up, self._down = [b.scale_up for b in behaviors], [b.scale_down for b in behaviors]
        windows = [max(b.scale_up.stabilization_window_s, b.scale_down.stabilization_window_s) for b in behaviors]
        periods = [max(b.scale_up.period_s, b.scale_down.period_s) for b in behaviors]
        depth = 1 + max(*windows, *periods) // sync_s
        ages = sync_s * np.arange(1, depth + 1)  # column j holds the sync (j + 1) syncs ago
        self._up_window = ages[None, :] < _column([r.stabilization_window_s for r in self._up])[:, None]
        self._down_window = ages[None, :] < _column([r.stabilization_window_s for r in self._down])[:, None]
        self._up_period = ages[None, :] < _column([r.period_s for r in self._up])[:, None]
        self._down_period = ages[None, :] < _column([r.period_s for r in self._down])[:, None]
        self._proposals: Ints = np.repeat(self.replicas[:, None], depth, axis=1)
        self._added: Ints = np.zeros((len(behaviors), depth), dtype=np.int64)
        self._removed: Ints = np.zeros((len(behaviors), depth), dtype=np.int64)

    def propose(self, usage: Floats, target: Floats) -> Ints:
        """Steps 1-2: `usage` and `target` are (metrics x rows); a NaN target means the row lacks that metric."""
        current = self.replicas.astype(np.float64)
        present = ~np.isnan(target)
        safe_target = np.where(present, target, 1.0)
        ratio = usage / (safe_target * current)
        moved = np.abs(ratio - 1.0) > self._tolerance
        wanted = np.where(moved, np.ceil(usage / safe_target), current)
        proposal: Ints = np.where(present, wanted, -1.0).max(axis=0).astype(np.int64)
        return proposal

    def sync(self, usage: Floats, target: Floats) -> Ints:
        """One controller sync: the new replica count of every row (also kept in `replicas`)."""
        current = self.replicas
        proposal = self.propose(usage, target)
        up_bound = np.minimum(proposal, np.where(self._up_window, self._proposals, proposal[:, None]).min(axis=1))
        down_bound = np.maximum(proposal, np.where(self._down_window, self._proposals, proposal[:, None]).max(axis=1))
        stabilized = np.minimum(np.maximum(current, up_bound), down_bound)
        limited = self._rate_limited(current, stabilized)
        in_range = (current >= self._min) & (current <= self._max)
        new = np.where(in_range, limited, np.clip(current, self._min, self._max))
        # Out of range the controller skips steps 4-5 and records no proposal; repeating the last one is as close
        # as a fixed-age memory gets (the simulation starts in range and the clamp keeps it there).
        self._remember(np.where(in_range, proposal, self._proposals[:, 0]), current, new)
        self.replicas = new
        return new

    def _rate_limited(self, current: Ints, wanted: Ints) -> Ints:
        """Step 5: the policies' limits and the `[min, max]` clamp, for rows that move."""
        added_up = np.where(self._up_period, self._added, 0).sum(axis=1)
        removed_up = np.where(self._up_period, self._removed, 0).sum(axis=1)
        start_up = current - added_up + removed_up
        up_pods = np.asarray([r.pods for r in self._up])
        up_percent = _column([r.percent for r in self._up])
        up_limit = np.maximum(start_up + up_pods, np.ceil(start_up * (1 + up_percent / 100)).astype(np.int64))
        highest = np.minimum(self._max, np.maximum(up_limit, current))

        added_down = np.where(self._down_period, self._added, 0).sum(axis=1)
        removed_down = np.where(self._down_period, self._removed, 0).sum(axis=1)
        start_down = current - added_down + removed_down
        down_pods = np.asarray([r.pods for r in self._down])
        down_percent = _column([r.percent for r in self._down])
        # A policy of 0 allows no change; with `selectPolicy: Max` it never wins over another policy.
        by_pods = start_down - down_pods
        by_percent = np.floor(start_down * (1 - down_percent / 100)).astype(np.int64)
        lowest = np.maximum(self._min, np.minimum(np.minimum(by_pods, by_percent), current))

        lowered = np.where(wanted < current, np.maximum(wanted, lowest), wanted)
        return np.where(wanted > current, np.minimum(wanted, highest), lowered)

    def _remember(self, proposal: Ints, before: Ints, after: Ints) -> None:
        for memory, value in (
            (self._proposals, proposal),
            (self._added, np.maximum(after - before, 0)),
            (self._removed, np.maximum(before - after, 0)),
        ):
            memory[:, 1:] = memory[:, :-1]
            memory[:, 0] = value
