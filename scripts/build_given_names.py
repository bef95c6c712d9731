"""Writes guardrails/data/given_names.txt: given names from many languages, one per line.

Provenance: the person providers of Faker (MIT, https://github.com/joke2k/faker), 86 locales, which list common
given names of each country. The PII rail uses the list only to tell a person from a place or a word: a city the
NER model calls a person is a place unless it is also a given name ("Graz" yes, "Austin" no), and a capitalised
word that starts a request is a verb only when it could not be a name. The list is committed so the guardrails
library does not depend on Faker at run time. Re-run to refresh:

    .venv/bin/python scripts/build_given_names.py
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import faker
import faker.providers.person

OUTPUT = Path(__file__).resolve().parents[1] / "guardrails" / "data" / "given_names.txt"
ATTRIBUTES = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")


def given_names() -> set[str]:
    found: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = getattr(importlib.import_module(f"faker.providers.person.{module.name}"), "Provider", None)
        for attribute in ATTRIBUTES:
            names = vars(provider).get(attribute) if provider is not None else None
            if isinstance(names, dict | list | tuple):
                found |= {name for name in names if isinstance(name, str) and name[:1].isupper() and " " not in name}
    return found


def main() -> None:
    names = sorted(given_names())
    header = f"# Given names from Faker {faker.VERSION}'s person providers (MIT); scripts/build_given_names.py.\n"
    OUTPUT.write_text(header + "\n".join(names) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} names to {OUTPUT}")


if __name__ == "__main__":
    main()
