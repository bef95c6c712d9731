"""Writes guardrails/data/injection_train.jsonl, the training corpus of the injection classifier.

    .venv/bin/python scripts/build_injection_corpus.py     # then: .venv/bin/python -m guardrails.train

The corpus is generated, family by family, from parts in scripts/injection_corpus/:
- attacks (`attacks`): goals x frames for override, hijack, personas, fiction and role-play, fake delimiters and
  exfiltration; payload splitting, letter puzzles and reversed text built from the goals (reconstruction); base64,
  ROT13 and hex encodings of them; the override and extraction frames in five other languages;
- instructions planted inside pasted documents (`carriers`: a résumé, a WHOIS record, a report, a log, ...) and
  short quoted snippets, beside the same documents pasted without one or with a note addressed to people;
- each attack in a few wrappers (a greeting, a task it hides in, a pasted e-mail) and some in a disguise the
  normaliser must undo (letter spacing, look-alike letters, zero-width characters);
- benign rows (`benign`): help-desk questions, look-alikes sharing an attack's words, document-like passages, and
  prose paragraphs from the READMEs of installed packages (not the benchmark's);
- rows written by helper agents (`injection_corpus/helper_rows/*.jsonl`): conversational benign messages, attacks
  in many styles, and contrastive benign/attack pairs, a second author's wording beside the templates.
Every row records its family and its source; written rows were written for this project (2026-11), package rows
name the package, version and licence. No row comes from a third-party red-team or benchmark corpus. The held-out
evaluation set bench/eval/injection_eval.jsonl was written separately and shares no sentence with this file;
`make bench` reports leave-one-family-out results on this corpus and benign false alarms on prose it never saw.
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from collections import Counter
from pathlib import Path

from injection_corpus import attacks, benign, carriers
from snapshot_package_docs import PERMISSIVE, licence

OUTPUT = Path(__file__).resolve().parents[1] / "guardrails" / "data" / "injection_train.jsonl"
SEED = 7
WRITTEN = "written for this project"
GENERATED = "generated from templates written for this project"

ATTACK_WRAPPERS = (
    "{attack}",
    "Hi! {attack}",
    "Quick question about VPN setup. Actually, {attack_lc}",
    "Can you summarise this email for me?\n\n---\nDear team,\nplease find the report attached.\n{attack}\n---",
    "{attack} Thanks in advance!",
    "Translate to German: 'Good morning.' {attack}",
    "I need help with my expense report. {attack}",
    'Here is a document to analyse:\n"""\n{attack}\n"""',
    "What's the weather like today?\n\n{attack}",
    "Please answer carefully.\n{attack}\nThank you.",
)
PACKAGE_PARAGRAPHS_PER_PACKAGE = 10


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def disguise(text: str, rng: random.Random) -> str:
    """One of the cheap disguises `guardrails.normalize` undoes, on one random word or on the whole text."""
    kind = rng.choice(("spaced", "homoglyph", "zero_width", "leet"))
    if kind == "homoglyph":
        return text.translate(str.maketrans("aeopc", "аеорс"))
    if kind == "zero_width":
        return "\u200b".join(text)
    if kind == "leet":
        return text.translate(str.maketrans("aeio", "4310"))
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) > 5 and word.isalpha()]
    if long_words:
        at = rng.choice(long_words)
        words[at] = " ".join(words[at])
    return " ".join(words)


def row(text: str, label: int, family: str, source: str) -> dict[str, object]:
    return {"text": text, "label": label, "family": family, "source": source}


def attack_rows(rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for family, texts in attacks.family_texts(rng).items():
        wrappers_each = max(2, min(6, 180 // max(1, len(texts))))
        for text in texts:
            for wrapper in rng.sample(ATTACK_WRAPPERS, wrappers_each):
                wrapped = wrapper.format(attack=text, attack_lc=lower_first(text))
                if rng.random() < 0.1:
                    wrapped = disguise(wrapped, rng)
                rows.append(row(wrapped, 1, family, GENERATED))
    planted, clean = carriers.pasted_documents(rng, per_carrier=30)
    rows += [row(text, 1, "planted_in_document", GENERATED) for text in planted]
    rows += [row(text, 0, "pasted_document", GENERATED) for text in clean]
    planted, clean = carriers.pasted_snippets(rng, 80)
    rows += [row(text, 1, "planted_in_document", GENERATED) for text in planted]
    rows += [row(text, 0, "pasted_document", GENERATED) for text in clean]
    return rows


def benign_rows(rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for family, seeds in (
        ("question", benign.BENIGN_QUESTIONS),
        (
            "hard_benign",
            benign.HARD_BENIGN + benign.CONVERSATION_REQUESTS + benign.ABOUT_ASSISTANTS + benign.QUOTED_AND_FICTION,
        ),
    ):
        for seed in seeds:
            for wrapper in rng.sample(benign.BENIGN_WRAPPERS, 3):
                rows.append(row(wrapper.format(text=seed, text_lc=lower_first(seed)), 0, family, WRITTEN))
    rows += [row(text, 0, "hard_benign", GENERATED) for text in benign.trigger_questions(rng)]
    for seed in benign.FOREIGN_QUESTIONS:
        rows.append(row(seed, 0, "question", WRITTEN))
    rows += [row(text, 0, "hard_benign", GENERATED) for text in benign.translation_requests(rng)]
    rows += [row(text, 0, "hard_benign", GENERATED) for text in benign.changes_of_mind(rng, attacks.SHORT_TASKS, 40)]
    rows += [row(text, 0, "question", GENERATED) for text in benign.ordinary_tasks(rng, 80)]
    rows += [row(text, 0, "document", WRITTEN) for text in benign.DOCUMENT_PASSAGES + benign.SECURITY_PASSAGES]
    # The requests attacks hide behind are benign on their own; the detector scores long pastes segment by segment,
    # so it meets them alone ("Summarise this email thread:") and must not learn them as a sign of attack.
    requests = {task for tasks in carriers.TASKS.values() for task in tasks}
    requests |= {wrapper.split("{", 1)[0].strip() for wrapper in ATTACK_WRAPPERS + benign.PASTE_WRAPPERS}
    rows += [row(text, 0, "question", WRITTEN) for text in sorted(requests) if len(text.split()) >= 2]
    for prose in benign.package_prose(licence, PERMISSIVE, PACKAGE_PARAGRAPHS_PER_PACKAGE):
        source = f"README of {prose.package} {prose.version} ({prose.licence})"
        text = rng.choice(benign.PASTE_WRAPPERS).format(text=prose.text)
        rows.append(row(text, 0, "package_docs", source))
        # Single sentences too: the detector also scores long pastes sentence by sentence (guardrails.segments).
        for sentence in rng.sample(benign.sentences(prose.text), min(2, len(benign.sentences(prose.text)))):
            rows.append(row(sentence, 0, "package_docs", source))
    return rows


HELPER_ROWS = Path(__file__).resolve().parent / "injection_corpus" / "helper_rows"
HELPER_SOURCE = "written for this project by a helper agent that saw neither the rails nor the evaluation sets"
# Helper files name their own families; attacks are filed under the corpus's families, so that leaving a family out
# leaves out the helpers' rows of that kind too.
HELPER_FAMILIES = {
    "persona": "persona_jailbreak",
    "role_play": "fiction_roleplay",
    "pasted_document": "planted_in_document",
    "planted_translation": "planted_in_document",
    "translation": "planted_in_document",
    "code": "planted_in_document",
    "about_instructions": "prompt_extraction",
    "change_of_mind": "goal_hijack",
    "encoded_data": "encoded_instruction",
    "links_and_images": "exfiltration",
    "forged_dialogue": "delimiter_injection",
    "authority": "social_engineering",
    "harmful_request_disguised": "fiction_roleplay",
    "suffix_style": "goal_hijack",
    "goal_hijack_suffix": "goal_hijack",
    "planted_in_material": "planted_in_document",
    "roleplay_for_secrets": "fiction_roleplay",
    "limits_probing_attacks": "prompt_extraction",
    "multilingual_attack": "multilingual",
    "terse_exfiltration": "prompt_extraction",
    "persona_for_secrets": "persona_jailbreak",
    "quoted_attack_to_obey": "planted_in_document",
    "follow_up_hijack": "goal_hijack",
    "support_goal_hijack": "goal_hijack",
    "support_social_engineering": "social_engineering",
    "support_extraction": "prompt_extraction",
    "support_forged_dialogue": "delimiter_injection",
    "support_roleplay": "fiction_roleplay",
    "support_stepwise": "reconstruction",
}
EVAL = Path(__file__).resolve().parents[1] / "bench" / "eval"
OVERLAP = 0.5
"""A helper row sharing more than this share of its word 4-grams with one evaluation row is left out."""


def four_grams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def evaluation_grams() -> list[set[tuple[str, ...]]]:
    """The word 4-grams of every evaluation row: the blind sets' texts and payloads, and injection_eval.jsonl."""
    texts = [str(json.loads(line)["text"]) for line in (EVAL / "injection_eval.jsonl").read_text().splitlines() if line]
    for path in sorted(EVAL.glob("injection_blind*.toml")):
        for group in tomllib.loads(path.read_text(encoding="utf-8")).values():
            texts += [str(item.get(key, "")) for item in group for key in ("text", "payload")]
    return [grams for grams in map(four_grams, texts) if grams]


def contaminated(text: str, index: dict[tuple[str, ...], list[int]]) -> bool:
    """Whether `text` shares more than OVERLAP of its 4-grams with any one evaluation row."""
    grams = four_grams(text)
    shared = Counter(number for gram in grams for number in index.get(gram, ()))
    return bool(grams) and any(count > OVERLAP * len(grams) for count in shared.values())


def helper_rows() -> list[dict[str, object]]:
    """Rows written by helper agents (2026-11-28) in scripts/injection_corpus/helper_rows: conversational benign
    messages, attacks in many hands' styles, and contrastive pairs. They add a second author's wording to the
    templates; the blind sets stay out (their writers saw none of these files, and these writers saw none of them).
    Helpers who write rows and helpers who write blind sets are the same kind of author, so a row too close to any
    evaluation row is left out (decontamination, at every build)."""
    index: dict[tuple[str, ...], list[int]] = {}
    for number, grams in enumerate(evaluation_grams()):
        for gram in grams:
            index.setdefault(gram, []).append(number)
    rows, dropped = [], 0
    for path in sorted(HELPER_ROWS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            found = json.loads(line)
            if contaminated(str(found["text"]), index):
                dropped += 1
                continue
            label = int(found["label"])
            family = str(found["family"])
            family = HELPER_FAMILIES.get(family, family) if label else "helper_benign"
            rows.append(row(str(found["text"]), label, family, f"{HELPER_SOURCE} ({path.name})"))
    print(f"left out {dropped} helper rows too close to an evaluation row")
    return rows


def main() -> None:
    rng = random.Random(SEED)
    rows = attack_rows(rng) + benign_rows(rng) + helper_rows()
    unique = list({str(r["text"]): r for r in rows}.values())
    with OUTPUT.open("w", encoding="utf-8") as out:
        for r in unique:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = Counter((r["label"], r["family"]) for r in unique)
    for (label, family), count in sorted(counts.items()):
        print(f"{'attack' if label else 'benign':6} {family:22} {count:5}")
    attacks_total = sum(count for (label, _), count in counts.items() if label)
    print(f"wrote {len(unique)} examples ({attacks_total} attacks, {len(unique) - attacks_total} benign) to {OUTPUT}")


if __name__ == "__main__":
    main()
