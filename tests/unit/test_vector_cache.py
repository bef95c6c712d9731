"""The passages' vector cache: same vectors as the encoder, each text encoded once, bounded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from guardrails.vector_cache import VectorCache


class CountingEncoder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[float(len(text)), float(text.count("a")), 1.0] for text in texts]


def test_rows_follow_the_texts_and_each_text_is_encoded_once() -> None:
    encoder, cache = CountingEncoder(), VectorCache()
    first = cache.encode(["alpha", "beta", "alpha"], encoder)
    assert first.tolist() == [[5.0, 2.0, 1.0], [4.0, 1.0, 1.0], [5.0, 2.0, 1.0]]
    assert encoder.calls == [["alpha", "beta"]]
    second = cache.encode(["beta", "gamma"], encoder)
    assert second.tolist() == [[4.0, 1.0, 1.0], [5.0, 2.0, 1.0]]
    assert encoder.calls[-1] == ["gamma"], "only the new text reaches the encoder"
    assert (cache.hits, cache.misses) == (2, 3)
    assert second.dtype == np.float32


def test_the_least_recently_used_text_is_evicted_first() -> None:
    encoder, cache = CountingEncoder(), VectorCache(capacity=2)
    cache.encode(["a", "b"], encoder)
    cache.encode(["a"], encoder)  # "a" is now the most recent
    cache.encode(["c"], encoder)  # evicts "b"
    encoder.calls.clear()
    cache.encode(["a", "b", "c"], encoder)
    assert encoder.calls == [["b"]]


def test_no_texts_encode_nothing() -> None:
    encoder, cache = CountingEncoder(), VectorCache()
    assert cache.encode([], encoder).shape == (0, 0)
    assert encoder.calls == []
