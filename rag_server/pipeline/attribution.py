"""Citation attribution: a sentence that states what one passage says, but cites nothing, gets that passage's number.

Small models often answer right and forget the `[n]` (docs/benchmarks.md, answers). `CitationAttributor` sits after
the citation filter on the released text. Once a sentence is complete (text follows it, or the answer ends) and
carries no marker of its own, the passage with a sentence (or two adjacent ones) that holds its figures and
distinctive terms, most of its content words and its polarity (`guardrails.groundedness.best_passage`) is cited
before the sentence's final punctuation, in the prompt's own style: "The office opens at 8 am [2]." (after a
closing quote, so quoted text stays as written). Refusals, questions, uncovered sentences and code (a fenced
block, a backtick, a line that looks like a command, path or table row) get nothing. It holds back only what may
still end a sentence (its final punctuation, a marker right after it, trailing spaces, an unfinished `[`), so the
stream is delayed by at most a token and text already sent never changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from guardrails.groundedness import Window, best_passage, passage_windows, split_sentences
from rag_server.pipeline.sources import Source

__all__ = ["CitationAttributor"]

_MARKERS = r"\[\d{1,3}(?:\s*,\s*\d{1,3})*\]"
_CITES = re.compile(_MARKERS)
_UNFINISHED_MARKER = r"(?:\[[\d,\s]*)?"
_ONLY_MARKERS = re.compile(rf"\s*(?:{_MARKERS}\s*)*{_UNFINISHED_MARKER}\Z")
_STARTS_WITH_MARKER = re.compile(rf"\s*{_MARKERS}")
_MAY_END_SENTENCE = re.compile(rf"[.!?]*[\"')\]]*(?:\s*{_MARKERS})*\s*{_UNFINISHED_MARKER}\Z")
"""The tail to hold: where a marker may still be placed, or the model's own may still come."""
_SENTENCE_END = re.compile(r"[.!?]+\Z")
_FENCE = "```"
_CODE_LIKE = re.compile(r"^\s{4}|^\s*\||(?<![\w-])--?[A-Za-z]|[\w.-]/[\w.-]|[{}<>$=;]|\w\(\)", re.MULTILINE)
"""A line that may be a command, a path, a table row or code: a marker appended to it would change it."""


class CitationAttributor:
    def __init__(self, sources: Sequence[Source], *, coverage: float) -> None:
        self._sources = tuple(sources)
        self._windows: list[Window] | None = None
        """The passages' sentences and sentence pairs, read for the first sentence that needs them."""
        self._coverage = coverage
        self._answer = ""
        """The answer so far as the client gets it, markers placed here included."""
        self._released = 0
        self._decided = 0
        """Sentences ending at or before this offset are decided (cited by the model, attributed, or left)."""
        self._attributed: dict[int, Source] = {}

    def feed(self, text: str) -> str:
        self._answer += text
        return self._release(final=False)

    def finish(self) -> str:
        return self._release(final=True)

    def attributed(self) -> list[Source]:
        """The sources cited here rather than by the model, in number order."""
        return [self._attributed[number] for number in sorted(self._attributed)]

    def _release(self, *, final: bool) -> str:
        self._decide(final=final)
        held = _MAY_END_SENTENCE.search(self._answer, self._released)
        until = len(self._answer) if final or held is None else held.start()
        released, self._released = self._answer[self._released : until], until
        return released

    def _decide(self, *, final: bool) -> None:
        shift = self._decided  # only the undecided rest is split; spans move by what this pass places, too
        for found_start, found_end in split_sentences(self._answer[self._decided :]):
            start, end = found_start + shift, found_end + shift
            after = self._answer[end:]
            if not final and _ONLY_MARKERS.match(after):
                return  # the model's marker may still follow, or the sentence may go on
            if self._may_cite(start, end, after):
                placed = self._attribute(start, end)
                shift, end = shift + placed, end + placed
            self._decided = end

    def _may_cite(self, start: int, end: int, after: str) -> bool:
        """Not cited by the model, not code: inside a fenced block, with a backtick, or a line without final
        punctuation that looks like a command, path or table row, a marker would change what a user copies."""
        sentence = self._answer[start:end]
        if _CITES.search(sentence) or _STARTS_WITH_MARKER.match(after):
            return False
        if "`" in sentence or self._answer.count(_FENCE, 0, start) % 2:
            return False
        return not (_SENTENCE_END.search(sentence) is None and _CODE_LIKE.search(sentence))

    def _attribute(self, start: int, end: int) -> int:
        """Place the supporting passage's marker in the sentence; the characters added."""
        if self._windows is None:
            self._windows = passage_windows([source.text for source in self._sources])
        index = best_passage(self._answer[start:end], self._windows, coverage=self._coverage)
        if index is None:
            return 0
        source = self._sources[index]
        self._attributed[source.n] = source
        # Before the full stop, as the prompt asks ("… 8 am [2]."); after a closing quote or bracket, so quoted
        # text stays as written.
        closing = _SENTENCE_END.search(self._answer, start, end)
        at = closing.start() if closing is not None else end
        at = max(at, self._released)
        marker = f"[{source.n}]" if self._answer[at - 1 : at].isspace() else f" [{source.n}]"
        self._answer = self._answer[:at] + marker + self._answer[at:]
        return len(marker)
