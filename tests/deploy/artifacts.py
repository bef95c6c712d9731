"""What `make deploy-check` checks, gathered in one place: the rendered Kubernetes variants, and every PromQL
expression the rules, the autoscalers and the dashboard run, with the metric names each one reads."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from scripts.build_dashboard import dashboard_expressions

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "docker" / "kubernetes"
OVERLAYS = sorted(path.name for path in (KUBERNETES / "overlays").iterdir() if path.is_dir())
RULES = ROOT / "docker" / "prometheus" / "rules" / "rag-server.rules.yml"
RULE_TESTS = RULES.with_name("rag-server.rules.test.yml")
ADAPTER_VALUES = KUBERNETES / "components" / "hpa" / "prometheus-adapter-values.yaml"

Manifest = dict[str, Any]


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: `make deploy-check` installs what it needs (kubectl comes with these machines)"
    return path


@cache
def render(overlay: str) -> tuple[Manifest, ...]:
    """The manifests `kubectl kustomize` renders for an overlay, offline."""
    output = subprocess.run(
        [tool("kubectl"), "kustomize", str(KUBERNETES / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return tuple(document for document in yaml.safe_load_all(output) if document)


def of_kind(manifests: tuple[Manifest, ...], kind: str) -> list[Manifest]:
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def one(manifests: tuple[Manifest, ...], kind: str) -> Manifest:
    found = of_kind(manifests, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


# --- PromQL --------------------------------------------------------------------------------------------------------


def rule_groups() -> list[dict[str, Any]]:
    return list(yaml.safe_load(RULES.read_text())["groups"])


def rule_expressions() -> list[str]:
    return [rule["expr"] for group in rule_groups() for rule in group["rules"]]


def recorded_names() -> set[str]:
    return {rule["record"] for group in rule_groups() for rule in group["rules"] if "record" in rule}


def alert_names() -> set[str]:
    return {rule["alert"] for group in rule_groups() for rule in group["rules"] if "alert" in rule}


def adapter_rules() -> list[dict[str, Any]]:
    """Prometheus Adapter's custom-metric rules, from its Helm values."""
    return list(yaml.safe_load(ADAPTER_VALUES.read_text())["rules"]["custom"])


def autoscaler_expressions() -> list[str]:
    """The KEDA triggers' queries of every overlay, and Prometheus Adapter's metrics queries."""
    queries = {
        trigger["metadata"]["query"]
        for overlay in OVERLAYS
        for scaled in of_kind(render(overlay), "ScaledObject")
        for trigger in scaled["spec"]["triggers"]
        if trigger["type"] == "prometheus"
    }
    adapter = adapter_rules()
    for rule in adapter:
        queries.add(rule["seriesQuery"])
        queries.add(
            rule["metricsQuery"]
            .replace("<<.Series>>", rule["name"]["matches"].strip("^$"))
            .replace("<<.LabelMatchers>>", 'namespace="rag-server",pod=~"rag-server-.*"')
            .replace("<<.GroupBy>>", "pod")
        )
    return sorted(queries)


def all_expressions() -> dict[str, list[str]]:
    return {"rules": rule_expressions(), "autoscaler": autoscaler_expressions(), "dashboard": dashboard_expressions()}


_GRAFANA_VARIABLE = re.compile(r"\$\{?(\w+)\}?")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_NAME_MATCHER = re.compile(r'__name__\s*=\s*"([^"]+)"')
_LABEL_LIST = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])\s*(\()?")
_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}
_KEYWORDS |= {"inf", "nan", "Inf", "NaN", "le"}


def as_promql(expression: str) -> str:
    """A Grafana expression made plain PromQL: `$__rate_interval` becomes 5m, other variables match anything."""
    return _GRAFANA_VARIABLE.sub(lambda match: "5m" if match[1] == "__rate_interval" else ".*", expression)


def metric_names(expression: str) -> set[str]:
    """The metric names an expression selects: identifiers that are neither functions, keywords, label names nor
    durations; and `__name__="..."` matchers."""
    plain = as_promql(expression)
    if re.search(r"__name__\s*(=~|!=|!~)", plain):
        raise ValueError(f"a __name__ matcher other than = hides which metrics are read: {expression}")
    names = set(_NAME_MATCHER.findall(plain))
    plain = _STRING.sub('""', plain)
    plain = re.sub(r"\{[^}]*\}", " ", plain)  # label matchers
    plain = re.sub(r"\[[^\]]*\]", " ", plain)  # ranges and subqueries
    plain = _LABEL_LIST.sub(" ", plain)
    plain = re.sub(r"\boffset\s+\w+", " ", plain)
    for match in _IDENTIFIER.finditer(plain):
        name, call = match[1], match[2]
        if call or name in _KEYWORDS:
            continue
        names.add(name)
    return names
