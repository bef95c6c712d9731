"""The engine's speculative-decoding configuration in vLLM's terms, without importing vLLM: the engine adapter
passes it to AsyncLLM, and the benchmark gives `vllm serve` the same one so that the two arms stay comparable."""

from __future__ import annotations

from rag_server.settings import EngineSettings, Speculation

__all__ = ["speculative_config"]


def speculative_config(settings: EngineSettings) -> dict[str, str | int] | None:
    """vLLM's `speculative_config` for these settings; None when speculation is off."""
    if settings.speculation is Speculation.OFF:
        return None
    return {
        "method": settings.speculation.value,
        "num_speculative_tokens": settings.speculative_tokens,
        "prompt_lookup_min": settings.ngram_min,
        "prompt_lookup_max": settings.ngram_max,
    }
