"""docs/benchmarks.md: generated blocks between `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->`."""

from __future__ import annotations

from pathlib import Path

from bench.servers import REPO

DOC = REPO / "docs" / "benchmarks.md"


def replace_block(text: str, name: str, body: str) -> str:
    """Swap what lies between the block's markers; append the block if the page has none."""
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    if begin in text and end in text:
        return text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    return text.rstrip() + "\n\n" + block + "\n"


def write_block(name: str, body: str, doc: Path = DOC) -> None:
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    doc.write_text(replace_block(text, name, body))


def image(path: Path, alt: str, doc: Path = DOC) -> str:
    """A Markdown image link relative to the page."""
    return f"![{alt}]({path.relative_to(doc.parent).as_posix()})"
