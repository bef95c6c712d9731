"""Build `Guardrails` from its config: loads spaCy, the sentence encoder, the injection and machine-text models
(seconds)."""

from __future__ import annotations

import concurrent.futures

from guardrails.config import GuardrailsConfig
from guardrails.encoders import load_sentence_encoder
from guardrails.injection import InjectionDetector, TextEncoder, load_injection_model
from guardrails.machine_text import MachineTextScorer, load_language_model_judge, load_machine_text_model
from guardrails.pii import load_pii_analyzer
from guardrails.rails import Guardrails

__all__ = ["load_guardrails"]


def load_guardrails(
    config: GuardrailsConfig,
    system_prompt: str,
    *,
    executor: concurrent.futures.Executor,
    encoder: TextEncoder | None = None,
) -> Guardrails:
    """Blocking: call it off the event loop, once. `executor` runs the input guards (see `Guardrails`); the caller
    owns it and shuts it down. Pass `encoder` to share an already loaded model whose `model_id` is
    `config.injection_encoder` (the server shares its retrieval embedder this way)."""
    if encoder is None or encoder.model_id != config.injection_encoder:
        encoder = load_sentence_encoder(config.injection_encoder)
    analyzer = load_pii_analyzer(config.spacy_model, config.phone_regions, config.pii_score_threshold)
    machine_text = None
    if config.adversarial_suffix_check:
        judge = (
            None
            if config.adversarial_suffix_model is None
            else load_language_model_judge(config.adversarial_suffix_model, config.adversarial_suffix_bits)
        )
        machine_text = MachineTextScorer(load_machine_text_model(), judge)
    detector = InjectionDetector(load_injection_model(), encoder, machine_text)
    return Guardrails(config, pii=analyzer, injection=detector, system_prompt=system_prompt, executor=executor)
