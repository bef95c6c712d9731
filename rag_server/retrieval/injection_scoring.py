"""The `ChunkScorer` adapter: the guardrails injection detector, scoring chunks as they are indexed.

When the detector's encoder is the retrieval embedder (the default: both all-MiniLM-L6-v2), the chunk's own dense
vector stands in for the detector's embedding, so scoring adds no second encoder pass to ingestion; the vector is of
the chunk with its title and heading (see `index.embedding_text`), which the classifier tolerates (its n-gram half
reads the chunk text itself). Otherwise the detector encodes the chunks itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from guardrails.config import GuardrailsConfig
from guardrails.encoders import SentenceEncoder, load_sentence_encoder
from guardrails.injection import InjectionDetector, load_injection_model

__all__ = ["InjectionChunkScorer", "chunk_scorer_id", "load_chunk_scorer"]


def chunk_scorer_id(config: GuardrailsConfig) -> str:
    """Names the detector version without loading any model (for document fingerprints)."""
    if not config.enabled:
        return "none"
    return f"injection:{config.injection_encoder}:{load_injection_model().corpus_sha256[:16]}"


class InjectionChunkScorer:
    def __init__(self, detector: InjectionDetector, model_id: str, *, shares_embeddings: bool) -> None:
        self._detector = detector
        self._shares_embeddings = shares_embeddings
        self.model_id = model_id

    def score(self, texts: Sequence[str], embeddings: Sequence[Sequence[float]]) -> list[float]:
        if self._shares_embeddings:
            results = [self._detector.score(text, vector) for text, vector in zip(texts, embeddings, strict=True)]
        else:
            results = self._detector.score_many(texts)
        return [round(result.score, 4) for result in results]


def load_chunk_scorer(config: GuardrailsConfig, embedder: SentenceEncoder) -> InjectionChunkScorer | None:
    """None when guardrails are off. Blocking (loads an encoder when it cannot share the embedder)."""
    if not config.enabled:
        return None
    shares = embedder.model_id == config.injection_encoder
    encoder = embedder if shares else load_sentence_encoder(config.injection_encoder)
    detector = InjectionDetector(load_injection_model(), encoder)
    return InjectionChunkScorer(detector, chunk_scorer_id(config), shares_embeddings=shares)
