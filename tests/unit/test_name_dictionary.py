"""Given names from gender-guesser's name dictionary, and the frames that use them: a capitalised name alone in
mid-sentence, and a relative or colleague named. Rules and lists only, no spaCy model."""

from __future__ import annotations

import pytest

from guardrails.name_dictionary import load_dictionary_given_names, parse_name_dictionary
from guardrails.native_scripts import NativeScriptNameRecognizer
from guardrails.recognizers import (
    NER_TIE_SCORE,
    LoneGivenNameRecognizer,
    NameCueRecognizer,
    ReportedNameRecognizer,
    load_given_names,
    load_places,
    load_surnames,
)
from tests.support import rule_spans as spans

GIVEN_NAMES = load_given_names()
PLACES = load_places()
DICTIONARY_NAMES = load_dictionary_given_names(PLACES)


def test_entries_give_single_word_names_and_comments_are_skipped() -> None:
    lines = [
        "# a comment line that is long enough to hold a name field",
        "M  Abd+al+Rahman               1   ",
        "F  Anna-Lena                     5 ",
        "?  Al                          3   ",
        "short",
    ]
    assert parse_name_dictionary(lines) == frozenset({"Abd", "Rahman", "Anna", "Lena"})


@pytest.mark.parametrize("name", ["Faisal", "Priyanka", "Takeshi", "Aigerim", "Noura"])
def test_the_dictionary_holds_names_fakers_lists_miss(name: str) -> None:
    assert name not in GIVEN_NAMES
    assert name in DICTIONARY_NAMES


@pytest.mark.parametrize("word", ["The", "Marks", "Will", "London", "Paris"])
def test_everyday_words_and_places_are_left_out(word: str) -> None:
    assert word not in DICTIONARY_NAMES


LONE = LoneGivenNameRecognizer(GIVEN_NAMES | DICTIONARY_NAMES, PLACES)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the laptop for Takeshi was delivered to the wrong floor", ["Takeshi"]),
        ("weird login on Noura's account - she's on leave", ["Noura"]),
        ("can u check if Ifeoma got the email about fire warden training", ["Ifeoma"]),
        ("whitelist it for the Jenkins box please", []),  # after an article
        ("Translate to English: Bitte melden Sie sich an", []),  # opens a sentence
        ("my address is 12 rue des Lilas, Lyon", []),  # a place's particle before it
        ("relocating from Be'er Sheva next month", []),  # part of a capitalised run
        ("the invite for Grace Period was sent", []),  # an English word, before another capital
        ("it was cheaper in Austin last year", []),  # a place
    ],
)
def test_a_rare_given_name_alone_in_mid_sentence_is_a_person(text: str, found: list[str]) -> None:
    assert spans(LONE, text) == found


REPORTED = ReportedNameRecognizer(GIVEN_NAMES, PLACES, DICTIONARY_NAMES)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("pls call my husband Babajide on the landline", ["Babajide"]),
        ("I am his son Faisal; you can reach me by email", ["Faisal"]),
        ("who sets up my badge? my manager is Ifeoma", ["Ifeoma"]),
        ("the number on file is wrong — Chidi, her nephew", ["Chidi"]),
        ("my grandson Tevita set this account up", ["Tevita"]),  # no list holds it: the frame says a person
        ("my manager Sales Team approved it", []),  # a capitalised run, not a name
        ("my boss Monday said no", []),  # a weekday is an everyday word
        ("hey, Faisal here again from Muscat", ["Faisal"]),  # a dictionary name in a sign-in
    ],
)
def test_a_relative_or_colleague_named(text: str, found: list[str]) -> None:
    assert spans(REPORTED, text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("RE: complaint #CX-88123, fence damaged. Agent: Priyanka", ["Priyanka"]),
        ("Patient: Olamide Coker, DOB on file", ["Olamide Coker"]),
        ("Agent: Thanks for waiting, I'll check the order.", []),  # a transcript's turn, not a name
        ("Customer: Yes please", []),
    ],
)
def test_a_persons_label_and_a_colon_before_a_name(text: str, found: list[str]) -> None:
    assert spans(NameCueRecognizer(), text) == found


def test_rules_as_sure_as_the_ner_model_never_tie_with_it_exactly() -> None:
    """Presidio breaks an exact tie on one span by set order, which changes between processes."""
    assert NER_TIE_SCORE != 0.85
    (korean,) = NativeScriptNameRecognizer(GIVEN_NAMES, load_surnames()).analyze(
        "박서연 님 예약을 변경해 주세요", ["PERSON"]
    )
    assert korean.score == NER_TIE_SCORE
