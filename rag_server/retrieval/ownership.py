"""Who owns an embedded index directory right now.

The server writes `<index_dir>/owner.json` (mode 0600) with its process id, its address and a random ingest
token when it starts, and removes it when it stops. `rag-ingest` reads it: a live owner means "send your
documents to this address with this token" instead of opening the index (which Qdrant Edge's WAL lock would
refuse). A stale file (its process is gone, e.g. after SIGKILL) is ignored.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import msgspec

__all__ = ["OWNER_FILE", "Owner", "claim", "current_owner", "release"]

OWNER_FILE = "owner.json"


class Owner(msgspec.Struct, frozen=True):
    pid: int
    url: str
    token: str


def claim(index_dir: Path, url: str) -> Owner:
    """Publish this process as the owner; returns the record with its fresh token."""
    owner = Owner(os.getpid(), url, secrets.token_urlsafe(32))
    index_dir.mkdir(parents=True, exist_ok=True)
    partial = index_dir / f".{OWNER_FILE}.{owner.pid}"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(msgspec.json.encode(owner))
    partial.replace(index_dir / OWNER_FILE)
    return owner


def release(index_dir: Path, owner: Owner) -> None:
    """Remove the owner file if it is still ours."""
    if current_owner(index_dir) == owner:
        with contextlib.suppress(OSError):
            (index_dir / OWNER_FILE).unlink()


def current_owner(index_dir: Path) -> Owner | None:
    """The live owner, or None when there is no file, it is unreadable, or its process is gone."""
    try:
        owner = msgspec.json.decode((index_dir / OWNER_FILE).read_bytes(), type=Owner)
    except (OSError, msgspec.DecodeError):
        return None
    if owner.pid == os.getpid():
        return owner
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by someone else
    return owner
