"""The groundedness check on a hand-labelled set of answer sentences (bench/eval/grounding_labelled.toml, written
before any threshold was chosen): precision and recall of "unsupported", per fabrication kind, and the cost per
sentence with the retrieval encoder on this machine.

    .venv/bin/python -m bench.grounding_eval [--similarity 0.55,0.6,0.65]

The similarity threshold is chosen by F0.5 (precision first) on the data/ half of the set (the project's own
documents) and reported on the package-README half (documents nobody here wrote).
"""

from __future__ import annotations

import argparse
import statistics
import time
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import msgspec

from guardrails.encoders import load_sentence_encoder
from guardrails.groundedness import GroundednessScorer, best_passage, passage_windows
from rag_server.settings import ChatSettings

LABELLED = Path(__file__).resolve().parent / "eval" / "grounding_labelled.toml"
ENCODER = "sentence-transformers/all-MiniLM-L6-v2"
ATTRIBUTION_COVERAGE = ChatSettings().attribution_coverage


class Case(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    source: str
    passages: list[str]
    sentence: str
    supported: bool
    kind: str

    @property
    def corpus(self) -> str:
        return "data" if self.source.startswith("data/") else "packages"


class Scores(msgspec.Struct, kw_only=True):
    split: str
    similarity: float
    cases: int
    precision: float
    recall: float
    f1: float
    recall_by_kind: dict[str, float]
    false_alarm_by_kind: dict[str, float]


class AttributionScores(msgspec.Struct, kw_only=True):
    """Citation attribution on the same sentences (markers removed): which it would cite."""

    split: str
    coverage: float
    supported_cited: int
    supported: int
    invented_cited: int
    invented: int


class GroundingReport(msgspec.Struct, kw_only=True):
    chosen_similarity: float
    dev: list[Scores]
    held_out: Scores
    everything: Scores
    ms_per_sentence_p50: float
    ms_per_sentence_p95: float
    ms_evidence_p50: float
    attribution: list[AttributionScores] = []


def load() -> list[Case]:
    return msgspec.convert(tomllib.loads(LABELLED.read_text())["case"], list[Case])


def verdicts(cases: Sequence[Case], scorer: GroundednessScorer) -> list[bool]:
    """True where the check calls the sentence unsupported."""
    flagged = []
    for case in cases:
        support, _ = scorer.judge(case.sentence, scorer.evidence(case.passages))
        flagged.append(support.unsupported)
    return flagged


def score(split: str, similarity: float, cases: Sequence[Case], flagged: Sequence[bool]) -> Scores:
    positives = [not case.supported for case in cases]
    tp = sum(f and p for f, p in zip(flagged, positives, strict=True))
    fp = sum(f and not p for f, p in zip(flagged, positives, strict=True))
    fn = sum(p and not f for f, p in zip(flagged, positives, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for case, f in zip(cases, flagged, strict=True):
        by_kind[case.kind].append(f)
    return Scores(
        split=split,
        similarity=similarity,
        cases=len(cases),
        precision=round(precision, 3),
        recall=round(recall, 3),
        f1=round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
        recall_by_kind={
            k: round(sum(v) / len(v), 3)
            for k, v in sorted(by_kind.items())
            if not next(c for c in cases if c.kind == k).supported
        },
        false_alarm_by_kind={
            k: round(sum(v) / len(v), 3)
            for k, v in sorted(by_kind.items())
            if next(c for c in cases if c.kind == k).supported
        },
    )


def attribution(split: str, cases: Sequence[Case], coverage: float) -> AttributionScores:
    cited = [
        best_passage(case.sentence, passage_windows(case.passages), coverage=coverage) is not None for case in cases
    ]
    return AttributionScores(
        split=split,
        coverage=coverage,
        supported_cited=sum(c for c, case in zip(cited, cases, strict=True) if case.supported),
        supported=sum(case.supported for case in cases),
        invented_cited=sum(c for c, case in zip(cited, cases, strict=True) if not case.supported),
        invented=sum(not case.supported for case in cases),
    )


def f_half(scores: Scores) -> float:
    """F0.5: precision counts twice recall. A correct sentence marked unsupported costs users' trust in every
    mark; a missed one leaves them where they are without the check."""
    p, r = scores.precision, scores.recall
    return 1.25 * p * r / (0.25 * p + r) if p + r else 0.0


def timing(cases: Sequence[Case], scorer: GroundednessScorer) -> tuple[list[float], list[float]]:
    per_sentence, per_evidence = [], []
    for case in cases:
        started = time.perf_counter()
        evidence = scorer.evidence(case.passages)
        evidence.vectors()
        per_evidence.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        scorer.judge(case.sentence, evidence)
        per_sentence.append((time.perf_counter() - started) * 1000)
    return per_sentence, per_evidence


def run(similarities: Sequence[float]) -> GroundingReport:
    cases = load()
    encoder = load_sentence_encoder(ENCODER, "auto")
    dev = [case for case in cases if case.corpus == "data"]
    held_out = [case for case in cases if case.corpus != "data"]
    dev_scores = [
        score("data (dev)", s, dev, verdicts(dev, GroundednessScorer(encoder.encode, similarity=s)))
        for s in similarities
    ]
    chosen = max(dev_scores, key=lambda scores: (f_half(scores), -scores.similarity)).similarity
    scorer = GroundednessScorer(encoder.encode, similarity=chosen)
    per_sentence, per_evidence = timing(cases, scorer)
    per_sentence.sort()
    return GroundingReport(
        chosen_similarity=chosen,
        dev=dev_scores,
        held_out=score("packages (held out)", chosen, held_out, verdicts(held_out, scorer)),
        everything=score("all", chosen, cases, verdicts(cases, scorer)),
        ms_per_sentence_p50=round(statistics.median(per_sentence), 2),
        ms_per_sentence_p95=round(per_sentence[int(0.95 * (len(per_sentence) - 1))], 2),
        ms_evidence_p50=round(statistics.median(per_evidence), 2),
        attribution=[
            attribution("data", dev, ATTRIBUTION_COVERAGE),
            attribution("packages", held_out, ATTRIBUTION_COVERAGE),
            attribution("all", cases, ATTRIBUTION_COVERAGE),
        ],
    )


def table(report: GroundingReport) -> str:
    kinds = sorted({*report.everything.recall_by_kind, *report.everything.false_alarm_by_kind})
    lines = [
        "| split | similarity | cases | precision | recall | F1 | " + " | ".join(kinds) + " |",
        "|---|---|---|---|---|---|" + "---|" * len(kinds),
    ]
    for s in [*report.dev, report.held_out, report.everything]:
        cells = [
            f"{s.recall_by_kind[k]:.2f}" if k in s.recall_by_kind else f"{s.false_alarm_by_kind.get(k, 0):.2f}*"
            for k in kinds
        ]
        lines.append(
            f"| {s.split} | {s.similarity:.2f} | {s.cases} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | "
            + " | ".join(cells)
            + " |"
        )
    lines += [
        "",
        f"Per-kind cells: the share flagged (recall for fabrication kinds; * false alarms for supported kinds). "
        f"Cost: {report.ms_per_sentence_p50:.1f} ms per sentence p50 ({report.ms_per_sentence_p95:.1f} p95), "
        f"plus {report.ms_evidence_p50:.1f} ms p50 once per answer to embed its passages' sentences.",
    ]
    if report.attribution:
        lines += [
            "",
            "Citation attribution on the same sentences, markers removed (the server cites an uncited sentence to "
            "the passage holding it): how many of each it would cite.",
            "",
            "| split | coverage | supported sentences cited | invented sentences cited | placed citations on "
            "supported sentences |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {a.split} | {a.coverage:.2f} | {a.supported_cited}/{a.supported} | {a.invented_cited}/{a.invented} | "
            f"{a.supported_cited / max(1, a.supported_cited + a.invented_cited):.2f} |"
            for a in report.attribution
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--similarity", default="0.4,0.45,0.5,0.55,0.6,0.65,0.7")
    args = parser.parse_args()
    report = run([float(s) for s in args.similarity.split(",")])
    print(table(report))


if __name__ == "__main__":
    main()
