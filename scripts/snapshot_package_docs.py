"""Snapshot the PyPI README (the long description) of 16 installed packages into bench/corpora/package-docs/.

Why: the answer-quality benchmark needs a second corpus that nobody on this project wrote, so that its questions
test the RAG server on prose it was never tuned for, not only on our own sample knowledge base in data/. The long
description stored in a wheel's METADATA file is the package's README exactly as published on PyPI: real
technical prose under a permissive licence, already on this machine. Reading it with importlib.metadata keeps the
snapshot reproducible offline: the same virtual environment always gives the same files.

What: for each distribution in PACKAGES it writes <distribution-name>.md with the METADATA body (everything after
the header block), keeping at most the first 25,000 characters cut at a paragraph boundary (and never inside a
code block), and it writes PROVENANCE.toml with each file's package, version, licence, source and checksum. Only
Markdown descriptions (Description-Content-Type text/markdown) under a licence in PERMISSIVE are accepted; any
other package stops the script. Markdown files in the folder that are not in PACKAGES are removed.

    .venv/bin/python scripts/snapshot_package_docs.py

The packages were picked for READMEs with substantial prose. Installed candidates left out because their README is
mostly badges, links, tables or code with little prose: sse-starlette, litestar, qdrant-client, cloudpathlib,
phonenumbers, huggingface_hub, polyfactory, srsly, narwhals.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "bench" / "corpora" / "package-docs"
MAX_CHARS = 25_000
SOURCE = "long description in the package METADATA on PyPI"

PACKAGES: tuple[str, ...] = (
    "annotated-types",
    "catalogue",
    "charset-normalizer",
    "einops",
    "email-validator",
    "httpcore",
    "loguru",
    "openai",
    "prometheus-fastapi-instrumentator",
    "pyrate-limiter",
    "python-dotenv",
    "rich",
    "sentence-transformers",
    "smart_open",
    "threadpoolctl",
    "typer",
)

# SPDX expressions and trove-classifier names accepted as permissive.
PERMISSIVE = frozenset(
    {"MIT", "MIT License", "BSD-3-Clause", "BSD License", "Apache-2.0", "Apache Software License", "ISC", "Unlicense"}
)


@dataclass(frozen=True)
class Snapshot:
    package: str
    version: str
    license: str
    license_field: str
    text: str
    original_chars: int

    @property
    def filename(self) -> str:
        return f"{self.package}.md"


def header(meta: importlib.metadata.PackageMetadata, name: str) -> str:
    values: list[str] = meta.get_all(name) or []
    return values[0].strip() if values else ""


def licence(meta: importlib.metadata.PackageMetadata) -> tuple[str, str]:
    """The licence and the metadata field it came from: License-Expression, a one-line License, or the classifier."""
    if expression := header(meta, "License-Expression"):
        return expression, "License-Expression"
    declared = header(meta, "License")
    if declared and "\n" not in declared and len(declared) <= 100:
        return declared, "License"
    classifiers: list[str] = meta.get_all("Classifier") or []
    for classifier in classifiers:
        if classifier.startswith("License :: OSI Approved :: "):
            return classifier.rsplit(" :: ", 1)[1], "Classifier"
    return "", ""


def cut(text: str, limit: int = MAX_CHARS) -> str:
    """The first `limit` characters, ending at a paragraph boundary and outside any fenced code block."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    head = head[: head.rfind("\n\n")] if "\n\n" in head else head
    lines = head.split("\n")
    fences = [i for i, line in enumerate(lines) if line.lstrip().startswith("```")]
    if len(fences) % 2:  # the last fence opens a block that the cut would leave unclosed
        head = "\n".join(lines[: fences[-1]])
    blocks = head.rstrip().split("\n\n")
    while len(blocks) > 1 and is_heading(blocks[-1]):  # a heading whose section was cut off
        blocks.pop()
    return "\n\n".join(blocks).rstrip() + "\n"


def is_heading(block: str) -> bool:
    lines = block.strip().split("\n")
    setext = len(lines) == 2 and set(lines[1]) <= {"-", "="}
    return setext or (len(lines) == 1 and lines[0].startswith("#"))


def snapshot(name: str) -> Snapshot:
    dist = importlib.metadata.distribution(name)
    meta = dist.metadata
    content_type = header(meta, "Description-Content-Type")
    if not content_type.startswith("text/markdown"):
        raise ValueError(f"{name}: description is {content_type or 'untyped'}, not text/markdown")
    licence_name, field = licence(meta)
    if licence_name not in PERMISSIVE:
        raise ValueError(f"{name}: licence {licence_name!r} is not in the permissive list")
    raw = dist.read_text("METADATA") or ""
    if "\n\n" not in raw:
        raise ValueError(f"{name}: METADATA has no long description")
    body = raw.split("\n\n", 1)[1].strip() + "\n"
    return Snapshot(
        package=header(meta, "Name"),
        version=header(meta, "Version"),
        license=licence_name,
        license_field=field,
        text=cut(body),
        original_chars=len(body),
    )


def toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def provenance(snapshots: list[Snapshot]) -> str:
    out = [
        "# Provenance of the package-docs corpus: the PyPI long description (README) of each package, as installed",
        "# in the project's virtual environment. Written by scripts/snapshot_package_docs.py; do not edit by hand.",
        f"max_chars = {MAX_CHARS}",
        "",
    ]
    for snap in snapshots:
        out += [
            "[[file]]",
            f"path = {toml_string(snap.filename)}",
            f"package = {toml_string(snap.package)}",
            f"version = {toml_string(snap.version)}",
            f"license = {toml_string(snap.license)}",
            f"license_field = {toml_string(snap.license_field)}",
            f"source = {toml_string(SOURCE)}",
            f"url = {toml_string(f'https://pypi.org/project/{snap.package}/{snap.version}/')}",
            f"chars = {len(snap.text)}",
            f"original_chars = {snap.original_chars}",
            f"truncated = {'true' if len(snap.text) < snap.original_chars else 'false'}",
            f"sha256 = {toml_string(hashlib.sha256(snap.text.encode()).hexdigest())}",
            "",
        ]
    return "\n".join(out)


def main() -> int:
    snapshots: list[Snapshot] = []
    errors: list[str] = []
    for name in PACKAGES:
        try:
            snapshots.append(snapshot(name))
        except (importlib.metadata.PackageNotFoundError, ValueError) as error:
            errors.append(f"{name}: {error}")
    if errors:
        print("not snapshotted:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    OUTPUT.mkdir(parents=True, exist_ok=True)
    keep = {snap.filename for snap in snapshots}
    for stale in OUTPUT.glob("*.md"):
        if stale.name not in keep:
            stale.unlink()
    for snap in snapshots:
        (OUTPUT / snap.filename).write_text(snap.text, encoding="utf-8", newline="\n")
        cut_note = f" (cut from {snap.original_chars:,})" if len(snap.text) < snap.original_chars else ""
        print(f"{snap.filename:42} {snap.version:10} {snap.license:14} {len(snap.text):>6,} chars{cut_note}")
    text = provenance(snapshots)
    tomllib.loads(text)  # fail here, not in a reader, if the file is not valid TOML
    (OUTPUT / "PROVENANCE.toml").write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {len(snapshots)} files and PROVENANCE.toml to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
