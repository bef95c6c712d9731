"""The files that run the server on more than one machine agree with each other and with the server: every
replica is balanced, scraped and stopped gracefully; the images are non-root, checked on /readyz and pin this
version. (The failover suite runs `docker/haproxy/haproxy.cfg` itself.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from rag_server.settings import ServerSettings

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DOCKER / "compose.yaml").read_text()))


def replicas() -> dict[str, dict[str, Any]]:
    return {name: service for name, service in compose()["services"].items() if name.startswith("replica-")}


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, duration
    return float(match.group(1))


def test_every_replica_drains_before_it_is_killed_and_is_checked_on_readiness() -> None:
    assert len(replicas()) >= 2
    for name, service in replicas().items():
        drain_s = float(service["environment"].get("RAG_SERVER__DRAIN_TIMEOUT_S", ServerSettings().drain_timeout_s))
        assert seconds(service["stop_grace_period"]) >= drain_s + 15, name
        assert "/readyz" in " ".join(service["healthcheck"]["test"]), name
        assert any(volume.endswith(":/var/lib/rag") for volume in service["volumes"]), f"{name} keeps its own index"


def test_haproxy_balances_and_prometheus_scrapes_every_replica() -> None:
    services = compose()["services"]
    balanced = {
        value.split(":")[0]
        for key, value in services["haproxy"]["environment"].items()
        if key.startswith("RAG_REPLICA_")
    }
    assert balanced == set(replicas())
    config = (DOCKER / "haproxy" / "haproxy.cfg").read_text()
    for key in services["haproxy"]["environment"]:
        assert f"${{{key}}}" in config, f"haproxy.cfg uses {key}"
    scrape = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
    targets = {
        target for job in scrape["scrape_configs"] for config_ in job["static_configs"] for target in config_["targets"]
    }
    assert {f"{name}:8000" for name in replicas()} | {"haproxy:8404"} <= targets


@pytest.mark.parametrize("dockerfile", ["Dockerfile.cpu", "Dockerfile.cuda"])
def test_images_run_as_a_user_with_a_readiness_check_a_signal_forwarding_init_and_this_version(dockerfile: str) -> None:
    text = (DOCKER / dockerfile).read_text()
    version = tomllib.loads((DOCKER.parent / "pyproject.toml").read_text())["project"]["version"]
    assert re.search(rf"guarded-rag(\[\w+\])?=={re.escape(version)}\b", text), "the image installs this version"
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users
    assert all(not user.startswith(("0", "root")) for user in users)
    assert re.search(r"^HEALTHCHECK .*\n?.*/readyz", text, re.MULTILINE)
    assert 'ENTRYPOINT ["dumb-init", "--single-child", "--"]' in text
    assert ":latest" not in text


def test_the_load_balancers_runtime_api_is_published_on_loopback_only() -> None:
    haproxy = compose()["services"]["haproxy"]
    admin = haproxy["environment"]["HAPROXY_SOCKET"].rsplit(":", 1)[-1]
    published = [port for port in haproxy["ports"] if port.endswith(f":{admin}")]
    assert published
    assert all(port.startswith("127.0.0.1:") for port in published), "level admin, no authentication"
