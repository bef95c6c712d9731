"""The rule recognizers and NER corrections for names and places: full names with no cue, honorifics after a cue,
cities the NER model calls people, and given names used as verbs. No spaCy model: rules and lists only."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult

from guardrails.pii import _CODE_NAME, _NAMED_THING, _is_a_place, _is_leading_verb
from guardrails.recognizers import (
    GivenNameRecognizer,
    InternationalPhoneRecognizer,
    ListedNameRecognizer,
    NameCueRecognizer,
    PlaceRecognizer,
    ReportedNameRecognizer,
    SurnameRecognizer,
    UnlistedNameRecognizer,
    VietnameseNameRecognizer,
    load_given_names,
    load_places,
    load_surnames,
)
from tests.support import rule_spans as spans

GIVEN_NAMES = load_given_names()
PLACES = load_places()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hey, Benedikt Schröder here, my new mobile is on file.", "Benedikt Schröder"),
        ("Send the draft to Thandiwe Dlamini and wait.", "Thandiwe Dlamini"),
        ("Zofia Wiśniewska needs a new monitor.", "Zofia Wiśniewska"),
        ("The keys are with Anna Müller-Lüdenscheidt.", "Anna Müller-Lüdenscheidt"),
        ("Yesterday Thandiwe Dlamini called.", "Thandiwe Dlamini"),  # after another capitalised word
        ("Please Benedikt Schröder review it.", "Benedikt Schröder"),
        ("Update the chart: she reports to Anouk de Vries now.", "Anouk de Vries"),  # a particle between
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


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Aminata Diallo and Kofi Mensah both say the app logs them out.", ["Aminata Diallo", "Kofi Mensah"]),
        ("Paris Green is out sick, route her tickets to Austin Miller.", ["Paris Green", "Austin Miller"]),
        ("+27 82 555 0198 is Sipho Dlamini's work phone.", ["Sipho Dlamini's"]),
        ("Take Oxford Street, then Victoria Line.", []),  # a place, and no surname
        ("Grace Period ends on the 30th.", []),
    ],
)
def test_a_known_surname_makes_a_full_name(text: str, found: list[str]) -> None:
    assert spans(SurnameRecognizer(GIVEN_NAMES, load_surnames(), PLACES), text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Joy says the printer on floor 3 is jammed again.", ["Joy"]),
        ("Summer from legal needs the latest NDA template.", ["Summer"]),
        ("Paris from accounts wants the report re-run.", ["Paris"]),
        ("move Faith's mailbox to the shared archive", ["Faith"]),
        ("Joy to the world is on the playlist.", []),
        ("Flights from Paris are delayed.", []),
        ("The Phoenix release says nothing about it.", []),  # not a given name before "says"
        ("Bo keeps getting locked out, can you take a look", ["Bo"]),
        ("Ines is relocating from Porto to Montréal", ["Ines"]),
        ("give Mercedes read access to the hr folder", ["Mercedes"]),
        ("please remind Hope about the form", ["Hope"]),
        ("give Access Control a look", []),  # no given name after the verb
        ("send Mercedes Benz brochures", []),  # part of a longer capitalised name
    ],
)
def test_a_given_name_alone_is_a_person_where_what_follows_says_so(text: str, found: list[str]) -> None:
    assert spans(ReportedNameRecognizer(GIVEN_NAMES), text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("write a thank-you note to Ayesha, Tomasz, Ingrid and Mateo", ["Ayesha", "Tomasz", "Ingrid", "Mateo"]),
        ("reply to Brooke and cc Hunter", []),  # not a list
        ("April and June are our busiest months.", []),  # months, not names
        ("Ship it to Austin and Charlotte.", []),  # places
        ("Winter Garden and Blue Lagoon are meeting rooms.", []),  # parts of longer names
    ],
)
def test_a_list_of_given_names_is_a_list_of_people(text: str, found: list[str]) -> None:
    assert spans(ListedNameRecognizer(GIVEN_NAMES, PLACES), text) == found


def test_a_native_spelling_is_a_place_without_a_cue_and_an_english_one_needs_a_cue() -> None:
    places = PlaceRecognizer(PLACES)
    assert spans(places, "Köln team can't reach the file server in Den Haag.", "LOCATION") == ["Köln", "Den Haag"]
    assert spans(places, "Reykjavík still hasn't received the monitors.", "LOCATION") == ["Reykjavík"]
    assert spans(places, "Lisboa printers all show offline, and so does Leeds.", "LOCATION") == []


@pytest.mark.parametrize(
    ("before", "after", "code_name"),
    [
        ("the ", " queue needs triage", True),
        ("Team ", " needs more space", True),
        ("Room ", " on floor 4", True),
        ("codename ", " ships in May", True),
        ("the ", " auditors need read-only access", True),  # a firm's
        ("the ", " renewal docs are on SharePoint", True),
        ("is ", " integration live yet", True),  # a product's
        ("ask ", " about it", False),
        ("call ", " on extension 2201", False),
    ],
)
def test_a_name_beside_a_thing_s_word_is_a_code_name(before: str, after: str, code_name: bool) -> None:
    text = f"{before}Atlas{after}"
    found = bool(_CODE_NAME.match(text, len(before) + 5) or _NAMED_THING.search(text, 0, len(before)))
    assert found is code_name


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("invoice 0161 4402 917 was paid twice", False),
        ("Chase up PO 4500219873 with procurement", False),
        ("reset the SLA timer on case #5561-0923", False),
        ("rerun build 4.18.3.2291 tonight", False),
        ("chase the supplier on RMA 88213-0047", False),
        ("call me on 0161 4402 917 after lunch", True),
        ("my mobile: +44 7700 900123", True),
        ("New Delhi 110005, ph 011-2575 4481.", True),  # 011 is Delhi's code here, not the US access code
        ("Johannesburg 2196, reception 011 883 5520", True),  # a region not configured, after a phone's word
        ("订单已付款，电话138 1762 4409，谢谢", True),
    ],
)
def test_a_number_labelled_as_an_id_is_not_a_phone(text: str, phone: bool) -> None:
    assert bool(spans(InternationalPhoneRecognizer(), text, "PHONE_NUMBER")) is phone


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the thread between Priyanka Raghunathan and Siddharth Iyer", ["Priyanka Raghunathan", "Siddharth Iyer"]),
        ("Somchai Srisuk wants to swap his keyboard for a Thai layout", ["Somchai Srisuk"]),
        ("is Tiruchirappalli Junction on the list?", []),  # a place's words, no person's place
        ("Training and Finetuning Reranker Models", []),  # part of a longer capitalised run
        ("Somchai Srisuk", []),  # rare words where nothing says a person stands there
        ("meet Quarterly Planning on Monday", []),  # everyday words
    ],
)
def test_unlisted_names_stand_where_a_person_does(text: str, found: list[str]) -> None:
    assert spans(UnlistedNameRecognizer(PLACES), text, "PERSON") == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Oksana says the coffee machine is broken again", ["Oksana"]),  # what only a person does
        ("Olumide asked for the Benefits tab", ["Olumide"]),
        ("Intune keeps blocking my phone", []),  # what tools do too
        ("Buildah doesn't send a context", []),
        ("Malak from Amman asked about the Arabic layout", ["Malak"]),  # where they work, then what they did
        ("Kamau at the Mombasa depot: +254 712 345 678", ["Kamau"]),
        ("please add Ravi to the approvers, he replaced Nasrin", ["Ravi"]),  # listed names only, without the NER
        ("hey rangi can't get into the shared drive", ["rangi"]),  # a greeting, in lowercase
        ("its codebase is old", []),  # no greeting or introduction
        ("ask rose if the badge printer is fixed", ["rose"]),  # a name that is a word, in lowercase, in a frame
        ("tell mark to close the ticket", ["mark"]),
        ("let will know the cert expires", ["will"]),
        ("let me know, ask dev to check and ask doctor if it hurts", []),  # pronouns, teams and roles
        ("Hi, Olusegun here. the wifi drops every afternoon", ["Olusegun"]),  # a sign-in
        ("Click here to reset it", []),
        ("Layla will cover for me while I'm away", ["Layla"]),
    ],
)
def test_names_no_list_holds_where_only_a_person_fits(text: str, found: list[str]) -> None:
    assert spans(ReportedNameRecognizer(GIVEN_NAMES, PLACES), text) == found


def test_a_greeting_cues_a_name() -> None:
    assert spans(NameCueRecognizer(), "Hey Aroha, did you get the reply?") == ["Aroha"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("reset the token for Nguyễn Thị Lan? She is away", ["Nguyễn Thị Lan"]),
        ("Lê Văn Tám and Phạm Quốc Bảo joined", ["Lê Văn Tám", "Phạm Quốc Bảo"]),
        ("is Thành phố Hồ Chí Minh covered?", []),  # the city named after him
        ("flights to Hồ Chí Minh City", []),
        ("Phan is a surname alone", []),
    ],
)
def test_vietnamese_full_names(text: str, found: list[str]) -> None:
    assert spans(VietnameseNameRecognizer(), text) == found
