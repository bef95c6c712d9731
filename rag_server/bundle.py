"""What a replica serves, as one immutable id: the model's bytes, the system prompt, the guard policy and every
setting that shapes an answer. Two replicas with the same id answer alike; a rollout changes it; a rollback
brings the old one back. Shown on `/v1/models`, `/readyz`, the `X-Bundle-ID` header and `rag_bundle_info`.

Left out of the settings hash on purpose: where things are (host, port, index folder, Qdrant URL, the model's
path, whose bytes are hashed instead), secrets (API keys), and operational knobs that change no answer (timeouts,
admission, restarts, logging).
"""

from __future__ import annotations

import functools
import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import msgspec

from rag_server.pipeline.prompt import SYSTEM_PROMPT_VERSION, system_prompt
from rag_server.settings import Settings

__all__ = ["Bundle", "bundle_of", "model_digest", "pii_model_digest"]

_NOT_IN_BUNDLE = {
    "server": None,  # None: the whole section
    "auth": None,
    "admission": None,
    "ingest": None,  # shapes the index, which is built apart from the replica
    "engine": {"model", "startup_timeout_s", "max_restarts", "restart_window_s", "restart_backoff_s"},
    "retrieval": {"qdrant_url", "qdrant_api_key", "index_dir", "embedder_device", "embedder_batch_size"},
    # Shown on their own (the spaCy model by its bytes); the suffix-judging model counts by its bytes too.
    "guardrails": {"policy_version", "spacy_model", "adversarial_suffix_model"},
}


class Bundle(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    """`b-` and 12 hex digits over everything below."""
    model_digest: str
    """`sha256:` of the model folder's files, or `hub:<id>` for a model fetched by name."""
    pii_model_digest: str
    """The PII rail's spaCy pipeline: `sha256:` of its folder's files, or `package:<name>` for an installed one."""
    prompt_version: str
    policy_version: str
    settings_hash: str
    """Over the answer-shaping settings, with the adversarial-suffix judge's model by its bytes."""
    server_version: str


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@functools.cache
def _folder_digest(folder: Path, fingerprint: tuple[tuple[str, int, int], ...]) -> str:
    """Hash of every file's name and bytes (~1 s per GB); cached by name, size and mtime for tests."""
    digest = hashlib.sha256()
    for name, size, _ in fingerprint:
        digest.update(f"{name}\0{size}\0".encode())
        with (folder / name).open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def model_digest(model: str) -> str:
    folder = Path(model)
    if not folder.is_dir():
        return f"hub:{model}"
    files = sorted(path for path in folder.rglob("*") if path.is_file() and not path.name.startswith("."))
    fingerprint = tuple(
        (path.relative_to(folder).as_posix(), path.stat().st_size, path.stat().st_mtime_ns) for path in files
    )
    return _folder_digest(folder.resolve(), fingerprint)


def pii_model_digest(spacy_model: str) -> str:
    return model_digest(spacy_model) if Path(spacy_model).is_dir() else f"package:{spacy_model}"


def _answer_shaping(settings: Settings) -> dict[str, Any]:
    sections: dict[str, Any] = msgspec.to_builtins(settings)
    kept: dict[str, Any] = {}
    for section, fields in sorted(sections.items()):
        left_out = _NOT_IN_BUNDLE.get(section, set())
        if left_out is None:
            continue
        kept[section] = {name: value for name, value in sorted(fields.items()) if name not in left_out}
    return kept


def _server_version() -> str:
    try:
        return version("guarded-rag")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def bundle_of(settings: Settings) -> Bundle:
    """The bundle this replica serves. Hashes the model folder once per process (about a second per GB)."""
    model = model_digest(settings.engine.model)
    pii_model = pii_model_digest(settings.guardrails.spacy_model)
    suffix_judge = settings.guardrails.adversarial_suffix_model
    settings_hash = _sha256(
        msgspec.json.encode(_answer_shaping(settings)),
        b"" if suffix_judge is None else model_digest(suffix_judge).encode(),
    )[:16]
    server_version = _server_version()
    policy = settings.guardrails.policy_version
    bundle_hash = _sha256(
        model.encode(),
        pii_model.encode(),
        system_prompt(settings.generation.prompt_layout).encode(),
        policy.encode(),
        settings_hash.encode(),
        server_version.encode(),
    )
    return Bundle(
        id=f"b-{bundle_hash[:12]}",
        model_digest=model,
        pii_model_digest=pii_model,
        prompt_version=SYSTEM_PROMPT_VERSION,
        policy_version=policy,
        settings_hash=settings_hash,
        server_version=server_version,
    )
