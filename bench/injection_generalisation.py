"""How the injection detector does on what it was not trained on: `python -m bench.injection_generalisation`.

Prints Markdown for docs/benchmarks.md:
- leave-one-family-out: for each attack family of guardrails/data/injection_train.jsonl, the classifier is refitted
  without that family by the shipping procedure (`guardrails.train.fit_classifier`, same target FPR and threshold
  rule, over one five-fold split instead of the shipped model's five, for time) and scored on the family it never
  saw, alone and with the rules; beside it, the shipped model's cross-validated recall on the family (the
  optimistic, in-distribution figure);
- benign false alarms of the shipped detector on prose nobody here wrote and it never trained on: paragraphs of the
  package READMEs in bench/corpora/package-docs and of the man pages in bench/corpora/man-pages (neither is in the
  training corpus), and 300-word excerpts of both pasted with "Please summarise this document:"; and on the sample
  wiki (data/), which we wrote.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from guardrails.encoders import load_sentence_encoder
from guardrails.injection import (
    SEGMENT_MARGIN,
    InjectionDetector,
    default_flag_threshold,
    detector_text,
    load_injection_model,
)
from guardrails.injection_rules import match_rules
from guardrails.segments import segments
from guardrails.train import DEFAULT_REGULARISATION as REGULARISATION
from guardrails.train import DEFAULT_TARGET_FPR as TARGET_FPR
from guardrails.train import corpus_features, corpus_rows, fit_classifier
from ingest.parsers import parser_for

CORPORA = Path(__file__).with_name("corpora")
DATA = Path(__file__).resolve().parents[1] / "data"
PASTE_WORDS = 300


def paragraphs(folder: str, suffix: str) -> list[str]:
    """Running-text paragraphs of 25+ words from a benchmark corpus (code blocks and tables left out)."""
    found = []
    for path in sorted((CORPORA / folder).glob(f"*{suffix}")):
        text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
        for block in re.split(r"\n\s*\n", text):
            lines = [line.strip() for line in block.strip().split("\n")]
            if any(line.startswith(("|", "#", "$ ", ">>>")) for line in lines):
                continue
            joined = " ".join(lines)
            if len(joined.split()) >= 25:
                found.append(joined)
    return found


def pastes(folder: str, suffix: str) -> list[str]:
    """Consecutive 300-word excerpts of each document, as a user pastes them to be summarised."""
    found = []
    for path in sorted((CORPORA / folder).glob(f"*{suffix}")):
        words = path.read_text(encoding="utf-8").split()
        for start in range(0, max(1, len(words) - PASTE_WORDS), PASTE_WORDS):
            excerpt = " ".join(words[start : start + PASTE_WORDS])
            found.append(f"Please summarise this document:\n\n{excerpt}")
    return found


def benign_table(detector: InjectionDetector, wiki: Sequence[str]) -> str:
    sets = {
        "package READMEs, paragraphs (unseen)": paragraphs("package-docs", ".md"),
        "package READMEs, 300-word pastes (unseen)": pastes("package-docs", ".md"),
        "man pages, paragraphs (unseen)": paragraphs("man-pages", ".txt"),
        "man pages, 300-word pastes (unseen)": pastes("man-pages", ".txt"),
        "sample wiki paragraphs (ours)": list(wiki),
    }
    threshold = detector.threshold
    flag_from = default_flag_threshold(threshold)
    lines = [
        "| benign text | n | blocked | FPR | in the flag tier (answered, recorded) |",
        "|---|---|---|---|---|",
    ]
    total = blocked_total = flag_total = 0
    for name, texts in sets.items():
        scores = [score.score for score in detector.score_many(texts)]
        blocked = sum(score >= threshold for score in scores)
        flag = sum(flag_from <= score < threshold for score in scores)
        n = max(1, len(texts))
        lines.append(f"| {name} | {len(texts)} | {blocked} | {blocked / n:.3f} | {flag} ({flag / n:.3f}) |")
        if "unseen" in name:
            total, blocked_total, flag_total = total + len(texts), blocked_total + blocked, flag_total + flag
    lines.append(
        f"| **all unseen** | {total} | {blocked_total} | **{blocked_total / max(1, total):.3f}** | "
        f"{flag_total} ({flag_total / max(1, total):.3f}) |"
    )
    return "\n".join(lines)


def leave_one_family_out(encoder_id: str) -> str:
    rows = corpus_rows()
    labels = np.array([row.label for row in rows])
    families = np.array([row.family for row in rows])
    started = time.perf_counter()
    encoder = load_sentence_encoder(encoder_id)
    features = corpus_features([row.text for row in rows], encoder)
    # Long attacks are also scored segment by segment, as the shipped detector does (`guardrails.segments`).
    pieces = [segments(row.text) if row.label else [] for row in rows]
    flat = [piece for row_pieces in pieces for piece in row_pieces]
    piece_features = corpus_features(flat, encoder) if flat else None
    owner = np.repeat(np.arange(len(rows)), [len(row_pieces) for row_pieces in pieces])
    rule_hits = np.array([bool(match_rules(detector_text(row.text))) for row in rows])
    shipped = fit_classifier(features, labels, TARGET_FPR, REGULARISATION)
    lines = [
        f"Corpus: {len(rows)} rows, {int(labels.sum())} attacks in {len(set(families[labels == 1]))} families. "
        f"Each refit uses the shipping procedure (target cross-validated FPR {TARGET_FPR}, threshold >= 0.5); a "
        f"text's score is the larger of its own and its best segment's less {SEGMENT_MARGIN}.",
        "",
        "| held-out family | attacks | in-distribution recall (5-fold CV) | **left out: classifier** | "
        "left out: rules + classifier | left-out threshold |",
        "|---|---|---|---|---|---|",
    ]
    recalls = []
    for family in sorted(set(families[labels == 1])):
        held = (families == family) & (labels == 1)
        fitted = fit_classifier(features[~held], labels[~held], TARGET_FPR, REGULARISATION, repeats=1)  # 13 refits
        scores = fitted.classifier.predict_proba(features)[:, 1]
        if piece_features is not None:
            piece_scores = fitted.classifier.predict_proba(piece_features)[:, 1] - SEGMENT_MARGIN
            np.maximum.at(scores, owner, piece_scores)
        caught = scores[held] >= fitted.threshold
        combined = caught | rule_hits[held]
        in_distribution = float(np.mean(shipped.held_out[held] >= shipped.threshold))
        recalls.append(float(np.mean(caught)))
        lines.append(
            f"| {family} | {int(held.sum())} | {in_distribution:.3f} | **{np.mean(caught):.3f}** | "
            f"{np.mean(combined):.3f} | {fitted.threshold:.2f} |"
        )
    lines.append(f"| **median over families** | | | **{statistics.median(recalls):.3f}** | | |")
    lines += ["", f"({time.perf_counter() - started:.0f} s for {len(recalls) + 1} fits with 5-fold calibration.)"]
    return "\n".join(lines)


def wiki_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(DATA.rglob("*")):
        parser = parser_for(path.suffix.lower()) if path.is_file() and "models" not in path.parts else None
        if parser is None:
            continue
        document = parser.parse(path, path.read_bytes())
        for block in document.blocks:
            text = document.text[block.start : block.end].strip()
            if len(text.split()) >= 8:
                paragraphs.append(text)
    return paragraphs


def report(detector: InjectionDetector, wiki: Sequence[str]) -> str:
    return "\n\n".join(
        [
            "Leave one attack family out:",
            leave_one_family_out(detector.model.encoder_id),
            "Benign false alarms on prose the classifier never saw:",
            benign_table(detector, wiki),
        ]
    )


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    model = load_injection_model()
    detector = InjectionDetector(model, load_sentence_encoder(model.encoder_id))
    print(report(detector, wiki_paragraphs()))


if __name__ == "__main__":
    main()
