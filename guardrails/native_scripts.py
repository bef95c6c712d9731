"""Names and places written in their own scripts: "佐藤健", "山田 太郎さん", "김민준 씨", "Иван Петров", "محمد
العلي", "横浜市港南区", "서울특별시 강남구 테헤란로 152", "из Казани".

The NER model and the other recognizers read Latin script; a customer who writes their name or address the way
their country does went unmasked. These rules read the other scripts with lists instead of a model:
- given names and surnames of Faker's locales (`given_names.txt`, `surnames.txt`): a name is a known surname and a
  known given name together, in the order the language puts them; a surname alone counts before an honorific
  ("佐藤さん", "王先生", "박 씨");
- places of GeoNames and the Unicode CLDR in those scripts (`native_places.txt`), Russian and Ukrainian case endings
  folded ("из Казани" is Казань), and address shapes: Chinese, Japanese and Korean administrative suffixes
  (県, 市, 区, 丁目, 특별시, 구, 로), Cyrillic address words (ул., д., кв.).

Chinese and Japanese are written without spaces, so a rule cannot tell where a word ends in running text: a
sequence of ideographs counts as a name or a place where it stands alone in the text (between Latin words, spaces or
punctuation), where an honorific or kana closes it, or where it starts with a listed place.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from guardrails.recognizers import NER_TIE_SCORE, RuleRecognizer, ends_at, recognizer_result

__all__ = ["NativeScriptNameRecognizer", "NativeScriptPlaceRecognizer"]

_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KATAKANA = "\u30a0-\u30ff"
_HIRAGANA = "\u3040-\u309f"
_HANGUL = "\uac00-\ud7a3"
# A run of ideographs and katakana: kana particles, spaces, Latin letters and punctuation end it.
_CJK_CHAR = re.compile(rf"[{_IDEOGRAPH}{_KATAKANA}{_HIRAGANA}々ヶ]")
_KATAKANA_CHAR = re.compile(rf"[{_KATAKANA}]")
_CJK_RUN = re.compile(rf"[{_IDEOGRAPH}{_KATAKANA}々〆ヶ]+")
# What may follow a place in an address: more ideographs, block and house numbers (full-width too), 丁目, 番地, 号.
_ADDRESS_TAIL = re.compile(rf"[{_IDEOGRAPH}{_KATAKANA}々ヶ0-9０-９\-－‐−ー]*")
# Where such a tail may end: an administrative or street word, a number, 番地 or 号 ("朝阳区建国路88号").
_ADDRESS_END = re.compile(r".*[都道府県市区町村郡省县縣镇鎮乡鄉街路号號目地0-9０-９]", re.DOTALL)
_CJK_HONORIFIC = re.compile(
    r"\s?(?:さん|様|さま|氏|先生|くん|君|ちゃん|殿|部長|課長|社長|女士|小姐|经理|經理|老师|老師|同学|同學|总|總)"
)
# Introductions: Chinese "I am called / I am" before the name (up to the next punctuation), Japanese "です" or
# "と申します" after it, Korean "저는 … 입니다".
_INTRODUCED = re.compile(
    rf"(?:我叫|我是|我的名字是|名字叫|本人)(?P<zh>[{_IDEOGRAPH}]{{2,4}})(?=[，。,.！!、\s]|$)|"
    rf"(?:^|[。、\s]|は)(?P<ja>[{_IDEOGRAPH}]{{2,5}})(?:です|と申します|と言います)|"
    rf"저는\s+(?P<ko>[{_HANGUL}]{{2,4}})(?:입니다|이에요|예요|이고|라고)"
)
_ADMIN_SUFFIX = frozenset("都道府県市区町村郡省县縣镇鎮乡鄉街路号號丁")
_GENERIC_PLACE_WORDS = frozenset(
    ("城市", "都市", "地区", "地區", "市区", "市場", "社区", "社區", "小区", "全国", "全國")
)

_HANGUL_WORD = re.compile(rf"[{_HANGUL}]+")
# Particles and honorifics a Korean name or place carries: "김민준 씨의", "박서연님께", "부산에서".
_HANGUL_ENDINGS = (
    "씨에게", "님에게", "씨께서", "씨의", "님의", "님께", "씨가", "씨는", "씨를", "에게서", "에게", "한테", "께서",
    "에서", "으로", "부터", "까지", "씨", "님", "이", "가", "은", "는", "을", "를", "의", "께", "에", "로", "와", "과",
)  # fmt: skip
_HANGUL_COMPOUND_SURNAMES = frozenset(("남궁", "제갈", "선우", "황보", "독고", "사공", "서문"))
# Korean address parts: a province or city, then a district, town, road or street ("서울특별시 강남구 테헤란로 152").
_HANGUL_REGION = re.compile(rf"[{_HANGUL}]+(?:특별시|광역시|특별자치시|특별자치도|도|시)(?=\s)")
_HANGUL_ADDRESS = re.compile(
    rf"(?:[{_HANGUL}]+(?:특별시|광역시|특별자치시|특별자치도|도|시)\s+)?(?:[{_HANGUL}]+(?:시|군|구)\s+)"
    rf"(?:[{_HANGUL}0-9]+(?:읍|면|동|가|리|로|길)(?:\s*[0-9\-]+(?:번길|길)?)?\s*)+(?:[0-9\-]+(?:\s*[{_HANGUL}0-9]+(?:동|호|층))*)?"
)

_OPENING = re.compile(r"(?:^|[.!?:;—–-]\s+|\n\s*|[\"«“(]\s*)$")
_CYRILLIC_WORD = re.compile(r"[А-ЯЁЄІЇҐЎЂЃЅЈЉЊЋЌЏ][а-яёєіїґўђѓѕјљњћќџ'’]+(?:-[А-ЯЁЄІЇҐ][а-яёєіїґ]+)?")
_GREEK_WORD = re.compile(r"[Α-ΩΆΈΉΊΌΎΏ][α-ωάέήίόύώϊϋΐΰς]+")
_CYRILLIC_SURNAME_SHAPE = re.compile(
    r"(?:ов|ова|ев|ева|ёв|ёва|ин|ина|ын|ына|ский|ская|цкий|цкая|енко|ук|юк|чук|ич|вич|ян|дзе|швили|ко)$"
)
_GREEK_SURNAME_SHAPE = re.compile(r"(?:πουλος|πούλου|ίδης|ίδου|άκης|άκη|άδης|άδη|ίου|έας|άτος|ίτης|ίδη)$")
# Russian and Ukrainian case endings a place name takes after a preposition: "в Москве", "из Казани", "до Києва".
_CYRILLIC_ENDINGS = ("ами", "ах", "ой", "ом", "ей", "ью", "е", "и", "у", "ю", "ы", "а", "я", "і", "ї")
_NOMINATIVE_ENDINGS = ("", "а", "я", "ь", "й", "о", "ы", "и")
# An address in Cyrillic: a street, house or flat word and what follows it up to the end of the clause.
_CYRILLIC_ADDRESS = re.compile(
    r"(?:\b(?:г\.|город|ул\.|улица|пр-т|просп\.|проспект|пер\.|переулок|бул\.|бульвар|ш\.|шоссе|пл\.|площадь|"
    r"наб\.|набережная|вул\.|вулиця|мкр\.|обл\.|область|р-н|район)\s*[А-ЯЁЄІЇҐ0-9][^\n;:!?()]*?"
    r"(?:\b(?:д\.|дом|буд\.|к\.|корп\.|стр\.|кв\.)\s*[0-9]+[а-я]?[,\s]*)+)",
    re.IGNORECASE,
)
# Other scripts with spaces between words and no capitals: Arabic, Persian, Hebrew, Thai and the scripts of India.
_SPACED_WORD = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u0900-\u0dff\u0e00-\u0e7f]+")
_THAI_TITLE = "คุณ"
_ARABIC_LINK = frozenset(("بن", "بنت", "ابن", "أبو", "ابو", "عبد", "בן", "בת"))


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Nothing of the same script touches the span: it is a word of its own in a text of other words."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not _is_cjk(before) and not _is_cjk(after)


def _is_cjk(char: str) -> bool:
    return bool(_CJK_CHAR.match(char))


class NativeScriptNameRecognizer(RuleRecognizer):
    """People's names in scripts other than Latin; see the module's docstring."""

    def __init__(self, given_names: frozenset[str], surnames: frozenset[str]) -> None:
        self.given_names = given_names
        self.surnames = surnames
        self._longest_surname = max((len(name) for name in surnames if _is_cjk(name[:1])), default=2)
        super().__init__(supported_entities=["PERSON"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans = {
            *self._ideographic(text),
            *self._introduced(text),
            *self._korean(text),
            *self._capitalised(text),
            *self._spaced(text),
        }
        return [recognizer_result(self, start, end, NER_TIE_SCORE) for start, end in sorted(spans)]

    def _ideographic(self, text: str) -> Iterator[tuple[int, int]]:
        """Chinese and Japanese: a listed surname and a listed given name, or a surname before an honorific."""
        for run in _CJK_RUN.finditer(text):
            start, value = run.start(), run.group(0)
            for length in range(min(self._longest_surname, len(value)), 0, -1):
                surname = value[:length]
                if surname not in self.surnames:
                    continue
                end = self._given_name_end(text, start + length)
                honorific = _CJK_HONORIFIC.match(text, end or start + length)
                if end is not None and (end == run.end() or honorific or _stands_alone(text, start, end)):
                    yield start, end
                    break
                if honorific and (length >= 2 or run.end() == start + length):
                    yield start, start + length  # "佐藤さん", "王先生"
                    break

    def _introduced(self, text: str) -> Iterator[tuple[int, int]]:
        """A name someone gives as theirs, in running text: "我叫王丽娟", "佐藤健太です", "저는 김서연입니다". The
        frame marks where it ends; it must start with a listed surname. Japanese introduce themselves by their
        surname alone too ("田中です")."""
        for match in _INTRODUCED.finditer(text):
            group = next(language for language in ("zh", "ja", "ko") if match.group(language))
            name, start = match.group(group), match.start(group)
            lengths = [length for length in (1, 2) if length < len(name) or group == "ja"]
            if any(name[:length] in self.surnames for length in lengths):
                yield start, start + len(name)

    def _given_name_end(self, text: str, position: int) -> int | None:
        """Where a listed given name that starts at `position` (after an optional space) ends: the longest."""
        offset = position + (1 if text[position : position + 1] in (" ", "\u3000") else 0)
        for length in (4, 3, 2, 1):
            if text[offset : offset + length] in self.given_names and _is_cjk(text[offset : offset + 1]):
                return offset + length
        return None

    def _korean(self, text: str) -> Iterator[tuple[int, int]]:
        """A surname syllable (or two) and a listed given name, with a particle or honorific after it or not."""
        for word in _HANGUL_WORD.finditer(text):
            value = word.group(0)
            stem = _without_ending(value, _HANGUL_ENDINGS)
            honorific = value[len(stem) :].startswith(("씨", "님"))
            surname_length = 2 if stem[:2] in _HANGUL_COMPOUND_SURNAMES else 1
            surname, given = stem[:surname_length], stem[surname_length:]
            if surname in self.surnames and 1 <= len(given) <= 2 and (given in self.given_names or honorific):
                yield word.start(), word.start() + len(stem)

    def _capitalised(self, text: str) -> Iterator[tuple[int, int]]:
        """Cyrillic and Greek: a given name and a surname, in either order; a surname no list holds must have a
        surname's ending ("Петренко", "Παπαδόπουλος")."""
        for pattern, shape in ((_CYRILLIC_WORD, _CYRILLIC_SURNAME_SHAPE), (_GREEK_WORD, _GREEK_SURNAME_SHAPE)):
            words = list(pattern.finditer(text))
            for first, second in itertools.pairwise(words):
                if not text[first.end() : second.start()].isspace() or "\n" in text[first.end() : second.start()]:
                    continue
                a, b = first.group(0), second.group(0)
                if self._is_pair(a, b, shape) or self._is_pair(b, a, shape):
                    yield first.start(), second.end()

    def _is_pair(self, given: str, family: str, shape: re.Pattern[str]) -> bool:
        return given in self.given_names and (family in self.surnames or bool(shape.search(family)))

    def _spaced(self, text: str) -> Iterator[tuple[int, int]]:
        """Arabic, Persian, Hebrew, Thai, Hindi and the like: a listed given name, then a listed name, an Arabic
        family name of the al-...-i form ("العلي") or a link word and a name ("بن سعيد")."""
        words = list(_SPACED_WORD.finditer(text))
        for index, first in enumerate(words[:-1]):
            second = words[index + 1]
            # Thai writes the title on the name: "คุณสุภาพร" is Khun Supaporn, and with the title a listed given name
            # takes any surname. (คุณ is also "you", before a verb: the given name must be listed.)
            given = first.group(0).removeprefix(_THAI_TITLE)
            titled = given != first.group(0)
            if given not in self.given_names or not text[first.end() : second.start()].isspace():
                continue
            family = second.group(0)
            start = first.start() + len(first.group(0)) - len(given)
            if family in _ARABIC_LINK and index + 2 < len(words):
                yield start, words[index + 2].end()
            elif titled or family in self.surnames or family in self.given_names or _is_nisba(family):
                yield start, second.end()


class NativeScriptPlaceRecognizer(RuleRecognizer):
    """Places and addresses in scripts other than Latin; see the module's docstring."""

    def __init__(self, native_places: frozenset[str], people: frozenset[str]) -> None:
        self.places = native_places
        self.people = people
        self._longest = max((len(place) for place in native_places), default=0)
        super().__init__(supported_entities=["LOCATION"], name=type(self).__name__)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans = [*self._ideographic(text), *self._korean(text), *self._cyrillic(text), *self._spaced(text)]
        return [recognizer_result(self, start, end, NER_TIE_SCORE) for start, end in spans]

    def _ideographic(self, text: str) -> Iterator[tuple[int, int]]:
        """A listed place and the address that follows it; or a run of ideographs with an administrative suffix
        that stands alone ("香取市" between English words)."""
        for run in _CJK_RUN.finditer(text):
            value, start = run.group(0), run.start()
            known = self._first_known(value)
            if (
                _stands_alone(text, start, run.end())
                and len(value) >= 3
                and any(char in _ADMIN_SUFFIX for char in value[2:])
                and not any(word in value for word in _GENERIC_PLACE_WORDS)
            ):
                # From the listed place on, unless an administrative word comes before it: "我住在北京市…" starts at
                # 北京; "山口県立川市…" at 山口県 (山口 is a surname too, so the list leaves it out).
                before = value[: known[0]] if known else ""
                offset = known[0] if known and not any(char in _ADMIN_SUFFIX for char in before) else 0
                yield start + offset, _address_end(text, run.end())
            elif known is not None:
                yield start + known[0], _address_end(text, start + known[1])

    def _first_known(self, value: str) -> tuple[int, int] | None:
        """The first listed place in `value` (the longest at that position), as offsets."""
        for offset in range(len(value)):
            for length in range(min(self._longest, len(value) - offset), 1, -1):
                candidate = value[offset : offset + length]
                if (
                    candidate in self.places
                    and candidate not in self.people
                    and not _inside_katakana(value, offset, length)
                ):
                    return offset, offset + length
        return None

    def _korean(self, text: str) -> Iterator[tuple[int, int]]:
        """An address ("서울특별시 강남구 테헤란로 152", "부산 해운대구 우동") or a listed place with its particle."""
        addresses = [(match.start(), match.end()) for match in _HANGUL_ADDRESS.finditer(text)]
        yield from ((start, end) for start, end in addresses if end - start > 2)
        for word in _HANGUL_WORD.finditer(text):
            if any(start <= word.start() < end for start, end in addresses):
                continue
            stem = _without_ending(word.group(0), _HANGUL_ENDINGS)
            if stem in self.places or (stem.endswith("시") and stem[:-1] in self.places):
                yield word.start(), word.start() + len(stem)

    def _cyrillic(self, text: str) -> Iterator[tuple[int, int]]:
        """A Cyrillic address, or a listed place in any of its cases ("в Москве", "из Казани")."""
        addresses = [(match.start(), match.end()) for match in _CYRILLIC_ADDRESS.finditer(text)]
        yield from addresses
        for word in _CYRILLIC_WORD.finditer(text):
            if any(start <= word.start() < end for start, end in addresses):
                continue
            # A capital at the start of a sentence says nothing: there only the dictionary form counts ("Кому" is
            # "to whom", not a case of a town).
            forms = [word.group(0)] if ends_at(_OPENING, text, word.start()) else _nominatives(word.group(0))
            if any(form in self.places and form not in self.people for form in forms):
                yield word.span()

    def _spaced(self, text: str) -> Iterator[tuple[int, int]]:
        """Arabic, Hebrew, Greek, Thai, Hindi: a listed place of one or two words."""
        words = [*_SPACED_WORD.finditer(text), *_GREEK_WORD.finditer(text)]
        words.sort(key=lambda match: match.start())
        taken = -1
        for index, word in enumerate(words):
            if word.start() < taken:
                continue
            following = words[index + 1] if index + 1 < len(words) else None
            if following is not None and text[word.end() : following.start()] == " ":
                pair = text[word.start() : following.end()]
                if pair in self.places and pair not in self.people:
                    taken = following.end()
                    yield word.start(), following.end()
                    continue
            value = word.group(0)
            bare = value[1:] if value[:1] in "بلو" and value[1:] in self.places else value  # "بالقاهرة"
            if len(bare) >= 3 and bare in self.places and bare not in self.people:
                yield word.start() + len(value) - len(bare), word.end()


def _inside_katakana(value: str, offset: int, length: int) -> bool:
    """A katakana place that is part of a longer katakana word: "ノート" in "ノートパソコン" (laptop)."""
    if not _KATAKANA_CHAR.match(value[offset]):
        return False
    before = value[offset - 1] if offset else ""
    after = value[offset + length] if offset + length < len(value) else ""
    return bool(_KATAKANA_CHAR.match(before) or _KATAKANA_CHAR.match(after))


def _address_end(text: str, position: int) -> int:
    """The end of the address that goes on at `position`: up to its last administrative word or number, so that
    "上海办公室的停车位" stops at 上海 and "北京市朝阳区建国路88号, 请" runs to 号."""
    tail = _ADDRESS_TAIL.match(text, position)
    end = _ADDRESS_END.match(tail.group(0)) if tail else None
    return position + end.end() if end else position


def _is_nisba(word: str) -> bool:
    """An Arabic family name of the form al-...-i ("العلي", "القحطاني"); "الموارد" (the resources) is a word."""
    return word.startswith("ال") and word.endswith("ي") and len(word) >= 5


def _without_ending(word: str, endings: tuple[str, ...]) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            return word[: -len(ending)]
    return word


def _nominatives(word: str) -> Iterator[str]:
    """`word` and the dictionary forms it may be a case of: "Москве" -> "Москва", "Казани" -> "Казань"."""
    yield word
    for ending in _CYRILLIC_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            yield from (stem + nominative for nominative in _NOMINATIVE_ENDINGS)
