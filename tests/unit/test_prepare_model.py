"""Preparing a packaged model: parts are joined in order, a GGUF whose sha256 is not the pinned one is never
converted, and a finished folder is left alone (a converted one records what it came from and its license)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from rag_server.generation import prepare_model as preparing
from rag_server.generation.prepare_model import MARKER, PACKAGED_MODELS, PackagedFile, PackagedModel


def packaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, contents: list[bytes], sha256: str) -> PackagedModel:
    parts = []
    for n, content in enumerate(contents, start=1):
        (tmp_path / f"part{n}.bin").write_bytes(content)
        parts.append(PackagedFile(f"dist-{n}", "1.0", f"part{n}.bin"))
    monkeypatch.setattr(preparing, "_locate", lambda part: tmp_path / part.file)
    return PackagedModel(name="Tiny", parts=tuple(parts), sha256=sha256, license="MIT", origin="test")


def test_parts_are_joined_in_order_and_converted_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    contents = [b"GGUF-one-", b"two-", b"three"]
    model = packaged(tmp_path, monkeypatch, contents, hashlib.sha256(b"".join(contents)).hexdigest())
    converted: list[bytes] = []

    def convert(gguf: Path, destination: Path) -> None:
        converted.append(gguf.read_bytes())
        destination.mkdir()
        (destination / "model.safetensors").write_bytes(b"weights")

    monkeypatch.setattr(preparing, "_convert", convert)
    output = tmp_path / "models" / "Tiny"
    assert preparing.prepare_model(model, output) is True
    assert converted == [b"GGUF-one-two-three"]
    marker = json.loads((output / MARKER).read_text())
    assert marker["license"] == "MIT"
    assert marker["sha256"] == model.sha256
    assert not any(path.suffix == ".gguf" for path in output.iterdir()), "the joined GGUF is not kept"
    assert not output.with_name("Tiny.partial").exists()
    assert preparing.prepare_model(model, output) is False
    assert len(converted) == 1


def test_a_gguf_that_is_not_the_pinned_one_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = packaged(tmp_path, monkeypatch, [b"tampered"], "0" * 64)
    monkeypatch.setattr(preparing, "_convert", lambda gguf, destination: pytest.fail("converted"))
    with pytest.raises(SystemExit, match="refusing to convert"):
        preparing.prepare_model(model, tmp_path / "Tiny")
    assert not (tmp_path / "Tiny").exists()


def test_every_packaged_model_is_pinned_by_version_and_hash_and_names_its_license() -> None:
    for model in PACKAGED_MODELS.values():
        assert len(model.sha256) == 64
        assert model.license
        assert all(part.version for part in model.parts)
