"""Finding the files to ingest, and the access groups and metadata each one carries.

- Hidden files and folders are skipped.
- A `.ragignore` file lists glob patterns (one per line, relative to its folder; a trailing `/` means a
  folder) that are skipped below it.
- A `rag-meta.toml` file gives every document below its folder `access_groups = [...]` and a `[metadata]`
  table of strings; the nearest file wins. Without one, documents are `public`.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import msgspec

from ingest.parsers import parser_for
from rag_server.retrieval.records import PUBLIC_GROUP

__all__ = ["IGNORE_FILE", "META_FILE", "DiscoveredFile", "DocumentMeta", "MetaFileError", "discover"]

IGNORE_FILE = ".ragignore"
META_FILE = "rag-meta.toml"


class MetaFileError(ValueError):
    """A rag-meta.toml file is not valid; the message names it."""


class DocumentMeta(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    access_groups: tuple[str, ...] = (PUBLIC_GROUP,)
    metadata: dict[str, str] = {}


class DiscoveredFile(msgspec.Struct, frozen=True):
    path: Path
    """Absolute, resolved."""
    source: str
    """Display path: the root folder's name and the path below it, e.g. `data/hr/leave.md`."""
    meta: DocumentMeta
    supported: bool


def discover(roots: list[Path]) -> Iterator[DiscoveredFile]:
    """Every non-hidden, non-ignored file under `roots` (a root may also be a single file), sorted."""
    for given in roots:
        root = given.resolve()
        if root.is_file():
            yield _file(root, root.name, _meta_for(root.parent, {}))
            continue
        yield from _walk(root, root.name, [], {})


def _walk(
    folder: Path, display: str, ignores: list[tuple[Path, str]], metas: Mapping[Path, DocumentMeta]
) -> Iterator[DiscoveredFile]:
    ignores = ignores + [(folder, pattern) for pattern in _read_ignore(folder)]
    meta = _meta_for(folder, metas)
    metas = {**metas, folder: meta}
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith(".") or entry.name == META_FILE or _ignored(path, entry.is_dir(), ignores):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, f"{display}/{entry.name}", ignores, metas)
        elif entry.is_file():
            yield _file(path.resolve(), f"{display}/{entry.name}", meta)


def _file(path: Path, source: str, meta: DocumentMeta) -> DiscoveredFile:
    return DiscoveredFile(path, source, meta, parser_for(path.suffix) is not None)


def _read_ignore(folder: Path) -> list[str]:
    try:
        lines = (folder / IGNORE_FILE).read_text().splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(path: Path, is_dir: bool, ignores: list[tuple[Path, str]]) -> bool:
    for base, pattern in ignores:
        relative = path.relative_to(base).as_posix()
        if pattern.endswith("/"):
            if is_dir and fnmatch.fnmatch(relative, pattern.rstrip("/")):
                return True
        elif fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(path.name, pattern):
            return True
    return False


def _meta_for(folder: Path, inherited: Mapping[Path, DocumentMeta]) -> DocumentMeta:
    meta_file = folder / META_FILE
    if meta_file.is_file():
        try:
            meta = msgspec.toml.decode(meta_file.read_bytes(), type=DocumentMeta)
        except (msgspec.DecodeError, OSError) as exc:
            raise MetaFileError(f"{meta_file}: {exc}") from None
        if not meta.access_groups:
            raise MetaFileError(f"{meta_file}: access_groups must name at least one group (or {PUBLIC_GROUP!r})")
        return meta
    return inherited.get(folder.parent, DocumentMeta())
