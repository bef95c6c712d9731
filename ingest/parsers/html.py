"""HTML: trafilatura keeps the main content (dropping navigation, scripts, footers) as Markdown with its
headings, which the Markdown parser then turns into sections."""

from __future__ import annotations

from pathlib import Path

import trafilatura

from ingest.document import ParsedDocument, ParseError, title_from_path
from ingest.parsers.markdown import markdown_to_document
from ingest.parsers.text import decode_text

__all__ = ["HtmlParser"]


class HtmlParser:
    def parse(self, path: Path, data: bytes) -> ParsedDocument:
        html = decode_text(data)
        content = trafilatura.extract(
            html,
            output_format="markdown",
            include_tables=True,
            include_links=False,
            include_images=False,
            include_formatting=True,
            include_comments=False,
        )
        if not content:
            raise ParseError("no main text found in the HTML")
        metadata = trafilatura.extract_metadata(html)
        title = (metadata.title if metadata is not None else None) or title_from_path(path)
        return markdown_to_document(content, title)
