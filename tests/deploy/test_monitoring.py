"""The alerts, recording rules, autoscaler queries and dashboard: every expression is PromQL that Prometheus
parses, every alert has a `promtool test rules` case that makes it fire, and the Kubernetes copy of the rules is
the rules file. (Which metric names they read is checked against a live server in tests/integration.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from scripts import build_prometheus_rule
from tests.deploy.artifacts import (
    RULE_TESTS,
    RULES,
    alert_names,
    all_expressions,
    as_promql,
    metric_names,
    recorded_names,
    tool,
)

PROMETHEUS_CONFIG = RULES.parents[1] / "prometheus.yml"


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("promtool"), *args], check=False, capture_output=True, text=True, timeout=120, cwd=cwd)


def test_the_rules_file_is_valid() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_unit_tests_pass() -> None:
    result = promtool("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_that_makes_it_fire() -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    firing = {
        check["alertname"] for case in cases for check in case.get("alert_rule_test", []) if check.get("exp_alerts")
    }
    assert alert_names() - firing == set()
    assert firing - alert_names() == set(), "a test names an alert that does not exist"


def test_every_alert_says_how_bad_and_what_to_do() -> None:
    rules = yaml.safe_load(RULES.read_text())["groups"]
    for rule in (rule for group in rules for rule in group["rules"] if "alert" in rule):
        assert rule["labels"]["severity"] in {"page", "critical", "warning", "ticket"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]


def test_the_prometheus_config_loads_the_rules() -> None:
    result = promtool("check", "config", str(PROMETHEUS_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_the_kubernetes_prometheus_rule_is_the_rules_file() -> None:
    assert build_prometheus_rule.main(["--check"]) == 0, "run `python -m scripts.build_prometheus_rule`"


def test_every_expression_parses(tmp_path: Path) -> None:
    """promtool has no expression check of its own: each expression becomes a recording rule it parses."""
    rules = [
        {"record": f"check:{source}:{index}", "expr": as_promql(expression)}
        for source, expressions in all_expressions().items()
        for index, expression in enumerate(expressions)
    ]
    path = tmp_path / "expressions.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "expressions", "rules": rules}]}))
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ('sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{le="2.5",x=~"a|b"}[$__rate_interval]))',
         {"vllm:time_to_first_token_seconds_bucket"}),
        ("rag_engine_ready == 0 and on (job, instance) up offset 5m", {"rag_engine_ready", "up"}),
        ('max({__name__="vllm:kv_cache_usage_perc"}) by (pod) > 0.9', {"vllm:kv_cache_usage_perc"}),
        ("histogram_quantile(0.99, sum by (le, stage) (rate(rag_stage_seconds_bucket[5m])))",
         {"rag_stage_seconds_bucket"}),
    ],
)  # fmt: skip
def test_metric_names_are_read_out_of_expressions(expression: str, names: set[str]) -> None:
    assert metric_names(expression) == names


def test_a_regex_name_matcher_is_refused_rather_than_read_as_nothing() -> None:
    with pytest.raises(ValueError, match="__name__"):
        metric_names('sum({__name__=~"vllm:.*"})')


def test_recording_rules_follow_the_naming_convention() -> None:
    """level:metric:operations (Prometheus' recording-rule naming), so the dashboard can tell them from raw series."""
    for name in recorded_names():
        assert all(name.split(":")), name
        assert len(name.split(":")) == 3, name
