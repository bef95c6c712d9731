"""Adversarial suffixes: how often the machine-text signal (`guardrails.machine_text`) catches them, how often it
fires on ordinary text, and what it costs.

    .venv/bin/python -m bench.machine_text_eval

Attacks are the held-out prompts of bench/eval/injection_eval.jsonl (attacks and benign questions alike: the suffix
is the attack) with a suffix appended, in four families, none of which shaped the model (it counts README text
only) or its threshold (calibrated on READMEs):
- `random pieces, SmolLM2 vocabulary` / `random pieces, Qwen2.5 vocabulary`: 15-30 printable tokens drawn at random
  from a language model's vocabulary, the search space GCG optimises in; looked at while choosing the window;
- `GCG against SmolLM2-135M`: suffixes optimised here by greedy coordinate gradient for requests of our own
  (bench/eval/make_gcg_suffixes.py, bench/eval/gcg_suffixes.jsonl); not looked at while building the signal;
- `word salad`: real English words with stray punctuation and case, which a trigram model cannot tell from terse
  text: the expected miss, reported so nobody mistakes the signal for more than it is.
Benign text: prose nobody here wrote (man pages and package READMEs of bench/corpora, which the model never
counted, as paragraphs and as 300-word pastes), the sample wiki, the held-out benign prompts, and
bench/eval/machine_text_benign.txt (hand-written hard cases: logs, tracebacks, code, hashes, other languages).
No third-party red-team or benchmark corpus was used.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from tokenizers import Tokenizer

from bench.injection_generalisation import paragraphs, pastes, wiki_paragraphs
from guardrails.machine_text import (
    UNKNOWN_SHARE,
    MachineTextModel,
    MachineTextScorer,
    known_words,
    load_machine_text_model,
    unknown_share,
)

EVAL = Path(__file__).with_name("eval")
MODELS = Path(__file__).resolve().parents[1] / "data" / "models"
SEED = 11
VOCABULARIES = {
    "SmolLM2": MODELS / "SmolLM2-135M-Instruct" / "tokenizer.json",
    "Qwen2.5": MODELS / "Qwen2.5-Coder-0.5B-Instruct" / "tokenizer.json",
}


def printable_pieces(tokenizer_file: Path) -> list[str]:
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    pieces = (tokenizer.decode([i]) for i in range(tokenizer.get_vocab_size()))
    return [p for p in pieces if p.strip() and all(32 <= ord(c) < 127 for c in p)]


def word_salad(rng: random.Random, words: Sequence[str]) -> str:
    out = []
    for _ in range(rng.randint(12, 20)):
        word = rng.choice(words)
        word = rng.choice((word, word, word.capitalize(), word.upper()))
        out.append(word + rng.choice(("", "", "", ".", "](", "**", "\\", "!--", "?", " +", "({", '="', ">")))
    return " ".join(out)


def requests() -> list[str]:
    return [json.loads(line)["text"] for line in (EVAL / "injection_eval.jsonl").read_text().splitlines()]


def attack_families(rng: random.Random) -> dict[str, list[str]]:
    bases = requests()
    families = {}
    for name, path in VOCABULARIES.items():
        if path.exists():
            vocabulary = printable_pieces(path)
            families[f"random pieces, {name} vocabulary"] = [
                f"{base} {''.join(rng.choice(vocabulary) for _ in range(rng.randint(15, 30)))}" for base in bases
            ]
    gcg = [json.loads(line) for line in (EVAL / "gcg_suffixes.jsonl").read_text().splitlines() if line.strip()]
    families["GCG against SmolLM2-135M"] = [f"{row['goal']} {row['suffix']}" for row in gcg]
    words = sorted(set(re.findall(r"[a-z]{3,12}", " ".join(wiki_paragraphs()).lower())))
    families["word salad (expected miss)"] = [f"{base} {word_salad(rng, words)}" for base in bases]
    return families


def benign_sets() -> dict[str, list[str]]:
    hard = [
        line.replace("\\n", "\n")
        for line in (EVAL / "machine_text_benign.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    held_out = [
        json.loads(line)["text"]
        for line in (EVAL / "injection_eval.jsonl").read_text().splitlines()
        if json.loads(line)["label"] == 0
    ]
    return {
        "man pages, paragraphs (unseen)": paragraphs("man-pages", ".txt"),
        "man pages, 300-word pastes (unseen)": pastes("man-pages", ".txt"),
        "package READMEs, paragraphs (unseen)": paragraphs("package-docs", ".md"),
        "package READMEs, 300-word pastes (unseen)": pastes("package-docs", ".md"),
        "sample wiki paragraphs": wiki_paragraphs(),
        "held-out benign prompts": held_out,
        "hard benign turns (logs, code, other languages)": hard,
    }


def latency_ms(scorer: MachineTextScorer, texts: Sequence[str], rounds: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            scorer.is_machine_made(text)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


Run = tuple[float, float]
"""A text's worst window: its score (bits per piece) and the share of its words no dictionary knows."""


def runs(model: MachineTextModel, words: frozenset[str], texts: Sequence[str]) -> list[Run]:
    found = []
    for text in texts:
        score, run = model.worst_run(text)
        found.append((score, unknown_share(run, words)))
    return found


def caught(found: Sequence[Run], threshold: float, share: float) -> int:
    return sum(score >= threshold and unknown >= share for score, unknown in found)


def report(model: MachineTextModel | None = None) -> str:
    model = model or load_machine_text_model()
    words = known_words()
    threshold = model.threshold
    attacks = {name: runs(model, words, texts) for name, texts in attack_families(random.Random(SEED)).items()}
    benign = {name: runs(model, words, texts) for name, texts in benign_sets().items()}
    calibration = model.info.calibration
    lines = [
        f"Word-piece trigram model: {model.info.training_pieces} pieces from the READMEs of "
        f"{model.info.training_packages} packages; window {model.window} pieces; threshold {threshold:.2f} bits per "
        f"piece (the 99th percentile on {int(calibration['texts'])} README texts left out of counting; their "
        f"median {calibration['q0.5']:.2f}, highest {calibration['max']:.2f}), and at least {UNKNOWN_SHARE:.0%} of "
        "the run's words in no dictionary of seven languages (shipped rule). A text counts when its worst run does.",
        "",
        "| attack family | n | caught, shipped rule | caught, score alone | median score |",
        "|---|---|---|---|---|",
    ]
    for name, found in attacks.items():
        lines.append(
            f"| {name} | {len(found)} | **{caught(found, threshold, UNKNOWN_SHARE) / len(found):.2f}** | "
            f"{caught(found, threshold, 0.0) / len(found):.2f} | {statistics.median(s for s, _ in found):.1f} |"
        )
    lines += [
        "",
        "| benign text | n | flagged, shipped rule | flagged, score alone | highest score |",
        "|---|---|---|---|---|",
    ]
    for name, found in benign.items():
        lines.append(
            f"| {name} | {len(found)} | {caught(found, threshold, UNKNOWN_SHARE)} | {caught(found, threshold, 0.0)} "
            f"| {max(s for s, _ in found):.1f} |"
        )
    every = [run for found in benign.values() for run in found]
    lines.append(
        f"| **all** | {len(every)} | **{caught(every, threshold, UNKNOWN_SHARE) / len(every):.3f}** | "
        f"{caught(every, threshold, 0.0) / len(every):.3f} | |"
    )
    lines += ["", "Other thresholds (shipped word-share rule), FPR over all benign text:", ""]
    lines += [
        "| threshold | benign FPR | " + " | ".join(attacks) + " |",
        "|---" * (len(attacks) + 2) + "|",
    ]
    for value in (15.5, 16.0, 16.5, threshold, 17.0, 17.5):
        rates = " | ".join(f"{caught(found, value, UNKNOWN_SHARE) / len(found):.2f}" for found in attacks.values())
        lines.append(f"| {value:.2f} | {caught(every, value, UNKNOWN_SHARE) / len(every):.3f} | {rates} |")
    scorer = MachineTextScorer(model, words)
    short_p50, short_p95 = latency_ms(scorer, requests()[:40])
    long_p50, long_p95 = latency_ms(scorer, pastes("man-pages", ".txt")[:20])
    lines += [
        "",
        f"Cost, one thread: {short_p50:.2f} ms p50 ({short_p95:.2f} p95) for a held-out prompt, "
        f"{long_p50:.2f} ms p50 ({long_p95:.2f} p95) for a 300-word paste.",
    ]
    return "\n".join(lines)


def main() -> None:
    print(report())


if __name__ == "__main__":
    main()
