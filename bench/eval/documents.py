"""The plain text of a corpus document, as the question-set checkers in bench/eval/ compare strings against it.

PDF and DOCX are extracted by pypdf and python-docx, HTML has its scripts, styles and tags removed and its
entities decoded, anything else is read as UTF-8 text; whitespace is then collapsed to single spaces. Used by
check_answer_sets.py and check_grounding_set.py, which run as scripts (`python bench/eval/<name>.py` puts this
folder on sys.path, so they import it as `documents`).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import docx
import pypdf


def collapse(text: str) -> str:
    """`text` with every run of whitespace (newlines included) made one space, and none at either end."""
    return " ".join(text.split())


def document_text(path: Path) -> str:
    """The document's text with whitespace collapsed; its case is kept."""
    if path.suffix == ".pdf":
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    elif path.suffix == ".docx":
        text = "\n".join(paragraph.text for paragraph in docx.Document(str(path)).paragraphs)
    elif path.suffix in {".html", ".htm"}:
        raw = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        text = html.unescape(re.sub(r"<[^>]+>", " ", raw))
    else:
        text = path.read_text(encoding="utf-8")
    return collapse(text)
