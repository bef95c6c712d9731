"""Places and street addresses by rule: the gazetteer's towns and regions after a cue, lowercase places, sites named
after their town, lists of places, and street addresses in the formats of many countries. No spaCy model."""

from __future__ import annotations

import pytest

from guardrails.addresses import StreetAddressRecognizer
from guardrails.pii import _VERSION
from guardrails.recognizers import (
    CardRecognizer,
    GivenNameRecognizer,
    InternationalPhoneRecognizer,
    PlaceRecognizer,
    PlaceShapeRecognizer,
    ReportedNameRecognizer,
    SurnameRecognizer,
    TravelledPlaceRecognizer,
    load_given_names,
    load_places,
    load_surnames,
)
from tests.support import rule_spans as spans

GIVEN_NAMES = load_given_names()
SURNAMES = load_surnames()
PLACES = load_places()


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


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Aleksi Virtanen / Tampere / locked out after the password change", ["Tampere"]),
        ("Farhana Akter (Chattogram) asks for a salary certificate", ["Chattogram"]),
        ("Tiruchirappalli customers see the wrong language", ["Tiruchirappalli"]),  # rare enough to open a sentence
        ("Como faço para configurar a VPN?", []),  # a word opening a sentence in another language
        ("ARM64 builds run on Ampere Altra servers", []),  # a capitalised run that is a product
        ("please cancel, Tendai Moyo reported it stolen", []),  # a surname, not the town of that name
        ("our Mobile team ships on Friday", []),  # an everyday word
    ],
)
def test_a_place_no_person_is_called_needs_no_cue(text: str, found: list[str]) -> None:
    people = GIVEN_NAMES | SURNAMES | {"Moyo"}
    assert spans(PlaceRecognizer(PLACES, people), text, "LOCATION") == found


def test_without_the_name_lists_a_place_still_needs_its_cue() -> None:
    assert spans(PlaceRecognizer(PLACES), "Aleksi Virtanen / Tampere / locked out", "LOCATION") == []


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
        ("arrived at Apt. 125 992 Jessica Walkway, Port Sheila", "Apt. 125 992 Jessica Walkway, Port Sheila"),
        ("go to Esplanada de Silva, 4, Nova Floresta", "Esplanada de Silva, 4, Nova Floresta"),
        ("she lives on Patricia Shores, no number", "Patricia Shores"),  # a person's name and a street word
        ("a hotel near Wendy Junction.", "Wendy Junction"),  # the sentence keeps its full stop
        ("the house at 8 Willow Crescent is empty", "8 Willow Crescent"),
        ("post it to Flat 68, Stephanie Avenue, Dayton, S8U 7DG", "Flat 68, Stephanie Avenue, Dayton, S8U 7DG"),
        ("ship to 5072 Jerry Via Apt. 050, Grayfurt, RI 15965", "5072 Jerry Via Apt. 050, Grayfurt, RI 15965"),
        ("deliver it to 7688 Charles Walk, please", "7688 Charles Walk"),  # a given name English uses a lot
        ("66/747 Reyes Crescent, Joyceport, WA, 2760", "66/747 Reyes Crescent, Joyceport, WA, 2760"),  # Australia
        (
            "at 474 Bailey Row Suite 652, Cherrymouth, ON X6H 8J5 now",
            "474 Bailey Row Suite 652, Cherrymouth, ON X6H 8J5",
        ),
        ("Rambla de Lola Atienza 9 Piso 0, Valencia, 39925", "Rambla de Lola Atienza 9 Piso 0, Valencia, 39925"),
        ("Vicolo Baracca, 855, 13875, Ponderano (BI)", "Vicolo Baracca, 855, 13875, Ponderano (BI)"),
        # A Brazilian postcode reads as a phone number, so the address stops before it rather than lose to it.
        ("Praça Isaac Farias, 47, Pindura Saia, 27028-779 Caldeira", "Praça Isaac Farias, 47, Pindura Saia"),
    ],
)
def test_street_addresses_of_many_countries_are_one_location(text: str, address: str) -> None:
    recognizer = StreetAddressRecognizer(GIVEN_NAMES | SURNAMES, GIVEN_NAMES)
    assert spans(recognizer, text, "LOCATION") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "we need 3 Data Centers and 5 Story Points",  # weak street words after no name
        "Microsoft 365 Admin Center crashes",
        "I have 2 Google Drive folders",
        "Office 365 Access Points are down",
        "version 10 Route 66",
        "42nd Street is busy",  # a street, not an address
        "log on to Google Drive",
        "click on Access Points",
    ],
)
def test_numbers_before_office_words_are_no_address(text: str) -> None:
    assert spans(StreetAddressRecognizer(GIVEN_NAMES | SURNAMES, GIVEN_NAMES), text, "LOCATION") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("train from West Matthewmouth to West Todd", ["West Todd", "West Matthewmouth"]),
        ("visiting from North Kelly, Luxembourg", ["North Kelly"]),
        ("flights to Edwardsville and Moorefort", ["Edwardsville", "Moorefort"]),
        ("the New Teams client and New Relic alerts", []),  # no person's name after "New"
        ("Johnston said hi to Anderson", []),  # surnames that look like towns are surnames
    ],
)
def test_names_shaped_like_places(text: str, found: list[str]) -> None:
    assert spans(PlaceShapeRecognizer(GIVEN_NAMES | SURNAMES, PLACES), text, "LOCATION") == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("moving to Boulogne-sur-Mer in May", ["Boulogne-sur-Mer"]),
        ("the Sainte Valentine-les-Bains depot", ["Sainte Valentine-les-Bains", "Sainte Valentine"]),
        ("our team in Saint-Malo and São Mateus", ["Saint-Malo", "São Mateus"]),
        ("the Jean-Baptiste account", []),  # a hyphenated given name has no particle
        ("closed on Saint Patrick's day", []),  # the saint himself
    ],
)
def test_french_communes_and_saints_are_places(text: str, found: list[str]) -> None:
    assert spans(PlaceShapeRecognizer(GIVEN_NAMES | SURNAMES, PLACES), text, "LOCATION") == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("flights to Brugnera are delayed", ["Brugnera"]),
        ("she lives in Cadeo now", ["Cadeo"]),
        ("our warehouse in Nepi is full", ["Nepi"]),
        ("ship it to Tortoreto Lido please", ["Tortoreto Lido"]),
        ("a trip to Sant'Agnello", ["Sant'Agnello"]),
        ("flew from Santa Vittoria In Matenano", ["Santa Vittoria In Matenano"]),
        ("we moved to Jira last year", []),  # a tool follows "moved to" too
        ("living in Fear of the audit", []),  # an everyday word
        ("wheels get shipped to PyPI", []),  # not a word on its own
        ("is there a print shop near Vedelago?", ["Vedelago"]),
        ("Name: Aneta Haase / Location: Wiedenbrück / Issue: monitor", ["Wiedenbrück"]),
        ("Location: Remote", []),
    ],
)
def test_an_unlisted_place_after_words_only_a_place_follows(text: str, found: list[str]) -> None:
    assert spans(TravelledPlaceRecognizer(), text, "LOCATION") == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("philippe from marketing wants admin rights", ["philippe"]),
        ("hi its erin again, still cant print", ["erin"]),
        ("mark says hi", []),  # a lowercase everyday word
        ("the dock doesn't match the tag", []),
    ],
)
def test_a_lowercase_given_name_after_a_strong_cue(text: str, found: list[str]) -> None:
    assert spans(ReportedNameRecognizer(GIVEN_NAMES), text, "PERSON") == found


def test_a_twelve_digit_maestro_card_is_a_card_and_an_ssn_shape_is_no_phone() -> None:
    assert CardRecognizer().validate_result("675902732758")
    assert not CardRecognizer().validate_result("612345678901")  # 12 digits, no Maestro prefix
    assert CardRecognizer().validate_result("572804256624")  # Maestro 57xx
    assert CardRecognizer().validate_result("213147486681630")  # JCB, 15 digits
    assert spans(InternationalPhoneRecognizer(), "is 395-96-2175 the SSN you gave?", "PHONE_NUMBER") == []
    assert spans(InternationalPhoneRecognizer(), "new hire (057-30-3851) twice", "PHONE_NUMBER") == []
    assert spans(InternationalPhoneRecognizer(), "prd-sql-23 (194.48.220.75) is down", "PHONE_NUMBER") == []
    assert spans(InternationalPhoneRecognizer(), "São Paulo - SP, 05416-001, Brasil", "PHONE_NUMBER") == []


def test_country_names_in_other_languages_are_places() -> None:
    places = PlaceRecognizer(PLACES)
    text = "partners in Jamaika and Catar, and inside Deutschland"
    assert spans(places, text, "LOCATION") == ["Jamaika", "Catar", "Deutschland"]


@pytest.mark.parametrize(
    ("before", "version"),
    [("upgrade the core switch firmware to ", True), ("rolled out release ", True), ("the gateway is at ", False)],
)
def test_a_dotted_quad_after_a_version_word_is_a_version(before: str, version: bool) -> None:
    assert bool(_VERSION.search(before)) is version


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("hope in payroll says my march payslip is missing", ["hope"]),  # a word, but the frame says a person
        ("is sunny in today? the team wants a sync", ["sunny"]),
        ("Is Summer back from leave yet?", ["Summer"]),
        ("yo is destiny still handling the laptop returns", ["destiny"]),
        ("pls add rahul and deepa to the sharepoint group", ["rahul", "deepa"]),
        ("hey, ngozi and emeka both lost their badges", ["ngozi", "emeka"]),
        ("can nikol get admin on the wiki?", ["nikol"]),
        ("can bill sign off the catering bill", []),  # an everyday word: the frame is not enough
        ("can u add grace and will to the channel", []),  # both everyday words
        ("is june still ok for the offsite", []),  # a month
        ("salt and pepper to taste", []),
    ],
)
def test_a_lowercase_given_name_in_a_frame_only_a_person_fits(text: str, found: list[str]) -> None:
    assert spans(ReportedNameRecognizer(GIVEN_NAMES), text, "PERSON") == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ya hasn't arrived. 9 days now. rose", ["rose"]),  # a sign-off at the very end
        ("the code goes to an old phone, new one is 0438 221 760 - Bronwyn", ["Bronwyn"]),
        ("I'll be working from Zakopane next week. Kasia", ["Kasia"]),  # no list holds it; no English word
        ("tnx wanjiru for yesterday, issue solved", ["wanjiru"]),
        ("Leave request: Nkechi 23 Dec to 3 Jan. Cover: Obinna.", ["Nkechi", "Obinna"]),  # labels of a form
        ("Ticket #9921: VPN fails on Wi-Fi. Assigned to Keoni.", ["Keoni"]),
        ("send me the report? Also cc Lindiwe, Mpho and Sizwe.", ["Lindiwe", "Mpho", "Sizwe"]),
        ("Shipping label: Ahmed Benali, 12 rue des Lilas, 69003 Lyon. France", []),  # an address ends in a place
        ("It is in the shared drive. Thanks", []),
        ("thanks again, that worked", []),
        ("cc Finance and Legal on this", []),  # teams
    ],
)
def test_a_name_where_the_message_s_form_says_a_person(text: str, found: list[str]) -> None:
    assert spans(ReportedNameRecognizer(GIVEN_NAMES, PLACES), text, "PERSON") == found
