"""System-prompt leak: stop a response that reproduces the system prompt verbatim or nearly so.

The guard compares the stream's words with the system prompt's word 4-grams. A run of matching 4-grams, allowing
a few non-matching words in between (a changed word, an inserted "basically"), that reaches `block_ngrams` hits is a
leak. While such a run is open, its text is held back, so a blocked stream has released no more than the first few
words of it. Canary strings (a marker planted in the system prompt) block on sight. Words are compared after
folding case, look-alike letters and leetspeak, so "Y0u are a helpful..." is still caught.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from guardrails.normalize import canonical
from guardrails.output import trailing_word_start
from guardrails.types import Action, Finding, GuardContext, Reason

__all__ = ["LeakCheck", "SystemPromptLeakGuard"]

_WORD = re.compile(r"\w+")
NGRAM = 4


def _words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end in `text`) for every word."""
    words = []
    for match in _WORD.finditer(text):
        for part in _WORD.findall(canonical(match.group(0))):
            words.append((part, match.start(), match.end()))
    return words


class SystemPromptLeakGuard:
    name = "system_prompt_leak"
    block_reason = Reason.SYSTEM_PROMPT_LEAK
    mask_reason = Reason.SYSTEM_PROMPT_LEAK  # it never masks: a leak stops the stream

    def __init__(
        self, system_prompt: str, *, block_ngrams: int = 4, max_gap_words: int = 4, canaries: Sequence[str] = ()
    ) -> None:
        words = [word for word, _, _ in _words(system_prompt)]
        self.grams = frozenset(tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1))
        self.prefixes = frozenset(tuple(words[i : i + size]) for size in range(2, NGRAM) for i in range(len(words)))
        self.block_ngrams = block_ngrams
        self.max_gap_words = max_gap_words
        self.canaries = tuple(canary.lower() for canary in canaries if canary)

    def open(self, context: GuardContext) -> LeakCheck:
        return LeakCheck(self)


class _Run:
    """The matching state after a sequence of words: how many 4-gram hits the open run holds and where it began."""

    __slots__ = ("hits", "misses", "start")

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self.start: int | None = None  # index (in the word list) of the run's first word

    def copy(self) -> _Run:
        other = _Run()
        other.hits, other.misses, other.start = self.hits, self.misses, self.start
        return other

    def step(self, guard: SystemPromptLeakGuard, recent: list[str], index: int) -> None:
        """Account for word number `index` of the stream, the last of `recent` (the stream's last words)."""
        if len(recent) < NGRAM:
            return
        if tuple(recent[-NGRAM:]) in guard.grams:
            if self.start is None:
                self.start = index - NGRAM + 1
            self.hits += 1
            self.misses = 0
        elif self.start is not None:
            self.misses += 1
            if self.misses > guard.max_gap_words:
                self.hits, self.misses, self.start = 0, 0, None


def _push(recent: list[str], word: str) -> None:
    recent.append(word)
    del recent[:-NGRAM]


class LeakCheck:
    def __init__(self, guard: SystemPromptLeakGuard) -> None:
        self._guard = guard
        self._recent: list[str] = []  # the last NGRAM words released: all the matching needs
        self._count = 0  # words released so far
        self._run = _Run()
        self._tail = ""  # the last characters released, for canaries split across segments

    def hold_from(self, pending: str) -> int:
        guard = self._guard
        hold = trailing_word_start(pending)
        pending_words = _words(pending[:hold])
        recent, run = list(self._recent), self._run.copy()
        for index, (word, _, end) in enumerate(pending_words, start=self._count):
            _push(recent, word)
            run.step(guard, recent, index)
            if run.hits >= guard.block_ngrams:
                # Enough to block: let the text up to here be reviewed now (the review stops the stream and
                # releases none of it) instead of holding it until the quote ends.
                return end
        if run.start is not None:  # an open run: hold all of it that is still pending
            first_pending = run.start - self._count
            hold = 0 if first_pending <= 0 else min(hold, pending_words[first_pending][1])
        else:  # the last two or three words might begin a quote (one common word alone is not worth a delay)
            for size in range(min(NGRAM - 1, len(pending_words)), 1, -1):
                if tuple(recent[-size:]) in guard.prefixes:
                    hold = min(hold, pending_words[-size][1])
                    break
        lowered = pending.lower()
        for canary in guard.canaries:
            for size in range(min(len(canary) - 1, len(lowered)), 0, -1):
                if lowered.endswith(canary[:size]):
                    hold = min(hold, len(pending) - size)
                    break
        return hold

    def review(self, segment: str) -> list[Finding]:
        guard = self._guard
        findings: list[Finding] = []
        window = (self._tail + segment).lower()
        for canary in guard.canaries:
            if canary in window:
                start = max(0, window.index(canary) - len(self._tail))
                findings.append(self._finding("canary", start, len(segment), 1.0))
        for word, _, end in _words(segment):
            _push(self._recent, word)
            self._run.step(guard, self._recent, self._count)
            self._count += 1
            if self._run.hits >= guard.block_ngrams:
                findings.append(self._finding("verbatim_system_prompt", 0, end, 1.0))
                break
        self._tail = window[-64:]
        return findings

    def _finding(self, kind: str, start: int, end: int, score: float) -> Finding:
        return Finding(guard=self._guard.name, kind=kind, start=start, end=end, score=score, action=Action.BLOCK)
