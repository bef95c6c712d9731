"""Cut pasted material into the sentences and lines an instruction planted in it would occupy.

A note addressed to the assistant inside a 300-word résumé is one sentence among twenty: scored as a whole, the
document's meaning drowns it. Scored sentence by sentence, the note stands alone. Short texts (a question) are one
segment, so they cost nothing extra.
"""

from __future__ import annotations

import re

__all__ = ["MAX_SEGMENTS", "MIN_WORDS_TO_SEGMENT", "segments"]

MIN_WORDS_TO_SEGMENT = 40
"""Texts shorter than this are scored whole only: a question or a short turn is already one thought."""
MAX_SEGMENTS = 32
"""Beyond this many sentences, neighbours are scored in groups, so a long paste costs a bounded number of encoder
rows (each ~5 ms on 2 cores): a 1,024-word paste is ~90 sentences, scored as ~30 groups of three. At 48 the
input rails of the chat path took 663 ms p50 for 1,024 words, too close to the 1 s guard timeout."""
_MIN_SEGMENT_WORDS = 3
"""Pieces shorter than this (a stray "users." where a paste begins mid-sentence) are joined to the next piece."""
_MAX_SEGMENT_WORDS = 60
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[\"'(\[<A-Z0-9])|\n+")


def segments(text: str) -> list[str]:
    """The text's sentences and lines, fragments joined to the next, long ones cut; [] for a short text."""
    if len(text.split()) < MIN_WORDS_TO_SEGMENT:
        return []
    found: list[str] = []
    pending: list[str] = []
    for piece in _SENTENCE_END.split(text):
        pending += piece.split()
        if len(pending) >= _MIN_SEGMENT_WORDS:
            found += [" ".join(pending[i : i + _MAX_SEGMENT_WORDS]) for i in range(0, len(pending), _MAX_SEGMENT_WORDS)]
            pending = []
    if pending:
        if found:
            found[-1] = f"{found[-1]} {' '.join(pending)}"
        else:
            found.append(" ".join(pending))
    group = -(-len(found) // MAX_SEGMENTS)
    return [" ".join(found[i : i + group]) for i in range(0, len(found), group)] if group > 1 else found
