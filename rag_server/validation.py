"""A msgspec `ValidationError` split into what was wrong and where, for every layer that reports one to a person.

msgspec gives no structured form, only text: "Expected `int`, got `str` - at `$.messages[0].role`" or "Object
contains unknown field `foo` - at `$.rag`". Request decoding names the field as the OpenAI `param`; settings name
the environment variable or config key. Both read it here, so the text is parsed in one place. Framework-free:
`rag_server.settings` imports it, and so does `rag-ingest` through the settings.
"""

from __future__ import annotations

import re

import msgspec

__all__ = ["FieldError", "field_error"]

_LOCATION = re.compile(r"\s*-\s*at `\$(?P<path>[^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `(?P<name>[^`]+)`")
_INDEX_OR_KEY = re.compile(r"\[[^\]]*\]")


class FieldError(msgspec.Struct, frozen=True, kw_only=True):
    reason: str
    """msgspec's message without its location, e.g. "Expected `int`, got `str`"."""
    path: str | None
    """The offending field from the root, e.g. `messages[0].role`; an unknown field's own name ends it. None: the
    value as a whole."""
    located: bool
    """msgspec named a location (it names none for the top-level value, even for an unknown field in it)."""
    unknown: bool
    """The field is not one the type declares (a Struct with `forbid_unknown_fields`)."""

    @property
    def fields(self) -> tuple[str, ...]:
        """The path's field names without list indexes and map keys: `("messages", "role")`."""
        return tuple(_INDEX_OR_KEY.sub("", self.path).split(".")) if self.path else ()


def field_error(exc: msgspec.ValidationError) -> FieldError:
    text = str(exc)
    location = _LOCATION.search(text)
    unknown = _UNKNOWN_FIELD.search(text)
    path = location.group("path").lstrip(".") if location else ""
    if unknown:
        path = f"{path}.{unknown.group('name')}" if path else unknown.group("name")
    return FieldError(
        reason=text[: location.start()] if location else text,
        path=path or None,
        located=location is not None,
        unknown=unknown is not None,
    )
