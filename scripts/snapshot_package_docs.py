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

import importlib.metadata
import sys
from dataclasses import dataclass
from pathlib import Path

from corpus_snapshot import Snapshot, cut, provenance, write

OUTPUT = Path(__file__).resolve().parents[1] / "bench" / "corpora" / "package-docs"
SOURCE = "long description in the package METADATA on PyPI"
COMMENT = (
    "# Provenance of the package-docs corpus: the PyPI long description (README) of each package, as installed",
    "# in the project's virtual environment. Written by scripts/snapshot_package_docs.py; do not edit by hand.",
)

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
class Readme(Snapshot):
    """A package's PyPI long description, written as <distribution-name>.md."""

    @property
    def filename(self) -> str:
        return f"{self.package}.md"

    @property
    def url(self) -> str:
        return f"https://pypi.org/project/{self.package}/{self.version}/"

    def describe(self) -> str:
        return f"{self.filename:42} {self.version:10} {self.license:14} {self.size}"


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


def outside_fences(head: str) -> str:
    """`head`, ending before the fenced code block it opens and does not close, if any (so a cut leaves none open)."""
    lines = head.split("\n")
    fences = [i for i, line in enumerate(lines) if line.lstrip().startswith("```")]
    if len(fences) % 2:  # the last fence opens a block that the cut would leave unclosed
        return "\n".join(lines[: fences[-1]])
    return head


def is_heading(block: str) -> bool:
    """A Markdown heading: an ATX line starting with #, or a setext line underlined with - or =."""
    lines = block.strip().split("\n")
    setext = len(lines) == 2 and set(lines[1]) <= {"-", "="}
    return setext or (len(lines) == 1 and lines[0].startswith("#"))


def snapshot(name: str) -> Readme:
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
    return Readme(
        package=header(meta, "Name"),
        version=header(meta, "Version"),
        license=licence_name,
        license_field=field,
        text=cut(body, is_heading, trim=outside_fences),
        original_chars=len(body),
    )


def main() -> int:
    snapshots: list[Readme] = []
    errors: list[str] = []
    for name in PACKAGES:
        try:
            snapshots.append(snapshot(name))
        except (importlib.metadata.PackageNotFoundError, ValueError) as error:
            errors.append(f"{name}: {error}")
    if errors:
        print("not snapshotted:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    write(OUTPUT, "*.md", snapshots, provenance(COMMENT, snapshots, SOURCE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
