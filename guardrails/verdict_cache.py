"""Injection scores of texts seen before. A chat client sends the whole conversation with every request, so each
earlier turn would be scored again and again; scored once, it costs a hash and a lookup. Keys are BLAKE2b digests
of the text: the cache holds no text, and a turn that changes by one character is scored afresh."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from guardrails.injection import InjectionScore

__all__ = ["VerdictCache"]


class VerdictCache:
    """A bounded, thread-safe LRU map from a text's digest to its injection score."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._scores: OrderedDict[bytes, InjectionScore] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes) -> InjectionScore | None:
        with self._lock:
            score = self._scores.get(key)
            if score is None:
                self.misses += 1
                return None
            self._scores.move_to_end(key)
            self.hits += 1
            return score

    def put(self, key: bytes, score: InjectionScore) -> None:
        if self.capacity == 0:
            return
        with self._lock:
            self._scores[key] = score
            self._scores.move_to_end(key)
            while len(self._scores) > self.capacity:
                self._scores.popitem(last=False)

    def __len__(self) -> int:
        return len(self._scores)
