"""The variables the engine core is spawned with."""

from __future__ import annotations

import logging
import os

import pytest

from rag_server.generation.engine_env import (
    AOT_COMPILE_VARIABLE,
    MULTIPROCESSING_VARIABLE,
    configure_compile_cache,
    configure_cpu_backend,
    configure_cpu_executor,
    eager,
    parse_core_list,
)
from rag_server.settings import EngineSettings


def test_the_aot_compile_cache_is_off_unless_the_setting_turns_it_on() -> None:
    off: dict[str, str] = {}
    configure_compile_cache(EngineSettings(), off)
    assert off == {AOT_COMPILE_VARIABLE: "0"}
    on: dict[str, str] = {}
    configure_compile_cache(EngineSettings(aot_compile=True), on)
    assert on == {AOT_COMPILE_VARIABLE: "1"}


@pytest.mark.parametrize("operator_value", ["1", "0"])
def test_an_operators_own_aot_compile_variable_wins_and_is_logged(
    operator_value: str, caplog: pytest.LogCaptureFixture
) -> None:
    environ = {AOT_COMPILE_VARIABLE: operator_value}
    with caplog.at_level(logging.INFO, logger="rag_server.generation.engine_env"):
        configure_compile_cache(EngineSettings(aot_compile=operator_value == "0"), environ)
    assert environ == {AOT_COMPILE_VARIABLE: operator_value}
    assert f"{AOT_COMPILE_VARIABLE}={operator_value} from the environment wins" in caplog.text


def test_an_engine_restart_finds_its_own_value_and_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    environ: dict[str, str] = {}
    with caplog.at_level(logging.INFO, logger="rag_server.generation.engine_env"):
        configure_compile_cache(EngineSettings(), environ)
        configure_compile_cache(EngineSettings(), environ)
    assert environ == {AOT_COMPILE_VARIABLE: "0"}
    assert caplog.text == ""


def test_the_cpu_backend_gets_its_kv_cache_size_and_explicit_cores() -> None:
    environ: dict[str, str] = {}
    configure_cpu_backend(EngineSettings(cpu_kv_cache_gib=3, cpu_threads_bind="0-1", cpu_worker_process=True), environ)
    assert environ == {"VLLM_CPU_KVCACHE_SPACE": "3", "VLLM_CPU_OMP_THREADS_BIND": "0-1"}


def test_explicit_cores_bind_the_engine_cores_openmp_threads_when_the_model_runs_there() -> None:
    environ: dict[str, str] = {}
    configure_cpu_backend(EngineSettings(cpu_threads_bind="0-2,5"), environ)
    assert environ["OMP_NUM_THREADS"] == "4"
    assert environ["GOMP_CPU_AFFINITY"] == "0 1 2 5"


def test_all_cores_bind_one_openmp_thread_to_each_core_in_the_engine_core() -> None:
    environ: dict[str, str] = {}
    configure_cpu_backend(EngineSettings(), environ)
    cores = sorted(os.sched_getaffinity(0))
    assert environ["OMP_NUM_THREADS"] == str(len(cores))
    assert environ["GOMP_CPU_AFFINITY"] == " ".join(map(str, cores))
    assert environ["VLLM_CPU_OMP_THREADS_BIND"] == ",".join(map(str, cores))


def test_a_worker_process_is_left_to_vllms_own_binding() -> None:
    environ: dict[str, str] = {}
    configure_cpu_backend(EngineSettings(cpu_worker_process=True), environ)
    assert "OMP_NUM_THREADS" not in environ
    assert "GOMP_CPU_AFFINITY" not in environ


def test_nobind_leaves_openmp_unbound_as_vllm_does() -> None:
    environ: dict[str, str] = {}
    configure_cpu_backend(EngineSettings(cpu_threads_bind="nobind"), environ)
    assert environ["VLLM_CPU_OMP_THREADS_BIND"] == "nobind"
    assert "GOMP_CPU_AFFINITY" not in environ


def test_an_operators_own_openmp_thread_count_wins() -> None:
    environ = {"OMP_NUM_THREADS": "1"}
    configure_cpu_backend(EngineSettings(cpu_threads_bind="0-1"), environ)
    assert environ["OMP_NUM_THREADS"] == "1"


@pytest.mark.parametrize(("text", "cores"), [("3", [3]), ("0-3", [0, 1, 2, 3]), ("0-1, 4,6-7", [0, 1, 4, 6, 7])])
def test_core_lists_parse_as_vllm_writes_them(text: str, cores: list[int]) -> None:
    assert parse_core_list(text) == cores


def test_the_cpu_model_runs_in_the_engine_core_unless_the_setting_asks_for_a_worker_process() -> None:
    in_core: dict[str, str] = {}
    configure_cpu_executor(EngineSettings(), in_core)
    assert in_core == {MULTIPROCESSING_VARIABLE: "0"}
    worker: dict[str, str] = {}
    configure_cpu_executor(EngineSettings(cpu_worker_process=True), worker)
    assert worker == {MULTIPROCESSING_VARIABLE: "1"}


def test_an_operators_own_multiprocessing_variable_wins_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    environ = {MULTIPROCESSING_VARIABLE: "1"}
    with caplog.at_level(logging.INFO, logger="rag_server.generation.engine_env"):
        configure_cpu_executor(EngineSettings(), environ)
    assert environ == {MULTIPROCESSING_VARIABLE: "1"}
    assert f"{MULTIPROCESSING_VARIABLE}=1 from the environment wins over engine.cpu_worker_process" in caplog.text


@pytest.mark.parametrize(
    ("setting", "on_cpu", "expected"),
    [(None, True, True), (None, False, False), (False, True, False), (True, False, True)],
)
def test_unset_eager_means_eager_on_cpu_and_compiled_on_a_gpu(
    setting: bool | None, on_cpu: bool, expected: bool
) -> None:
    assert eager(EngineSettings(enforce_eager=setting), on_cpu) is expected
