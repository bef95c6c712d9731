"""The committed Grafana dashboard is what scripts/build_dashboard.py writes, lays out on Grafana's 24-column grid
without overlap, reads the datasource the compose file provisions, and follows the chosen replicas and the scrape
interval in every query."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import yaml

from scripts.build_dashboard import DASHBOARD_PATH, build, dashboard_expressions, main, render

PROVISIONED_DATASOURCES = Path(__file__).resolve().parents[2] / "docker/grafana/provisioning/datasources"


def dashboard() -> dict[str, Any]:
    return dict(json.loads(DASHBOARD_PATH.read_text()))


def panels() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for panel in dashboard()["panels"]:
        found += [panel, *panel.get("panels", [])]
    return found


def test_committed_dashboard_is_what_the_script_writes() -> None:
    assert DASHBOARD_PATH.read_text() == render(build()), "run `python -m scripts.build_dashboard`"
    assert main(["--check"]) == 0


def test_check_fails_on_a_stale_file_and_passes_once_rewritten(tmp_path: Path) -> None:
    stale = tmp_path / "rag-server.json"
    stale.write_text(DASHBOARD_PATH.read_text().replace('"rag-server"', '"renamed"', 1))
    assert main(["--check", "--output", str(stale)]) == 1
    assert main(["--output", str(stale)]) == 0
    assert main(["--check", "--output", str(stale)]) == 0


def test_dashboard_identity_matches_what_grafana_provisions() -> None:
    board = dashboard()
    assert (board["uid"], board["title"], board["schemaVersion"]) == ("rag-server", "rag-server", 39)
    provisioned = yaml.safe_load((PROVISIONED_DATASOURCES / "prometheus.yaml").read_text())["datasources"]
    uids = {source["uid"] for source in provisioned if source["type"] == "prometheus"}
    variable = next(v for v in board["templating"]["list"] if v["name"] == "datasource")
    assert variable["type"] == "datasource"
    assert variable["current"]["value"] in uids
    for panel in panels():
        for holder in [panel, *panel.get("targets", [])]:
            if "datasource" in holder:
                assert holder["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]


def test_every_panel_has_a_title_and_unique_id_and_fits_the_grid_without_overlap() -> None:
    every = panels()
    assert all(panel["title"].strip() for panel in every)
    ids = [panel["id"] for panel in every]
    assert len(ids) == len(set(ids))
    for panel in every:
        grid = panel["gridPos"]
        assert min(grid["x"], grid["y"]) >= 0, panel["title"]
        assert min(grid["w"], grid["h"]) >= 1, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
    for first, second in itertools.combinations(every, 2):
        a, b = first["gridPos"], second["gridPos"]
        apart = (
            a["x"] + a["w"] <= b["x"]
            or b["x"] + b["w"] <= a["x"]
            or a["y"] + a["h"] <= b["y"]
            or b["y"] + b["h"] <= a["y"]
        )
        assert apart, f"{first['title']!r} overlaps {second['title']!r}"


def test_every_graph_says_what_it_measures_and_what_to_do() -> None:
    for panel in panels():
        if panel["type"] != "row":
            assert panel["description"], panel["title"]
            assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]
            assert panel["targets"], panel["title"]


def test_top_row_is_stats_with_slo_thresholds() -> None:
    board = dashboard()["panels"]
    assert board[0]["type"] == "row"
    top = list(itertools.takewhile(lambda panel: panel["type"] != "row", board[1:]))
    assert {panel["type"] for panel in top} == {"stat"}
    by_title = {panel["title"]: panel for panel in top}
    ttft = by_title["TTFT p99 (SLO 2.5 s)"]["fieldConfig"]["defaults"]
    assert ttft["unit"] == "s"
    assert ttft["thresholds"]["steps"][-1] == {"color": "red", "value": 2.5}
    errors = by_title["5xx ratio on /v1 (SLO 0.1%)"]["fieldConfig"]["defaults"]
    assert errors["unit"] == "percentunit"
    assert errors["thresholds"]["steps"][-1] == {"color": "red", "value": 0.001}


def test_every_range_is_the_rate_interval() -> None:
    expressions = dashboard_expressions()
    assert any("rate(" in expr for expr in expressions)
    for expr in expressions:
        assert set(re.findall(r"\[([^\]]*)\]", expr)) <= {"$__rate_interval"}, expr
        assert expr.count("rate(") == expr.count("[$__rate_interval]"), expr


def test_every_panel_query_follows_the_chosen_replicas() -> None:
    metric = re.compile(r"(?<![\w:$])(?:vllm:|rag_)[\w:]+|(?<![\w:$])up(?![\w:])")
    for panel in panels():
        for target in panel.get("targets", []):
            expr = target["expr"]
            for found in metric.finditer(expr):
                matchers = expr[found.end() :]
                assert matchers.startswith("{"), expr
                assert 'instance=~"$instance"' in matchers.split("}")[0], expr


def test_expressions_include_the_template_variable_queries_as_promql() -> None:
    expressions = dashboard_expressions(DASHBOARD_PATH)
    targets = sum(len(panel.get("targets", [])) for panel in panels())
    variables = [v for v in dashboard()["templating"]["list"] if v["type"] == "query"]
    assert len(expressions) == targets + len(variables)
    assert expressions[targets:] == ["rag_bundle_info", 'rag_bundle_info{bundle=~"$bundle"}']
