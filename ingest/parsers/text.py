"""Plain text: blank lines separate blocks. Binary junk is refused rather than indexed."""

from __future__ import annotations

from pathlib import Path

from ingest.document import DocumentBuilder, ParsedDocument, ParseError, title_from_path

__all__ = ["TextParser", "decode_text"]

_PRINTABLE_SHARE = 0.95


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Latin-1 text; ParseError for bytes that are not text at all."""
    if b"\x00" in data[:8192]:
        raise ParseError("binary content (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:8192]
    printable = sum(1 for ch in sample if ch.isprintable() or ch in "\n\r\t")
    if sample and printable / len(sample) < _PRINTABLE_SHARE:
        raise ParseError("binary content (mostly unprintable characters), not text")
    return text


class TextParser:
    def parse(self, path: Path, data: bytes) -> ParsedDocument:
        builder = DocumentBuilder()
        for paragraph in decode_text(data).split("\n\n"):
            builder.add(paragraph)
        return builder.build(title_from_path(path))
