"""Street addresses, which the NER model reads as a person or a few loose places ("8237 Ellis Spurs Apt. 552").

Written from the postal formats themselves (the US Postal Service's street suffixes, European street words and
postcode shapes), not from any evaluation set. Three shapes, each optionally followed by a unit, a town, a state
and a postcode:
- number first: "12 Baker Street", "8237 Ellis Spurs Apt. 552", "5th Avenue", "52, rue Lucas";
- street word first: "Via Roma 10", "ul. Długa 5", "Calle Mayor, 3", "Rua Augusta 45";
- one word ending in a street word: "Hauptstraße 12", "Kerkstraat 12a", "Storgatan 5", "Atatürk Caddesi No: 7".
Military forms ("PSC 1234, Box 5678, APO AE 12345") are matched too. The whole address is one LOCATION.
"""

from __future__ import annotations

import re

import wordfreq
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from guardrails.recognizers import RuleRecognizer, ends_at, recognizer_result

__all__ = ["StreetAddressRecognizer"]

# Street suffixes (the USPS's Publication 28 and British ones) that name a street after any words: "12 Baker
# Street", "4 Willow Gardens". Weak ones are also words in product and office talk ("Admin Center", "Story Points",
# "Google Drive"): they make an address only after a known given name or surname ("8237 Ellis Spurs", the way
# generated and many real streets are named) or when a unit, town or postcode follows.
_STRONG_WORDS = """
Street St Str Avenue Ave Road Rd Boulevard Blvd Lane Ln Court Ct Terrace Ter Crescent Cres Highway Hwy Parkway
Pkwy Way Place Pl Square Sq Alley Mews Wynd Parade Grove Gardens Heights Turnpike Expressway Freeway Motorway
Causeway Stravenue
"""
_WEAK_WORDS = """
Annex Arcade Bayou Beach Bend Bluffs? Bottom Branch Bridge Brooks? Burgs? Bypass Camp Canyon Cape Centers? Centre
Circles? Cir Cliffs? Close Club Commons? Corners? Course Courts? Coves? Creek Crest Crossing Crossroad Curve Dale
Dam Divide Drives? Dr Estates? Extensions? Falls? Ferry Fields? Flats? Fords? Forest Forges? Forks? Fort Gateway
Glens? Greens? Groves? Harbors? Haven Hills? Hollow Inlet Islands? Isle Junctions? Keys? Knolls? Lakes? Land
Landing Lights? Loaf Locks? Lodge Loop Mall Manors? Meadows? Mills? Mission Mount Mountains? Neck Orchard Oval
Overpass Parks? Parkways? Pass Passage Path Pike Pines? Plains? Plaza Points? Ports? Prairie Radial Ramp Ranch
Rapids? Rest Ridges? River Roads? Route Row Run Shoals? Shores? Skyway Springs? Spurs? Squares? Station Stream
Streets? Summit Trace Track Trafficway Trail Trailer Tunnel Underpass Unions? Valleys? Viaduct Views? Villages?
Ville Vista Walks? Walkway Wall Ways? Wells? Wharf Via Throughway Thruway Rue Garden
"""


def _alternatives(words: str) -> str:
    return "(?:" + "|".join(words.split()) + r")(?!\w)\.?"


_STRONG = _alternatives(_STRONG_WORDS)
_WEAK = _alternatives(_WEAK_WORDS)
# Street words that come before the name, in the languages whose addresses put them there.
_PREFIX = (
    r"(?:[Uu]l\.|[Uu]lica|[Aa]l\.|[Aa]leja|[Pp]l\.|Via|Viale|Vicolo|Piazza|Piazzale|Corso|Largo|Contrada|Borgo|"
    r"Strada|Stretto|Rotonda|Calle|C/|Callejón|Cañada|Cuesta|Acceso|Vial|Pasadizo|Senda|Avenida|Avda\.|Av\.|"
    r"Paseo|Plaza|Pasaje|Ronda|Rambla|Camino|Carrer|Carretera|Travesía|"
    r"Glorieta|Urbanización|Rua|Travessa|Praça|Estrada|Rodovia|Alameda|Ladeira|Vila|Viela|Vereda|Quadra|Esplanada|"
    r"Setor|Conjunto|Residencial|Lagoa|Trecho|"
    r"[Rr]ue|[Aa]venue|[Bb]oulevard|[Bb]d|[Cc]hemin|[Aa]llée|[Ii]mpasse|[Qq]uai|[Rr]oute|[Pp]lace|[Pp]assage|"
    r"[Cc]ours|Am|An der|Auf der|Im|In der|Zum|Zur)"
)
# Street words glued to the end of one name word: German, Dutch, Nordic, Central European, Turkish.
_GLUED = (
    r"(?:stra(?:ß|ss)e|str\.|weg|gasse|allee|platz|ring|damm|ufer|steig|pfad|chaussee|markt|"
    r"straat|laan|plein|gracht|kade|singel|dijk|steeg|"
    r"gatan|vägen|gränd|stigen|torget|gata|gate|gaten|veien|vej|gade|katu|tie|utca|ulice|cesta|"
    r"(?: |-)(?:Sokak|Sokağı|Sk\.|Caddesi|Cad\.|Bulvarı|Mahallesi))"
)
_NUMBER = r"\d{1,6}[A-Za-z]?(?:\s?[-/]\s?\d{1,5}[A-Za-z]?)?"
_WORD = r"[A-ZÀ-Þ][\w'’\-]*"
_JOIN = r"(?:\s(?:de|del|de la|des|du|di|da|do|dos|das|della|delle|van|von|der|den|y|e|and|&)\s|\s)"
_NAME = rf"{_WORD}(?:{_JOIN}{_WORD}){{0,3}}"

_CORES = (
    re.compile(
        rf"{_NUMBER},?\s(?:{_NAME}\s{_STRONG}|{_PREFIX}{_JOIN}{_NAME}|\d{{1,3}}(?:st|nd|rd|th)\s(?:Street|Avenue|St\.?|Ave\.?))"
    ),
    re.compile(
        rf"{_PREFIX}\s(?:(?:de|da|do|dos|das|del|de la|di|du)\s)?{_NAME},?\s(?:No\.?\s?|n[º°.]\s?)?{_NUMBER}(?![\d:.])"
    ),
    re.compile(rf"[A-ZÀ-Þ][\w'’\-]*{_GLUED}\s(?:No:?\s?)?{_NUMBER}(?![\d:.])"),
    re.compile(rf"(?:PSC|Unit)\s\d{{3,5}},?\sBox\s\d{{3,5}}|(?:USNS|USNV|USS|USCGC)\s{_WORD}"),
)
_WEAK_CORE = re.compile(rf"{_NUMBER},?\s(?P<name>{_WORD}(?:\s{_WORD})?)\s{_WEAK}")
# A street named after a person without a number, where a word before says it is somewhere: "lives on Patricia
# Shores", "couldn't find Warner Point", "a hotel near Wendy Junction".
_UNNUMBERED = re.compile(
    rf"\b(?:on|at|near|along|off|find|to|from|into|down|up)\s(?P<street>(?P<name>{_WORD})\s(?:{_STRONG}|{_WEAK}))(?!\w)"
)
_SENTENCE_STOP = re.compile(r"[a-z]{4,}\.$")
# "Apt. 125 992 Jessica Walkway"; or the number itself is the flat's: "Flat 68, Stephanie Avenue", "Studio 6, ...".
_UNIT_BEFORE = re.compile(r"(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Studio)\s(?:[\w-]{1,6},?\s)?$")
_BEFORE = re.compile(r"[\w.,/-]$")  # a core glued to what comes before is part of something else

_UNIT = (
    r"(?:,?\s(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Studio|Floor|Fl\.?|Room|Rm\.?|#|"
    r"Piso|Puerta|Planta|Piano|Appartamento|Interno|Scala)\s?[\w-]{1,6})"
)
# The town and postcode that may follow: "Lake Sheila, NE 48101", "10115 Berlin", "London SW1A 1AA".
# ... with an Australian state and postcode ("Joyceport, WA, 2760") or a Canadian one ("Powellberg, BC Y6H3V2").
_US_TAIL = rf"(?:,?\s{_NAME},?\s[A-Z]{{2,3}},?\s(?:\d{{5}}(?:-\d{{4}})?|\d{{4}}|[A-Z]\d[A-Z]\s?\d[A-Z]\d))"
# A town and a bare postcode after it: "Málaga, 41031" (not a Brazilian "27028-779", which reads as a phone).
_TOWN_POSTCODE_TAIL = rf"(?:\s?,\s{_NAME},\s\d{{4,5}}(?![\-\d]))"
# An Italian postcode, town and province: ", 12084, Rifreddo (CN)".
_IT_TAIL = rf"(?:,\s\d{{5}},?\s{_NAME}(?:\s\([A-Z]{{2}}\))?)"
_EU_TAIL = rf"(?:,?\s(?:[A-Z]{{1,2}}-)?\d{{2}}[-\s]?\d{{3}}\s{_NAME}|,?\s\d{{4}}(?:\s?[A-Z]{{2}})?\s{_NAME})"
_UK_TAIL = rf"(?:,?\s(?:{_NAME},?\s)?[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}})"
_MILITARY_TAIL = r"(?:,?\s[AFD]PO\sA[AEP]\s\d{5})"
_CONFIRMING_TAIL = re.compile(
    rf"{_UNIT}?(?:{_US_TAIL}|{_UK_TAIL}|{_EU_TAIL}|{_TOWN_POSTCODE_TAIL}|{_IT_TAIL}|{_MILITARY_TAIL})(?!\w)|{_UNIT}(?!\w)"
)
_TOWN_TAIL = re.compile(rf",\s{_NAME}(?:,\s{_NAME})?(?!\w)")


class StreetAddressRecognizer(RuleRecognizer):
    """A street address with its unit, town and postcode when they follow, as one LOCATION."""

    def __init__(self, names: frozenset[str], given_names: frozenset[str] = frozenset()) -> None:
        self.names = names
        self.given_names = given_names
        super().__init__(supported_entities=["LOCATION"], name="StreetAddressRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans: list[tuple[int, int]] = []
        for core in _CORES:
            spans += [(found.start(), self._extended(text, found.end(), strong=True)) for found in core.finditer(text)]
        for found in _UNNUMBERED.finditer(text):
            if self._is_a_name(found.group("name")):
                spans.append((found.start("street"), self._extended(text, found.end(), strong=True)))
        for found in _WEAK_CORE.finditer(text):
            last = found.group("name").split()[-1]
            named = self._is_a_name(last) or last in self.given_names  # "7688 Charles Walk", "220 Joe Crossroad"
            end = self._extended(text, found.end(), strong=named)
            if end > found.end() or named:
                spans.append((found.start(), end))
        kept: list[tuple[int, int]] = []
        for start, end in sorted(spans, key=lambda span: (span[0] - span[1], span[0])):
            if not ends_at(_BEFORE, text, start) and all(end <= a or start >= b for a, b in kept):
                kept.append((start, end))
        # A full stop after a whole street word ends the sentence: "near Wendy Junction." keeps its full stop.
        kept = [(start, end - 1 if _SENTENCE_STOP.search(text, start, end) else end) for start, end in kept]
        # A unit written before the number belongs to the address too: "Apt. 125 992 Jessica Walkway".
        widened = [
            (start - len(unit.group(0)) if (unit := ends_at(_UNIT_BEFORE, text, start)) else start, end)
            for start, end in kept
        ]
        return [recognizer_result(self, start, end, 0.9) for start, end in widened]

    def _is_a_name(self, word: str) -> bool:
        """A given name or surname that is not also an everyday word ("Ellis", not "Story" or "Brown")."""
        return word in self.names and wordfreq.zipf_frequency(word.lower(), "en") < 4.5

    @staticmethod
    def _extended(text: str, end: int, *, strong: bool) -> int:
        """Past the unit, town and postcode that follow; a bare ", Town" only after a certain street."""
        if confirming := _CONFIRMING_TAIL.match(text, end):
            return confirming.end()
        if strong and (town := _TOWN_TAIL.match(text, end)):
            return town.end()
        return end
