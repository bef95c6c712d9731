"""PNG plots for docs/benchmarks.md, drawn from the results of one run (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.overload import OverloadRow
from bench.retrieval_scale import ScalePoint
from bench.serving import ArmRun

STAGES = ("queue", "input_rails", "retrieval", "prompt")


def _log_axes(axes: Any, xlabel: str, ylabel: str, title: str, *, log_x: int | None, log_y: bool) -> None:
    """Labels, log scales (x in base `log_x`), a light grid and a small legend."""
    if log_x:
        axes.set_xscale("log", base=log_x)
    if log_y:
        axes.set_yscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7)


def _save(figure: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def sweep_metric(runs: Sequence[ArmRun], metric: str, ylabel: str, title: str, path: Path, *, log: bool) -> Path:
    figure, axes = plt.subplots(figsize=(8, 4.8))
    for run in runs:
        if not run.sweep:
            continue
        xs = [point.concurrency for point in run.sweep]
        ys = [getattr(point, metric) for point in run.sweep]
        style = "-" if run.key in {"A", "B", "D", "E", "llama.cpp"} else ":"
        axes.plot(xs, ys, style, marker="o", markersize=3, label=run.name)
    _log_axes(axes, "concurrent requests", ylabel, title, log_x=2, log_y=log)
    return _save(figure, path)


def stage_breakdown(runs: Sequence[ArmRun], path: Path) -> Path:
    """TTFT at concurrency 1 per arm, split into our stages and the engine (prefill + first token)."""
    figure, axes = plt.subplots(figsize=(8, 4.8))
    names, bottoms = [], []
    for run in runs:
        point = next((p for p in run.sweep if p.concurrency == 1), None)
        if point is None:
            continue
        names.append(run.key)
        bottoms.append((run, point.ttft_p50_ms))
    for index, (run, ttft) in enumerate(bottoms):
        bottom = 0.0
        for stage_index, stage in enumerate(STAGES):
            value = run.stages_ms.get(stage, 0.0)
            axes.bar(index, value, bottom=bottom, color=f"C{stage_index}", label=stage if index == 0 else None)
            bottom += value
        axes.bar(index, max(0.0, ttft - bottom), bottom=bottom, color="C7", label="engine (prefill, first token), "
                 "HTTP" if index == 0 else None)  # fmt: skip
    axes.set_xticks(range(len(names)), names, rotation=30, fontsize=8)
    axes.set_ylabel("TTFT p50 at concurrency 1 (ms)")
    axes.set_title("Where time to first token goes")
    axes.legend(fontsize=7)
    return _save(figure, path)


def guardrails_length(sweep: Mapping[str, Mapping[int, list[float]]], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name, by_length in sweep.items():
        lengths = sorted(int(words) for words in by_length)
        axes.plot(lengths, [by_length[words][0] for words in lengths], marker="o", label=name)
    _log_axes(
        axes, "input length (words)", "p50 latency (ms)", "Guardrail latency vs input length", log_x=2, log_y=True
    )
    return _save(figure, path)


def retrieval_scale(points: Sequence[ScalePoint], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for method, marker in (("exact", "o"), ("hnsw", "s")):
        chosen = [p for p in points if p.method == method]
        axes.scatter([p.p50_ms for p in chosen], [p.recall_at_5 for p in chosen], marker=marker, label=method)
        for p in chosen:
            axes.annotate(f"{p.points:,}", (p.p50_ms, p.recall_at_5), fontsize=7, xytext=(4, 4),
                          textcoords="offset points")  # fmt: skip
    axes.set_ylim(0, 1.05)
    _log_axes(axes, "query p50 (ms, without the query embedding)", "recall@5",
              "Retrieval: recall vs latency as the index grows", log_x=10, log_y=False)  # fmt: skip
    return _save(figure, path)


def overload(rows: Sequence[OverloadRow], path: Path) -> Path:
    figure, left = plt.subplots(figsize=(6, 4))
    loads = [row.load for row in rows]
    left.bar(loads, [row.goodput_rps for row in rows], color="C0", label="goodput (req/s)")
    left.set_ylabel("goodput (req/s)")
    right = left.twinx()
    right.plot(loads, [row.rejected_pct for row in rows], "o-", color="C3", label="refused (%)")
    right.set_ylabel("refused with 503 + Retry-After (%)")
    right.set_ylim(0, 100)
    left.set_title("Overload: goodput holds, the excess is refused")
    return _save(figure, path)
