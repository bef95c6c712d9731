"""The request-scoped map between placeholders the model sees and the values the user typed.

One vault per request, created with the request's `GuardContext` and dropped with it: a vault shared between
requests would hand one user's values to another (see llm-guard's `Anonymize(vault=...)`).
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["PLACEHOLDER", "PlaceholderVault"]

PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_(\d{1,4})>")
"""`<PERSON_1>`, `<EMAIL_ADDRESS_2>`: the shape of every placeholder this library writes."""


class PlaceholderVault:
    """Placeholders numbered per entity type within one request; the same value always gets the same one."""

    __slots__ = ("_by_placeholder", "_by_value", "_counts")

    def __init__(self) -> None:
        self._by_value: dict[tuple[str, str], str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._counts: Counter[str] = Counter()

    def placeholder_for(self, entity_type: str, value: str) -> str:
        key = (entity_type, value)
        existing = self._by_value.get(key)
        if existing is not None:
            return existing
        self._counts[entity_type] += 1
        placeholder = f"<{entity_type}_{self._counts[entity_type]}>"
        self._by_value[key] = placeholder
        self._by_placeholder[placeholder] = value
        return placeholder

    def value_of(self, placeholder: str) -> str | None:
        return self._by_placeholder.get(placeholder)

    def restore(self, text: str) -> str:
        """Put this request's own values back; placeholders this vault never issued stay as they are."""
        if not self._by_placeholder:
            return text
        return PLACEHOLDER.sub(lambda match: self._by_placeholder.get(match.group(0), match.group(0)), text)

    def owns_value(self, value: str) -> bool:
        """True when the user themself typed this value in this request (so it is theirs to see again)."""
        return any(own == value for _, own in self._by_value)

    def entity_counts(self) -> dict[str, int]:
        return dict(self._counts)

    def __len__(self) -> int:
        return len(self._by_placeholder)

    def __repr__(self) -> str:  # never the values
        return f"PlaceholderVault({dict(self._counts)!r})"
