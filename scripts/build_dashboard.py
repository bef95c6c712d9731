"""Writes the rag-server Grafana dashboard, docker/grafana/dashboards/rag-server.json, from the table of panels below.

    python -m scripts.build_dashboard           # rewrite the JSON after editing this file
    python -m scripts.build_dashboard --check   # exit 1 if the committed JSON is not what this file writes

(`python scripts/build_dashboard.py` works too.) Every expression reads only metrics the server exposes on /metrics
(rag_server/metrics.py) plus `up`, is filtered by the `$instance` variable, and uses `$__rate_interval` as its range,
so the dashboard follows Prometheus' scrape interval. Panels use the `datasource` variable, whose default is the
datasource docker/grafana/provisioning/ creates (uid "prometheus"). Choosing a bundle narrows the instances to the
replicas that serve it, so the bundle filter reaches every panel through `$instance`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec
from msgspec.structs import replace

DASHBOARD_PATH = Path(__file__).resolve().parents[1] / "docker" / "grafana" / "dashboards" / "rag-server.json"
GRID_COLUMNS = 24
TTFT_SLO_S = 2.5
ERROR_RATIO_SLO = 0.001

Unit = Literal["s", "percentunit", "reqps", "ops", "short", "none"]
PanelType = Literal["row", "stat", "timeseries", "state-timeline", "table"]


# --- Grafana's JSON, as much of it as this dashboard uses --------------------------------------------------------


class DataSourceRef(msgspec.Struct, frozen=True):
    type: str
    uid: str


DATASOURCE = DataSourceRef(type="prometheus", uid="${datasource}")
PROVISIONED_DATASOURCE_UID = "prometheus"


class GridPos(msgspec.Struct, frozen=True):
    h: int
    w: int
    x: int = 0
    y: int = 0


class Target(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    datasource: DataSourceRef = DATASOURCE
    expr: str
    legend_format: str = "__auto"
    ref_id: str = "A"
    instant: bool = False
    range: bool = True
    format: Literal["time_series", "table"] = "time_series"


class Step(msgspec.Struct, frozen=True):
    color: str
    value: float | None


class Thresholds(msgspec.Struct, frozen=True):
    steps: tuple[Step, ...]
    mode: str = "absolute"


class Color(msgspec.Struct, frozen=True):
    mode: Literal["palette-classic", "thresholds"]


class FieldDefaults(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    unit: Unit
    min: float | None = None
    max: float | None = None
    color: Color = Color("palette-classic")
    thresholds: Thresholds | None = None
    mappings: tuple[dict[str, Any], ...] = ()
    custom: dict[str, Any] = {}


class FieldConfig(msgspec.Struct, frozen=True):
    defaults: FieldDefaults
    overrides: tuple[dict[str, Any], ...] = ()


class Panel(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    id: int = 0
    type: PanelType
    title: str
    description: str = ""
    grid_pos: GridPos
    datasource: DataSourceRef | None = None
    targets: tuple[Target, ...] = ()
    field_config: FieldConfig | None = None
    options: dict[str, Any] = {}
    transformations: tuple[dict[str, Any], ...] = ()
    collapsed: bool | None = None
    panels: tuple[Panel, ...] | None = None


class Variable(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    name: str
    label: str
    type: Literal["datasource", "query"]
    query: str
    definition: str = ""
    datasource: DataSourceRef | None = None
    current: dict[str, Any] = {}
    multi: bool = False
    include_all: bool = False
    refresh: int = 1
    sort: int = 0
    regex: str = ""
    hide: int = 0
    options: tuple[dict[str, Any], ...] = ()


class Templating(msgspec.Struct, frozen=True):
    list: tuple[Variable, ...]


class Dashboard(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    uid: str
    title: str
    description: str
    tags: tuple[str, ...]
    schema_version: int
    version: int
    editable: bool
    graph_tooltip: int
    refresh: str
    time: dict[str, str]
    timezone: str
    templating: Templating
    annotations: dict[str, Any]
    links: tuple[dict[str, Any], ...]
    panels: tuple[Panel, ...]


# --- PromQL --------------------------------------------------------------------------------------------------------

TTFT = "vllm:time_to_first_token_seconds"
TPOT = "vllm:time_per_output_token_seconds"
E2E = "vllm:e2e_request_latency_seconds"
QUEUE_TIME = "vllm:request_queue_time_seconds"
API_ROUTES = 'route=~"/v1/.*"'
"""Health probes, /metrics and the web page are left out of request and error rates: /readyz answers 503 by design."""


INSTANCE = 'instance=~"$instance"'
FIVE_XX = 'status=~"5.."'
CHOSEN_BUNDLES = 'bundle=~"$bundle"'


def selector(metric: str, *matchers: str) -> str:
    return metric + "{" + ",".join([INSTANCE, *matchers]) + "}"


def rate(metric: str, *matchers: str) -> str:
    return f"rate({selector(metric, *matchers)}[$__rate_interval])"


def pct(q: float) -> str:
    return f"p{round(q * 100)}"


def quantile(q: float, histogram: str, by: str = "") -> str:
    labels = ", ".join(["le", by] if by else ["le"])
    return f"histogram_quantile({q}, sum by ({labels}) ({rate(f'{histogram}_bucket')}))"


ERROR_RATIO = (
    f"sum({rate('rag_http_requests_total', API_ROUTES, FIVE_XX)}) / sum({rate('rag_http_requests_total', API_ROUTES)})"
)
BUNDLE_JOIN = f" * on(instance) group_left(bundle) {selector('rag_bundle_info', CHOSEN_BUNDLES)}"


# --- Panels --------------------------------------------------------------------------------------------------------


def steps(*colors: Step) -> Thresholds:
    return Thresholds(steps=colors)


def slo(limit: float) -> Thresholds:
    return steps(Step("green", None), Step("red", limit))


def numbered(targets: Sequence[Target]) -> tuple[Target, ...]:
    return tuple(replace(target, ref_id=chr(ord("A") + index)) for index, target in enumerate(targets))


def stat(title: str, description: str, expr: str, unit: Unit, thresholds: Thresholds, *, width: int = 5) -> Panel:
    return Panel(
        type="stat",
        title=title,
        description=description,
        grid_pos=GridPos(h=4, w=width),
        datasource=DATASOURCE,
        targets=(Target(expr=expr, legend_format=title),),
        field_config=FieldConfig(FieldDefaults(unit=unit, color=Color("thresholds"), thresholds=thresholds)),
        options={
            "colorMode": "background",
            "graphMode": "area",
            "justifyMode": "auto",
            "orientation": "auto",
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "textMode": "value",
        },
    )


def timeseries(
    title: str,
    description: str,
    targets: Sequence[Target],
    unit: Unit,
    *,
    width: int = 8,
    limit: Thresholds | None = None,
    max_value: float | None = None,
) -> Panel:
    """A graph; `limit` draws its thresholds as lines (an SLO, a queue bound)."""
    custom: dict[str, Any] = {"drawStyle": "line", "fillOpacity": 10, "lineWidth": 1, "showPoints": "never"}
    if limit is not None:
        custom["thresholdsStyle"] = {"mode": "line"}
    return Panel(
        type="timeseries",
        title=title,
        description=description,
        grid_pos=GridPos(h=8, w=width),
        datasource=DATASOURCE,
        targets=numbered(targets),
        field_config=FieldConfig(
            FieldDefaults(
                unit=unit, min=0, max=max_value, thresholds=limit or steps(Step("green", None)), custom=custom
            )
        ),
        options={
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    )


def quantiles(title: str, description: str, histogram: str, limit: Thresholds | None = None) -> Panel:
    """p50, p95 and p99 of one histogram over the chosen replicas."""
    targets = [Target(expr=quantile(q, histogram), legend_format=pct(q)) for q in (0.5, 0.95, 0.99)]
    return timeseries(title, description, targets, "s", limit=limit)


def readiness(title: str, description: str, targets: Sequence[Target], width: int) -> Panel:
    up_or_down = {
        "type": "value",
        "options": {
            "0": {"color": "red", "index": 0, "text": "no"},
            "1": {"color": "green", "index": 1, "text": "yes"},
        },
    }
    return Panel(
        type="state-timeline",
        title=title,
        description=description,
        grid_pos=GridPos(h=8, w=width),
        datasource=DATASOURCE,
        targets=numbered(targets),
        field_config=FieldConfig(
            FieldDefaults(
                unit="none",
                color=Color("thresholds"),
                thresholds=steps(Step("red", None), Step("green", 1)),
                mappings=(up_or_down,),
                custom={"fillOpacity": 80, "lineWidth": 0},
            )
        ),
        options={"mergeValues": True, "rowHeight": 0.9, "showValue": "never", "legend": {"showLegend": False}},
    )


def bundle_table(title: str, description: str) -> Panel:
    columns = [
        "instance",
        "bundle",
        "server_version",
        "model_digest",
        "pii_model_digest",
        "prompt_version",
        "policy_version",
    ]
    return Panel(
        type="table",
        title=title,
        description=description,
        grid_pos=GridPos(h=6, w=GRID_COLUMNS),
        datasource=DATASOURCE,
        targets=(
            Target(
                expr=selector("rag_bundle_info", CHOSEN_BUNDLES),
                legend_format="",
                instant=True,
                range=False,
                format="table",
            ),
        ),
        field_config=FieldConfig(FieldDefaults(unit="none")),
        options={"cellHeight": "sm", "showHeader": True},
        transformations=(
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True, "Value": True, "__name__": True, "job": True},
                    "indexByName": {column: index for index, column in enumerate([*columns, "settings_hash"])},
                },
            },
        ),
    )


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


ROWS = (
    Row(
        "At a glance",
        (
            stat(
                "TTFT p99 (SLO 2.5 s)",
                "p99 time to the first answer text, rails included. Red: check queue depth and KV cache below; "
                "add replicas or lower max_in_flight if the queue is long, look at per-stage latency if it is not.",
                quantile(0.99, TTFT),
                "s",
                slo(TTFT_SLO_S),
            ),
            stat(
                "5xx ratio on /v1 (SLO 0.1%)",
                "Share of /v1 responses that were 5xx (503 overload and drain included). Red: read 'Responses by "
                "status' and 'Admission refusals' below; refusals mean add capacity, other 5xx mean read the logs.",
                ERROR_RATIO,
                "percentunit",
                slo(ERROR_RATIO_SLO),
            ),
            stat(
                "Admission queue (deepest replica)",
                "Requests waiting for a slot on the busiest replica; at max_queued (64 by default) new ones get 503. "
                "Orange: the replica is saturated; red: add replicas or shed load.",
                f"max({selector('rag_requests_queued')})",
                "short",
                steps(Step("green", None), Step("orange", 1), Step("red", 48)),
            ),
            stat(
                "KV cache (fullest replica)",
                "KV-cache use on the fullest replica. Near 100% the engine preempts and TPOT climbs: lower "
                "max_in_flight or max_model_len, or add replicas.",
                f"max({selector('vllm:kv_cache_usage_perc')})",
                "percentunit",
                steps(Step("green", None), Step("orange", 0.8), Step("red", 0.95)),
            ),
            stat(
                "Ready replicas",
                "Replicas whose /readyz says ready. Fewer than you deploy: see 'Readiness' below for which one, "
                "and whether its engine is down, it is draining, or it is not scraped at all.",
                f"sum({selector('rag_server_ready')})",
                "none",
                steps(Step("red", None), Step("orange", 1), Step("green", 2)),
                width=4,
            ),
        ),
    ),
    Row(
        "Latency",
        (
            quantiles(
                "Time to first token",
                "Arrival to first answer text, rails included. Rising with the queue: add capacity; rising alone: "
                "see per-stage and guardrail latency.",
                TTFT,
                limit=slo(TTFT_SLO_S),
            ),
            quantiles(
                "Time per output token",
                "Decode speed after the first token. Rising: the batch is too big for the GPU or KV cache is "
                "preempting; lower max_in_flight.",
                TPOT,
            ),
            quantiles(
                "End-to-end latency",
                "Arrival to last byte. Rising with flat TTFT and TPOT: answers got longer (check max_tokens).",
                E2E,
            ),
            timeseries(
                "Pre-generation stages p50 / p95",
                "Time in input rails, retrieval and prompt building. A stage climbing: input_rails means a guard "
                "(see next panel), retrieval means the index or embedder.",
                [
                    Target(expr=quantile(q, "rag_stage_seconds", by="stage"), legend_format=f"{{{{stage}}}} {pct(q)}")
                    for q in (0.5, 0.95)
                ],
                "s",
                width=12,
            ),
            timeseries(
                "Guardrail and grounding latency p95",
                "Time each guard and the groundedness check took. One guard climbing: check its model or disable "
                "it in the guardrails config while you investigate.",
                [
                    Target(
                        expr=quantile(0.95, "rag_guardrail_latency_seconds", by="stage, guard"),
                        legend_format="{{stage}}/{{guard}}",
                    ),
                    Target(expr=quantile(0.95, "rag_grounding_seconds"), legend_format="grounding"),
                ],
                "s",
                width=12,
            ),
        ),
    ),
    Row(
        "Admission and engine",
        (
            timeseries(
                "Admission queue and in flight",
                "Requests waiting for and holding a slot, per replica. Queue growing steadily: add replicas.",
                [
                    Target(expr=selector("rag_requests_queued"), legend_format="{{instance}} queued"),
                    Target(expr=selector("rag_requests_in_flight"), legend_format="{{instance}} in flight"),
                ],
                "short",
            ),
            quantiles(
                "Admission queue wait",
                "Time a request waited for a slot. Near max_queue_wait_s (60 s by default) requests time out "
                "with 503: add replicas.",
                QUEUE_TIME,
            ),
            timeseries(
                "Admission refusals by reason",
                "Requests refused before any work. capacity or queue_timeout: add replicas; shutting_down: a "
                "replica is draining (expected during a deploy); client_gone: clients giving up while queued.",
                [
                    Target(
                        expr=f"sum by (reason) ({rate('rag_admission_rejections_total')})",
                        legend_format="{{reason}}",
                    )
                ],
                "reqps",
            ),
            timeseries(
                "Engine running and waiting",
                "vLLM's running batch and its own waiting queue, per replica. Waiting above zero for long: the "
                "engine, not admission, is the bottleneck; lower max_in_flight.",
                [
                    Target(expr=selector("vllm:num_requests_running"), legend_format="{{instance}} running"),
                    Target(expr=selector("vllm:num_requests_waiting"), legend_format="{{instance}} waiting"),
                ],
                "short",
            ),
            timeseries(
                "KV-cache usage",
                "KV-cache use per replica. Pinned near 100%: the engine preempts; lower max_in_flight or "
                "max_model_len.",
                [Target(expr=selector("vllm:kv_cache_usage_perc"), legend_format="{{instance}}")],
                "percentunit",
                limit=steps(Step("green", None), Step("red", 0.95)),
                max_value=1,
            ),
            timeseries(
                "Prefix-cache hit rate",
                "Prompt tokens found in the prefix cache. A drop after a deploy: the system prompt or prompt "
                "layout changed; expect higher TTFT until it recovers.",
                [
                    Target(
                        expr=f"sum by (instance) ({rate('vllm:prefix_cache_hits_total')})"
                        f" / sum by (instance) ({rate('vllm:prefix_cache_queries_total')})",
                        legend_format="{{instance}}",
                    )
                ],
                "percentunit",
                max_value=1,
            ),
        ),
    ),
    Row(
        "Responses and guardrails",
        (
            timeseries(
                "Responses by status",
                "Request rate on /v1 by HTTP status. 503s: see admission refusals; 500s: read the replica's logs; "
                "4xx surge: a client is misbehaving.",
                [
                    Target(
                        expr=f"sum by (status) ({rate('rag_http_requests_total', API_ROUTES)})",
                        legend_format="{{status}}",
                    )
                ],
                "reqps",
            ),
            timeseries(
                "5xx ratio on /v1",
                "Share of /v1 responses that were 5xx; the red line is the 0.1% SLO. Above it: see the panel to "
                "the left for which status, and admission refusals for why.",
                [Target(expr=ERROR_RATIO, legend_format="5xx ratio")],
                "percentunit",
                limit=slo(ERROR_RATIO_SLO),
            ),
            timeseries(
                "Guardrail decisions",
                "Decisions per second by stage, guard and action. A jump in block or drop after a policy change: "
                "roll the bundle back if users are wrongly refused.",
                [
                    Target(
                        expr=f"sum by (stage, guard, action) ({rate('rag_guardrail_decisions_total')})",
                        legend_format="{{stage}}/{{guard}} {{action}}",
                    )
                ],
                "ops",
            ),
            timeseries(
                "Groundedness verdicts",
                "Answer sentences judged per second, by verdict. unsupported or contradicted rising: check "
                "retrieval (a corpus or index change) and the prompt version of the serving bundle.",
                [
                    Target(
                        expr=f"sum by (support) ({rate('rag_answer_sentences_total')})",
                        legend_format="{{support}}",
                    )
                ],
                "ops",
                width=GRID_COLUMNS // 2,
            ),
            timeseries(
                "Speculative decoding: drafted tokens accepted",
                "Share of prompt-lookup drafts the model accepted. Below ~25% drafting costs more than it saves "
                "(alert RagSpeculationAcceptanceLow): the traffic does not quote its documents; consider "
                "RAG_ENGINE__SPECULATION=off. No line: speculation is off.",
                [
                    Target(
                        expr=f"sum by (instance) ({rate('vllm:spec_decode_num_accepted_tokens_total')})"
                        f" / sum by (instance) ({rate('vllm:spec_decode_num_draft_tokens_total')})",
                        legend_format="{{instance}}",
                    )
                ],
                "percentunit",
                max_value=1,
                width=GRID_COLUMNS // 2,
            ),
        ),
    ),
    Row(
        "Replicas and bundles",
        (
            readiness(
                "Readiness",
                "Per replica: scraped (up), engine warm, and /readyz ready. Scraped but not ready: the engine is "
                "loading or the replica is draining; not scraped: the process or its host is down.",
                [
                    Target(expr=selector("up"), legend_format="{{instance}} scraped"),
                    Target(expr=selector("rag_engine_ready"), legend_format="{{instance}} engine"),
                    Target(expr=selector("rag_server_ready"), legend_format="{{instance}} ready"),
                ],
                width=12,
            ),
            timeseries(
                "Requests by bundle",
                "Request rate on /v1 by the bundle each replica serves. During a rollout both bundles show; one "
                "stuck at zero means its replicas are not ready.",
                [
                    Target(
                        expr=f"sum by (bundle) (sum by (instance) ({rate('rag_http_requests_total', API_ROUTES)})"
                        f"{BUNDLE_JOIN})",
                        legend_format="{{bundle}}",
                    )
                ],
                "reqps",
                width=12,
            ),
            bundle_table(
                "Bundle per replica",
                "What each replica serves now. Replicas that should match but differ: a rollout is stuck or a "
                "replica was started with the wrong bundle; redeploy it.",
            ),
        ),
    ),
)


def layout(rows: Sequence[Row]) -> tuple[Panel, ...]:
    """Each row's header, then its panels left to right, wrapping to a new line when one would pass column 24.
    Ids are 1, 2, 3... in reading order."""
    placed: list[Panel] = []
    y = 0
    for row in rows:
        placed.append(
            Panel(type="row", title=row.title, grid_pos=GridPos(h=1, w=GRID_COLUMNS, y=y), collapsed=False, panels=())
        )
        y += 1
        x = line_height = 0
        for panel in row.panels:
            width, height = panel.grid_pos.w, panel.grid_pos.h
            if x + width > GRID_COLUMNS:
                x, y, line_height = 0, y + line_height, 0
            placed.append(replace(panel, grid_pos=GridPos(h=height, w=width, x=x, y=y)))
            x += width
            line_height = max(line_height, height)
        y += line_height
    return tuple(replace(panel, id=number) for number, panel in enumerate(placed, start=1))


def label_variable(name: str, label: str, series: str) -> Variable:
    query = f"label_values({series}, {name})"
    return Variable(
        name=name,
        label=label,
        type="query",
        query=query,
        definition=query,
        datasource=DATASOURCE,
        current={"selected": True, "text": ["All"], "value": ["$__all"]},
        multi=True,
        include_all=True,
        refresh=2,
        sort=1,
    )


VARIABLES = (
    Variable(
        name="datasource",
        label="Data source",
        type="datasource",
        query="prometheus",
        current={"selected": False, "text": "Prometheus", "value": PROVISIONED_DATASOURCE_UID},
    ),
    label_variable("bundle", "Bundle", "rag_bundle_info"),
    label_variable("instance", "Replica", 'rag_bundle_info{bundle=~"$bundle"}'),
)


def build() -> Dashboard:
    return Dashboard(
        uid="rag-server",
        title="rag-server",
        description="Latency against SLO, admission, engine, guardrails, readiness and bundles of rag-server "
        "replicas. Generated by scripts/build_dashboard.py: edit that, not this JSON.",
        tags=("rag-server", "vllm"),
        schema_version=39,
        version=1,
        editable=True,
        graph_tooltip=1,
        refresh="30s",
        time={"from": "now-1h", "to": "now"},
        timezone="browser",
        templating=Templating(VARIABLES),
        annotations={"list": []},
        links=(),
        panels=layout(ROWS),
    )


def render(dashboard: Dashboard) -> str:
    return json.dumps(msgspec.to_builtins(dashboard), indent=2, ensure_ascii=False) + "\n"


# --- Reading the JSON back (for tests) -----------------------------------------------------------------------------


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


_LABEL_VALUES = re.compile(r"label_values\((?P<series>.+),\s*\w+\)")


def dashboard_expressions(path: Path = DASHBOARD_PATH) -> list[str]:
    """Every PromQL expression in the dashboard at `path`: each panel target's `expr` (rows' nested panels included),
    then each query variable's series selector (`label_values(S, label)` gives `S`, which is PromQL; a query that is
    PromQL already is given as it is). Grafana variables such as `$instance` and `$__rate_interval` stay in."""
    dashboard = json.loads(path.read_text())
    expressions = [
        target["expr"]
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
        if "expr" in target
    ]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"] if isinstance(variable["query"], str) else variable["query"]["query"]
            match = _LABEL_VALUES.fullmatch(query)
            expressions.append(match["series"] if match else query)
    return expressions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from what would be written")
    parser.add_argument("--output", type=Path, default=DASHBOARD_PATH, help="default: %(default)s")
    args = parser.parse_args(argv)
    text = render(build())
    output: Path = args.output
    if args.check:
        if not output.is_file() or output.read_text() != text:
            print(f"{output} is out of date: run `python -m scripts.build_dashboard`", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
