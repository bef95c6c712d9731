"""Two real replicas in network namespaces of their own behind HAProxy, started once for the failover suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.failover.cluster import OUTPUT, LoadBalancer, Replica
from tests.support import REPO, free_port


def _needs(condition: bool, what: str) -> None:
    if not condition:  # `make test` provides both; a bare `pytest` elsewhere says what is missing
        pytest.fail(f"the failover suite needs {what} (`make failover` installs and runs it)")


@pytest.fixture(scope="session")
def cluster() -> Iterator[tuple[LoadBalancer, list[Replica]]]:
    _needs(os.geteuid() == 0, "root, for network namespaces")
    _needs(shutil.which("haproxy") is not None, "HAProxy")
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    seed = OUTPUT / "index-seed"  # one ingest; each replica serves its own copy (the embedded index is one writer's)
    ingest = Path(sys.executable).with_name("rag-ingest")
    env = os.environ | {"RAG_RETRIEVAL__INDEX_DIR": str(seed)}
    done = subprocess.run([str(ingest), str(REPO / "data" / "it"), "--json"], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    replicas = []
    for index in (1, 2):
        shutil.copytree(seed, OUTPUT / f"index-{index}")
        replicas.append(Replica(index, OUTPUT / f"index-{index}"))
    balancer = LoadBalancer(replicas, port=free_port(), stats_port=free_port())
    try:
        for replica in replicas:
            replica.create_network()
            replica.start()
        with ThreadPoolExecutor(len(replicas)) as pool:
            list(pool.map(lambda replica: replica.wait_ready(), replicas))
        balancer.start()
        for replica in replicas:
            balancer.wait_state(replica, "UP", timeout_s=10)
        yield balancer, replicas
    finally:
        balancer.stop()
        for replica in replicas:
            if replica.process is not None and replica.process.poll() is None:
                replica.kill()
            replica.delete_network()
