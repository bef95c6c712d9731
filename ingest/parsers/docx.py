"""DOCX: paragraphs and tables in body order with python-docx; Heading styles become sections."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.document import DocumentBuilder, ParsedDocument, ParseError, title_from_path

__all__ = ["DocxParser"]


def _heading_level(paragraph: Paragraph) -> int | None:
    name = paragraph.style.name if paragraph.style is not None else ""
    if name == "Title":
        return 0
    if name and name.startswith("Heading"):
        suffix = name.removeprefix("Heading").strip()
        return int(suffix) if suffix.isdigit() else 1
    return None


class DocxParser:
    def parse(self, path: Path, data: bytes) -> ParsedDocument:
        try:
            document = docx.Document(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise ParseError(f"unreadable DOCX ({type(exc).__name__})") from None
        builder = DocumentBuilder()
        headings: list[tuple[int, str]] = []
        title = (document.core_properties.title or "").strip()
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                section = " › ".join(name for _, name in headings)
                for row in item.rows:
                    builder.add(" | ".join(cell.text.strip() for cell in row.cells), section=section)
                continue
            level = _heading_level(item)
            text = item.text.strip()
            if level is not None and text:
                if level == 0 or text == title or (level == 1 and not title):
                    title = title or text
                    continue
                headings = [(lvl, name) for lvl, name in headings if lvl < level] + [(level, text)]
                continue
            builder.add(text, section=" › ".join(name for _, name in headings))
        return builder.build(title or title_from_path(path))
