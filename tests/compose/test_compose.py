"""docker/compose.yaml as an operator runs it (`make image-test`, after `make image compose-images`): two replicas,
each indexing the documents it mounts, behind HAProxy, scraped by Prometheus. Answers come through the load
balancer from both replicas with one bundle id; Prometheus sees every target; the runtime API moves traffic;
stopping the replicas drains them to exit 0. Grafana is left out: its image has no Debian stand-in here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.failover.cluster import Answer, ask
from tests.support import REPO, free_port

pytestmark = [pytest.mark.compose, pytest.mark.timeout(1200)]

COMPOSE_FILE = REPO / "docker" / "compose.yaml"
SERVICES = ("replica-1", "replica-2", "haproxy", "prometheus")
REPLICAS = ("replica-1", "replica-2")


@dataclass(frozen=True)
class Stack:
    project: str
    lb_url: str
    prometheus_url: str
    admin_port: int
    env: dict[str, str]
    """The compose file's variables: host ports, images, eager engines."""

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(Path(sys.executable).with_name("podman-compose")), "-p", self.project, "-f", str(COMPOSE_FILE)]
        done = subprocess.run([*command, *args], capture_output=True, text=True, check=False, env=self.env)
        assert done.returncode == 0 or not check, done.stderr[-3000:]
        return done

    def container(self, service: str) -> str:
        return f"{self.project}_{service}_1"

    def runtime_api(self, line: str) -> str:
        with socket.create_connection(("127.0.0.1", self.admin_port), timeout=5) as conn:
            conn.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def replica_states(self) -> dict[str, str]:
        """HAProxy's operational state of each replica (2 is up), from `show servers state`."""
        try:
            table = self.runtime_api("show servers state replicas")
        except OSError:
            return {}
        rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
        return {row[3]: row[5] for row in rows}

    def prometheus(self, query: str) -> list[dict[str, object]]:
        answer = httpx.get(f"{self.prometheus_url}/api/v1/query", params={"query": query}, timeout=5).json()
        assert answer["status"] == "success", answer
        return list(answer["data"]["result"])


def wait_for(what: str, condition: Callable[[], bool], timeout_s: float, stack: Stack) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            logs = {s: stack.compose("logs", "--tail", "40", s, check=False).stdout[-2500:] for s in SERVICES}
            pytest.fail(f"{what} within {timeout_s:.0f} s; logs: {logs}")
        time.sleep(1)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    ports = {name: free_port() for name in ("LB_PORT", "LB_STATS_PORT", "LB_ADMIN_PORT", "PROMETHEUS_PORT")}
    stack = Stack(
        project=f"ragcompose{os.getpid()}",
        lb_url=f"http://127.0.0.1:{ports['LB_PORT']}",
        prometheus_url=f"http://127.0.0.1:{ports['PROMETHEUS_PORT']}",
        admin_port=ports["LB_ADMIN_PORT"],
        env={
            **os.environ,
            **{name: str(port) for name, port in ports.items()},
            "ENFORCE_EAGER": "true",
            "REPLICA_IMAGE": os.environ.get("RAG_IMAGE", "localhost/rag-server:cpu"),
        },
    )
    stack.compose("up", "-d", *SERVICES)
    try:
        wait_for(
            "both replicas up in HAProxy",
            lambda: list(stack.replica_states().values()) == ["2", "2"],
            600,
            stack,
        )
        yield stack
    finally:
        stack.compose("down", "-v", "-t", "5", check=False)


def answers(stack: Stack, count: int, parallel: int = 2) -> list[Answer]:
    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(lambda _: ask(stack.lb_url, 16, 120), range(count)))


def test_answers_come_through_the_load_balancer_from_both_replicas_with_one_bundle(stack: Stack) -> None:
    served = answers(stack, 8)
    assert [answer.outcome for answer in served] == ["ok"] * 8
    assert {answer.served_by for answer in served} == set(REPLICAS)
    bundles = {answer.bundle for answer in served}
    assert len(bundles) == 1
    assert next(iter(bundles)).startswith("b-")


def test_prometheus_scrapes_every_replica_and_the_load_balancer(stack: Stack) -> None:
    def all_up() -> bool:
        up = {(str(r["metric"]["job"]), str(r["metric"]["instance"])): r["value"][1] for r in stack.prometheus("up")}  # type: ignore[index]
        wanted = {("rag-server", f"{replica}:8000") for replica in REPLICAS} | {("haproxy", "haproxy:8404")}
        return set(up) == wanted and set(up.values()) == {"1"}

    wait_for("every target scraped and up", all_up, 60, stack)
    bundles = stack.prometheus("rag_bundle_info")
    assert {str(series["metric"]["instance"]) for series in bundles} == {f"{r}:8000" for r in REPLICAS}  # type: ignore[index]
    active = stack.prometheus('haproxy_backend_active_servers{proxy="replicas"}')
    assert [series["value"][1] for series in active] == ["2"]  # type: ignore[index]


def test_prometheus_evaluates_the_rules_on_the_replicas_series(stack: Stack) -> None:
    """The alert rules loaded and their recording rules produce series from the live replicas; nothing fires."""
    groups = httpx.get(f"{stack.prometheus_url}/api/v1/rules", timeout=5).json()["data"]["groups"]
    assert {group["name"] for group in groups} == {"rag-server.slo.recording", "rag-server.slo.alerts"}
    assert [rule["name"] for group in groups for rule in group["rules"] if rule["health"] == "err"] == []
    wait_for(
        "the waiting-work recording rule over both replicas",
        lambda: len(stack.prometheus("instance:rag_requests_waiting:sum")) == len(REPLICAS),
        60,
        stack,
    )
    firing = httpx.get(f"{stack.prometheus_url}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    assert [alert["labels"]["alertname"] for alert in firing if alert["state"] == "firing"] == []


def test_the_runtime_api_moves_traffic_off_a_replica_and_back(stack: Stack) -> None:
    assert stack.runtime_api("set server replicas/replica-1 weight 0").strip() == ""
    try:
        moved = answers(stack, 6)
        assert [answer.outcome for answer in moved] == ["ok"] * 6
        assert {answer.served_by for answer in moved} == {"replica-2"}
    finally:
        assert stack.runtime_api("set server replicas/replica-1 weight 100").strip() == ""


def stop(stack: Stack, replica: str) -> str:
    """`podman stop` as compose would (SIGTERM, SIGKILL after the grace period); the container's exit code."""
    subprocess.run(["podman", "stop", "--time", "90", stack.container(replica)], check=True, capture_output=True)
    return subprocess.run(
        ["podman", "inspect", "--format", "{{.State.ExitCode}}", stack.container(replica)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def test_a_stopped_replica_drains_to_a_clean_exit_while_the_other_serves(stack: Stack) -> None:
    with ThreadPoolExecutor(1) as pool:
        during = pool.submit(answers, stack, 8, 2)
        assert stop(stack, "replica-1") == "0"
        served = during.result()
    assert [answer.outcome for answer in served] == ["ok"] * 8, "no answer lost while replica-1 drained"
    assert stop(stack, "replica-2") == "0"
