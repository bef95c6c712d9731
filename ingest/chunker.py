"""Token-aware chunking: sentences packed up to a token budget, cut only between words, with overlap.

Sizes are counted with the embedder's own tokenizer, so a chunk never overflows what the embedder reads. A
chunk never straddles a heading when it already has a useful amount of text, and the overlap (whole sentences
from the end of the previous chunk) never crosses a heading either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import msgspec

from ingest.document import ParsedDocument
from rag_server.retrieval.records import ChunkDraft

__all__ = ["Chunker", "TokenChunker", "TokenCounter", "load_token_counter"]

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")
_WORD = re.compile(r"\S+")


class TokenCounter(Protocol):
    def count(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text, without special tokens."""
        ...


class Chunker(Protocol):
    def chunk(self, document: ParsedDocument) -> list[ChunkDraft]: ...


class _Unit(msgspec.Struct):
    start: int
    end: int
    tokens: int
    section: str
    page: int | None


class TokenChunker:
    def __init__(self, counter: TokenCounter, max_tokens: int, overlap_tokens: int) -> None:
        if overlap_tokens >= max_tokens:
            raise ValueError("the chunk overlap must be smaller than the chunk size")
        self._counter = counter
        self._max = max_tokens
        self._overlap = overlap_tokens
        self._min_before_heading = max_tokens // 4

    def chunk(self, document: ParsedDocument) -> list[ChunkDraft]:
        units = self._units(document)
        chunks: list[ChunkDraft] = []
        current: list[_Unit] = []
        size = 0
        for unit in units:
            new_section = bool(current) and unit.section != current[-1].section
            if current and (size + unit.tokens > self._max or (new_section and size >= self._min_before_heading)):
                chunks.append(self._draft(document, current, len(chunks)))
                current = [] if new_section else self._overlap_tail(current)
                size = sum(u.tokens for u in current)
            current.append(unit)
            size += unit.tokens
        if current:
            chunks.append(self._draft(document, current, len(chunks)))
        return chunks

    def _overlap_tail(self, units: list[_Unit]) -> list[_Unit]:
        tail: list[_Unit] = []
        size = 0
        for unit in reversed(units[1:]):  # never the whole previous chunk again
            if size + unit.tokens > self._overlap:
                break
            tail.insert(0, unit)
            size += unit.tokens
        return tail

    def _draft(self, document: ParsedDocument, units: list[_Unit], ordinal: int) -> ChunkDraft:
        start, end = units[0].start, units[-1].end
        weight: dict[str, int] = {}
        for unit in units:  # a chunk that runs past a short intro belongs to the section it is mostly about
            weight[unit.section] = weight.get(unit.section, 0) + unit.tokens
        return ChunkDraft(
            ordinal=ordinal,
            text=document.text[start:end],
            start=start,
            end=end,
            section=max(weight, key=lambda section: weight[section]),
            page=units[0].page,
        )

    def _units(self, document: ParsedDocument) -> list[_Unit]:
        """Sentences of every block; a sentence over the budget is split into word runs that fit."""
        spans: list[tuple[int, int, str, int | None]] = []
        for block in document.blocks:
            position = block.start
            for separator in _SENTENCE_END.finditer(document.text, block.start, block.end):
                if separator.start() > position:
                    spans.append((position, separator.start(), block.section, block.page))
                position = separator.end()
            if position < block.end:
                spans.append((position, block.end, block.section, block.page))
        counts = self._counter.count([document.text[start:end] for start, end, _, _ in spans])
        units: list[_Unit] = []
        for (start, end, section, page), tokens in zip(spans, counts, strict=True):
            if tokens <= self._max:
                units.append(_Unit(start, end, tokens, section, page))
            else:
                units.extend(self._split_words(document.text, start, end, section, page))
        return units

    def _split_words(self, text: str, start: int, end: int, section: str, page: int | None) -> list[_Unit]:
        words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
        counts = self._counter.count([text[a:b] for a, b in words])
        runs: list[_Unit] = []
        for (word_start, word_end), tokens in zip(words, counts, strict=True):
            if runs and runs[-1].tokens + tokens <= self._max:
                runs[-1].end = word_end
                runs[-1].tokens += tokens
            else:  # a single word longer than the budget still stays whole
                runs.append(_Unit(word_start, word_end, tokens, section, page))
        return runs


class _HuggingFaceCounter:
    def __init__(self, tokenizer: Any) -> None:
        # The packaged tokenizer.json pads and truncates to 128; counting needs neither.
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._tokenizer = tokenizer

    def count(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encodings]


def load_token_counter(model_path: str) -> TokenCounter:
    """The embedder's tokenizer: its `tokenizer.json` when it is a local folder, else through transformers."""
    from tokenizers import Tokenizer  # noqa: PLC0415 - heavy-ish import, only when chunking

    local = Path(model_path) / "tokenizer.json"
    if local.is_file():
        return _HuggingFaceCounter(Tokenizer.from_file(str(local)))
    from transformers import AutoTokenizer  # noqa: PLC0415

    return _HuggingFaceCounter(AutoTokenizer.from_pretrained(model_path).backend_tokenizer)
