from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from rag_server.settings_doc import configuration_table, replace_table

REPO = Path(__file__).resolve().parents[2]


def test_readme_configuration_table_is_current() -> None:
    readme = (REPO / "README.md").read_text()
    assert replace_table(readme) == readme, "run `make docs` to regenerate the README's configuration table"


def test_every_setting_is_documented() -> None:
    rows = configuration_table().splitlines()[2:]
    assert rows
    assert all(not row.endswith("|  |") for row in rows), "every setting needs an attribute docstring"


@pytest.mark.parametrize(
    "module", ["rag_server", "rag_server.api", "rag_server.generation", "rag_server.pipeline", "rag_server.errors"]
)
def test_public_names_exist(module: str) -> None:
    imported = importlib.import_module(module)
    assert imported.__all__
    for name in imported.__all__:
        assert hasattr(imported, name), f"{module}.__all__ names {name}, which does not exist"


def test_readme_starts_with_the_two_setup_commands() -> None:
    head = "\n".join((REPO / "README.md").read_text().splitlines()[:12])
    assert "make serve" in head
    assert "make test" in head


def test_importing_the_app_does_not_import_vllm() -> None:
    probe = "import sys, rag_server.app; print('vllm' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
