"""The CPU image as an operator runs it (`make image-test`, after `make image`): it ingests mounted documents,
becomes ready, streams an answer to the openai SDK as a non-root user, and `podman stop` drains it: the signal
reaches the server through the image's PID 1, the running answer finishes, the container exits 0."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import threading
import time

import httpx
import openai
import pytest

from tests.support import MODEL, REPO, free_port

pytestmark = [pytest.mark.image, pytest.mark.timeout(900)]

IMAGE = os.environ.get("RAG_IMAGE", "localhost/rag-server:cpu")


def podman(*args: str) -> str:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_image_serves_streams_and_drains_on_stop() -> None:
    image = json.loads(podman("image", "inspect", IMAGE))[0]
    assert image["Config"]["User"] == "10001:10001"
    healthcheck = image.get("Healthcheck") or image["Config"]["Healthcheck"]  # podman keeps it at the top
    assert "/readyz" in " ".join(healthcheck["Test"])
    port = free_port()
    # Limits this machine's sandbox lets runc set (podman's defaults, even `--ulimit host`, exceed them). No
    # systemd here to time the image's HEALTHCHECK; the test polls /readyz itself.
    nofile = min(16384, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    nproc = min(8192, resource.getrlimit(resource.RLIMIT_NPROC)[1])
    container = podman(
        "run", "-d", "--network", "host", "--no-healthcheck", "--shm-size=1g",
        f"--ulimit=nofile={nofile}:{nofile}", f"--ulimit=nproc={nproc}:{nproc}",
        "-e", f"RAG_SERVER__PORT={port}", "-e", "RAG_SERVER__HOST=127.0.0.1",
        "-e", "RAG_ENGINE__ENFORCE_EAGER=true", "-e", "RAG_ENGINE__CPU_KV_CACHE_GIB=1",
        "-v", f"{MODEL}:/models/{MODEL.name}:ro", "-v", f"{REPO / 'data' / 'it'}:/srv/documents:ro",
        IMAGE, "sh", "-c", "rag-ingest /srv/documents && exec rag-server",
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 400
        while True:
            state = podman("inspect", "--format", "{{.State.Status}}", container)
            assert state == "running", subprocess.run(
                ["podman", "logs", container], check=False, capture_output=True, text=True
            ).stderr[-3000:]
            assert time.monotonic() < deadline, "the container did not become ready"
            try:
                if httpx.get(f"{base_url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        sdk = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
        stream = sdk.chat.completions.create(
            model=MODEL.name,
            messages=[{"role": "user", "content": "How do I connect to the VPN?"}],
            stream=True,
            max_tokens=48,
            extra_body={"ignore_eos": True},
        )
        stopping = threading.Thread(target=lambda: podman("stop", "--time", "90", container))
        text, finish, sources = "", None, []
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
                if stopping.ident is None:
                    stopping.start()  # SIGTERM mid-answer
            if chunk.choices and chunk.choices[0].finish_reason:
                finish = chunk.choices[0].finish_reason
                sources = (chunk.model_extra or {}).get("sources", [])
        stopping.join(timeout=120)
        assert finish == "length", "the answer running at the stop finished"
        assert any(source["source"].endswith("vpn.md") for source in sources), "answered from the mounted documents"
        assert podman("inspect", "--format", "{{.State.ExitCode}}", container) == "0", "drained and exited cleanly"
        logs = subprocess.run(["podman", "logs", container], capture_output=True, text=True, check=True)
        assert "drained; stopping the HTTP server" in logs.stderr, "the stop drained (the server logs to stderr)"
    finally:
        subprocess.run(["podman", "rm", "-f", container], capture_output=True, check=False)
