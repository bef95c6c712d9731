"""Check the labelled groundedness set (bench/eval/grounding_labelled.toml) against its documents, then count it.

Every passage must appear verbatim in one of the documents its case names in `source` (comma-separated when the
passages come from several documents), compared after collapsing whitespace: Markdown and text files as written,
PDF and DOCX as extracted by pypdf and python-docx, HTML with scripts, styles and tags removed. Every named
document must lie in data/ (outside data/models, data/hr/confidential and data/it/admin) or in
bench/corpora/package-docs/, and supply at least one passage. A case has 1-3 passages of 40-150 words and one
sentence of 8-35 words; its kind must agree with its `supported` label. The set needs at least 70 supported and 70
unsupported cases, at least 10 of each unsupported kind, and paraphrases for at least a third of the supported
ones. Prints counts per kind and per corpus.

    .venv/bin/python bench/eval/check_grounding_set.py
"""

from __future__ import annotations

import re
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
SET = REPO / "bench" / "eval" / "grounding_labelled.toml"
CORPORA = {"data": REPO / "data", "package-docs": REPO / "bench" / "corpora" / "package-docs"}
EXCLUDED = [REPO / "data" / "models", REPO / "data" / "hr" / "confidential", REPO / "data" / "it" / "admin"]
SUPPORTED_KINDS = ("faithful", "paraphrase", "summary")
UNSUPPORTED_KINDS = ("wrong_number", "wrong_name", "invented_claim", "outside_knowledge", "negation")
FIELDS = {"id", "source", "passages", "sentence", "supported", "kind"}
MIN_PER_LABEL = 70
MIN_PER_UNSUPPORTED_KIND = 10
PASSAGE_WORDS = (40, 150)
SENTENCE_WORDS = (8, 35)


def corpus_of(source: str) -> str | None:
    path = (REPO / source).resolve()
    if any(path.is_relative_to(excluded.resolve()) for excluded in EXCLUDED):
        return None
    for name, folder in CORPORA.items():
        if path.is_relative_to(folder.resolve()):
            return name
    return None


def words(text: str) -> int:
    return len(text.split())


def check_case(case: dict[str, Any], texts: dict[str, str]) -> tuple[list[str], str | None]:
    """Return the problems with one case and the corpus its passages come from."""
    cid = str(case.get("id", "?"))
    problems: list[str] = []
    if set(case) != FIELDS:
        problems.append(f"{cid}: fields {sorted(set(case))}, expected {sorted(FIELDS)}")
        return problems, None
    kind, supported = case["kind"], case["supported"]
    if kind not in SUPPORTED_KINDS + UNSUPPORTED_KINDS:
        problems.append(f"{cid}: unknown kind {kind!r}")
    elif supported is not (kind in SUPPORTED_KINDS):
        problems.append(f"{cid}: kind {kind!r} contradicts supported = {supported}")
    if not 1 <= len(case["passages"]) <= 3:
        problems.append(f"{cid}: {len(case['passages'])} passages (1-3 allowed)")
    n = words(case["sentence"])
    if not SENTENCE_WORDS[0] <= n <= SENTENCE_WORDS[1]:
        problems.append(f"{cid}: sentence has {n} words ({SENTENCE_WORDS[0]}-{SENTENCE_WORDS[1]} allowed)")
    sources = [s.strip() for s in str(case["source"]).split(",")]
    corpora = {corpus_of(source) for source in sources}
    if None in corpora or len(corpora) != 1:
        problems.append(f"{cid}: sources {sources} must all lie in one allowed corpus folder")
    used: set[str] = set()
    for index, passage in enumerate(case["passages"], start=1):
        n = words(passage)
        if not PASSAGE_WORDS[0] <= n <= PASSAGE_WORDS[1]:
            problems.append(f"{cid}: passage {index} has {n} words ({PASSAGE_WORDS[0]}-{PASSAGE_WORDS[1]} allowed)")
        found = False
        for source in sources:
            if source not in texts:
                texts[source] = document_text(REPO / source) if (REPO / source).is_file() else ""
            if not texts[source]:
                problems.append(f"{cid}: source {source} is missing or empty")
            elif collapse(passage) in texts[source]:
                used.add(source)
                found = True
                break
        if not found:
            problems.append(f"{cid}: passage {index} is not verbatim in {', '.join(sources)}")
    for source in sources:
        if source not in used:
            problems.append(f"{cid}: source {source} supplies no passage")
    corpus = next(iter(corpora)) if len(corpora) == 1 else None
    return problems, corpus


def main() -> int:
    cases: list[dict[str, Any]] = tomllib.loads(SET.read_text(encoding="utf-8"))["case"]
    problems: list[str] = []
    texts: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    by_corpus: Counter[tuple[str, str]] = Counter()
    for dupe, count in Counter(str(case.get("id")) for case in cases).items():
        if count > 1 or not re.fullmatch(r"g-\d{3}", dupe):
            problems.append(f"{dupe}: id malformed or used {count} times")
    for dupe, count in Counter(str(case.get("sentence")) for case in cases).items():
        if count > 1:
            problems.append(f"sentence used {count} times: {dupe}")
    for case in cases:
        case_problems, corpus = check_case(case, texts)
        problems.extend(case_problems)
        kind = str(case.get("kind"))
        kinds[kind] += 1
        by_corpus[(corpus or "?", "supported" if kind in SUPPORTED_KINDS else "unsupported")] += 1
    supported = sum(kinds[kind] for kind in SUPPORTED_KINDS)
    unsupported = sum(kinds[kind] for kind in UNSUPPORTED_KINDS)
    if supported < MIN_PER_LABEL or unsupported < MIN_PER_LABEL:
        problems.append(f"{supported} supported and {unsupported} unsupported (at least {MIN_PER_LABEL} each)")
    if 3 * kinds["paraphrase"] < supported:
        problems.append(f"{kinds['paraphrase']} paraphrases is under a third of {supported} supported cases")
    problems.extend(
        f"only {kinds[kind]} {kind} cases (at least {MIN_PER_UNSUPPORTED_KIND})"
        for kind in UNSUPPORTED_KINDS
        if kinds[kind] < MIN_PER_UNSUPPORTED_KIND
    )
    print(f"{SET.relative_to(REPO)}: {len(cases)} cases, {supported} supported, {unsupported} unsupported")
    for kind in SUPPORTED_KINDS + UNSUPPORTED_KINDS:
        print(f"  {kind:18} {kinds[kind]:3}")
    for corpus in sorted({corpus for corpus, _ in by_corpus}):
        yes, no = by_corpus[(corpus, "supported")], by_corpus[(corpus, "unsupported")]
        print(f"  corpus {corpus:12} {yes + no:3} ({yes} supported, {no} unsupported)")
    for problem in problems:
        print(f"  PROBLEM {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
