from __future__ import annotations

from pathlib import Path

import pytest

from rag_server.settings import Settings, SettingsError, load_settings


def test_defaults_need_no_environment() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.server.port == 8000
    assert settings.engine.enable_prefix_caching is True


def test_environment_values_are_converted_to_their_types() -> None:
    settings = load_settings(
        {"RAG_SERVER__PORT": "9001", "RAG_ENGINE__ENFORCE_EAGER": "true", "RAG_GENERATION__DEFAULT_TOP_P": "0.5"}
    )
    assert settings.server.port == 9001
    assert settings.engine.enforce_eager is True
    assert settings.generation.default_top_p == 0.5


def test_a_list_setting_takes_a_json_array_and_a_bad_one_is_named() -> None:
    settings = load_settings({"RAG_GUARDRAILS__RAILS": '["pii", "output"]'})
    assert settings.guardrails.rails == ("pii", "output")
    with pytest.raises(SettingsError, match="RAG_GUARDRAILS__RAILS"):
        load_settings({"RAG_GUARDRAILS__RAILS": '["pii", "everything"]'})
    with pytest.raises(SettingsError, match="RAG_GUARDRAILS__RAILS"):
        load_settings({"RAG_GUARDRAILS__RAILS": "[pii"})


def test_unrelated_variables_are_ignored() -> None:
    assert load_settings({"PATH": "/bin", "RAGTIME": "x"}) == Settings()


def test_a_typo_is_an_error_naming_the_variable_and_the_likely_fix() -> None:
    with pytest.raises(SettingsError, match=r"RAG_ENGINE__MODLE.*did you mean RAG_ENGINE__MODEL\?"):
        load_settings({"RAG_ENGINE__MODLE": "x"})


def test_a_bad_value_is_an_error_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"invalid setting RAG_SERVER__PORT: Expected `int` <= 65535"):
        load_settings({"RAG_SERVER__PORT": "70000"})
    with pytest.raises(SettingsError, match=r"RAG_ENGINE__DTYPE"):
        load_settings({"RAG_ENGINE__DTYPE": "int3"})


def test_config_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text('[server]\nport = 9100\nhost = "0.0.0.0"\n[engine]\nmax_model_len = 1024\n')
    settings = load_settings({"RAG_CONFIG_FILE": str(config), "RAG_SERVER__PORT": "9200"})
    assert settings.server.host == "0.0.0.0"
    assert settings.server.port == 9200
    assert settings.engine.max_model_len == 1024


def test_unknown_key_in_config_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text("[engine]\nmax_len = 5\n")
    with pytest.raises(SettingsError, match=r"unknown setting engine\.max_len in config file"):
        load_settings({"RAG_CONFIG_FILE": str(config)})


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read config file"):
        load_settings({"RAG_CONFIG_FILE": str(tmp_path / "absent.toml")})


def test_a_replaced_setting_names_its_replacement(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="replaced by RAG_RETRIEVAL__DEFAULT_TOP_K"):
        load_settings({"RAG_CHAT__TOP_K": "5"})
    config = tmp_path / "rag.toml"
    config.write_text("[chat]\ntop_k = 5\n")
    with pytest.raises(SettingsError, match=r"chat\.top_k .*replaced by RAG_RETRIEVAL__DEFAULT_TOP_K"):
        load_settings({}, config)
