"""Writes the Kubernetes PrometheusRule (docker/kubernetes/components/monitoring/prometheusrule.yaml) from the plain
rules file Prometheus loads (docker/prometheus/rules/rag-server.rules.yml), so the alerts exist in one place.

    python -m scripts.build_prometheus_rule           # rewrite after editing the rules file
    python -m scripts.build_prometheus_rule --check   # exit 1 if the committed PrometheusRule is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
RULES_PATH = ROOT / "docker" / "prometheus" / "rules" / "rag-server.rules.yml"
PROMETHEUS_RULE_PATH = ROOT / "docker" / "kubernetes" / "components" / "monitoring" / "prometheusrule.yaml"
HEADER = (
    "# Generated from docker/prometheus/rules/rag-server.rules.yml by scripts/build_prometheus_rule.py: edit that.\n"
)


class _Literal(str):
    """A string YAML writes as a `|` block: multi-line expressions stay readable."""


def _literal_block(dumper: yaml.SafeDumper, text: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal_block)


def _blocks(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _blocks(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_blocks(item) for item in value]
    if isinstance(value, str) and "\n" in value:
        return _Literal(value)
    return value


def prometheus_rule(rules_text: str) -> str:
    """The PrometheusRule manifest holding the rule groups of `rules_text` unchanged."""
    groups = yaml.safe_load(rules_text)["groups"]
    manifest = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "rag-server"},
        "spec": {"groups": groups},
    }
    return HEADER + yaml.dump(_blocks(manifest), Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from what would be written")
    args = parser.parse_args(argv)
    text = prometheus_rule(RULES_PATH.read_text())
    if args.check:
        if not PROMETHEUS_RULE_PATH.is_file() or PROMETHEUS_RULE_PATH.read_text() != text:
            print(
                f"{PROMETHEUS_RULE_PATH} is out of date: run `python -m scripts.build_prometheus_rule`", file=sys.stderr
            )
            return 1
        return 0
    PROMETHEUS_RULE_PATH.write_text(text)
    print(f"wrote {PROMETHEUS_RULE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
