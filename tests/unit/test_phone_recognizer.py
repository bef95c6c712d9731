"""The phone recognizer on the formats issue 16 found missed, and on the look-alikes it must leave alone."""

from __future__ import annotations

import pytest

from guardrails.recognizers import InternationalPhoneRecognizer, NhsNumberRecognizer


def phones(text: str) -> list[str]:
    return [text[r.start : r.end] for r in InternationalPhoneRecognizer().analyze(text, ["PHONE_NUMBER"])]


@pytest.mark.parametrize(
    "number",
    [
        "(384)570-2149x615",  # parenthesised area code, no space, glued extension
        "001-962-555-5267x775",  # international access code instead of "+"
        "+1-793-437-3614x148",
        "212.555.0198 x4410",
        "0044 20 7946 0958",
        "(503)555-0119",  # contains "011", which is not an access code here
        "+86 138 0013 8000",  # "00" inside a number is no access code
        "0049 30 901820",  # an access code before a valid number with a long group
        "(556)739-2180x516",  # "0x" inside a number is no hex literal
        "0113 4960960",  # a UK area code, not the US access code 011
        "(0118) 496 0772",
    ],
)
def test_phone_formats_with_extensions_and_access_codes(number: str) -> None:
    assert phones(f"Call me on {number} tomorrow.") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "The screen is 1920x1080.",
        "Error 0x80070005 again.",
        "Upgrade fixed it, build 20261124.",
        "Order 001-2024-000123 shipped.",
        "Where is the AnyConnect 4.10.08029 installer?",  # a version
        "Supplier Nordlys AS (org. no. 987 654 321) needs a PO.",  # a labelled registration number
    ],
)
def test_ids_sizes_and_hex_are_not_phones(text: str) -> None:
    assert phones(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("My NHS number is 485 612 3904 and I need a repeat prescription.", ["485 612 3904"]),
        ("home phone (0113) 284 5519, NHS no. 721 903 4660.", ["721 903 4660"]),
        ("NHS number: 4856123904", ["4856123904"]),
        ("call me on 485 612 3904 after five", []),  # no cue: a phone, masked as one
        ("NHS number 485 612 3905", []),  # a wrong check digit
    ],
)
def test_an_nhs_number_needs_its_cue_and_its_check_digit(text: str, found: list[str]) -> None:
    assert [text[r.start : r.end] for r in NhsNumberRecognizer().analyze(text, ["UK_NHS"])] == found


def test_an_nhs_number_outranks_the_phone_reading_of_the_same_digits() -> None:
    text = "NHS no. 721 903 4660"
    (nhs,) = NhsNumberRecognizer().analyze(text, ["UK_NHS"])
    assert all(nhs.score > phone.score for phone in InternationalPhoneRecognizer().analyze(text, ["PHONE_NUMBER"]))
