"""A parsed document: normalised plain text plus the blocks that say which section and page each span is in."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Protocol

import msgspec

__all__ = ["Block", "DocumentBuilder", "ParseError", "ParsedDocument", "Parser", "normalise", "title_from_path"]


class ParseError(Exception):
    """The file cannot be turned into text; the message says why (shown to the operator, never logged)."""


class Block(msgspec.Struct, frozen=True):
    """A paragraph-like span of `ParsedDocument.text`: chunks prefer to end at block boundaries."""

    start: int
    end: int
    section: str = ""
    page: int | None = None


class ParsedDocument(msgspec.Struct, frozen=True):
    title: str
    text: str
    blocks: tuple[Block, ...]


class Parser(Protocol):
    def parse(self, path: Path, data: bytes) -> ParsedDocument:
        """Raise ParseError when the bytes are not a readable document of this format."""
        ...


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """NFKC, no control or zero-width characters, single spaces, trimmed lines, at most one blank line."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


class DocumentBuilder:
    """Joins normalised blocks with blank lines and records where each one landed."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._blocks: list[Block] = []
        self._length = 0

    def add(self, text: str, section: str = "", page: int | None = None) -> None:
        text = normalise(text)
        if not text:
            return
        if self._parts:
            self._parts.append("\n\n")
            self._length += 2
        self._parts.append(text)
        self._blocks.append(Block(self._length, self._length + len(text), section, page))
        self._length += len(text)

    def build(self, title: str) -> ParsedDocument:
        if not self._blocks:
            raise ParseError("no extractable text")
        return ParsedDocument(normalise(title) or "untitled", "".join(self._parts), tuple(self._blocks))


def title_from_path(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").strip().capitalize()
