"""Check the answer-quality question sets (bench/eval/answers_*.toml) against their documents, then count them.

Every answerable question must name a source document that exists inside the set's corpus folder (data/,
bench/corpora/package-docs/ or bench/corpora/man-pages/) and whose text (as documents.py reads it: PDF and DOCX
extracted, HTML scripts, styles and tags removed, whitespace collapsed; case ignored) contains the first `accept`
string verbatim; the other strings are equivalent spellings and may be absent. No accept string may appear in the
question itself (an answer that echoes the question would pass). Ids must be unique, families known, no document
may hold more than four questions, and unanswerable questions carry neither `accept` nor `source`. Prints a count
per file and family.

    .venv/bin/python bench/eval/check_answer_sets.py
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # mypy reads this folder as the package bench.eval
    from bench.eval.documents import collapse, document_text
else:  # `python bench/eval/<name>.py` puts this folder, not the repository, on sys.path
    from documents import collapse, document_text

REPO = Path(__file__).resolve().parents[2]
# Each question set and the corpus folder its sources must lie in.
SETS: dict[Path, Path] = {
    REPO / "bench" / "eval" / "answers_data.toml": REPO / "data",
    REPO / "bench" / "eval" / "answers_packages.toml": REPO / "bench" / "corpora" / "package-docs",
    REPO / "bench" / "eval" / "answers_manpages.toml": REPO / "bench" / "corpora" / "man-pages",
}
FAMILIES = {"number", "name", "yes_no", "procedure", "definition", "date"}
MAX_PER_DOCUMENT = 4


def check(path: Path, corpus: Path) -> tuple[list[str], Counter[str]]:
    questions: list[dict[str, Any]] = tomllib.loads(path.read_text(encoding="utf-8"))["q"]
    problems: list[str] = []
    families: Counter[str] = Counter()
    per_document: Counter[str] = Counter()
    texts: dict[str, str] = {}
    for dupe, count in Counter(q["id"] for q in questions).items():
        if count > 1:
            problems.append(f"{dupe}: id used {count} times")
    for q in questions:
        qid, family = q["id"], q["family"]
        families[family] += 1
        if q.get("answerable", True) is False:
            if family != "unanswerable" or "accept" in q or "source" in q:
                problems.append(f"{qid}: an unanswerable question needs family 'unanswerable' and no accept/source")
            continue
        if family not in FAMILIES:
            problems.append(f"{qid}: unknown family {family!r}")
        source = q["source"]
        per_document[source] += 1
        if not (REPO / source).resolve().is_relative_to(corpus.resolve()):
            problems.append(f"{qid}: source {source} is outside the corpus folder {corpus.relative_to(REPO)}")
        if source not in texts:
            texts[source] = document_text(REPO / source).casefold() if (REPO / source).is_file() else ""
        if not texts[source]:
            problems.append(f"{qid}: source {source} is missing or empty")
            continue
        accept: list[str] = q["accept"]
        if not accept or collapse(accept[0]).casefold() not in texts[source]:
            problems.append(f"{qid}: first accept string {accept[:1]} is not in {source}")
        echoed = [a for a in accept if a.casefold() in q["question"].casefold()]
        if echoed:
            problems.append(f"{qid}: the question itself contains {echoed}, so echoing it would pass")
    for source, count in per_document.items():
        if count > MAX_PER_DOCUMENT:
            problems.append(f"{source}: {count} questions (at most {MAX_PER_DOCUMENT})")
    return problems, families


def main() -> int:
    failed = False
    for path, corpus in SETS.items():
        problems, families = check(path, corpus)
        answerable = sum(n for family, n in families.items() if family != "unanswerable")
        print(f"{path.relative_to(REPO)}: {answerable} answerable, {families['unanswerable']} unanswerable")
        for family in [*sorted(FAMILIES), "unanswerable"]:
            print(f"  {family:12} {families[family]:3}")
        for problem in problems:
            print(f"  PROBLEM {problem}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
