"""One parser per format, chosen by file suffix."""

from __future__ import annotations

from ingest.document import Parser
from ingest.parsers.docx import DocxParser
from ingest.parsers.html import HtmlParser
from ingest.parsers.markdown import MarkdownParser
from ingest.parsers.pdf import PdfParser
from ingest.parsers.text import TextParser

__all__ = ["PARSERS", "parser_for"]

PARSERS: dict[str, Parser] = {
    ".pdf": PdfParser(),
    ".html": HtmlParser(),
    ".htm": HtmlParser(),
    ".md": MarkdownParser(),
    ".markdown": MarkdownParser(),
    ".docx": DocxParser(),
    ".txt": TextParser(),
    ".text": TextParser(),
}


def parser_for(suffix: str) -> Parser | None:
    return PARSERS.get(suffix.lower())
