"""The rule recognizers and NER corrections for names and places: full names with no cue, honorifics after a cue,
cities the NER model calls people, and given names used as verbs. No spaCy model: rules and lists only."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult

from guardrails.pii import _is_a_place, _is_leading_verb
from guardrails.recognizers import GivenNameRecognizer, NameCueRecognizer, load_given_names, load_places

GIVEN_NAMES = load_given_names()


def spans(recognizer: GivenNameRecognizer | NameCueRecognizer, text: str) -> list[str]:
    return [text[r.start : r.end] for r in recognizer.analyze(text, ["PERSON"])]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hey, Benedikt Schröder here, my new mobile is on file.", "Benedikt Schröder"),
        ("Send the draft to Thandiwe Dlamini and wait.", "Thandiwe Dlamini"),
        ("Zofia Wiśniewska needs a new monitor.", "Zofia Wiśniewska"),
        ("The keys are with Anna Müller-Lüdenscheidt.", "Anna Müller-Lüdenscheidt"),
        ("Yesterday Thandiwe Dlamini called.", "Thandiwe Dlamini"),  # after another capitalised word
        ("Please Benedikt Schröder review it.", "Benedikt Schröder"),
    ],
)
def test_a_given_name_and_an_uncommon_surname_are_a_person(text: str, name: str) -> None:
    assert spans(GivenNameRecognizer(GIVEN_NAMES), text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Victoria Line delays made half the team late.",
        "Grace Period ends on the 30th.",
        "Chase Bank sent a letter.",
        "Jordan Template is the default.",
        "Ask IT about the VPN.",
    ],
)
def test_a_given_name_before_a_common_word_is_not(text: str) -> None:
    assert spans(GivenNameRecognizer(GIVEN_NAMES), text) == []


def test_a_cue_then_an_honorific_finds_the_name_not_the_honorific() -> None:
    assert spans(NameCueRecognizer(), "Tell Mr. Okonkwo the meeting moved.") == ["Okonkwo"]
    assert spans(NameCueRecognizer(), "Dear Dr Ayodele, thanks.") == ["Ayodele"]


def result(text: str, value: str, entity: str = "PERSON") -> RecognizerResult:
    start = text.index(value)
    found = RecognizerResult(entity, start, start + len(value), 0.85)
    found.recognition_metadata = {RecognizerResult.RECOGNIZER_NAME_KEY: "SpacyRecognizer"}
    return found


@pytest.mark.parametrize(
    ("text", "value", "verb"),
    [
        ("Bill the client for the extra hours.", "Bill", True),
        ("Thanks. Mark it as done.", "Mark", True),
        ("Tell Mr. Okonkwo the meeting moved.", "Okonkwo", False),
        ("Jordan from IT will bring the cables.", "Jordan", False),
        ("Please ask Will the question.", "Will", False),
        ("Sarah my colleague needs VPN access.", "Sarah", False),  # a name that is no verb stays a name
        ("Ok. Priya the new hire starts Monday.", "Priya", False),
    ],
)
def test_a_one_word_person_opening_a_sentence_before_an_object_is_a_verb(text: str, value: str, verb: bool) -> None:
    assert _is_leading_verb(text, result(text, value)) is verb


@pytest.mark.parametrize(
    ("text", "value", "place"),
    [
        ("The courier lost the box between Graz and Linz.", "Graz", True),  # a place, not a given name
        ("Oulu needs new routers.", "Oulu", True),
        ("Austin will review the budget.", "Austin", False),  # a city, and a given name: NER decides
        ("We moved from Austin last year.", "Austin", True),  # ... unless a location cue says otherwise
        ("Okonkwo will review the budget.", "Okonkwo", False),
    ],
)
def test_a_known_place_the_ner_calls_a_person(text: str, value: str, place: bool) -> None:
    start = text.index(value)
    assert _is_a_place(text, start, start + len(value), load_places(), GIVEN_NAMES) is place
