"""Places and street addresses by rule: the gazetteer's towns and regions after a cue, lowercase places, sites named
after their town, lists of places, and street addresses in the formats of many countries. No spaCy model."""

from __future__ import annotations

import pytest

from guardrails.addresses import StreetAddressRecognizer
from guardrails.recognizers import (
    GivenNameRecognizer,
    PlaceRecognizer,
    RuleRecognizer,
    SurnameRecognizer,
    load_given_names,
    load_places,
    load_surnames,
)

GIVEN_NAMES = load_given_names()
SURNAMES = load_surnames()
PLACES = load_places()


def spans(recognizer: RuleRecognizer, text: str, entity: str) -> list[str]:
    return [text[r.start : r.end] for r in recognizer.analyze(text, [entity], None)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the wifi in Ponta Delgada keeps dropping", ["Ponta Delgada"]),  # a town of 68,000
        ("coverage in Queensland and Western Australia?", ["Queensland", "Western Australia"]),  # regions, a list
        ("do we ship inside Deutschland?", ["Deutschland"]),  # a country in its own language
        ("add Côte d'Ivoire to the dropdown", ["Côte d'Ivoire"]),  # no cue: letters English lacks
        ("flying in via İzmir tomorrow", ["İzmir"]),  # a capital letter beyond A-Z
        ("is the vpn down in santiago or is it just me", ["santiago"]),  # lowercase after a cue
        ("the Jackson warehouse scanner is offline", ["Jackson"]),  # a site named after its town
        ("sao paulo office line is down", ["sao paulo"]),
        ("Mobile devices in Central are slow", []),  # everyday words are no towns
        ("it is in progress and in review", []),
        ("assign it to june please", []),  # a lowercase given name after "to"
    ],
)
def test_places_from_the_gazetteer(text: str, found: list[str]) -> None:
    assert spans(PlaceRecognizer(PLACES), text, "LOCATION") == found


def test_a_place_of_two_words_is_not_a_full_name() -> None:
    surnames = SurnameRecognizer(GIVEN_NAMES, SURNAMES, PLACES)
    assert spans(surnames, "new starter in Ciudad Juárez needs a laptop", "PERSON") == []
    assert spans(surnames, "Aminata Diallo needs a laptop", "PERSON") == ["Aminata Diallo"]


def test_an_irish_particle_makes_a_full_name_of_unlisted_words() -> None:
    given = GivenNameRecognizer(GIVEN_NAMES)
    assert spans(given, "escalate to Siobhán Ní Bhriain if the fix fails", "PERSON") == ["Siobhán Ní Bhriain"]
    assert spans(given, "Ruairí Ó Súilleabháin in Galway says hi", "PERSON") == ["Ruairí Ó Súilleabháin"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "ship it to 8237 Ellis Spurs Apt. 552, Lake Sheila, NE 48101 asap",
            "8237 Ellis Spurs Apt. 552, Lake Sheila, NE 48101",
        ),
        ("my office is at 12 Baker Street, London NW1 6XE", "12 Baker Street, London NW1 6XE"),
        ("send it to Hauptstraße 12, 10115 Berlin please", "Hauptstraße 12, 10115 Berlin"),
        ("Via Roma 10, 00184 Roma", "Via Roma 10, 00184 Roma"),
        ("ul. Długa 5/7, 00-238 Warszawa", "ul. Długa 5/7, 00-238 Warszawa"),
        ("52, rue Lucas, 75002 Paris", "52, rue Lucas, 75002 Paris"),
        ("Kerkstraat 12a in Utrecht", "Kerkstraat 12a"),
        ("Atatürk Caddesi No: 7", "Atatürk Caddesi No: 7"),
        ("PSC 1234, Box 5678, APO AE 12345", "PSC 1234, Box 5678, APO AE 12345"),
        ("the house at 8 Willow Crescent is empty", "8 Willow Crescent"),
    ],
)
def test_street_addresses_of_many_countries_are_one_location(text: str, address: str) -> None:
    assert spans(StreetAddressRecognizer(GIVEN_NAMES | SURNAMES), text, "LOCATION") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "we need 3 Data Centers and 5 Story Points",  # weak street words after no name
        "Microsoft 365 Admin Center crashes",
        "I have 2 Google Drive folders",
        "Office 365 Access Points are down",
        "version 10 Route 66",
        "42nd Street is busy",  # a street, not an address
    ],
)
def test_numbers_before_office_words_are_no_address(text: str) -> None:
    assert spans(StreetAddressRecognizer(GIVEN_NAMES | SURNAMES), text, "LOCATION") == []
