"""Parsers, chunking and discovery on the sample documents and on files that must be refused."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from ingest.chunker import TokenChunker
from ingest.discover import discover
from ingest.document import ParseError
from ingest.parsers import parser_for
from ingest.parsers.markdown import markdown_to_document
from tests.support import REPO

DATA = REPO / "data"


class WordCounter:
    """One token per word: enough to test packing without loading a tokenizer."""

    def count(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) for text in texts]


def parse(path: Path) -> object:
    parser = parser_for(path.suffix)
    assert parser is not None
    return parser.parse(path, path.read_bytes())


@pytest.mark.parametrize(
    ("relative", "title", "expected_text"),
    [
        ("hr/leave-policy.md", "Leave policy", "25 days of paid annual leave"),
        ("it/printing.html", "Printing and scanning", "follow-me printing"),
        ("hr/benefits-handbook.pdf", "Benefits handbook 2026", "matches 100% of your contributions"),
        ("hr/onboarding-checklist.docx", "Onboarding checklist", "security awareness training"),
        ("it/wifi.txt", "Wifi", "NW-Guest is for visitors"),
    ],
)
def test_every_format_yields_titled_text(relative: str, title: str, expected_text: str) -> None:
    document = parse(DATA / relative)
    assert document.title == title  # type: ignore[attr-defined]
    assert expected_text in document.text  # type: ignore[attr-defined]


def test_html_drops_navigation_scripts_and_footer() -> None:
    text = parse(DATA / "it" / "printing.html").text  # type: ignore[attr-defined]
    for boilerplate in ("Wiki home", "window.analytics", "Privacy", "Related pages"):
        assert boilerplate not in text


def test_markdown_headings_become_sections() -> None:
    document = parse(DATA / "hr" / "leave-policy.md")
    sections = {block.section for block in document.blocks}  # type: ignore[attr-defined]
    assert {"Annual leave", "Sick leave", "Parental leave"} <= sections


def test_pdf_blocks_keep_page_numbers() -> None:
    document = parse(DATA / "hr" / "benefits-handbook.pdf")
    pages = {block.page for block in document.blocks}  # type: ignore[attr-defined]
    assert pages == {1, 2}
    learning = next(b for b in document.blocks if "Learning budget" in document.text[b.start : b.end])  # type: ignore[attr-defined]
    assert learning.page == 2


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("corrupt.pdf", b"%PDF-1.7\n this is not really a pdf", "PDF"),
        ("junk.txt", bytes(range(256)) * 8, "binary"),
        ("empty.md", b"   \n\n", "no extractable text"),
        ("broken.docx", b"PK\x03\x04 not a zip", "DOCX"),
    ],
)
def test_unparseable_files_raise_parse_error_with_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ParseError, match=reason):
        parse(path)


def test_chunks_respect_the_budget_overlap_and_word_boundaries() -> None:
    sentences = " ".join(f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(60))
    document = markdown_to_document(f"# Doc\n\n## Part\n\n{sentences}", "Doc")
    chunks = TokenChunker(WordCounter(), max_tokens=40, overlap_tokens=12).chunk(document)
    assert len(chunks) > 5
    for chunk in chunks:
        assert len(chunk.text.split()) <= 40
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert chunk.start == 0 or not document.text[chunk.start - 1].isalnum(), "chunk starts mid-word"
        assert chunk.end == len(document.text) or not document.text[chunk.end].isalnum(), "chunk ends mid-word"
        assert chunk.section == "Part"
    for previous, current in itertools.pairwise(chunks):
        assert current.start < previous.end, "consecutive chunks overlap"
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_a_heading_starts_a_new_chunk_without_overlap_across_it() -> None:
    body = " ".join(["Alpha words here."] * 10)
    document = markdown_to_document(f"# T\n\n## One\n\n{body}\n\n## Two\n\n{body}", "T")
    chunks = TokenChunker(WordCounter(), max_tokens=100, overlap_tokens=10).chunk(document)
    assert [c.section for c in chunks] == ["One", "Two"]
    assert chunks[1].start > chunks[0].end


def test_an_overlong_sentence_is_cut_between_words() -> None:
    document = markdown_to_document("word " * 95, "T")
    chunks = TokenChunker(WordCounter(), max_tokens=30, overlap_tokens=0).chunk(document)
    assert all(re.fullmatch(r"word( word)*", c.text) for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == 95


def test_discovery_skips_ignored_hidden_and_applies_access_groups(tmp_path: Path) -> None:
    (tmp_path / "kb" / "models").mkdir(parents=True)
    (tmp_path / "kb" / "secret").mkdir()
    (tmp_path / "kb" / ".ragignore").write_text("models/\n*.tmp\n")
    (tmp_path / "kb" / "models" / "README.md").write_text("model card")
    (tmp_path / "kb" / "notes.tmp").write_text("x")
    (tmp_path / "kb" / ".hidden.md").write_text("x")
    (tmp_path / "kb" / "guide.md").write_text("# Guide")
    (tmp_path / "kb" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "kb" / "secret" / "rag-meta.toml").write_text('access_groups = ["hr"]\n[metadata]\nteam = "people"\n')
    (tmp_path / "kb" / "secret" / "pay.md").write_text("# Pay")
    found = {f.source: f for f in discover([tmp_path / "kb"])}
    assert set(found) == {"kb/guide.md", "kb/image.png", "kb/secret/pay.md"}
    assert not found["kb/image.png"].supported
    assert found["kb/guide.md"].meta.access_groups == ("public",)
    assert found["kb/secret/pay.md"].meta.access_groups == ("hr",)
    assert found["kb/secret/pay.md"].meta.metadata == {"team": "people"}
