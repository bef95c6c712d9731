"""Citations: `[n]` markers in the answer, mapped to the numbered sources; markers that point at nothing go.

`CitationFilter` sits after the output rails on the released text. It holds back a possibly unfinished marker
(`[`, `[1`) so a bogus `[7]` can be removed before anyone sees it, and remembers which sources were cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag_server.pipeline.sources import Source

__all__ = ["CitationFilter"]

_MARKER = re.compile(r"\[(\d{1,3})\]")
_OPEN_MARKER = re.compile(r"\[\d{0,3}$")


class CitationFilter:
    def __init__(self, sources: Sequence[Source]) -> None:
        self._by_number = {source.n: source for source in sources}
        self._cited: dict[int, Source] = {}
        self._pending = ""

    def feed(self, text: str) -> str:
        self._pending += text
        hold = _OPEN_MARKER.search(self._pending)
        cut = hold.start() if hold else len(self._pending)
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._rewrite(ready)

    def finish(self) -> str:
        ready, self._pending = self._pending, ""
        return self._rewrite(ready)

    def cited(self) -> list[Source]:
        """The sources the answer cited, in the order of their numbers."""
        return [self._cited[number] for number in sorted(self._cited)]

    def _rewrite(self, text: str) -> str:
        def keep_or_drop(match: re.Match[str]) -> str:
            number = int(match.group(1))
            source = self._by_number.get(number)
            if source is None:
                return ""
            self._cited[number] = source
            return match.group(0)

        return _MARKER.sub(keep_or_drop, text)
