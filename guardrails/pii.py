"""PII: find entities with Presidio, swap them for request-scoped placeholders, and find foreign PII on the way out.

`load_pii_analyzer` is the only place that loads spaCy (~1 s, ~50 MiB); do it once at start-up. Everything else is
per call and keeps its state in the caller's `GuardContext`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import msgspec
import spacy
import wordfreq
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult
from spacy.tokens import Doc

from guardrails.addresses import StreetAddressRecognizer
from guardrails.name_dictionary import load_dictionary_given_names
from guardrails.native_scripts import NativeScriptNameRecognizer, NativeScriptPlaceRecognizer
from guardrails.output import trailing_word_start
from guardrails.recognizers import (
    HONORIFICS,
    LOCATION_CUE,
    NER_ENTITIES,
    PATTERN_ENTITIES,
    GivenNameRecognizer,
    ListedNameRecognizer,
    LoneGivenNameRecognizer,
    NameCueRecognizer,
    PlaceRecognizer,
    PlaceShapeRecognizer,
    ReportedNameRecognizer,
    SurnameRecognizer,
    TravelledPlaceRecognizer,
    UnlistedNameRecognizer,
    VietnameseNameRecognizer,
    ends_at,
    is_rare_word,
    load_given_names,
    load_native_places,
    load_places,
    load_surnames,
    pattern_recognizers,
)
from guardrails.types import Action, Finding, GuardContext, GuardOutcome, Reason

__all__ = [
    "EntityFinder",
    "EntitySpan",
    "ForeignPiiCheck",
    "ForeignPiiGuard",
    "MaskedText",
    "PiiAnalyzer",
    "PiiGuard",
    "load_pii_analyzer",
]

SPACY_TO_PRESIDIO = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
_IGNORED_SPACY_LABELS = (
    "ORG",
    "NORP",
    "CARDINAL",
    "DATE",
    "TIME",
    "MONEY",
    "PERCENT",
    "QUANTITY",
    "ORDINAL",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
)
# The small English pipeline's NER reads tok2vec alone; the parser, tagger and lemmatizer cost ~1 ms a call and
# feed nothing we use (context words are matched on lower-cased tokens instead of lemmas).
_UNUSED_COMPONENTS = ("parser", "tagger", "attribute_ruler", "lemmatizer", "senter")


class EntitySpan(msgspec.Struct, frozen=True):
    entity_type: str
    start: int
    end: int
    score: float


class MaskedText(msgspec.Struct, frozen=True):
    text: str
    outcome: GuardOutcome


class _NerOnlySpacyEngine(SpacyNlpEngine):
    def __init__(self, model: str) -> None:
        super().__init__(
            models=[{"lang_code": "en", "model_name": model}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=SPACY_TO_PRESIDIO,
                labels_to_ignore=_IGNORED_SPACY_LABELS,
                low_score_entity_names=(),
            ),
        )
        self._model = model

    def load(self) -> None:
        self.nlp = {"en": spacy.load(self._model, exclude=list(_UNUSED_COMPONENTS))}  # type: ignore[assignment]

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        entities, scores = self._get_updated_entities(list(doc.ents), self._get_scores_for_entities(doc))
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self,
            language=language,
            scores=scores,
        )


class EntityFinder(Protocol):
    """What the PII guards need from an analyzer (Presidio's, or a test's)."""

    score_threshold: float

    def find(self, text: str, entities: Iterable[str]) -> list[EntitySpan]:
        """Every configured entity in `text`: type, offsets, score (at or above `score_threshold`)."""
        ...

    def find_by_pattern(self, text: str, entities: Iterable[str]) -> list[EntitySpan]:
        """Only the entities a pattern finds (no NLP pass): cheap enough for every release of a stream."""
        ...

    def mask(self, text: str, spans: Sequence[EntitySpan], context: GuardContext) -> str:
        """Replace each span with this request's placeholder for its value."""
        ...


class PiiAnalyzer:
    """Presidio's analyzer and anonymizer with this library's recognizers, built once and shared by requests."""

    def __init__(
        self,
        analyzer: AnalyzerEngine,
        pattern_only: Sequence[EntityRecognizer],
        places: frozenset[str],
        score_threshold: float,
        *,
        given_names: frozenset[str] = frozenset(),
        surnames: frozenset[str] = frozenset(),
    ) -> None:
        self._analyzer = analyzer
        self._places = places
        self._given_names = given_names
        self._surnames = surnames
        self._pattern_only = tuple(pattern_only)
        self._anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]
        self.score_threshold = score_threshold

    def find(self, text: str, entities: Iterable[str]) -> list[EntitySpan]:
        """Every configured entity in `text`, overlaps resolved (longest, then most confident, wins)."""
        found = self._analyzer.analyze(
            text=text, entities=list(entities), language="en", score_threshold=self.score_threshold
        )
        kept = [self._correct_ner(text, result) for result in found if not self._is_noise(text, result)]
        for result in kept:
            if result.entity_type == "PERSON" and (suffix := _NAME_SUFFIX.match(text, result.end)):
                result.end = suffix.end()  # "Sheryl Chandler MD": the degree is not Maryland
        return _without_overlaps(self._without_run_on_ner(text, kept))

    def _without_run_on_ner(self, text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        """The NER model's spans, less those that run over entities the rules found inside them: "Valentina Ospina
        en Medellín" is a person and a place, as the surname list and the gazetteer say, not one person; in "Ufficio
        di Milano" only the known place is one. "Hilde Vanderberg" stays a person: its other word is a name."""
        rules = [result for result in results if _recognizer_of(result) != "SpacyRecognizer"]

        def runs_on(ner: RecognizerResult) -> bool:
            inside = [rule for rule in rules if ner.start <= rule.start and rule.end <= ner.end]
            if len(inside) >= 2:
                return True
            if len(inside) != 1 or (inside[0].start, inside[0].end) == (ner.start, ner.end):
                return False  # nothing inside, or the same words read two ways: the ranking decides
            rest = (text[ner.start : inside[0].start] + " " + text[inside[0].end : ner.end]).split()
            if any(word in self._given_names or word in self._surnames for word in rest):
                return False
            # A person inside a longer person: only if the rest are words ("Ansprechpartner Jürgen Hoffmann"),
            # not a name no list holds ("Siosaia Tupou").
            return inside[0].entity_type != ner.entity_type or not any(map(is_rare_word, rest))

        return [result for result in results if _recognizer_of(result) != "SpacyRecognizer" or not runs_on(result)]

    def _is_noise(self, text: str, result: RecognizerResult) -> bool:
        recognizer = _recognizer_of(result)
        if recognizer in _NAME_RECOGNIZERS and (
            _CODE_NAME.match(text, result.end) or ends_at(_NAMED_THING, text, result.start)
        ):
            return True  # "the Denver release", "Jasmine tests", "Team Aurora", "Room Kilimanjaro": a code name
        if result.entity_type == "IP_ADDRESS" and ends_at(_VERSION, text, result.start):
            return True  # "upgrade the firmware to 10.4.2.1": a version, not an address
        if recognizer != "SpacyRecognizer":
            return False
        value = text[result.start : result.end]
        # "Ticket INC1632761": an id, not a name or a place.
        if (
            _CODE.search(value)
            or value in _NER_NOISE
            or (result.entity_type == "PERSON" and _is_leading_verb(text, result))
        ):
            return True
        # "Ms. Abernethy", "Hey Bongani,": a name no list holds
        greeted = _GREETED.match(text, result.end) and ends_at(_GREETING, text, result.start)
        titled = ends_at(_AFTER_HONORIFIC, text, result.start) is not None or greeted is not None
        if result.entity_type == "PERSON" and " " not in value and value not in self._places and not titled:
            # One word that is no known given name, surname or place: "pls", "CI", "Jira", "Acme"; not "anna",
            # "Okafor" or "Graz" (which `_correct_ner` makes a place).
            name = value.capitalize() if value.islower() or value.isupper() else value
            return name not in self._given_names and name not in self._surnames
        return False

    def _correct_ner(self, text: str, result: RecognizerResult) -> RecognizerResult:
        recognizer = _recognizer_of(result)
        one_word_reader = recognizer in ("SpacyRecognizer", "ReportedNameRecognizer")
        if one_word_reader and result.entity_type == "PERSON" and (given := self._given_name_before(text, result)):
            result.start -= len(given) + 1  # "Tendai Moyo": the model read the surname only
            return result
        if recognizer != "SpacyRecognizer":
            return result
        if result.entity_type == "PERSON" and _is_a_place(
            text, result.start, result.end, self._places, self._given_names
        ):
            result.entity_type = "LOCATION"
        elif result.entity_type == "LOCATION" and self._is_a_name(text[result.start : result.end]):
            result.entity_type = "PERSON"  # "a note to Ayesha and Mateo", "Rose Mbeki": no place is called that
        return result

    def _given_name_before(self, text: str, result: RecognizerResult) -> str:
        """A capitalised word just before a one-word person that is no everyday word, place or title: its given
        name, which the NER model left out ("Tendai Moyo" read as "Moyo")."""
        start, end = result.start, result.end
        before = ends_at(_WORD_BEFORE, text, start)
        if before is None or " " in text[start:end]:
            return ""
        word = before.group(1)
        common = wordfreq.zipf_frequency(word.lower(), "en") >= GIVEN_BEFORE_ZIPF
        known = word in self._places or f"{word} {text[start:end]}" in self._places  # "from Novi Sad reports"
        return "" if common or known or word in HONORIFICS or word in _NER_NOISE else word

    def _is_a_name(self, value: str) -> bool:
        """A given name, alone or before a known surname ("Florence Adeyemi") or a rare word ("Rose Mbeki"), that no
        known place is called."""
        words = value.split()
        family = len(words) == 2 and (words[1] in self._surnames or wordfreq.zipf_frequency(words[1], "en") < 2.5)
        return (
            words[0] in self._given_names
            and (len(words) == 1 or family)
            and not any(word in self._places for word in (value, *words))
        )

    def find_by_pattern(self, text: str, entities: Iterable[str]) -> list[EntitySpan]:
        """Pattern entities only: no NLP pass, cheap enough to run on every release of an output stream."""
        wanted = [entity for entity in entities if entity in PATTERN_ENTITIES]
        found: list[RecognizerResult] = []
        for recognizer in self._pattern_only:
            targets = [entity for entity in recognizer.supported_entities if entity in wanted]
            if targets:
                found.extend(recognizer.analyze(text, targets, None))  # type: ignore[arg-type] # patterns need no NLP
        return _without_overlaps([result for result in found if result.score >= self.score_threshold])

    def mask(self, text: str, spans: Sequence[EntitySpan], context: GuardContext) -> str:
        """Replace each span with this request's placeholder for its value (the same value, the same one)."""
        vault = context.vault

        def operator(entity_type: str) -> OperatorConfig:
            return OperatorConfig("custom", {"lambda": lambda value: vault.placeholder_for(entity_type, value)})

        results = [AnonymizerResult(span.entity_type, span.start, span.end, span.score) for span in spans]
        operators = {entity_type: operator(entity_type) for entity_type in {span.entity_type for span in spans}}
        anonymized = self._anonymizer.anonymize(text=text, analyzer_results=results, operators=operators)
        return str(anonymized.text)


# Capitalised words spaCy's small model tags as people at the start of a chat message.
_NER_NOISE = frozenset(
    {
        "Email",
        "Contact",
        "Hi",
        "Hello",
        "Hey",
        "Thanks",
        "Dear",
        "Please",
        "Call",
        "Ping",
        "Ask",
        *HONORIFICS,
    }
)
# Words after which a request's first word is a verb, not a name: "Bill the client", "Mark it as done".
_OBJECT_WORDS = "the a an my our your his her their its this that these those it them him me us all every each"
_OBJECTS = frozenset(_OBJECT_WORDS.split())
_NAME_VERB_WORDS = (
    "Bill Mark Sue Pat Will Rob Grant Chase Drew Carol Jack Don Wade Pierce Skip Trace Hunt Lance Buck Dash"
)
_NAME_VERBS = frozenset(_NAME_VERB_WORDS.split())
"""Given names that are also English verbs: only these can be read as a verb ("Sarah my colleague" stays a name)."""
_NAME_SUFFIX = re.compile(r",?\s(?:MD|PhD|DDS|DVM|Jr\.?|Sr\.?|II|III|IV|Esq\.?)(?!\w)")
_WORD_BEFORE = re.compile(r"(?<![\w.'’-])([A-Z][^\W\d_]+) $")
GIVEN_BEFORE_ZIPF = 3.5
"""A word before a surname the model found is a given name only when rarer than this in English ("Tendai")."""
# A greeting before a name and a comma after it: "Hey Bongani, can you".
_GREETING = re.compile(r"\b(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Mm]orning|[Tt]hanks|[Tt]hank you)\s+$")
_GREETED = re.compile(r"\s*[,!:]")
_AFTER_HONORIFIC = re.compile(rf"\b(?:{'|'.join(HONORIFICS)})\.?\s+$")
_SENTENCE_START = re.compile(r"(?:^|(?<!\b(?:Mr|Ms|Dr|St))(?<!\bMrs)[.!?]\s+|\n\s*)$")
"""The start of a text or of a sentence, not the full stop of an honorific ("Tell Mr. Okonkwo the news")."""


def _is_a_place(text: str, start: int, end: int, places: frozenset[str], given_names: frozenset[str]) -> bool:
    """spaCy often calls a city a PERSON ("between Graz and Linz", "Oulu needs a router"): a known place is a
    LOCATION after a location cue, and anywhere unless it is also a given name ("Austin", "Florence")."""
    value = text[start:end]
    return value in places and (
        LOCATION_CUE.search(text[max(0, start - 12) : start]) is not None or value.split()[0] not in given_names
    )


def _is_leading_verb(text: str, result: RecognizerResult) -> bool:
    """A given name that is also a verb, opening a sentence before an object ("Bill the client for June")."""
    opening = _SENTENCE_START.search(text[max(0, result.start - 6) : result.start])
    if text[result.start : result.end] not in _NAME_VERBS or not opening:
        return False
    following = text[result.end :].split(maxsplit=1)
    return bool(following) and following[0].lower() in _OBJECTS


# Teams name releases, services and projects after people and places; the word after the name says so.
_CODE_NAME = re.compile(
    r"[ -](?:release|releases|migration|rollout|deploy|deployment|branch|project|sprint|build|builds|tests?|"
    r"pipeline|cluster|upgrade|milestone|launch|repo|repository|codebase|epic|feature flag|module|plugin|sdk|api|"
    r"queue|squad|board|dashboard|channel|service|server|instance|workspace|environment|"
    r"(?:meeting |conference |training )?rooms?|auditorium|"
    # ... or a firm's or a product's: "the Baker Tilly auditors", "the Marsh McLennan renewal", "Sage seats".
    r"auditors?|audit team|renewal|licen[cs]es?|subscriptions?|integration|seats?|app|add-?in|"
    r"connector|admin console|invoices?)\b",
    re.IGNORECASE,
)
_VERSION = re.compile(r"\b(?:version|firmware|release|build|update|upgrade|patch|v)\s*(?:to\s+)?[:#]?\s*$", re.I)
# ... and the word before it: "Team Aurora", "Room Kilimanjaro", "Project Falcon", "codename Jasmine".
_NAMED_THING = re.compile(r"\b(?:Team|Room|Project|Operation|Squad|Codename|codename|code name|code-named)\s+$")
# A word of letters and digits together: a ticket, an asset tag, a host ("INC8167131", "PC92283").
_CODE = re.compile(r"\b(?=\w*\d)(?=\w*[^\W\d_])\w{4,}\b")
_NAME_RECOGNIZERS = frozenset(
    {
        "SpacyRecognizer",
        "GivenNameRecognizer",
        "SurnameRecognizer",
        "UnlistedNameRecognizer",
        "VietnameseNameRecognizer",
        "PlaceRecognizer",
        "TravelledPlaceRecognizer",
        "ReportedNameRecognizer",
        "LoneGivenNameRecognizer",
    }
)

# When spans overlap, a validated pattern (tier 0) beats a name or a place (tier 1: the NER model, the name lists,
# cues, the gazetteer); among those the longer span wins ("Austin Miller" over the place "Austin"), then the more
# confident one. An NHS number, cued and check-digit valid, goes first: its digits also read as a phone.
_PRIORITY = {
    "NhsNumberRecognizer": -1,
    "SpacyRecognizer": 1,
    "GivenNameRecognizer": 1,
    "SurnameRecognizer": 1,
    "UnlistedNameRecognizer": 1,
    "VietnameseNameRecognizer": 1,
    "ReportedNameRecognizer": 1,
    "LoneGivenNameRecognizer": 1,
    "ListedNameRecognizer": 1,
    "NameCueRecognizer": 1,
    "PlaceRecognizer": 1,
    "StreetAddressRecognizer": 1,
    "PlaceShapeRecognizer": 1,
    "TravelledPlaceRecognizer": 1,
}


def _recognizer_of(result: RecognizerResult) -> str:
    return str((result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, ""))


def _without_overlaps(results: Iterable[Any]) -> list[EntitySpan]:
    ranked = sorted(results, key=lambda r: (_PRIORITY.get(_recognizer_of(r), 0), -(r.end - r.start), -r.score, r.start))
    kept: list[EntitySpan] = []
    for result in ranked:
        if all(result.end <= span.start or result.start >= span.end for span in kept):
            kept.append(EntitySpan(result.entity_type, result.start, result.end, float(result.score)))
    return sorted(kept, key=lambda span: span.start)


def load_pii_analyzer(spacy_model: str, phone_regions: Sequence[str], score_threshold: float) -> PiiAnalyzer:
    """Load spaCy and build Presidio's engines. Blocking (about a second): call it off the event loop."""
    nlp_engine = _NerOnlySpacyEngine(spacy_model)
    nlp_engine.load()
    patterns = pattern_recognizers(phone_regions)
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in patterns:
        registry.add_recognizer(recognizer)
    registry.add_recognizer(SpacyRecognizer(supported_entities=sorted(NER_ENTITIES)))
    registry.add_recognizer(NameCueRecognizer())
    given_names = load_given_names()
    places = load_places()
    dictionary_names = load_dictionary_given_names(places)
    capitalised_names = given_names | dictionary_names  # the dictionary only where a name is capitalised
    registry.add_recognizer(GivenNameRecognizer(capitalised_names))
    registry.add_recognizer(ReportedNameRecognizer(given_names, places, dictionary_names))
    surnames = load_surnames()
    registry.add_recognizer(SurnameRecognizer(given_names, surnames, places))
    registry.add_recognizer(UnlistedNameRecognizer(places))
    registry.add_recognizer(VietnameseNameRecognizer())
    registry.add_recognizer(ListedNameRecognizer(given_names, places))
    registry.add_recognizer(LoneGivenNameRecognizer(capitalised_names, places))
    people = given_names | surnames
    registry.add_recognizer(PlaceRecognizer(places, people))
    registry.add_recognizer(StreetAddressRecognizer(people, given_names))
    registry.add_recognizer(PlaceShapeRecognizer(people, places))
    registry.add_recognizer(TravelledPlaceRecognizer())
    registry.add_recognizer(NativeScriptNameRecognizer(given_names, surnames))
    registry.add_recognizer(NativeScriptPlaceRecognizer(load_native_places(), people))
    wordfreq.zipf_frequency("warm", "en")  # load English word frequencies now, not in the first request (0.1 s)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    return PiiAnalyzer(analyzer, patterns, places, score_threshold, given_names=given_names, surnames=surnames)


class PiiGuard:
    """Input rail: masks the configured entities with placeholders kept in the request's vault."""

    name = "pii"

    def __init__(self, analyzer: EntityFinder, entities: Sequence[str]) -> None:
        self._analyzer = analyzer
        self.entities = tuple(entities)

    def mask(self, text: str, context: GuardContext) -> MaskedText:
        spans = self._analyzer.find(text, self.entities)
        findings = tuple(
            Finding(guard=self.name, kind=s.entity_type, start=s.start, end=s.end, score=s.score, action=Action.MASK)
            for s in spans
        )
        masked = self._analyzer.mask(text, spans, context) if spans else text
        outcome = GuardOutcome(
            guard=self.name,
            action=Action.MASK if spans else Action.ALLOW,
            score=max((s.score for s in spans), default=0.0),
            threshold=self._analyzer.score_threshold,
            findings=findings,
            reason=Reason.PII_MASKED if spans else Reason.NONE,
        )
        return MaskedText(masked, outcome)


# A number that is still being written: digits with the separators cards, phones, IBANs and IPs use.
_OPEN_NUMBER = re.compile(r"(?:[A-Z]{2}\d{2}[ ]?)?[+(]?\d[\d \-().:/]*$")


class ForeignPiiGuard:
    """Output rail: masks pattern-found PII the user did not give (another customer's e-mail in a document).

    Only pattern entities are checked on the stream: they need no NLP pass, so each release costs microseconds,
    and names in a company wiki's answers ("ask Dana in IT") are usually the point of the answer.
    """

    name = "pii_output"
    block_reason = Reason.PII_OUTPUT_BLOCKED
    mask_reason = Reason.PII_OUTPUT_MASKED

    def __init__(self, analyzer: EntityFinder, entities: Sequence[str], allow: Sequence[str] = ()) -> None:
        self._analyzer = analyzer
        self.entities = tuple(entity for entity in entities if entity in PATTERN_ENTITIES)
        self._allow = tuple(re.compile(pattern) for pattern in allow)

    def open(self, context: GuardContext) -> ForeignPiiCheck:
        return ForeignPiiCheck(self, context)

    def foreign(self, text: str, context: GuardContext) -> list[Finding]:
        findings = []
        for span in self._analyzer.find_by_pattern(text, self.entities):
            value = text[span.start : span.end]
            if context.vault.owns_value(value) or any(allowed.fullmatch(value) for allowed in self._allow):
                continue
            findings.append(
                Finding(
                    guard=self.name,
                    kind=span.entity_type,
                    start=span.start,
                    end=span.end,
                    score=span.score,
                    action=Action.MASK,
                )
            )
        return findings


class ForeignPiiCheck:
    def __init__(self, guard: ForeignPiiGuard, context: GuardContext) -> None:
        self._guard = guard
        self._context = context

    def hold_from(self, pending: str) -> int:
        hold = trailing_word_start(pending)  # an e-mail address is one word until it ends
        number = _OPEN_NUMBER.search(pending)
        return min(hold, number.start()) if number else hold

    def review(self, segment: str) -> list[Finding]:
        return self._guard.foreign(segment, self._context)
