"""What the corpus snapshot scripts share: the cut, the provenance record, and the writing of a corpus folder.

scripts/snapshot_package_docs.py and scripts/snapshot_man_pages.py each turn a fixed list of documents installed on
this machine into text files under bench/corpora/<corpus>/, every file cut to at most MAX_CHARS characters at a
paragraph boundary, and record in the folder's PROVENANCE.toml where each file came from, under which licence, and
its checksum. Each script keeps what is its own (which documents, how they are read and vetted, what a heading
looks like, which fields name a file); this module holds the rest. The scripts run as `python scripts/<name>.py`,
which puts scripts/ on sys.path, so they import it as `corpus_snapshot`.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_CHARS = 25_000


@dataclass(frozen=True)
class Snapshot(ABC):
    """One corpus file: its text (cut), how long the document was before the cut, and the package it came from."""

    package: str
    version: str
    license: str
    license_field: str
    text: str
    original_chars: int

    @property
    @abstractmethod
    def filename(self) -> str:
        """The file's name inside the corpus folder."""

    @property
    @abstractmethod
    def url(self) -> str:
        """Where a reader finds the package (and so the document) on the web."""

    @abstractmethod
    def describe(self) -> str:
        """The line the script prints for this file once it is written."""

    def provenance_fields(self) -> dict[str, str]:
        """The fields, other than path, that name the document: written first in its PROVENANCE.toml record."""
        return {}

    @property
    def truncated(self) -> bool:
        return len(self.text) < self.original_chars

    @property
    def size(self) -> str:
        """The text's length for a printed line, with the length before the cut when it was cut."""
        cut_note = f" (cut from {self.original_chars:,})" if self.truncated else ""
        return f"{len(self.text):>6,} chars{cut_note}"


def cut(
    text: str,
    is_heading: Callable[[str], bool],
    limit: int = MAX_CHARS,
    trim: Callable[[str], str] | None = None,
) -> str:
    """The first `limit` characters, ending at a paragraph (blank-line) boundary, with no dangling heading.

    `trim`, when given, shortens that paragraph-bounded head further (say, to leave no code block open) before
    the trailing blocks that `is_heading` calls headings, whose sections the cut removed, are dropped.
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    head = head[: head.rfind("\n\n")] if "\n\n" in head else head
    if trim is not None:
        head = trim(head)
    blocks = head.rstrip().split("\n\n")
    while len(blocks) > 1 and is_heading(blocks[-1]):  # a heading whose section was cut off
        blocks.pop()
    return "\n\n".join(blocks).rstrip() + "\n"


def toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def provenance(comment: Sequence[str], snapshots: Sequence[Snapshot], source: str) -> str:
    """PROVENANCE.toml: the `comment` lines, max_chars, then one [[file]] record per snapshot."""
    out = [*comment, f"max_chars = {MAX_CHARS}", ""]
    for snap in snapshots:
        out += [
            "[[file]]",
            f"path = {toml_string(snap.filename)}",
            *(f"{key} = {toml_string(value)}" for key, value in snap.provenance_fields().items()),
            f"package = {toml_string(snap.package)}",
            f"version = {toml_string(snap.version)}",
            f"license = {toml_string(snap.license)}",
            f"license_field = {toml_string(snap.license_field)}",
            f"source = {toml_string(source)}",
            f"url = {toml_string(snap.url)}",
            f"chars = {len(snap.text)}",
            f"original_chars = {snap.original_chars}",
            f"truncated = {'true' if snap.truncated else 'false'}",
            f"sha256 = {toml_string(hashlib.sha256(snap.text.encode()).hexdigest())}",
            "",
        ]
    return "\n".join(out)


def write(output: Path, pattern: str, snapshots: Sequence[Snapshot], provenance_text: str) -> None:
    """Write the snapshots into `output`, removing the files matching `pattern` that are not among them, then
    PROVENANCE.toml (`provenance_text`, refused unless it parses as TOML), printing a line for each file."""
    output.mkdir(parents=True, exist_ok=True)
    keep = {snap.filename for snap in snapshots}
    for stale in output.glob(pattern):
        if stale.name not in keep:
            stale.unlink()
    for snap in snapshots:
        (output / snap.filename).write_text(snap.text, encoding="utf-8", newline="\n")
        print(snap.describe())
    tomllib.loads(provenance_text)  # fail here, not in a reader, if the file is not valid TOML
    (output / "PROVENANCE.toml").write_text(provenance_text, encoding="utf-8", newline="\n")
    print(f"wrote {len(snapshots)} files and PROVENANCE.toml to {output}")
