"""Generate the README's configuration table from the settings' attribute docstrings.

`python -m rag_server.settings_doc` prints it; `--write README.md` replaces the table between the markers.
A unit test fails when the README's table is stale.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import itertools
import sys
import types
import typing
from pathlib import Path

import msgspec

from rag_server import settings as settings_module
from rag_server.settings import ENV_PREFIX, Settings

__all__ = ["BEGIN", "END", "configuration_table", "replace_table"]

BEGIN = "<!-- settings-table:begin -->"
END = "<!-- settings-table:end -->"


def _attribute_docstrings() -> dict[tuple[str, str], str]:
    """(class name, field) -> docstring, read from the source: Python keeps no attribute docstrings at run time.
    Sections may live in other modules (`guardrails` is the library's own config)."""
    modules = {settings_module, *(sys.modules[f.type.__module__] for f in msgspec.structs.fields(Settings))}
    found: dict[tuple[str, str], str] = {}
    for module in modules:
        found.update(_docstrings_in(module))
    return found


def _docstrings_in(module: object) -> dict[tuple[str, str], str]:
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    found: dict[tuple[str, str], str] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        body = node.body
        for statement, following in itertools.pairwise(body):
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                found[(node.name, statement.target.id)] = inspect.cleandoc(following.value.value)
    return found


def _type_name(annotation: object) -> str:
    if typing.get_origin(annotation) is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in typing.get_args(annotation))
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:  # `X | None`: unset
        return " or ".join(_type_name(member) for member in typing.get_args(annotation) if member is not type(None))
    return str(getattr(annotation, "__name__", annotation))


def _default_text(value: object) -> str:
    if value is None:
        return "unset"
    return str(value).lower() if isinstance(value, bool) else str(value)


def configuration_table() -> str:
    docs = _attribute_docstrings()
    rows = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    defaults = Settings()
    for section in msgspec.structs.fields(Settings):
        section_type = section.type
        assert isinstance(section_type, type)
        section_default = getattr(defaults, section.name)
        for field in msgspec.structs.fields(section_type):
            variable = f"{ENV_PREFIX}{section.name.upper()}__{field.name.upper()}"
            default = getattr(section_default, field.name)
            meaning = docs.get((section_type.__name__, field.name), "").replace("\n", " ").replace("|", "\\|")
            rows.append(f"| `{variable}` | {_type_name(field.type)} | `{_default_text(default)}` | {meaning} |")
    return "\n".join(rows)


def replace_table(document: str) -> str:
    start, end = document.index(BEGIN) + len(BEGIN), document.index(END)
    return document[:start] + "\n" + configuration_table() + "\n" + document[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", type=Path, help="rewrite the table inside this Markdown file")
    args = parser.parse_args()
    if args.write:
        args.write.write_text(replace_table(args.write.read_text()))
    else:
        sys.stdout.write(configuration_table() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
