"""Writes guardrails/data/given_names.txt and surnames.txt: given names and surnames from many languages.

Provenance: the person providers of Faker (MIT, https://github.com/joke2k/faker), 86 locales, which list common
given names of each country. The PII rail uses the list only to tell a person from a place or a word: a city the
NER model calls a person is a place unless it is also a given name ("Graz" yes, "Austin" no), and a capitalised
word that starts a request is a verb only when it could not be a name; a known surname after a capitalised word
makes a full name even when the NER model misses it ("Aminata Diallo", "Austin Miller"). Names in scripts without
capitals ("佐藤", "김", "محمد") are kept for `guardrails.native_scripts`. The lists are committed
so the guardrails library does not depend on Faker at run time. Re-run to refresh:

    .venv/bin/python scripts/build_given_names.py
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import faker
import faker.providers.person

DATA = Path(__file__).resolve().parents[1] / "guardrails" / "data"
OUTPUT = DATA / "given_names.txt"
SURNAMES = DATA / "surnames.txt"
# Every list of given names or surnames a provider keeps, romanized Chinese and Japanese ones included.
ATTRIBUTES = (
    *(
        f"first_names{kind}{group}"
        for kind in ("", "_male", "_female", "_nonbinary", "_unisex")
        for group in ("", "_common", "_hinduism", "_islamic", "_est", "_rus")
    ),
    "first_romanized_names",
    "first_romanized_names_male",
    "first_romanized_names_female",
)
SURNAME_ATTRIBUTES = (
    *(
        f"last_names{kind}{group}"
        for kind in ("", "_male", "_female", "_unisex", "_female_only", "_male_only")
        for group in ("", "_common", "_hinduism", "_islamic", "_est", "_rus")
    ),
    "last_romanized_names",
    "male_last_names",
    "unisex_last_names",
)


def given_names() -> set[str]:
    return _names(ATTRIBUTES)


def surnames() -> set[str]:
    return _names(SURNAME_ATTRIBUTES)


def _names(attributes: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = getattr(importlib.import_module(f"faker.providers.person.{module.name}"), "Provider", None)
        for attribute in attributes:
            names = vars(provider).get(attribute) if provider is not None else None
            if isinstance(names, dict | list | tuple):
                found |= {name for name in names if isinstance(name, str) and _is_name_entry(name)}
    return found


def _is_name_entry(name: str) -> bool:
    """One capitalised word, or one word of a script without capitals (Chinese, Japanese, Korean, Arabic, Hebrew,
    Thai, the scripts of India): `guardrails.native_scripts` reads those."""
    first = name[:1]
    caseless = first.isalpha() and not first.isupper() and not first.islower()
    return " " not in name and (first.isupper() or caseless)


def main() -> None:
    for kind, names, output in (("Given names", given_names(), OUTPUT), ("Surnames", surnames(), SURNAMES)):
        header = f"# {kind} from Faker {faker.VERSION}'s person providers (MIT); scripts/build_given_names.py.\n"
        output.write_text(header + "\n".join(sorted(names)) + "\n", encoding="utf-8")
        print(f"wrote {len(names)} names to {output}")


if __name__ == "__main__":
    main()
