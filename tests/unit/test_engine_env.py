"""The variables the engine core is spawned with."""

from __future__ import annotations

import logging

import pytest

from rag_server.generation.engine_env import AOT_COMPILE_VARIABLE, configure_compile_cache, configure_cpu_backend
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
    configure_cpu_backend(EngineSettings(cpu_kv_cache_gib=3, cpu_threads_bind="0-1"), environ)
    assert environ == {"VLLM_CPU_KVCACHE_SPACE": "3", "VLLM_CPU_OMP_THREADS_BIND": "0-1"}
