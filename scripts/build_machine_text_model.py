"""Writes guardrails/data/machine_text_model.npz, the word-piece trigram model of `guardrails.machine_text`.

    .venv/bin/python scripts/build_machine_text_model.py

Text: the README (PyPI long description) of every installed package under a permissive licence, except the
packages of the benchmark corpora (bench/corpora), on which false alarms are measured. Nothing here is an attack:
the model learns only what ordinary text looks like, so no attack family, ours or anyone's, shaped it.

Threshold: one package in five (by a hash of its name) is left out of counting; the window score of its README
paragraphs and 300-word pastes is measured with the model counted on the rest, and the threshold is their
`THRESHOLD_QUANTILE` quantile (a run must also be mostly non-words to count: `guardrails.machine_text`). The
quantile was chosen with the false alarms on bench/corpora and the sample wiki in view (bench/machine_text_eval.py
sweeps it), so those figures are not blind. The shipped model is then counted on all packages with that threshold
(more text only makes ordinary text less surprising). Pairs seen once are dropped from the file to keep it
small; their contexts keep their full totals, so their share of probability is lost rather than redistributed:
rare continuations look a little more surprising than an exact model would say, for benign and attack text alike,
and the threshold is calibrated on the same pruned model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
from injection_corpus.benign import excluded_packages
from snapshot_package_docs import PERMISSIVE, licence
from tokenizers import Tokenizer

from guardrails.machine_text import (
    MachineTextModel,
    ModelInfo,
    NgramOrder,
    minilm_tokenizer_path,
    save_machine_text_model,
)

OUTPUT = Path(__file__).resolve().parents[1] / "guardrails" / "data" / "machine_text_model.npz"
WINDOW = 16
THRESHOLD_QUANTILE = 0.99
SCREEN_QUANTILE = 0.9
"""Runs scoring above this quantile go to a confirming language model when one is configured."""
PASTE_WORDS = 300
CALIBRATION_SHARE = 5
"""One package in this many is left out of counting to calibrate the threshold."""


def readmes() -> dict[str, str]:
    """Package name → README body, for permissive packages outside the benchmark corpora."""
    excluded = excluded_packages()
    found = {}
    for dist in sorted(importlib.metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
        name = dist.metadata["Name"]
        if name in excluded or name.lower() in excluded or licence(dist.metadata)[0] not in PERMISSIVE:
            continue
        raw = dist.read_text("METADATA") or ""
        if "\n\n" in raw and raw.split("\n\n", 1)[1].strip():
            found[name] = raw.split("\n\n", 1)[1]
    return found


def is_calibration(package: str) -> bool:
    return hashlib.blake2b(package.lower().encode(), digest_size=4).digest()[0] % CALIBRATION_SHARE == 0


def count(texts: list[str], tokenizer: Tokenizer, start: int) -> tuple[NgramOrder, NgramOrder, NgramOrder]:
    vocabulary = tokenizer.get_vocab_size()
    pieces = [np.asarray(e.ids, dtype=np.int64) for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    padded = [np.concatenate([np.full(2, start, dtype=np.int64), p]) for p in pieces if len(p)]
    current = np.concatenate([p[2:] for p in padded])
    previous = np.concatenate([p[1:-1] for p in padded])
    before = np.concatenate([p[:-2] for p in padded])
    orders = []
    for context in (np.zeros_like(current), previous, before * vocabulary + previous):
        pair_keys, pair_counts = np.unique(context * vocabulary + current, return_counts=True)
        pair_contexts = pair_keys // vocabulary
        context_keys, first, types = np.unique(pair_contexts, return_index=True, return_counts=True)
        totals = np.add.reduceat(pair_counts, first)
        kept = pair_counts > 1
        orders.append(
            NgramOrder(
                context_keys,
                totals.astype(np.float64),
                types.astype(np.float64),
                pair_keys[kept],
                pair_counts[kept].astype(np.float64),
            )
        )
    return orders[0], orders[1], orders[2]


def calibration_texts(bodies: list[str]) -> list[str]:
    """Paragraphs of 25+ words and 300-word pastes, as a user sends them."""
    texts = []
    for body in bodies:
        texts += [block for block in re.split(r"\n\s*\n", body) if len(block.split()) >= 25]
        words = body.split()
        texts += [" ".join(words[at : at + PASTE_WORDS]) for at in range(0, len(words), PASTE_WORDS)]
    return texts


def info(
    tokenizer_path: Path,
    *,
    threshold: float,
    screen: float,
    pieces: int,
    packages: int,
    scores: npt.NDArray[np.float64],
) -> ModelInfo:
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    return ModelInfo(
        tokenizer_sha256=hashlib.sha256(tokenizer_path.read_bytes()).hexdigest(),
        vocabulary=tokenizer.get_vocab_size(),
        window=WINDOW,
        threshold=threshold,
        screen=screen,
        start_piece=tokenizer.token_to_id("[CLS]"),
        training_pieces=pieces,
        training_packages=packages,
        calibration={
            "texts": float(len(scores)),
            **{f"q{q}": round(float(np.quantile(scores, q)), 3) for q in (0.5, 0.95, 0.99, 0.999)},
            "max": round(float(scores.max()), 3),
        },
    )


def main() -> None:
    tokenizer_path = minilm_tokenizer_path()
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    start = tokenizer.token_to_id("[CLS]")
    found = readmes()
    counted = [body for name, body in found.items() if not is_calibration(name)]
    held_out = [body for name, body in found.items() if is_calibration(name)]
    draft_info = info(tokenizer_path, threshold=0.0, screen=0.0, pieces=0, packages=len(counted), scores=np.zeros(1))
    draft = MachineTextModel(draft_info, count(counted, tokenizer, start), tokenizer)
    scores = np.asarray([draft.score(text) for text in calibration_texts(held_out)])
    threshold = round(float(np.quantile(scores, THRESHOLD_QUANTILE)), 2)
    screen = round(float(np.quantile(scores, SCREEN_QUANTILE)), 2)
    everything = list(found.values())
    pieces = sum(len(e.ids) for e in tokenizer.encode_batch(everything, add_special_tokens=False))
    final_info = info(
        tokenizer_path, threshold=threshold, screen=screen, pieces=pieces, packages=len(everything), scores=scores
    )
    save_machine_text_model(OUTPUT, final_info, count(everything, tokenizer, start))
    print(
        f"{len(counted)} packages counted, {len(held_out)} held out ({len(scores)} texts): "
        f"window score p50 {final_info.calibration['q0.5']}, p99.9 {final_info.calibration['q0.999']}, "
        f"max {final_info.calibration['max']} bits -> threshold {threshold}, screen {screen}; "
        f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KiB, {pieces} pieces from {len(everything)} packages)"
    )


if __name__ == "__main__":
    main()
