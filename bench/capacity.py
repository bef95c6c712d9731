"""Capacity simulation: the autoscaling parameters we ship in the KEDA ScaledObject, chosen against a day of traffic.

`python -m bench.capacity --profile bench/capacity_profile.toml --out docs/img/capacity.png --markdown PATH`
(about 35 s on 2 cores).

**Inputs.** One replica's measured profile (`bench/capacity_profile.toml`: TTFT p50/p99 and completed requests
per second at each closed-loop concurrency, the cold start, the KV cache; with where the numbers come from). A
day of traffic (`Traffic`): a business-day curve (quiet night, morning ramp, lunch dip, afternoon peak; the peak
in req/s is a parameter) times a launch spike that ramps linearly to 10x the day's level over 5 minutes, holds
30 minutes and falls over 15 (the harder case: the same spike as a step), Poisson-sampled per 2-s step from a
fixed seed.

**One replica** (`bench/capacity_model.py`). With `n` requests in flight it completes `throughput(n)` requests
per second (the measured curve, linear in between, capped at `max_in_flight`); a request that starts at
concurrency `n` has the measured TTFT at `n` (lognormal through the measured p50 and p99); a queued request's
TTFT is its FIFO wait plus TTFT at `max_in_flight`; a wait over 60 s, or a full queue (64), is a 503. The
replica is that queue as a birth-death chain, and the fleet model is fluid in the mean each replica holds
(arrivals minus completions, one step at a time) with the chain's stationary distribution around that mean
(a pointwise-stationary fluid model). So what an arriving request finds, and with it the TTFT tail, includes
Poisson bunching at a replica: a pure fluid model puts every replica exactly at its mean, where a replica held
at 3.9 of 4 slots never queues and a target of 100% of `max_in_flight` would look free.

**The fleet and the autoscaler** (`bench/capacity_sim.py`, `bench/hpa.py`). Ready replicas share the arrivals
evenly (HAProxy `leastconn`, idealised). Prometheus scrapes every 15 s, KEDA polls every 15 s, the HPA syncs
every 15 s and decides as Kubernetes does for `AverageValue` external metrics: tolerance 0.1, the max across
metrics, stabilization windows (scale-up: the lowest proposal in its window; scale-down: the highest), rate
policies with `selectPolicy: Max`, min/max. New pods count from creation and serve after the cold start.

**Signals compared.** (a) `queue`: requests waiting per replica (our admission queue plus the engine's, which
stays empty while `max_in_flight` ≤ `max_num_seqs`). (b) `demand`: in flight plus queued per replica. (c)
`demand+kv`: (b) plus `vllm:kv_cache_usage_perc` as a second trigger.

**Choice** (`bench/capacity_sweep.py`). Stage 1 sweeps signal x target x `max_in_flight` (2, 4, 8) with one
behaviour; stage 2 sweeps the stabilization windows and policies around each signal's best. A configuration
qualifies when the per-request TTFT p99 over the day and over the spike hour are both ≤ 2.5 s (a bucket
boundary of the server's TTFT histogram) and nobody is refused; the one with the fewest replica-hours that also
qualifies under three other traffic seeds wins. The winner is then replayed with a cold start of 60, 120 and
240 s, against the step, and, for a launch known in advance, as the cheapest no-spike threshold plus a KEDA
`cron` floor over the spike hour. `bench/capacity_report.py` writes the docs block and the figure.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.capacity_model import Traffic, load_profile
from bench.capacity_report import markdown, plot
from bench.capacity_sweep import Context, choose

__all__ = ["main"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profile", type=Path, default=Path("bench/capacity_profile.toml"))
    parser.add_argument("--out", type=Path, default=Path("docs/img/capacity.png"))
    parser.add_argument("--markdown", type=Path, help="write the docs block here (default: print it)")
    parser.add_argument("--peak-rps", type=float, default=Traffic().peak_rps, help="the day's peak, spike aside")
    parser.add_argument("--max-replicas", type=int, default=200, help="maxReplicaCount while sweeping")
    args = parser.parse_args()
    started = time.perf_counter()
    ctx = Context.build(load_profile(args.profile))
    choice = choose(ctx, Traffic(peak_rps=args.peak_rps), args.max_replicas)
    plot(choice, ctx, args.out)
    text = markdown(choice, ctx.profile, args.out)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    else:
        print(text)
    print(
        f"capacity: {len(choice.stage1) + len(choice.stage2)} configurations in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
