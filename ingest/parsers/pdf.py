"""PDF: text per page with pypdf (pure Python, BSD); every block keeps its page number."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ingest.document import DocumentBuilder, ParsedDocument, ParseError, title_from_path

__all__ = ["PdfParser"]

_HYPHENATED = re.compile(r"(\w)-\n(\w)")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


class PdfParser:
    def parse(self, path: Path, data: bytes) -> ParsedDocument:
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise ParseError("the PDF is encrypted")
            pages = [page.extract_text() or "" for page in reader.pages]
            metadata_title = reader.metadata.title if reader.metadata else None
        except ParseError:
            raise
        except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
            raise ParseError(f"unreadable PDF ({type(exc).__name__})") from None
        builder = DocumentBuilder()
        for number, raw in enumerate(pages, start=1):
            for paragraph in _PARAGRAPH_BREAK.split(_HYPHENATED.sub(r"\1\2", raw)):
                builder.add(paragraph.replace("\n", " "), page=number)
        return builder.build(str(metadata_title or "").strip() or title_from_path(path))
