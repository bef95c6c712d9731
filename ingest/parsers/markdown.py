"""Markdown: headings become the section path of the blocks under them; markup is dropped, text is kept."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.document import DocumentBuilder, ParsedDocument, title_from_path
from ingest.parsers.text import decode_text

__all__ = ["MarkdownParser", "markdown_to_document"]

_MARKDOWN = MarkdownIt("commonmark").enable("table")
_BLOCK_CLOSERS = {"paragraph_close", "list_item_close", "tr_close", "blockquote_close"}


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n" if child.type == "hardbreak" else " ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def markdown_to_document(source: str, fallback_title: str) -> ParsedDocument:
    builder = DocumentBuilder()
    headings: list[tuple[int, str]] = []
    title = ""
    pending: list[str] = []

    def flush(separator: str = "\n") -> None:
        if pending:
            section = " › ".join(name for level, name in headings if not (level == 1 and name == title))
            builder.add(separator.join(pending), section=section)
            pending.clear()

    tokens = _MARKDOWN.parse(source)
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            flush()
            level, text = int(token.tag[1:]), _inline_text(tokens[index + 1]).strip()
            if level == 1 and not title:
                title = text
            headings = [(lvl, name) for lvl, name in headings if lvl < level] + [(level, text)]
        elif token.type == "inline" and tokens[index - 1].type != "heading_open":
            pending.append(_inline_text(token))
        elif token.type in ("fence", "code_block"):
            pending.append(token.content.rstrip("\n"))
            if token.level == 0:
                flush()
        elif token.type in _BLOCK_CLOSERS:
            flush(" | " if token.type == "tr_close" else "\n")
    flush()
    return builder.build(title or fallback_title)


class MarkdownParser:
    def parse(self, path: Path, data: bytes) -> ParsedDocument:
        return markdown_to_document(decode_text(data), title_from_path(path))
