"""Undo the cheap disguises attackers put on instructions before any detector reads them.

`canonical` folds compatibility forms, zero-width and bidi controls, look-alike letters from other scripts, leetspeak
inside words and letter-by-letter spacing; `hidden_payloads` decodes base64, hex and %-escapes long enough to carry an
instruction. Both are for detection only: nothing downstream ever shows their output.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from urllib.parse import unquote

__all__ = ["canonical", "hidden_payloads"]

_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u180e]")
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


def canonical(text: str) -> str:
    """Lower-cased, single-spaced text with look-alikes, leetspeak and s p a c e d letters folded back."""
    folded = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).translate(_HOMOGLYPHS).lower()
    folded = _LEET_WORD.sub(lambda match: match.group(0).translate(_LEET), folded)
    folded = _SPACED_LETTERS.sub(lambda match: re.sub(r"[ .\-_*]", "", match.group(0)), folded)
    return _SPACES.sub(" ", folded).strip()


def hidden_payloads(text: str) -> list[str]:
    """Readable text hidden in base64, hex or %-escapes inside `text` (empty when there is none)."""
    found: list[str] = []
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
    return found


def _keep_if_readable(raw: bytes, found: list[str]) -> None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    printable = sum(char.isprintable() or char.isspace() for char in decoded)
    letters = sum(char.isalpha() for char in decoded)
    if decoded and printable / len(decoded) > 0.95 and letters / len(decoded) > 0.6 and " " in decoded:
        found.append(decoded)
