"""Every metric name the alerts, the autoscalers and the dashboard read exists on a real server's /metrics, so a
renamed metric cannot silently blind an alert or stall the autoscaler."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.artifacts import all_expressions, metric_names, recorded_names
from tests.integration.conftest import LiveServer

SYNTHETIC = {"up"}
"""Series Prometheus itself writes for every scrape target."""
_SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "info": ("_info",),
    "gauge": ("",),
}


def exposed_names(text: str) -> set[str]:
    """Sample names a scrape of `text` yields, also for families that have no samples yet (a labelled counter
    before its first increment still declares its name and type)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in _SAMPLE_SUFFIXES.get(family.type, ("",)))
    return names


@pytest.fixture(scope="module")
def exposed(live_server: LiveServer) -> set[str]:
    # One answer first, so histograms and per-request counters have been touched on the way.
    httpx.post(
        f"{live_server.base_url}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 4},
        timeout=120,
    ).raise_for_status()
    return exposed_names(httpx.get(f"{live_server.base_url}/metrics").text)


@pytest.mark.parametrize("source", ["rules", "autoscaler", "dashboard"])
def test_every_metric_read_exists_on_a_live_server(exposed: set[str], source: str) -> None:
    per_expression = {expression: metric_names(expression) for expression in all_expressions()[source]}
    assert all(per_expression.values()), "an expression from which no metric name was read"
    read = set().union(*per_expression.values())
    missing = read - exposed - recorded_names() - SYNTHETIC
    assert missing == set(), f"the {source} read metrics this server does not expose"


def test_the_engine_signals_the_autoscaler_needs_are_there(exposed: set[str]) -> None:
    assert {"vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "rag_requests_queued"} <= exposed


def test_the_ttft_slo_boundary_is_a_bucket(live_server: LiveServer) -> None:
    """The TTFT SLO reads the le="2.5" bucket: if the histogram's buckets change, the SLO must change with them."""
    text = httpx.get(f"{live_server.base_url}/metrics").text
    buckets = [line for line in text.splitlines() if line.startswith("vllm:time_to_first_token_seconds_bucket{")]
    assert any('le="2.5"' in line for line in buckets)
