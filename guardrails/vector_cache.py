"""Sentence vectors memoised by text, shared across requests.

The groundedness check embeds the sentences of the passages each answer was given. The same passages come back
answer after answer (a knowledge base has popular pages), and embedding them again was most of the server's own
CPU time under load (docs/benchmarks.md, contention). The vectors depend only on the text and the encoder, so a
bounded cache by text gives the same verdicts for a fraction of the work.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["VectorCache"]

Vectors = npt.NDArray[np.float32]


class VectorCache:
    """A thread-safe LRU of text → float32 vector. Use one per encoder model."""

    def __init__(self, capacity: int = 16_384) -> None:
        self.capacity = capacity
        """Vectors kept (all-MiniLM-L6-v2: 1.5 KB each, 24 MiB at the default)."""
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def encode(self, texts: Sequence[str], encode: Callable[[Sequence[str]], Sequence[Sequence[float]]]) -> Vectors:
        """The vectors of `texts` as rows, in order: cached ones from the cache, the others from one `encode` call
        (each distinct text once)."""
        found: dict[str, Vectors] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
            missing = [text for text in dict.fromkeys(texts) if text not in found]
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        if missing:
            fresh = np.asarray(encode(missing), dtype=np.float32)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    found[text] = self._vectors[text] = vector
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[text] for text in texts])
