"""Undo the cheap disguises attackers put on instructions before any detector reads them.

`canonical` folds compatibility forms, zero-width and bidi controls, variation selectors, Unicode tag characters,
floods of combining marks (zalgo), look-alike letters from other scripts, leetspeak inside words and letter-by-letter
spacing; `hidden_payloads` decodes what is smuggled inside the text: instructions spelled in invisible tag
characters or variation selectors, base64, hex, %-escapes, quoted-printable, Morse and ROT13 long enough to carry an
instruction; `smuggling_marks` names invisible carriers whose mere presence is suspect. All are for detection only:
nothing downstream ever shows their output.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
import unicodedata
from urllib.parse import unquote

__all__ = ["canonical", "hidden_payloads", "smuggling_marks"]

_INVISIBLE = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u180e\ufe00-\ufe0f"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
# Unicode tags (U+E0020-E007E) mirror ASCII; runs of them spell text no one sees. Emoji subdivision flags (a black
# flag, tag letters, a cancel tag) are their one legitimate use.
_TAG_RUN = re.compile("[\U000e0020-\U000e007e]{2,}")
_TAG_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{2,7}\U000e007f")
# Variation selectors used as bytes (VS1-16: 0-15, VS17-256: 16-255), the "emoji smuggling" trick.
_SELECTOR_RUN = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]{8,}")
_COMBINING_FLOOD = re.compile("[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{2,}")
# Latin look-alikes from Cyrillic and Greek (NFKC leaves them alone).
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁɡһӏԛԝаАВЕКМНОРСТХІЈЅԌαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdghlqwaABEKMHOPCTXIJSGabeiknoptuxABEZHIKMNOPTYX",
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_WORD = re.compile(r"\b(?=[a-z0-9@$!]*[a-z])(?=[a-z@$!]*[0-9@$!])[a-z0-9@$!]{3,}\b")
_SPACED_LETTERS = re.compile(r"\b[a-z](?P<sep>[ .\-_*])(?:[a-z](?P=sep)){1,}[a-z]\b")
_SPACES = re.compile(r"\s+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[ :]?){12,}\b")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2}){6,}")
_QUOTED_PRINTABLE = re.compile(r"(?:=[0-9A-F]{2}){6,}")
_MORSE = re.compile(r"(?:[.\-\u2022\u00b7_]{1,7}(?: {1,3}| ?/ ?)){7,}[.\-\u2022\u00b7_]{1,7}")
_MORSE_CODE = {
    ".-": "a", "-...": "b", "-.-.": "c", "-..": "d", ".": "e", "..-.": "f", "--.": "g", "....": "h", "..": "i",
    ".---": "j", "-.-": "k", ".-..": "l", "--": "m", "-.": "n", "---": "o", ".--.": "p", "--.-": "q", ".-.": "r",
    "...": "s", "-": "t", "..-": "u", "...-": "v", ".--": "w", "-..-": "x", "-.--": "y", "--..": "z",
    "-----": "0", ".----": "1", "..---": "2", "...--": "3", "....-": "4", ".....": "5", "-....": "6", "--...": "7",
    "---..": "8", "----.": "9", ".-.-.-": ".", "--..--": ",", "..--..": "?",
}  # fmt: skip
_COMMON_TEXT = (
    "the an and or to of in on for is are be you your me my it this that with all any now what how do not from as "
    "at by say tell give print show write ignore previous instructions rules system prompt"
)
_COMMON_WORDS = frozenset(_COMMON_TEXT.split())
_WORD = re.compile(r"[a-z']{2,}")


def canonical(text: str) -> str:
    """Lower-cased, single-spaced text with invisible characters and mark floods removed, and look-alikes,
    leetspeak and s p a c e d letters folded back."""
    folded = unicodedata.normalize("NFKC", _without_mark_floods(_INVISIBLE.sub("", text)))
    folded = folded.translate(_HOMOGLYPHS).lower()
    folded = _LEET_WORD.sub(lambda match: match.group(0).translate(_LEET), folded)
    folded = _SPACED_LETTERS.sub(lambda match: re.sub(r"[ .\-_*]", "", match.group(0)), folded)
    return _SPACES.sub(" ", folded).strip()


def _without_mark_floods(text: str) -> str:
    """Zalgo text piles combining marks on letters: runs of them go, and when most letters carry one, all do.
    Ordinary accents (one mark, on a minority of letters) stay."""
    decomposed = _COMBINING_FLOOD.sub("", unicodedata.normalize("NFD", text))
    marks = sum(unicodedata.category(char) == "Mn" for char in decomposed)
    letters = sum(char.isalpha() for char in decomposed)
    if letters and marks > 0.5 * letters:
        decomposed = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return decomposed


def smuggling_marks(text: str) -> list[str]:
    """Invisible carriers in `text` that ordinary writing never contains: runs of Unicode tag characters (outside
    emoji flags) and runs of variation selectors long enough to hold bytes."""
    marks = []
    if _TAG_RUN.search(_TAG_FLAG.sub("", text)):
        marks.append("unicode_tags")
    if _SELECTOR_RUN.search(text):
        marks.append("variation_selectors")
    return marks


def hidden_payloads(text: str) -> list[str]:
    """Readable text hidden inside `text` (empty when there is none): invisible tag characters and variation
    selectors, base64, hex, %-escapes, quoted-printable, Morse, and ROT13 when it reads better decoded."""
    found: list[str] = []
    for match in _TAG_RUN.finditer(_TAG_FLAG.sub("", text)):
        found.append("".join(chr(ord(char) - 0xE0000) for char in match.group(0)))
    for match in _SELECTOR_RUN.finditer(text):
        _keep_if_readable(bytes(_selector_byte(char) for char in match.group(0)), found)
    for match in _BASE64.finditer(text):
        token = match.group(0)
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        _keep_if_readable(decoded, found)
    for match in _HEX.finditer(text):
        try:
            _keep_if_readable(bytes.fromhex(re.sub(r"[ :]", "", match.group(0))), found)
        except ValueError:
            continue
    found.extend(unquote(match.group(0)) for match in _PERCENT.finditer(text))
    for match in _QUOTED_PRINTABLE.finditer(text):
        _keep_if_readable(quopri.decodestring(match.group(0).encode("ascii")), found)
    for match in _MORSE.finditer(text):
        words = re.split(r" ?/ ?| {3}", match.group(0).strip())
        spelled = " ".join("".join(_MORSE_CODE.get(_morse_symbol(code), "") for code in w.split()) for w in words)
        if len(spelled.replace(" ", "")) >= 6:
            found.append(spelled)
    rot13 = codecs.decode(text, "rot13")
    if _english_share(rot13) >= 0.3 and _english_share(rot13) > 2 * _english_share(text):
        found.append(rot13)
    return found


def _selector_byte(char: str) -> int:
    code = ord(char)
    return code - 0xFE00 if code <= 0xFE0F else code - 0xE0100 + 16


def _morse_symbol(code: str) -> str:
    return code.replace("\u2022", ".").replace("\u00b7", ".").replace("_", "-")


def _english_share(text: str) -> float:
    """The share of words that are among the commonest English (and instruction) words: ROT13 of an English
    sentence scores near zero, its decoding high."""
    words = _WORD.findall(text.lower())
    return sum(word in _COMMON_WORDS for word in words) / len(words) if len(words) >= 4 else 0.0


def _keep_if_readable(raw: bytes, found: list[str]) -> None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    printable = sum(char.isprintable() or char.isspace() for char in decoded)
    letters = sum(char.isalpha() for char in decoded)
    if decoded and printable / len(decoded) > 0.95 and letters / len(decoded) > 0.6 and " " in decoded:
        found.append(decoded)
