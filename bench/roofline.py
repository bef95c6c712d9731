"""The memory-bandwidth roofline for decode at batch 1.

Generating one token at batch 1 reads every weight once, so decode can go no faster than
memory bandwidth / weight bytes. The bandwidth is measured here, with torch on the cores the engine uses (a
STREAM-style read of a buffer far larger than the caches); the weight bytes are the model's safetensors files,
with a tied embedding counted once (it is read once per token, as the output projection).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import msgspec


class Roofline(msgspec.Struct, kw_only=True):
    device: str
    bandwidth_gb_s: float
    """Measured read bandwidth, GB/s (10^9 bytes)."""
    weight_bytes: int
    tokens_per_s: float
    """bandwidth / weight bytes: the decode ceiling at batch 1."""


def read_bandwidth_gb_s(device: str = "cpu", size_mib: int = 1024, repeats: int = 7) -> float:
    """Median over repeats of bytes read per second by a sum over a `size_mib` buffer."""
    import torch  # noqa: PLC0415 - only the roofline needs torch in the bench process

    buffer = torch.ones(size_mib * 2**20 // 4, dtype=torch.float32, device=device)
    rates = []
    for _ in range(repeats + 1):
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        buffer.sum()
        if device == "cuda":
            torch.cuda.synchronize()
        rates.append(buffer.numel() * 4 / (time.perf_counter() - started) / 1e9)
    return statistics.median(rates[1:])  # the first pass faults the pages in


def weight_bytes(model_dir: Path) -> int:
    """Bytes of weights a decode step reads: the safetensors tensors, minus a tied output projection's copy."""
    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        return 0
    total = 0
    for file in files:
        with file.open("rb") as handle:
            header_len = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(header_len))
        for name, meta in header.items():
            if name == "__metadata__":
                continue
            begin, end = meta["data_offsets"]
            tied_copy = name == "lm_head.weight" and _tied(model_dir)
            total += 0 if tied_copy else end - begin
    return total


def _tied(model_dir: Path) -> bool:
    config = model_dir / "config.json"
    return bool(config.exists() and json.loads(config.read_text()).get("tie_word_embeddings", False))


def local_folder(model: str) -> Path:
    """The model's folder: as given, or a hub id's snapshot in the local cache (the arms have downloaded it)."""
    if Path(model).is_dir():
        return Path(model)
    try:
        from huggingface_hub import snapshot_download  # noqa: PLC0415

        return Path(snapshot_download(model, local_files_only=True))
    except Exception:  # not cached, or not a hub id: the roofline is left out
        return Path(model)


def measure(model_dir: Path, device: str) -> Roofline | None:
    """None when the model is not a local folder (a hub id): the weight bytes are unknown here."""
    size = weight_bytes(model_dir) if model_dir.is_dir() else 0
    if not size:
        return None
    bandwidth = read_bandwidth_gb_s(device)
    return Roofline(device=device, bandwidth_gb_s=bandwidth, weight_bytes=size, tokens_per_s=bandwidth * 1e9 / size)
