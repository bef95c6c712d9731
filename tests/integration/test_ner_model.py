"""The larger spaCy pipeline that `make serve` and the images use for the PII rail, as `make ner-model` unpacks it
from its wheel: it loads under this Python, and through the whole rail it masks names nobody cued."""

from __future__ import annotations

import concurrent.futures

import pytest

from guardrails import Action, GuardrailsConfig, load_guardrails
from guardrails.pii import load_pii_analyzer
from guardrails.prepare_ner_model import DEFAULT_OUTPUT
from tests.support import REPO

pytestmark = pytest.mark.slow

NER_MODEL = REPO / DEFAULT_OUTPUT


def test_the_prepared_medium_pipeline_masks_names_without_a_cue() -> None:
    assert NER_MODEL.is_dir(), "run `make ner-model` first (make test does)"
    with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="guard") as workers:
        config = GuardrailsConfig(spacy_model=str(NER_MODEL))
        rails = load_guardrails(config, "You answer from the documents.", executor=workers)
        verdicts = [
            (rails.check_input(text, rails.new_context("req_ner")), name)
            for text, name in (
                ("Please forward this to Aroha Ngata before the review.", "Aroha Ngata"),
                ("Lerato Mokoena booked room Orion for Friday.", "Lerato Mokoena"),
            )
        ]
    for verdict, name in verdicts:
        assert verdict.action is Action.MASK, name
        assert "PERSON" in {finding.kind for finding in verdict.findings}
        assert name not in verdict.text, "the model sees a placeholder, not the name"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # a title before a surname no list holds
        ("Pls escalate to Ms. Abernethy, the customer called 4 times.", [("PERSON", "Abernethy")]),
        # a name no list holds, where the model reads a person and a verb takes one
        ("Can you remind Chidi about the form?", [("PERSON", "Chidi")]),
        # one span of the model's that runs over a person and a place the rules found
        (
            "Valentina Ospina en Medellín no puede entrar al portal.",
            [("PERSON", "Valentina Ospina"), ("LOCATION", "Medellín")],
        ),
        (
            "Ufficio di Milano: chiamare Marco Bianchi per il badge",
            [("LOCATION", "Milano"), ("PERSON", "Marco Bianchi")],
        ),
        ("My CV says I did B2B sales for years.", []),  # an acronym the model calls a person
        ("Please update the record for Sheryl Chandler MD today.", [("PERSON", "Sheryl Chandler MD")]),  # a degree
        # a given name the model left out of the surname it read, not the town of that surname
        (
            "please cancel, Tendai Moyo reported it stolen in Harare",
            [("PERSON", "Tendai Moyo"), ("LOCATION", "Harare")],
        ),
    ],
)
def test_the_rules_and_the_model_together(text: str, found: list[tuple[str, str]]) -> None:
    config = GuardrailsConfig()
    analyzer = load_pii_analyzer(str(NER_MODEL), config.phone_regions, config.pii_score_threshold)
    spans = analyzer.find(text, ["PERSON", "LOCATION"])
    assert [(span.entity_type, text[span.start : span.end]) for span in spans] == found
