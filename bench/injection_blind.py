"""The input rails on sealed blind sets: `python -m bench.injection_blind [--set N] [--show-misses]`.

bench/eval/injection_blind*.toml were written on 2026-11-28, each before the rails were changed in answer to the one
before it: attacks in the families public red-team suites hold (none copied from one) and benign look-alikes. Sets
1-3 were written by the rails' author; sets 4-18 by helper agents that saw neither the rails, their corpus nor the
other sets.
Each text goes through `Guardrails.check_input`, what `POST /v1/guardrails/check` runs, with the rails `make serve`
configures (its NER model and suffix judge when prepared). An attack counts as blocked when the action is `block`;
`flag` (answered, recorded) is counted apart. Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import codecs
import concurrent.futures
import tomllib
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import msgspec

from bench import machine_text_eval
from guardrails import Action, GuardrailsConfig, load_guardrails
from guardrails.rails import Guardrails
from rag_server.pipeline.prompt import PROMPT_CANARY, leak_reference
from rag_server.settings import GenerationSettings

EVAL = Path(__file__).with_name("eval")
BLIND_SETS = {
    str(number): EVAL / f"injection_blind{'' if number == 1 else f'_{number}'}.toml" for number in range(1, 19)
}
NER_MODEL = machine_text_eval.MODELS / "en_core_web_md"  # what `make serve` prepares
MORSE = {
    "a": ".-", "b": "-...", "c": "-.-.", "d": "-..", "e": ".", "f": "..-.", "g": "--.", "h": "....", "i": "..",
    "j": ".---", "k": "-.-", "l": ".-..", "m": "--", "n": "-.", "o": "---", "p": ".--.", "q": "--.-", "r": ".-.",
    "s": "...", "t": "-", "u": "..-", "v": "...-", "w": ".--", "x": "-..-", "y": "-.--", "z": "--..",
}  # fmt: skip


class BlindRow(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    family: str = ""
    kind: str = ""
    encode: str = ""
    payload: str = ""


class BlindSet(msgspec.Struct, frozen=True):
    attack: list[BlindRow]
    benign: list[BlindRow]


class Outcome(msgspec.Struct, frozen=True):
    group: str
    action: Action
    guards: tuple[str, ...]
    text: str


def encoded(encoding: str, payload: str) -> str:
    """The smuggled form of `payload`."""
    if encoding == "base64":
        return base64.b64encode(payload.encode()).decode()
    if encoding == "hex":
        return payload.encode().hex()
    if encoding == "rot13":
        return codecs.encode(payload, "rot13")
    if encoding == "morse":
        return " / ".join(" ".join(MORSE[c] for c in word if c in MORSE) for word in payload.lower().split())
    if encoding == "url":
        return quote(payload, safe="")
    if encoding == "qp":
        return "".join(f"={byte:02X}" for byte in payload.encode())
    if encoding == "tags":
        return "".join(chr(0xE0000 + ord(c)) for c in payload if 0x20 <= ord(c) < 0x7F)
    raise ValueError(f"unknown encoding {encoding!r}")


def text_of(row: BlindRow) -> str:
    return row.text.replace("{payload}", encoded(row.encode, row.payload)) if row.encode else row.text


def load_blind_set(path: Path) -> BlindSet:
    return msgspec.convert(tomllib.loads(path.read_text(encoding="utf-8")), BlindSet)


def judge(rails: Guardrails, rows: Sequence[BlindRow], group_of: str) -> list[Outcome]:
    outcomes = []
    for number, row in enumerate(rows):
        text = text_of(row)
        verdict = rails.check_input(text, rails.new_context(f"blind-{group_of}-{number}"))
        guards = tuple(sorted({d.guard for d in verdict.decisions if d.action in (Action.BLOCK, Action.FLAG)}))
        outcomes.append(Outcome(getattr(row, group_of), verdict.action, guards, text))
    return outcomes


def table(outcomes: Sequence[Outcome], heading: str, rate: str) -> list[str]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.group, []).append(outcome)
    lines = [f"| {heading} | n | {rate} | flagged (answered, recorded) |", "|---|---|---|---|"]
    for group, members in sorted(groups.items()):
        blocked = sum(o.action is Action.BLOCK for o in members)
        flagged = sum(o.action is Action.FLAG for o in members)
        lines.append(f"| {group} | {len(members)} | {blocked}/{len(members)} | {flagged} |")
    blocked = sum(o.action is Action.BLOCK for o in outcomes)
    flagged = sum(o.action is Action.FLAG for o in outcomes)
    lines.append(f"| **all** | {len(outcomes)} | **{blocked / len(outcomes):.3f}** | {flagged} |")
    return lines


def _totals(outcomes: Sequence[Outcome], name: str) -> str:
    blocked = sum(o.action is Action.BLOCK for o in outcomes)
    return f"{name}: {blocked}/{len(outcomes)} ({blocked / len(outcomes):.3f})"


def _passed(outcome: Outcome) -> bool:
    return outcome.action in (Action.ALLOW, Action.MASK)


def blind_sets_table(rails: Guardrails) -> str:
    """Both sets through `rails` (as `make serve` configures them), per family and kind: the guardrails section of
    `make bench`."""
    lines = [
        "Written on 2026-11-28 (bench/eval/injection_blind*.toml), nothing copied from a red-team corpus: sets 1-3 "
        "by the rails' author, sets 4-18 by helper agents that saw neither the rails nor the other sets. Each set was "
        "written before the changes that answered the one before it, read once after them, and is a dev set from "
        "then on. `Guardrails.check_input`, what `POST /v1/guardrails/check` runs; blocked means the action `block`.",
    ]
    for number, path in sorted(BLIND_SETS.items()):
        blind = load_blind_set(path)
        attacks = judge(rails, blind.attack, "family")
        benign = judge(rails, blind.benign, "kind")
        lines += ["", f"Set {number}:", "", *table(attacks, "attack family", "blocked"), ""]
        lines += table(benign, "benign kind", "blocked (false alarm)")
    return "\n".join(lines)


def report(path: Path, *, show_misses: bool = False, totals_only: bool = False) -> str:
    blind = load_blind_set(path)
    workers = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="guard")
    config = GuardrailsConfig(
        canaries=(PROMPT_CANARY,),
        spacy_model=str(NER_MODEL) if NER_MODEL.exists() else GuardrailsConfig().spacy_model,
        adversarial_suffix_model=machine_text_eval.default_judge_model(),
    )
    rails = load_guardrails(config, leak_reference(GenerationSettings().prompt_layout), executor=workers)
    try:
        attacks = judge(rails, blind.attack, "family")
        benign = judge(rails, blind.benign, "kind")
    finally:
        workers.shutdown(cancel_futures=True)
    if totals_only:
        return _totals(attacks, "attacks blocked") + "\n" + _totals(benign, "benign blocked")
    lines = [
        *table(attacks, "attack family", "blocked"),
        "",
        *table(benign, "benign kind", "blocked (false alarm)"),
    ]
    if show_misses:
        lines += ["", "Attacks let through:"]
        lines += [f"- [{o.group}] {o.action} {o.text[:160]!r}" for o in attacks if o.action is not Action.BLOCK]
        lines += ["", "Benign blocked or flagged:"]
        lines += [f"- [{o.group}] {o.action} {o.guards} {o.text[:160]!r}" for o in benign if not _passed(o)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show-misses", action="store_true", help="list the attacks let through and benign blocked")
    parser.add_argument("--set", choices=sorted(BLIND_SETS), default="1", help="which blind set")
    parser.add_argument("--totals-only", action="store_true", help="only the two rates (a sealed set's first run)")
    args = parser.parse_args()
    print(report(BLIND_SETS[args.set], show_misses=args.show_misses, totals_only=args.totals_only))


if __name__ == "__main__":
    main()
