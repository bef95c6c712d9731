"""Preparing the larger spaCy pipeline from its wheel: only a wheel with the pinned sha256 is unpacked, only its model
folder lands, a second run does nothing, and a run cut off earlier leaves nothing behind. The download is faked;
the real wheel is unpacked by `make ner-model` and loaded in tests/integration/test_ner_model.py."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import msgspec
import pytest

from guardrails.prepare_ner_model import MARKER, NerWheel, prepare_ner_model

FOLDER = "pkg/_model/"


def wheel_with(tmp_path: Path, members: dict[str, bytes]) -> Path:
    archive = tmp_path / "pkg-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(archive, "w") as wheel:
        for name, data in members.items():
            wheel.writestr(name, data)
    return archive


def pinned(archive: Path) -> NerWheel:
    return NerWheel(
        distribution="pkg", version="0.1.0", sha256=hashlib.sha256(archive.read_bytes()).hexdigest(), folder=FOLDER,
        python_version="3.12", license="MIT", origin="a test wheel",
    )  # fmt: skip


class Downloads:
    def __init__(self, archive: Path) -> None:
        self.archive, self.calls = archive, 0

    def __call__(self, wheel: NerWheel, into: Path) -> Path:
        self.calls += 1
        into.mkdir(parents=True)
        target = into / self.archive.name
        target.write_bytes(self.archive.read_bytes())
        return target


MEMBERS = {
    f"{FOLDER}meta.json": b'{"name": "core_web_md"}',
    f"{FOLDER}ner/model": b"weights",
    "pkg/__init__.py": b"",
    "pkg-0.1.0.dist-info/METADATA": b"Requires-Python: >=3.12",
}


def test_the_model_folder_alone_is_unpacked_once(tmp_path: Path) -> None:
    archive = wheel_with(tmp_path, MEMBERS)
    download, output = Downloads(archive), tmp_path / "models" / "md"
    assert prepare_ner_model(output, pinned(archive), download) is True
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()) == [
        "meta.json",
        "ner/model",
        MARKER,
    ]
    assert (output / "ner" / "model").read_bytes() == b"weights"
    assert prepare_ner_model(output, pinned(archive), download) is False
    assert download.calls == 1, "a prepared folder is left alone"
    assert [p.name for p in output.parent.iterdir()] == ["md"], "no staging left behind"


def test_a_wheel_with_another_sha256_is_refused_and_nothing_lands(tmp_path: Path) -> None:
    archive = wheel_with(tmp_path, MEMBERS)
    tampered = msgspec.structs.replace(pinned(archive), sha256="0" * 64)
    output = tmp_path / "models" / "md"
    with pytest.raises(SystemExit, match="sha256"):
        prepare_ner_model(output, tampered, Downloads(archive))
    assert not output.exists()
    assert list(output.parent.iterdir()) == []


def test_a_member_that_would_land_outside_the_folder_is_refused(tmp_path: Path) -> None:
    archive = wheel_with(tmp_path, {**MEMBERS, f"{FOLDER}../../escape": b"x"})
    with pytest.raises(SystemExit, match="outside"):
        prepare_ner_model(tmp_path / "models" / "md", pinned(archive), Downloads(archive))
    assert [path.name for path in tmp_path.rglob("escape")] == []
    assert list((tmp_path / "models").iterdir()) == []


def test_a_run_cut_off_earlier_is_cleaned_up_and_redone(tmp_path: Path) -> None:
    archive = wheel_with(tmp_path, MEMBERS)
    models = tmp_path / "models"
    (models / ".md.ner-staging-abc123" / "model").mkdir(parents=True)  # a staging folder a killed run left
    assert prepare_ner_model(models / "md", pinned(archive), Downloads(archive)) is True
    assert sorted(p.name for p in models.iterdir()) == ["md"]


def test_a_folder_it_did_not_make_is_never_replaced(tmp_path: Path) -> None:
    archive = wheel_with(tmp_path, MEMBERS)
    models = tmp_path / "models"
    (models / "Qwen").mkdir(parents=True)
    (models / "Qwen" / "model.safetensors").write_bytes(b"weights")
    for output in (models, tmp_path / "models" / "."):
        with pytest.raises(SystemExit):
            prepare_ner_model(output, pinned(archive), Downloads(archive))
    assert (models / "Qwen" / "model.safetensors").read_bytes() == b"weights"


def test_a_damaged_marker_means_unpack_again(tmp_path: Path) -> None:
    archive = wheel_with(tmp_path, MEMBERS)
    output = tmp_path / "models" / "md"
    prepare_ner_model(output, pinned(archive), Downloads(archive))
    (output / MARKER).write_text("{not json")
    assert prepare_ner_model(output, pinned(archive), Downloads(archive)) is True
    assert (output / "meta.json").is_file()
