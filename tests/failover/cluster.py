"""A small cluster on one machine for the failover tests: `rag-server` replicas, each in a network namespace of its
own (an address of its own, a link that can be cut), HAProxy in front with `docker/haproxy/haproxy.cfg`, its runtime
API, and a bounded closed-loop load generator that classifies every answer."""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import MODEL, REPO, TEST_OUTPUT

OUTPUT = TEST_OUTPUT / "failover"
HAPROXY_CONFIG = REPO / "docker" / "haproxy" / "haproxy.cfg"
PORT = 8000
QUESTION = "How do I connect to the VPN?"


def sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


@dataclass
class Replica:
    """One `rag-server` in namespace `netns`, reachable at `address`:8000 over a veth pair from the host."""

    index: int
    index_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return f"replica-{self.index}"

    @property
    def netns(self) -> str:
        return f"ragfo-{self.index}"

    @property
    def host_link(self) -> str:
        return f"ragfo-{self.index}h"

    @property
    def address(self) -> str:
        return f"10.77.{self.index}.2"

    @property
    def url(self) -> str:
        return f"http://{self.address}:{PORT}"

    def create_network(self) -> None:
        self.delete_network()
        inner = f"ragfo-{self.index}r"
        sh("ip", "netns", "add", self.netns)
        sh("ip", "link", "add", self.host_link, "type", "veth", "peer", "name", inner)
        sh("ip", "link", "set", inner, "netns", self.netns)
        sh("ip", "addr", "add", f"10.77.{self.index}.1/30", "dev", self.host_link)
        sh("ip", "link", "set", self.host_link, "up")
        inside = ("ip", "netns", "exec", self.netns)
        sh(*inside, "ip", "addr", "add", f"{self.address}/30", "dev", inner)
        sh(*inside, "ip", "link", "set", inner, "up")
        sh(*inside, "ip", "link", "set", "lo", "up")  # the engine's workers talk over loopback

    def delete_network(self) -> None:
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True, check=False)

    def set_link(self, *, up: bool) -> None:
        sh("ip", "link", "set", self.host_link, "up" if up else "down")

    def start(self, **settings: str) -> None:
        env = os.environ | {
            "RAG_RETRIEVAL__INDEX_DIR": str(self.index_dir),
            "RAG_ENGINE__MODEL": str(MODEL),
            "RAG_ENGINE__ENFORCE_EAGER": "true",
            "RAG_ENGINE__CPU_KV_CACHE_GIB": "1",
            "RAG_ENGINE__MAX_NUM_SEQS": "8",
            "RAG_SERVER__HOST": self.address,
            "RAG_SERVER__PORT": str(PORT),
            "RAG_SERVER__DRAIN_TIMEOUT_S": "30",
            **settings,
        }
        server = str(Path(sys.executable).with_name("rag-server"))
        with (OUTPUT / f"{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", self.netns, server],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes the engine with it, as a crash would
            )

    def wait_ready(self, timeout_s: float = 600) -> None:
        """Until /readyz answers 200. A replica restarting beside a loaded one on 2 cores took 81-242 s here (vLLM's
        engine core busy-waits on its worker and starves it; docs/operations.md): the suite asserts that no request
        fails meanwhile and records the time, it does not race it."""
        deadline = time.monotonic() + timeout_s
        while True:
            assert self.process is not None
            assert self.process.poll() is None, f"{self.name} exited; see {OUTPUT / self.name}.log"
            assert time.monotonic() < deadline, f"{self.name} did not become ready"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self) -> int:
        """SIGTERM, as an orchestrator stops a replica; the exit status once it has drained."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=120)

    def bundle(self) -> str:
        return str(httpx.get(f"{self.url}/readyz", timeout=5).json()["bundle"])


@dataclass
class LoadBalancer:
    replicas: list[Replica]
    port: int
    stats_port: int
    socket_path: Path = field(default_factory=lambda: OUTPUT / "haproxy.sock")
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = os.environ | {
            "HAPROXY_BIND": f"127.0.0.1:{self.port}",
            "HAPROXY_STATS_BIND": f"127.0.0.1:{self.stats_port}",
            "HAPROXY_SOCKET": str(self.socket_path),
        }
        env |= {f"RAG_REPLICA_{replica.index}": f"{replica.address}:{PORT}" for replica in self.replicas}
        with (OUTPUT / "haproxy.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(HAPROXY_CONFIG)], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 10
        while not self.socket_path.exists():
            assert self.process.poll() is None, f"haproxy exited; see {OUTPUT / 'haproxy.log'}"
            assert time.monotonic() < deadline, "haproxy did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def command(self, line: str) -> str:
        """One runtime API command; its answer."""
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(self.socket_path))
            conn.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def _replica_rows(self) -> list[dict[str, str]]:
        """`show stat`'s row for each replica."""
        rows = csv.DictReader(io.StringIO(self.command("show stat").lstrip("# ")))
        return [row for row in rows if row["pxname"] == "replicas" and row["svname"] != "BACKEND"]

    def states(self) -> dict[str, str]:
        """Each replica's check state: UP, DOWN, MAINT, NOLB (draining) ..."""
        return {row["svname"]: row["status"] for row in self._replica_rows()}

    def set_weight(self, replica: Replica, weight: int) -> None:
        answer = self.command(f"set server replicas/{replica.name} weight {weight}")
        assert answer.strip() == "", answer

    def weights(self) -> dict[str, str]:
        """Each replica's check state and effective weight, as `show stat` reports them."""
        return {row["svname"]: f"{row['status']} w={row['weight']}" for row in self._replica_rows()}

    def wait_state(self, replica: Replica, wanted: str, timeout_s: float) -> float:
        """Seconds until HAProxy's check state of `replica` starts with `wanted`."""
        began = time.monotonic()
        while not self.states()[replica.name].startswith(wanted):
            assert time.monotonic() - began < timeout_s, f"{replica.name} not {wanted}: {self.states()}"
            time.sleep(0.02)
        return time.monotonic() - began


@dataclass(frozen=True)
class Answer:
    started: float
    ended: float
    outcome: str
    """ok, in_band_error, truncated, http_NNN or transport."""
    served_by: str
    bundle: str
    streamed: bool
    """At least one chunk of the answer reached the client."""


def ask(url: str, max_tokens: int, timeout_s: float) -> Answer:
    started = time.monotonic()
    served_by = bundle = ""
    streamed = False
    lines: list[str] = []
    body = {"messages": [{"role": "user", "content": QUESTION}], "stream": True, "max_tokens": max_tokens}
    try:
        with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=timeout_s) as response:
            served_by = response.headers.get("X-Served-By", "")
            bundle = response.headers.get("X-Bundle-ID", "")
            if response.status_code != 200:
                response.read()
                return Answer(started, time.monotonic(), f"http_{response.status_code}", served_by, bundle, False)
            for line in response.iter_lines():
                if line:
                    lines.append(line)
                    streamed = True
    except httpx.TransportError:
        outcome = "truncated" if streamed else "transport"
        return Answer(started, time.monotonic(), outcome, served_by, bundle, streamed)
    if not lines or lines[-1] != "data: [DONE]":
        outcome = "truncated"
    elif any(line.startswith('data: {"error"') for line in lines):
        outcome = "in_band_error"
    else:
        outcome = "ok"
    return Answer(started, time.monotonic(), outcome, served_by, bundle, streamed)


class Load:
    """`workers` clients asking back to back through the load balancer until stopped."""

    def __init__(self, url: str, workers: int, max_tokens: int = 16, timeout_s: float = 120) -> None:
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._work, args=(url, max_tokens, timeout_s), daemon=True) for _ in range(workers)
        ]

    def _work(self, url: str, max_tokens: int, timeout_s: float) -> None:
        while not self._stop.is_set():
            answer = ask(url, max_tokens, timeout_s)
            with self._lock:
                self.answers.append(answer)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def wait_for(self, wanted: Callable[[Answer], bool], timeout_s: float) -> bool:
        """Until an answer that `wanted` accepts has finished (False after `timeout_s`): on two busy cores an
        answer can take longer than a phase of load, so a test waits for the event, not for a fixed time."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if any(wanted(answer) for answer in self.answers):
                    return True
            time.sleep(0.2)
        return False

    def failures(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.outcome != "ok"]

    def summary(self) -> dict[str, object]:
        seconds = sorted(answer.ended - answer.started for answer in self.answers if answer.outcome == "ok")
        return {
            "answers": len(self.answers),
            "outcomes": dict(Counter(answer.outcome for answer in self.answers)),
            "served_by": dict(Counter(answer.served_by for answer in self.answers)),
            "answer_s_p50": round(seconds[len(seconds) // 2], 2) if seconds else None,
            "answer_s_max": round(seconds[-1], 2) if seconds else None,
        }
