"""The `Embedder` adapter: sentence-transformers, on CUDA when there is one.

The class is the guardrails library's `SentenceEncoder` (the lowest layer that needs it), so the injection
classifier and retrieval share one loaded model.
"""

from __future__ import annotations

from guardrails.encoders import SentenceEncoder, resolve_model_path
from guardrails.encoders import load_sentence_encoder as load_embedder

__all__ = ["DEFAULT_EMBEDDER", "SentenceEncoder", "load_embedder", "resolve_model_path"]

DEFAULT_EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"
