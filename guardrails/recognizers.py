"""Presidio recognizers tuned for chat text, one per entity this library masks.

Why not Presidio's defaults (measured on bench/eval/pii_prompts.jsonl): the default registry emits out-of-scope
types (URL, US_BANK_NUMBER, US_DRIVER_LICENSE, ORGANIZATION), its card pattern misses 4-6-5 (AmEx) and 4-6-4 (Diners)
groupings, its phone matcher misses common international formats, and spaCy's DATE fires on "two weeks" or "today".
So: cards by one digit-group pattern plus Luhn; phones by phonenumbers over the regions users write from plus
international `+CC` numbers; dates only when they name a day (a birth date, not a duration); e-mail validated
against the public-suffix snapshot that ships inside tldextract, never a download.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from importlib import resources
from typing import ClassVar

import phonenumbers
import tldextract
import wordfreq
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import IbanRecognizer, IpRecognizer, UsSsnRecognizer

__all__ = [
    "HONORIFICS",
    "LOCATION_CUE",
    "NER_ENTITIES",
    "PATTERN_ENTITIES",
    "GivenNameRecognizer",
    "ListedNameRecognizer",
    "NameCueRecognizer",
    "PlaceRecognizer",
    "PlaceShapeRecognizer",
    "ReportedNameRecognizer",
    "RuleRecognizer",
    "SurnameRecognizer",
    "TravelledPlaceRecognizer",
    "UnlistedNameRecognizer",
    "VietnameseNameRecognizer",
    "ends_at",
    "is_rare_word",
    "load_given_names",
    "load_places",
    "load_surnames",
    "ner_people",
    "pattern_recognizers",
    "recognizer_result",
]

NER_ENTITIES = frozenset({"PERSON", "LOCATION"})
"""Entities that need the spaCy pipeline; everything else is found by patterns alone (and so also on the stream)."""
PATTERN_ENTITIES = frozenset(
    {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "UK_NHS", "IBAN_CODE", "IP_ADDRESS", "DATE_TIME"}
)

NER_TIE_SCORE = 0.86
"""A rule as sure as the NER model (which scores 0.85) scores this, never 0.85 itself: Presidio breaks an exact tie
between two results on the same span by set order, which changes from process to process (a Korean name kept in one
run, and in the next the NER model's copy of it dropped as noise)."""

# The snapshot bundled with tldextract: no network, no cache directory.
_OFFLINE_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(PatternRecognizer):
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "email",
            r"\b[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
            r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+\b",
            0.85,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(supported_entity="EMAIL_ADDRESS", patterns=self.PATTERNS, context=["email", "mail"])

    def validate_result(self, pattern_text: str) -> bool:
        """A public suffix (from the bundled list), or an alphabetic top label: internal domains such as
        `corp.example` or `hq.internal` are someone's address too."""
        domain = pattern_text.rsplit("@", 1)[-1]
        return bool(_OFFLINE_SUFFIXES(domain).suffix) or bool(
            re.fullmatch(r"[A-Za-z]{2,24}", domain.rsplit(".", 1)[-1])
        )


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


class CardRecognizer(PatternRecognizer):
    """13-19 digits (12 for Maestro) in groups of 3-6 separated by one space or dash (or none), issuer prefix and
    Luhn checked."""

    PATTERNS: ClassVar[list[Pattern]] = [Pattern("card", r"(?<![\d\-])\d{3,6}(?:[ \-]?\d{3,6}){1,4}(?![\d\-])", 0.9)]
    _ISSUER = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|22)|35|62|2131|1800)")  # 2131, 1800: JCB
    _MAESTRO = re.compile(r"^(?:5018|5020|5038|5[6-8]|5893|6304|6390|6759|676[1-3]|0604)")

    def __init__(self) -> None:
        super().__init__(supported_entity="CREDIT_CARD", patterns=self.PATTERNS, context=["card", "visa", "amex"])

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"\D", "", pattern_text)
        separators = set(re.sub(r"\d", "", pattern_text))
        maestro_12 = len(digits) == 12 and bool(self._MAESTRO.match(digits))  # Maestro cards may have 12 digits
        return (
            (13 <= len(digits) <= 19 or maestro_12)
            and len(separators) <= 1
            and bool(self._ISSUER.match(digits) or self._MAESTRO.match(digits))
            and luhn_valid(digits)
        )


class RuleRecognizer(EntityRecognizer):
    """A recognizer with nothing to load: rules and lists only."""

    def load(self) -> None:
        pass


def nhs_check_digit_valid(digits: str) -> bool:
    """The NHS number's modulus-11 check: weights 10..2 on the first nine digits; 10 is never a valid check."""
    remainder = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = (11 - remainder) % 11
    return check != 10 and check == int(digits[9])


class NhsNumberRecognizer(RuleRecognizer):
    """A UK NHS number: ten digits (3-3-4), a valid modulus-11 check digit, and "NHS" (or "health and care
    number") just before it. Without that cue a valid-looking number is as likely a phone, and the phone recognizer
    masks it anyway; with it, the placeholder says what the number is."""

    _NUMBER = re.compile(r"(?<![\d+\-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d\-])")
    _CUE = re.compile(r"\bNHS\b|\b[Hh]ealth (?:and|&) [Cc]are (?:number|no)\b")
    _CUE_WINDOW = 40

    def __init__(self) -> None:
        super().__init__(supported_entities=["UK_NHS"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self._NUMBER.finditer(text):
            cued = self._CUE.search(text, max(0, match.start() - self._CUE_WINDOW), match.start()) is not None
            if cued and nhs_check_digit_valid(re.sub(r"\D", "", match.group(0))):
                results.append(recognizer_result(self, match.start(), match.end(), 0.95))  # outranks a phone
        return results


class InternationalPhoneRecognizer(RuleRecognizer):
    """phonenumbers' matcher for the listed regions (national formats) plus any valid `+country` number."""

    def __init__(self, regions: Sequence[str] = ("US", "GB", "DE", "FR", "IN", "CA", "AU", "NL", "ES", "IT")) -> None:
        self.regions = tuple(regions)
        super().__init__(
            supported_entities=["PHONE_NUMBER"], name="InternationalPhoneRecognizer", context=["phone", "call"]
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans: dict[tuple[int, int], RecognizerResult] = {}
        # "001-962-555-5267": an international access code instead of "+". Matched as "+" with the offsets kept.
        prefixes = {found.end() - 1: found.start() for found in _ACCESS_CODE.finditer(text)}
        readable = _ACCESS_CODE.sub(lambda found: " " * (len(found[0]) - 1) + "+", text)
        # "011-2575 4481" is a Delhi number, not the US access code before "2575 4481": both readings are tried.
        candidates = [
            match
            for region in self.regions
            for variant in dict.fromkeys((readable, text))
            for match in phonenumbers.PhoneNumberMatcher(variant, region, leniency=phonenumbers.Leniency.POSSIBLE)
        ]
        for match in candidates:
            raw, start = match.raw_string, prefixes.get(match.start, match.start)
            before = text[max(0, start - 2) : start]
            glued = before[-1:].isalnum() or (before[-1:] == "-" and before[:1].isalnum())  # 0x8007, INV-2024-01
            bare = raw.strip("()")  # "(057-30-3851)": an SSN in brackets is still an SSN's shape
            if glued or _NOT_A_PHONE.search(bare) or sum(char.isdigit() for char in raw) < 8:
                continue
            if _LABELLED_ID.search(text[max(0, start - 24) : start]):
                continue  # "invoice 0161 4402 917", "PO 4500219873", "case #5561-0923", "build 4.18.3.2291"
            long_groups = max(map(len, _DIGIT_GROUP.findall(_EXTENSION.sub("", raw)))) > 4
            outside_nanp = match.number.country_code != 1 and phonenumbers.is_valid_number(match.number)
            if start != match.start and long_groups and not outside_nanp:
                continue  # an access code makes any long digit run "possible": "order 001-2024-000123", but
                # a valid number abroad may have long groups: "Tel. 0049 30 901820"
            spans.setdefault((start, match.end), self.result(start, match.end, 0.75))
        for cued in _CUED_NUMBER.finditer(text):
            number = cued.group("number")
            digits = sum(char.isdigit() for char in number)
            if 8 <= digits <= 15 and not _NOT_A_PHONE.search(number.strip("()")):
                spans.setdefault(cued.span("number"), self.result(*cued.span("number"), 0.7))
        return list(spans.values())

    def result(self, start: int, end: int, score: float) -> RecognizerResult:
        return recognizer_result(self, start, end, score)


# Hex literals (0x8007), screen sizes (1920x1080), dotted quads (10.0.0.12) and the shape of a US SSN
# (395-96-2175, grouped 3-2-4 as phones seldom are) and versions (4.10.08029) are not phones; an extension
# glued to a number (570-2149x615) is part of one. An unseparated run of 8 or 9 digits ("build 20261124") is an id
# or a date far more often than a phone. Postcodes of five and three digits (Brazil, "05416-001") and a Kenyan
# box and postcode ("48211-00100") are no phones either.
_NOT_A_PHONE = re.compile(
    r"\b0x|^\d{2,5} ?x ?\d{2,5}$|^\d{1,3}(?:\.\d{1,3}){3}$|^\d{8,9}$|^\d{3}-\d{2}-\d{4}$|^\d{1,2}\.\d{1,3}\.\d{1,6}$|"
    r"^\d{5}-\d{3}$|^\d{5}-\d{5}$",
    re.IGNORECASE,
)
# A number that a label names as something else: an invoice, order, case or build number is not a phone.
_LABELLED_ID = re.compile(
    r"(?:\b(?:invoice|inv|po|purchase order|order|case|ticket|incident|build|version|release|ref|reference|serial|sku|"
    r"item|part|room|job|batch|tracking|shipment|req|request|change|chg|account|acct|customer|contract|policy|"
    r"claim|asset|badge|employee|receipt|cheque|check|transaction|txn|rma|tag|update|patch|firmware|kb|id|org|"
    r"organi[sz]ation|company|registration|reg|vat|tax|pin)s?\.?\s*(?:no\.?|number|nr\.?|num|id)?"
    r"\s*[:#]?\s*|#\s*)$",
    re.IGNORECASE,
)
# A number after a word that names a phone, in any region's format: "reception 011 883 5520", "电话138 1762 4409".
_CUED_NUMBER = re.compile(
    r"(?:\b(?:ph|tel|tél|phone|mobile|mob|cell|cel|celular|reception|whatsapp|telefon|telefone|teléfono|"
    r"телефон|тел)\.?|电话|手机|電話|携帯|전화)\s*(?:no\.?|number)?\s*[:：]?\s*"
    r"(?P<number>\+?\(?\d[\d ().\-]{6,20}\d)(?!\d)",
    re.IGNORECASE,
)
_DIGIT_GROUP = re.compile(r"\d+")
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension)\s*\d+$", re.IGNORECASE)
# "0044 20 ...", "00-1-..." and "011 44 ...": the US code needs a separator after it, or every UK area code
# (0113 496 0960, "(0118) 496 0772") would read as one. Not inside a number: "+86 138 0013 8000".
_ACCESS_CODE = re.compile(r"(?<![^\s:(])(?<!\d[ .-])(?:00(?=[-. ]?[1-9])|011(?=[-. ][1-9]))")


BEFORE_WINDOW = 64
"""How far back a cue before a candidate is looked for."""


def ends_at(pattern: re.Pattern[str], text: str, end: int) -> re.Match[str] | None:
    """`pattern`, anchored with `$`, matched in the few characters before `end`. Searching from 0 scanned the whole
    text again for every candidate: +0.3 s on a 3,000-word paste dense with capitalised words."""
    return pattern.search(text, max(0, end - BEFORE_WINDOW), end)


def recognizer_result(recognizer: EntityRecognizer, start: int, end: int, score: float) -> RecognizerResult:
    """A result carrying the explanation and metadata Presidio's context enhancer expects."""
    name = str(getattr(recognizer, "name", type(recognizer).__name__))
    return RecognizerResult(
        recognizer.supported_entities[0],
        start,
        end,
        score,
        analysis_explanation=AnalysisExplanation(recognizer=name, original_score=score),
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)


class CalendarDateRecognizer(PatternRecognizer):
    """Dates that name a day of a year (a birth date, a booking): not durations, weekdays or bare years."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("month day, year", rf"\b{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b", 0.85),
        Pattern("day month year", rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}\.?,? \d{{4}}\b", 0.85),
        Pattern("iso", r"\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b", 0.85),
        Pattern("numeric", r"\b(?:0?[1-9]|[12]\d|3[01])[/.\-](?:0?[1-9]|[12]\d|3[01])[/.\-](?:19|20)\d{2}\b", 0.8),
        Pattern("numeric short year", r"\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/\d{2}\b", 0.6),
    ]

    def __init__(self) -> None:
        super().__init__(supported_entity="DATE_TIME", patterns=self.PATTERNS, context=["born", "birth", "date"])


HONORIFICS = ("Mr", "Mrs", "Ms", "Dr", "Sir", "Madam", "Sra", "Sr", "Prof", "Ing", "Herr", "Frau", "Mme")
"""Titles before a name, in the languages users write: never a name themselves."""


class NameCueRecognizer(RuleRecognizer):
    """Names introduced by a cue ("my name is", "I'm", "this is", "regards,") that NER alone misses."""

    _CUE = re.compile(
        r"(?:\b(?:[Mm]y name is|[Nn]ame:|I am|I'm|[Tt]his is|[Ii]t'?s|[Cc]all me|[Rr]egards,|[Tt]hanks,?|"
        r"[Oo]n behalf of|[Cc]ontact|[Aa]sk|[Tt]ell|[Dd]ear|[Hh]i|[Hh]ello|[Hh]ey|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+)"
        rf"(?:(?:{'|'.join(HONORIFICS)})\.?\s+)?"  # "Tell Mr. Okonkwo": the name is after it
        r"(?P<name>[A-Z][\w'\-]+(?:\s+(?:[A-Z][\w'\-]+|van|von|de|da|al|bin))*)"
    )
    _NOT_NAMES = frozenset(
        {
            "I",
            "The",
            "A",
            "An",
            "Not",
            "Sorry",
            "Here",
            "There",
            "It",
            "This",
            "That",
            "Working",
            "IT",
            "HR",
            "All",
            "Support",
            "Team",
            "Everyone",
            "Sales",
            "Finance",
            "Legal",
            "Security",
            "Admin",
            "Helpdesk",
            "Please",
            "Sirs",
            "Customer",
            "Colleagues",
            *HONORIFICS,
        }
    )

    # A form's or a transcript's label for a person, then a colon: "Agent: Priyanka", "Patient: Ana Lima". A
    # transcript's turns start the same way ("Agent: Thanks for waiting"), so the first word must be no everyday word.
    _PERSON_LABEL = re.compile(
        r"\b(?:[Aa]gent|[Pp]atient|[Pp]assenger|[Gg]uest|[Ee]mployee|[Cc]ustomer(?: name)?|[Aa]ccount holder|"
        r"[Cc]ardholder|[Cc]aller|[Cc]andidate|[Ss]tudent|[Tt]enant|[Mm]anager|[Ll]ine manager|[Cc]ontact|"
        r"[Rr]ecipient|[Nn]ext of kin|[Bb]eneficiary|[Tt]echnician|[Ee]ngineer|[Dd]river)\s*:\s*"
        r"(?P<name>[A-Z][^\W\d_'’-]*(?:[-'’][A-Z]?[^\W\d_]+)?(?:\s+[A-Z][^\W\d_'’-]*(?:[-'’][A-Z]?[^\W\d_]+)?){0,2})"
        r"(?![\w-])"
    )

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="NameCueRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self._CUE.finditer(text):
            name = match.group("name")
            if name.split()[0] in self._NOT_NAMES:
                continue
            start = match.start("name")
            results.append(recognizer_result(self, start, start + len(name), 0.7))
        for match in self._PERSON_LABEL.finditer(text):
            words = match.group("name").split()
            if words[0] not in self._NOT_NAMES and not any(_is_common_name(word) for word in words):
                results.append(recognizer_result(self, match.start("name"), match.end("name"), 0.7))
        return results


class ReportedNameRecognizer(RuleRecognizer):
    """A known given name on its own, where what follows or comes before says it is a person: "Joy says the printer
    is jammed", "Bo keeps getting locked out", "Summer from legal needs the template", "move Faith's mailbox",
    "give Mercedes read access". Given names that are words (Joy, Faith, Summer,
    Will) are found only this way; the NER model reads them as words."""

    _REPORTS = (
        r"(?:says|said|asked|asks|wants|wanted|needs|needed|reported|reports|thinks|told|mentioned|emailed|called|"
        r"wrote|replied|confirmed|approved|requested)"
    )
    """Verbs of speech and request: after a lowercase word too, they say a person did it ("philippe wants")."""
    _SAYS = (
        rf"(?:{_REPORTS}|is out|is off|is away|is on leave|is sick|left the company|"
        r"keeps|kept|can't|cannot|couldn't|can not|still can't|still has|still hasn't|lost|forgot|joined|joins|"
        r"started|starts|got locked|gets|is locked|is relocating|is moving|is leaving|is joining|is starting|"
        r"is travell?ing|is having|is getting|is trying|is waiting|is unable|has left|has joined|has lost|"
        r"has forgotten|hasn't|won't|doesn't|didn't|will cover|is covering|covers for)"
    )
    _HUMAN_DEEDS = (
        r"(?:says|said|asked|wants|thinks|told|mentioned|emailed|wrote|replied|is on leave|is sick|is off|is away|"
        r"left the company|forgot|is relocating|is leaving|is joining|has left|has joined|has forgotten|"
        r"is back|is out of office|is pregnant|got married|passed away|resigned|retired)"
    )
    """What only a person does: before them, even a word no list holds is a name ("Oksana says", "Olumide
    asked"). Tools can't-log-in, keep blocking and report; they are left out."""
    _UNLISTED = re.compile(rf"(?<![\w'’])(?P<name>[A-Z][a-zà-ÿ]+)\s+{_HUMAN_DEEDS}\b")
    _FOLLOWED_LOWERCASE = re.compile(
        rf"(?<![\w'’])(?P<name>[a-z]{{3,}})(?:\s+{_REPORTS}\b|\s+from (?:legal|hr|it|finance|sales|marketing|support|"
        r"accounting|accounts|payroll|procurement|facilities|security)\b)"
    )
    _INTRODUCED_LOWERCASE = re.compile(r"\b(?:i'?m|its|it's|this is|my name is|name's)\s+(?P<name>[a-z]{3,})\b")
    # Where they work, then what they said: "hope in payroll says", "grace from it mentioned". Even a given name that
    # is a word (hope, grace) is a person in this frame.
    _DEPARTMENT_LOWERCASE = re.compile(
        rf"(?<![\w'’])(?P<name>[a-z]{{3,}})\s+(?:in|from) (?:the )?(?:legal|hr|it|finance|sales|marketing|support|"
        r"accounting|accounts|payroll|procurement|facilities|security|ops|ict|admin|reception)(?: team)?"
        rf"\s+{_REPORTS}\b"
    )
    # A question about where someone is or what they still do: "is sunny in today?", "is destiny still handling",
    # "Is Summer back from leave yet?", "is nikol on leave?".
    _WHEREABOUTS = re.compile(
        r"\b[Ii]s\s+(?P<name>[A-Za-z][a-z]{2,})\s+(?:back from|still on leave|on leave|in today|in the office|"
        r"off sick|out sick|off today|out today|still handling|still running|still in charge|still the owner|"
        r"still working|still doing|still covering|still on holiday|on holiday|on vacation|still with us)\b"
    )
    # Two lowercase given names together: "rahul and deepa", "ngozi and emeka both lost".
    _PAIR_LOWERCASE = re.compile(
        r"(?:^|(?<=[,.;:!?]\s)|\b(?:add|invite|cc|ping|tell|ask|remind|help|thank|hey|hi)\s+)"
        r"(?P<name>[a-z]{3,}) (?:and|&) (?P<other>[a-z]{3,})\b(?= (?:both|to|have|had|were|are|joined|lost|need|"
        r"needs|said|say|if|about|know|can't|cannot|still)\b)"
    )
    # A lowercase name between a verb that takes a person and what the person is to do: "help taini reset",
    # "can precious get admin". Only names that are no everyday word: "can bill sign off" stays ambiguous.
    _CAN_LOWERCASE = re.compile(
        r"\b(?:can|could|will|should|did|does|has)\s+(?P<name>[a-z]{3,})\s+(?:get|have|sign|check|approve|access|"
        r"see|join|use|log|reset|send|take|cover|review)\b|\bhelp\s+(?P<helped>[a-z]{3,})\s+(?:reset|with|get|log|"
        r"set|find|out|to)\b"
    )
    # A lowercase given name between a verb that takes a person and what the person is to do: "ask rose if",
    # "tell mark to", "let will know". Names that are words (rose, mark, will) are people in this frame only.
    _ASKED_LOWERCASE = re.compile(
        r"\b(?:ask|tell|remind|ping|let|cc|thank)\s+(?P<name>[a-z]{3,})\s+(?:if|to|that|about|whether|know)\b"
    )
    _NOT_NAMES = frozenset(
        ("dev", "devs", "ops", "sec", "legal", "admin", "admins", "support", "sales", "finance", "can", "said",
        "made", "man", "ever", "lot", "less", "line", "case", "job", "general", "per", "early", "young", "true",
        "else", "friend", "reason", "major", "media", "chance", "price", "worth", "press", "council", "author",
        "judge", "sister", "brother", "doctor", "captain", "queen", "king", "lady", "baby", "son", "star", "link",
        "add", "carry", "justice", "cash", "floor")
    )  # fmt: skip
    """Teams, roles and everyday words in the lists of given names: "ask dev to", "ask doctor if", "let media know"."""
    # A name that signs a message off at its very end: "9 days now. rose", "... - Bronwyn", "Zaragoza. Inés".
    _SIGNED_OFF = re.compile(
        r"(?:[.!?)]\s+|\s[-–—~]\s*|\n\s*|\b(?:[Tt]hanks|[Tt]hx|[Cc]heers|[Rr]egards|[Bb]est)[,!.]?\s+)"
        r"(?P<name>[A-Za-zÀ-ÿ][a-zà-ÿ'’]{2,20})\s*[.!]?\s*$"
    )
    # Thanks to someone by name: "tnx wanjiru for yesterday", "Thanks Chidi, that fixed it".
    _THANKED = re.compile(
        r"\b(?:[Tt]hanks|[Tt]hank you|[Tt]hx|[Tt]nx|[Cc]heers)[,]?\s+(?P<name>[A-Za-zÀ-ÿ][a-zà-ÿ]{2,})\b"
        r"(?!\s+(?:a lot|so much|again|very|in advance|all|everyone|for nothing))"
    )
    # A person after a label of a form or a ticket: "Cover: Obinna", "Assigned to Keoni", "buddy: Parisa".
    _LABELLED = re.compile(
        r"\b(?:[Cc]over|[Cc]overing|[Aa]ssigned to|[Aa]ssignee|[Oo]wner|[Bb]uddy|[Rr]equester|[Aa]pprover|"
        r"[Rr]eported by|[Rr]equested by|[Ll]eave request|[Aa]ttn|[Ee]mergency contact|[Ss]ubmitted by)\s*:?\s+"
        r"(?P<name>[A-Z][a-zà-ÿ'’]+)\b(?![ -][A-Z])"
    )
    # Copied people: "cc Lindiwe, Mpho and Sizwe", "loop in Tunde and Ebiere".
    _COPIED_LIST = re.compile(
        r"\b(?:cc|CC|Cc|[Pp]ing|[Ll]oop in|[Ii]nvite|[Aa]dd|[Tt]ag)\s+(?P<list>[A-Z][^\W\d_]+"
        r"(?:(?:,\s*|,?\s+(?:and|&)\s+)[A-Z][^\W\d_]+)+)"
    )
    # A sign-in at the start: "Hi, Olusegun here.", "Kim here -". "Click here" is an everyday word.
    _HERE = re.compile(r"(?:^|[.!?]\s+|\b(?:[Hh]i|[Hh]ello|[Hh]ey),?\s+)(?P<name>[A-Z][^\W\d_]+)\s+here\b")
    _GREETED_LOWERCASE = re.compile(
        r"(?:^|(?<=[.!?]\s))(?:(?:hey|hi|hello),?|i'?m|this is|my name is)\s+(?P<name>[a-z]{3,})\b(?! [a-z]+ing\b)"
    )
    # A verb that takes a person as its object: "give Mercedes read access", "remind Bo", "loop in Chidi".
    _OBJECT_OF = re.compile(
        r"\b(?:[Gg]ive|[Ll]et|[Rr]emind|[Pp]ing|[Cc]c|[Ee]-?mail|[Mm]essage|[Tt]hank|[Ii]nvite|[Nn]otify|[Ll]oop in|"
        r"[Ww]elcome|[Ss]end|[Tt]ext|[Cc]all|[Rr]ing|[Aa]dd|[Rr]eplaced?|[Hh]elp|[Mm]eet|[Cc]ontact|"
        r"[Ff]orward (?:it |this )?to|[Aa]ssign(?:ed)? (?:it |this )?to)\s+(?P<name>[A-Z][^\W\d_]+)\b(?![ -][A-Z])"
    )
    _FOLLOWED = re.compile(
        rf"\b(?P<name>[A-Z][^\W\d_]+)(?:\s+{_SAYS}\b|\s+from (?:the )?[a-z&]+(?: team)?\s+{_SAYS}\b|"
        r"\s+from (?:legal|hr|it|finance|sales|marketing|support|accounting|accounts|payroll|procurement|facilities|"
        r"security)\b|"
        # where they work, then what they did: "Malak from Amman asked", "Kamau at the Mombasa depot:"
        r"\s+(?:from|in|at) (?:the )?[A-Z][^\W\d_]+(?: (?:office|team|branch|depot|site|clinic|warehouse|store|hub|"
        rf"plant))?(?:\s+{_SAYS}\b|\s*:)|"
        r"['’]s\s+(?:mailbox|laptop|account|desk|phone|badge|password|manager|calendar|inbox|login|access|email|"
        r"contract|payslip|leave|computer|monitor|headset|ticket|tickets|request|requests|case|shift|role|profile|"
        r"workstation|keyboard|expenses?|timesheet|approval|reply|message|team|onboarding|account)\b)"
    )

    _KIN = (
        r"(?:husband|wife|partner|son|daughter|mother|father|mum|mom|dad|brother|sister|grandson|granddaughter|"
        r"grandmother|grandfather|nephew|niece|uncle|aunt|cousin|friend|flatmate|roommate|colleague|boss|manager|"
        r"team lead|assistant|landlord|tenant|neighbour|neighbor|fiancée?|girlfriend|boyfriend)"
    )
    # A relative or a colleague named: "my husband Babajide", "his son Faisal", "my manager is Ifeoma", and after the
    # name: "— Chidi, her nephew", "Themba, her team lead".
    _RELATIVE = re.compile(
        rf"\b(?:[Mm]y|[Hh]is|[Hh]er|[Oo]ur|[Tt]heir)\s+{_KIN}(?:\s+is|,)?\s+(?P<name>[A-Z][^\W\d_]+)\b(?![ -][A-Z])|"
        rf"\b(?P<named>[A-Z][^\W\d_]+),\s+(?:my|his|her|our|their)\s+{_KIN}\b"
    )

    def __init__(
        self,
        given_names: frozenset[str],
        places: frozenset[str] = frozenset(),
        capitalised_names: frozenset[str] = frozenset(),
    ) -> None:
        self.given_names = given_names
        self.capitalised_names = given_names | capitalised_names
        """Given names for capitalised frames: the lowercase ones keep `given_names` alone."""
        self.places = places
        super().__init__(supported_entities=["PERSON"], name=type(self).__name__)

    def _is_rare_word(self, name: str) -> bool:
        return name not in self.places and name not in self.given_names and is_rare_word(name)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans = {
            *self._capitalised_names(text, ner_people(nlp_artifacts)),
            *self._lowercase_names(text),
            *self._names_by_the_message_form(text),
        }
        # The context outweighs the NER model's reading.
        return [recognizer_result(self, start, end, 0.9) for start, end in sorted(spans)]

    def _capitalised_names(self, text: str, people_read: frozenset[tuple[int, int]]) -> list[tuple[int, int]]:
        """Known given names in a person's frame; a name no list holds where the NER model also reads a person
        there ("Chidi says", "cc Gwilym"), or before what only a person does."""
        spans: list[tuple[int, int]] = []
        matches = [*self._FOLLOWED.finditer(text), *self._OBJECT_OF.finditer(text)]
        found = [
            match
            for match in matches
            if match.group("name") in self.capitalised_names
            or (match.span("name") in people_read and not match.group("name").isupper())  # "CV says" is no one
        ]
        found += [match for match in self._UNLISTED.finditer(text) if self._is_rare_word(match.group("name"))]
        found += [
            match
            for match in self._WHEREABOUTS.finditer(text)
            if match.group("name").capitalize() in self.capitalised_names
            and match.group("name").lower() not in self._NOT_NAMES
            and match.group("name").capitalize() not in ListedNameRecognizer.CALENDAR
        ]
        for match in self._RELATIVE.finditer(text):
            group = "name" if match.group("name") else "named"
            name = match.group(group)
            if name in self.capitalised_names or (name not in self.places and not _is_common_name(name)):
                spans.append(match.span(group))
        found += [
            match
            for match in self._HERE.finditer(text)
            if match.group("name") in self.capitalised_names or self._is_rare_word(match.group("name"))
        ]
        return spans + [match.span("name") for match in found]

    def _lowercase_names(self, text: str) -> list[tuple[int, int]]:
        """Sloppy chat writes names in lowercase ("philippe from marketing wants", "hi its erin again"): a lowercase
        given name counts where it is not also an everyday word, or where the frame fits only a person."""
        lowercase = [*self._FOLLOWED_LOWERCASE.finditer(text), *self._INTRODUCED_LOWERCASE.finditer(text)]
        found = [
            match
            for match in lowercase
            if (match.group("name").capitalize() in self.given_names and _is_uncommon(match.group("name"), 4.0))
        ]
        found += [
            match
            for match in self._ASKED_LOWERCASE.finditer(text)
            if match.group("name").capitalize() in self.given_names and match.group("name") not in self._NOT_NAMES
        ]
        found += [match for match in self._DEPARTMENT_LOWERCASE.finditer(text) if self._is_lowercase_name(match)]
        # ... and one no list holds, where a greeting or an introduction says it is a name: "hey rangi", "i'm taini"
        found += [
            match
            for match in self._GREETED_LOWERCASE.finditer(text)
            if self._is_rare_word(match.group("name").capitalize())
        ]
        spans = [match.span("name") for match in found]
        spans += [
            match.span(group)
            for match in self._PAIR_LOWERCASE.finditer(text)
            if all(self._is_lowercase_name(match, group) for group in ("name", "other"))
            and not all(_is_common_name(match.group(group)) for group in ("name", "other"))
            for group in ("name", "other")
        ]
        for match in self._CAN_LOWERCASE.finditer(text):
            group = "name" if match.group("name") else "helped"
            if self._is_lowercase_name(match, group) and not _is_common_name(match.group(group)):
                spans.append(match.span(group))
        return spans

    def _names_by_the_message_form(self, text: str) -> list[tuple[int, int]]:
        """A sign-off, thanks, a form's label, people copied in."""
        spans = [
            match.span("name")
            for pattern in (self._SIGNED_OFF, self._THANKED, self._LABELLED)
            for match in pattern.finditer(text)
            if self._is_signed_name(match.group("name"))
        ]
        for match in self._COPIED_LIST.finditer(text):
            items = list(re.finditer(r"[A-Z][^\W\d_]+", match.group("list")))
            if all(self._is_signed_name(item.group(0)) for item in items):
                spans += [(match.start("list") + item.start(), match.start("list") + item.end()) for item in items]
        return spans

    def _is_signed_name(self, name: str) -> bool:
        """Where the frame alone says a person (a sign-off, a label, a list of people copied in): a known given name
        in any case, or a capitalised word that is no English word and no place ("Nkechi", "Mpho")."""
        if (
            name.lower() in self._NOT_NAMES
            or name.capitalize() in ListedNameRecognizer.CALENDAR
            or name.capitalize() in self.places  # "..., Lyon, France": an address ends in a place
        ):
            return False
        capitalised = name[:1].isupper()
        return (
            name.capitalize() in self.given_names
            or (capitalised and name in self.capitalised_names)
            or (capitalised and self._is_rare_word(name))
        )

    def _is_lowercase_name(self, match: re.Match[str], group: str = "name") -> bool:
        """A known given name in lowercase that is no team, role or month ("dev", "doctor", "june")."""
        name = match.group(group)
        return (
            name.capitalize() in self.given_names
            and name not in self._NOT_NAMES
            and name.capitalize() not in ListedNameRecognizer.CALENDAR
        )


def _is_common_name(name: str) -> bool:
    """A given name that is an everyday word too (bill, will, grace, hope): Zipf 4 or more."""
    return not _is_uncommon(name, 4.0)


def ner_people(nlp_artifacts: NlpArtifacts | None) -> frozenset[tuple[int, int]]:
    """Where the NER model read a person: (start, end) character spans."""
    if nlp_artifacts is None:
        return frozenset()
    return frozenset((span.start_char, span.end_char) for span in nlp_artifacts.entities if span.label_ == "PERSON")


def is_rare_word(word: str, zipf: float = 2.5) -> bool:
    """Rare in English (Zipf below `zipf`): no everyday word, so maybe a name. Other languages' word lists were
    tried too ("Welche Regeln"); they changed no figure and cost 210 MB and 0.8 s at first use, so they are out."""
    return _is_uncommon(word, zipf)


class ListedNameRecognizer(RuleRecognizer):
    """Given names in a list ("thank Ayesha, Tomasz, Ingrid and Mateo", "cc Brooke and Hunter"): each item a known
    given name that no known place, month or weekday is called."""

    _LIST = re.compile(r"\b[A-Z][^\W\d_]+(?:(?:,\s*|,?\s+(?:and|or|&)\s+)[A-Z][^\W\d_]+)+\b")
    _EDGE_BEFORE = re.compile(r"[A-Z][^\W\d_]*\s$")
    _EDGE_AFTER = re.compile(r"\s[A-Z]")
    CALENDAR = frozenset(  # spelled out: `calendar.month_name` follows the process's locale
        (
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        )
    )  # fmt: skip

    def __init__(self, given_names: frozenset[str], places: frozenset[str]) -> None:
        self.given_names = given_names
        self.places = places
        super().__init__(supported_entities=["PERSON"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self._LIST.finditer(text):
            if ends_at(self._EDGE_BEFORE, text, match.start()) or self._EDGE_AFTER.match(text, match.end()):
                continue  # part of longer capitalised names: "Winter Garden and Blue Lagoon"
            items = list(re.finditer(r"[A-Z][^\W\d_]+", match.group(0)))
            names = [item.group(0) for item in items if item.group(0) not in ("And", "Or")]
            if all(
                name in self.given_names and name not in self.places and name not in self.CALENDAR for name in names
            ):
                start = match.start()
                results += [recognizer_result(self, start + item.start(), start + item.end(), 0.9) for item in items]
        return results


class GivenNameRecognizer(RuleRecognizer):
    """A known given name followed by a surname-like word ("Benedikt Schröder here", "Send it to Thandiwe Dlamini"):
    full names with no cue that the NER model misses. The second word must be capitalised and not a common English
    word (wordfreq Zipf below `COMMON_WORD_ZIPF`), so "Victoria Line", "Grace Period" and "Chase Bank" stay."""

    COMMON_WORD_ZIPF = 3.5
    # The surname is a lookahead, so every capitalised word is tried as a given name ("Yesterday Thandiwe Dlamini").
    # Particles may stand between them: "Anouk de Vries", "Pieter van der Berg", "Amir bin Hassan"; an Irish one
    # makes a name of any two words: "Ruairí Ó Súilleabháin".
    _PAIR = re.compile(
        r"\b(?P<given>[A-Z][^\W\d_]+)(?=\s+(?:(?:van|von|de|der|den|la|le|da|das|dos|del|di|du|bin|binti|al|el|ter|"
        r"ten|(?P<irish>Ní|Nic|Ó|Uí|Mac|Mag))\s+){0,2}(?P<family>[A-Z][^\W\d_]+(?:[-'’][A-Z]?[^\W\d_]+)?)\b)"
    )

    SCORE = 0.6

    def __init__(self, given_names: frozenset[str]) -> None:
        self.given_names = given_names
        super().__init__(supported_entities=["PERSON"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self._PAIR.finditer(text):
            given, family = match.group("given"), _without_possessive(match.group("family"))
            irish = match.group("irish") is not None  # "Siobhán Ní Bhriain": the particle alone says it is a name
            if not given.isupper() and not family.isupper() and (irish or self._is_full_name(given, family)):
                results.append(recognizer_result(self, match.start(), match.end("family"), self.SCORE))
        return results

    def _is_full_name(self, given: str, family: str) -> bool:
        return given in self.given_names and _is_uncommon(family, self.COMMON_WORD_ZIPF)


class SurnameRecognizer(GivenNameRecognizer):
    """A capitalised word followed by a known surname ("Aminata Diallo", "Austin Miller", "Paris Green"): the
    surname may be a common word when the first word is a known given name; an unknown first word must itself be
    uncommon and not a place ("Oxford Street" stays). Outranks the NER model where they overlap: "Florence Adeyemi"
    is a person even when the model calls it a place."""

    SCORE = 0.9
    """Above the NER model's 0.85, so that a known surname wins where the model calls the same words a place."""

    def __init__(self, given_names: frozenset[str], surnames: frozenset[str], places: frozenset[str]) -> None:
        self.surnames = surnames
        self.places = places
        super().__init__(given_names)

    def _is_full_name(self, given: str, family: str) -> bool:
        if family not in self.surnames or f"{given} {family}" in self.places:
            return False  # "Ciudad Juárez", "Santa Cruz", "San Marino"
        if given in self.given_names:
            return True
        return (
            given not in self.places
            and _is_uncommon(given, self.COMMON_WORD_ZIPF)
            and _is_uncommon(family, self.COMMON_WORD_ZIPF)
        )


class VietnameseNameRecognizer(RuleRecognizer):
    """A Vietnamese full name: one of the surnames most Vietnamese people carry, written with its marks, then one to
    three capitalised words ("Nguyễn Thị Lan", "Ngô Thanh Hương"). The small NER model reads most of them as nothing
    or as places; the marked surnames are names in English text. A city named after a person is a place: "Thành
    phố Hồ Chí Minh", "Hồ Chí Minh City"."""

    _SURNAMES = "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Trịnh|Đinh|Lương|Đoàn"
    _NAME = re.compile(rf"(?<![\w])(?:{_SURNAMES})(?: [^\W\d_]+){{1,3}}(?![\w])")
    _CITY_AFTER = re.compile(r" [Cc]ity\b")
    _CITY_BEFORE = re.compile(r"\b(?:[Tt]hành phố|TP\.?|[Pp]hố|[Cc]ity of)\s+$")

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self._NAME.finditer(text):
            words = match.group(0).split(" ")
            # The name ends at its last capitalised word: "Nguyễn Thị Lan and ...".
            size = next((n for n in range(len(words), 1, -1) if all(word[0].isupper() for word in words[:n])), 1)
            end = match.start() + len(" ".join(words[:size]))
            city = (
                ends_at(self._CITY_BEFORE, text, match.start())
                or self._CITY_AFTER.match(text, end)
                or "City" in words[:size]
            )
            if size > 1 and not city:
                results.append(recognizer_result(self, match.start(), end, NER_TIE_SCORE))
        return results


class LoneGivenNameRecognizer(RuleRecognizer):
    """A known given name alone in mid-sentence that is no English word and no place: "can u check if Chidi got",
    "the laptop for Takeshi", "my manager is Ifeoma". After a lowercase word or a comma, so a capitalised word that
    opens a sentence is not read; not after "the" ("the Jenkins box"), nor before another capitalised word (full
    names are the other recognizers' work)."""

    RARE_ZIPF = 3.0
    _WORD = re.compile(r"(?<=[a-z,;)] )(?P<name>[A-Z][a-zà-ÿ]{2,})(?:['’]s)?\b(?![ -][A-Z\d]|[-./@\w])")
    _NOT_AFTER = re.compile(
        r"(?:\b(?:the|a|an|our|your|their|this|that|de|des|du|da|das|do|dos|del|della|di|la|le|van|von|der)|"
        r"\b[A-Z][\w'’.-]*)\s+$"
    )
    """Not after an article ("the Jenkins box"), a particle of a place ("rue des Lilas") or a capitalised word
    ("Be'er Sheva": a run of capitalised words is the other recognizers' work)."""

    def __init__(self, given_names: frozenset[str], places: frozenset[str]) -> None:
        self.given_names = given_names
        self.places = places
        super().__init__(supported_entities=["PERSON"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self._WORD.finditer(text):
            name = match.group("name")
            if (
                name in self.given_names
                and name not in self.places
                and name not in ListedNameRecognizer.CALENDAR
                and name.lower() not in ReportedNameRecognizer._NOT_NAMES
                and is_rare_word(name, self.RARE_ZIPF)
                and not ends_at(self._NOT_AFTER, text, match.start())
            ):
                results.append(recognizer_result(self, match.start("name"), match.end("name"), 0.6))
        return results


class UnlistedNameRecognizer(RuleRecognizer):
    """Two capitalised words that no list holds, are rare in English (Zipf below 3), and stand where a person does:
    after "between", "with", "cc", "ask", before "says", "wants", "'s laptop" ("between Priyanka Raghunathan and
    ...", "Somchai Srisuk wants ..."). Product names stand there too ("with Pydantic Logfire"), so the words must
    also be unknown to the place list and the score stays below the NER model's."""

    RARE_ZIPF = 3.0
    _PAIR = re.compile(
        r"(?<![\w.\-/@])(?P<pair>[A-Z][^\W\d_A-Z]{2,} [A-Z][^\W\d_A-Z]{2,}(?:-[A-Z][^\W\d_A-Z]+)?)(?![\w\-./@]| [A-Z])"
    )
    _BEFORE = re.compile(
        r"\b(?:between|with|for|to|from|by|and|cc|ask|tell|thank|remind|ping|email|call|contact|meet|met|"
        r"assign(?:ed)? to|colleague|customer|employee|candidate|manager|user)\s+$",
        re.IGNORECASE,
    )
    _AFTER = re.compile(rf"(?:\s+{ReportedNameRecognizer._SAYS}\b|['’]s\s+[a-z]|\s*\((?:he|she|they)\b)")

    def __init__(self, places: frozenset[str]) -> None:
        self.places = places
        super().__init__(supported_entities=["PERSON"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self._PAIR.finditer(text):
            words = match.group("pair").split(" ")
            rare = all(is_rare_word(word, self.RARE_ZIPF) for word in words)
            if any(word in self.places for word in (*words, match.group("pair"))) or not rare:
                continue
            if ends_at(self._BEFORE, text, match.start()) or self._AFTER.match(text, match.end()):
                results.append(recognizer_result(self, match.start(), match.end(), 0.55))
        return results


def _without_possessive(word: str) -> str:
    return re.sub(r"['’]s$", "", word)  # "Sipho Dlamini's phone"


def _is_uncommon(word: str, zipf: float) -> bool:
    return wordfreq.zipf_frequency(word.lower(), "en") < zipf


def _word_list(resource: str) -> frozenset[str]:
    """One entry per line of a file in guardrails/data; `#` lines are comments."""
    text = resources.files("guardrails.data").joinpath(resource).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def load_surnames() -> frozenset[str]:
    """Surnames of 86 locales (Faker's lists); see scripts/build_given_names.py."""
    return _word_list("surnames.txt")


def load_places() -> frozenset[str]:
    """City (>= 100k people), country and US-state names from GeoNames; see scripts/build_gazetteer.py."""
    return _word_list("places.txt")


def load_native_places() -> frozenset[str]:
    """Cities and countries in the scripts their people write them in ("横浜市", "Казань"); see
    scripts/build_gazetteer.py."""
    return _word_list("native_places.txt")


def load_given_names() -> frozenset[str]:
    """Given names of 86 locales (Faker's lists); see scripts/build_given_names.py."""
    return _word_list("given_names.txt")


LOCATION_CUE = re.compile(
    r"(?:\b(?:in|from|to|at|near|via|visit|visiting|outside|around|across|of|the|between|inside|within|into)\s+|,\s+|"
    r"\(\s*)$",
    re.IGNORECASE,
)
# Capital letters that start a place's name: "İzmir", "Łódź", "Český Krumlov", "Żory".
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
# Small words inside a place's name: "Rio Grande do Sul", "Frankfurt am Main", "Côte d'Ivoire".
_PARTICLE = "(?:de|do|da|del|la|el|am|an|im|upon|sur|on|of)"
# A place after another place and a conjunction is cued by it: "Queensland and Western Australia".
_CONJUNCTION = re.compile(r",?\s+(?:and|or|&|und|et|y|e)\s+")
# Cues after which even a lowercase known place is one ("the vpn is down in santiago", "flying from sao paulo").
_LOWERCASE_CUE = re.compile(r"\b(?:in|from|near|visiting|outside|around|across|between|inside|within)\s+$")
# A site named after its town: "the Chester warehouse", "Zanzibar offsite", "Jackson depot".
_SITE = re.compile(
    r"\s(?:office|offices|warehouse|site|depot|plant|store|shop|campus|factory|hub|offsite|clinic|hospital|airport|"
    r"hq|headquarters|facility|showroom|lab|studio|branch office|data ?cent(?:er|re))\b",
    re.IGNORECASE,
)


_OPENING = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“(]\s*)$")
"""The start of a text, a sentence, a line or a quotation."""


class PlaceRecognizer(RuleRecognizer):
    """Known place names after a location cue ("from Kraków", "to Glasgow", "Atlanta, Lyon", "in santiago"),
    before a site ("the Chester warehouse"), native spellings with letters English lacks ("Köln team"), and
    anywhere when no person is called by any of its words and English has no such word ("Tampere", "Chattogram"):
    the small NER model often calls those a PERSON or misses them."""

    _CANDIDATE = re.compile(rf"\b[{_UPPER}][\w\-'’]+(?:[ \-](?:d['’]|{_PARTICLE} )?[{_UPPER}][\w\-'’]+){{0,3}}")
    # Every lowercase word starts a candidate of up to three words (they overlap): "down in santiago or".
    _LOWERCASE_CANDIDATE = re.compile(r"\b(?=([a-z]+(?: [a-z]+){0,2}))")
    _NATIVE = re.compile(r"[^\W\d_a-zA-Z]")

    UNCUED_ZIPF = 4.0
    """A place with no cue must be rarer than this as an English word ("Tampere", "Beirut"; not "Mobile")."""
    OPENING_ZIPF = 2.0
    """... and rarer than this where it opens a sentence ("Tiruchirappalli"; not "Como", "Lisboa")."""

    def __init__(self, places: frozenset[str], people: frozenset[str] = frozenset()) -> None:
        self.places = places
        self.people = people
        super().__init__(supported_entities=["LOCATION"], name="PlaceRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for match in self._CANDIDATE.finditer(text):
            after_place = bool(results) and _CONJUNCTION.fullmatch(text, results[-1].end, match.start()) is not None
            cued = after_place or LOCATION_CUE.search(text[max(0, match.start() - 12) : match.start()]) is not None
            if found := self._place_at(text, match.start(), match.group(0), cued=cued):
                results.append(found)
        for match in self._LOWERCASE_CANDIDATE.finditer(text):
            cued = _LOWERCASE_CUE.search(text[max(0, match.start() - 12) : match.start()]) is not None
            if found := self._place_at(text, match.start(), match.group(1), cued=cued, lowercase=True):
                results.append(found)
        return results

    def _place_at(
        self, text: str, start: int, candidate: str, *, cued: bool, lowercase: bool = False
    ) -> RecognizerResult | None:
        words = candidate.split(" ")
        # The longest run of leading words that names a place: "Cape Town", not "Cape Town Airport".
        for size in range(len(words), 0, -1):
            name = " ".join(words[:size])
            end = start + len(name)
            known = string.capwords(name) if lowercase else name
            if known not in self.places or (lowercase and " " not in name and not _is_uncommon(name, 4.0)):
                continue  # a lowercase word that English uses often is that word: "reading", "nice", "mobile"
            if _SITE.match(text, end) and (not lowercase or " " in name):
                return recognizer_result(self, start, end, 0.95)  # outranks a person of the same name
            personal = any(word in self.people for word in words[:size])
            if cued and not personal and not lowercase:
                return recognizer_result(self, start, end, 0.9)  # outranks the NER model's PERSON: "from Wagga Wagga"
            # A native spelling ("München", "Reykjavík") needs no cue: an English text uses it for the place.
            if cued or self._NATIVE.search(name):
                return recognizer_result(self, start, end, 0.8)
            if not lowercase and not personal and self._alone(text, start, name, whole=size == len(words)):
                return recognizer_result(self, start, end, 0.75)
        return None

    def _alone(self, text: str, start: int, name: str, *, whole: bool) -> bool:
        """Whether a place with no cue may stand: not followed by more capitalised words ("Ampere Altra" is a
        product), rarer than an everyday English word, and rarer still where it opens a sentence and any word is
        capitalised ("Como faço ..." but "Tiruchirappalli customers ...")."""
        zipf = self.OPENING_ZIPF if ends_at(_OPENING, text, start) else self.UNCUED_ZIPF
        return bool(self.people) and whole and _is_uncommon(name, zipf)


class PlaceShapeRecognizer(RuleRecognizer):
    """Names shaped like places, which no gazetteer of towns can list: a compass point or a place word before a
    person's name ("North Kelly", "Lake Charles", "Port Arthur", "Fort Myers") and a person's name glued to a
    place suffix ("Jacksonville", "Harrisburg", "Edwardsville", "Williamstown"), the way towns are named after
    people. No person is called "West Todd", so these outrank the NER model's PERSON."""

    _PREFIXED = re.compile(
        r"\b(?:North|South|East|West|New|Lake|Port|Mount|Fort)\s(?P<name>[A-Z][a-z]+)\b(?![ -][A-Z])"
    )
    _SUFFIXED = re.compile(
        r"\b(?:(?:North|South|East|West|New|Lake|Port|Mount|Fort)\s)?(?P<word>(?P<name>[A-Z][a-z]+?)(?:ville|burgh|"
        r"burg|borough|bury|stad|chester|shire|mouth|haven|fort|furt|town|ton|port|land|view|side|berg))\b"
    )

    # A French commune's hyphenated shape: "Boulogne-sur-Mer", "Aix-en-Provence", "Fontenay-aux-Roses".
    _COMMUNE = re.compile(
        rf"\b(?:(?:Saint|Sainte)[ -])?[{_UPPER}][\w'’]+(?:-[{_UPPER}][\w'’]+)*"
        rf"-(?:sur|sous|lès|les|la|le|en|de|du|des|aux|au)-[{_UPPER}][\w'’]+(?:-[\w'’]+)*"
    )
    # A saint's name is a town's: "Saint-Malo", "Sainte Foy", "São Mateus", "Sankt Pölten"; not "Saint Patrick's".
    _SAINT = re.compile(rf"\b(?:Saint|Sainte|São|Sankt|Sant['’])[ -]?[{_UPPER}][\w’]+(?:-[{_UPPER}][\w’]+)*\b(?!['’]s)")

    def __init__(self, names: frozenset[str], places: frozenset[str]) -> None:
        self.names = names
        self.places = places
        super().__init__(supported_entities=["LOCATION"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = [recognizer_result(self, m.start(), m.end(), 0.9) for m in self._COMMUNE.finditer(text)]
        results += [recognizer_result(self, m.start(), m.end(), NER_TIE_SCORE) for m in self._SAINT.finditer(text)]
        for match in self._PREFIXED.finditer(text):
            name = match.group("name")
            if name in self.names and name not in self.places and _is_uncommon(name, 5.0):
                results.append(recognizer_result(self, match.start(), match.end(), 0.95))
        for match in self._SUFFIXED.finditer(text):
            word = match.group("word")
            if match.group("name") in self.names and word not in self.names and _is_uncommon(word, 3.0):
                results.append(recognizer_result(self, match.start(), match.end(), 0.95))
        return results


class TravelledPlaceRecognizer(RuleRecognizer):
    """A place no list holds, after words only a place follows: "flights to Brugnera", "she lives in Cadeo", "our
    warehouse in Nepi", "ship it to Tortoreto Lido", "a print shop near Vedelago", "Location: Modřice". Words a
    product or a tool also follows ("moved to", "based in", "stored in": "moved to Jira") are not cues here, and an
    everyday English word is never taken ("living in Fear")."""

    _CUE = re.compile(
        r"\b(?:(?:flights?|flying|flew|fly|trains?|ferry|driv(?:e|ing)|drove|commut(?:e|ing)|trips?|journey|"
        r"travel(?:l?ing|l?ed)?|relocat(?:e|ed|ing|ion)|ship(?:ped|ping)?(?: it)?|deliver(?:ed|ing|y)?(?: it)?|"
        r"courier|post(?:ed)? it) (?:to|from|into)|(?:lives?|lived|living|born|raised|grew up|hotels?|stay(?:ing|ed)?|"
        r"holiday|vacation|(?:office|branch|plant|warehouse|depot|factory|campus|clinic|store)s?) (?:in|near)|"
        r"\bnear|\b(?:location|city|town|village|hometown|place of birth) ?:) ",
        re.IGNORECASE,
    )
    _PLACE = re.compile(
        rf"[{_UPPER}][^\W\d_A-Z]+(?:['’][^\W\d_]+)?(?:[ \-](?:{_PARTICLE} )?[{_UPPER}][^\W\d_A-Z]+){{0,3}}(?![\w\-])"
    )
    _PREFIXES = frozenset(
        {"San", "Santa", "Santo", "São", "Saint", "Sainte", "Port", "Porto", "Puerto", "Villa", "Monte"}
    )
    COMMON_ZIPF = 3.5
    """The first word must be a place's prefix or rarer than this in English: "in Fear", "to Work", "to Monday" are
    not places."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["LOCATION"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for cue in self._CUE.finditer(text):
            if (place := self._PLACE.match(text, cue.end())) is None:
                continue
            first = re.split(r"[ \-'’]", place.group(0))[0]
            if first in self._PREFIXES or _is_uncommon(first, self.COMMON_ZIPF):
                results.append(recognizer_result(self, place.start(), place.end(), NER_TIE_SCORE))
        return results


def pattern_recognizers(phone_regions: Sequence[str]) -> list[EntityRecognizer]:
    return [
        OfflineEmailRecognizer(),
        CardRecognizer(),
        InternationalPhoneRecognizer(phone_regions),
        UsSsnRecognizer(),
        NhsNumberRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        CalendarDateRecognizer(),
    ]
