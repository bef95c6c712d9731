"""The groundedness check on one answer stream: the answer's sentences are judged against the passages the model
was given (guardrails/groundedness.py), off the event loop.

`annotate` releases text as it comes (the last text too) and judges the whole answer once it has ended, in one
batch, for the final chunk's report: on a CPU the encoder would otherwise share the cores with the engine while it
decodes, and every engine step waits for its slowest thread (docs/benchmarks.md, fifth session). `block` holds each
sentence until it is judged and ends the answer with `content_filter` at the first unsupported one. Offsets count
characters (code points) of the answer as the client received it, after the rails and the citation filter.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import anyio
import msgspec

from guardrails import Action, Decision, GuardContext, GuardOutcome, Reason, Stage
from guardrails.groundedness import Evidence, GroundednessScorer, SentenceVerdict, Support, split_sentences
from rag_server.settings import GroundingMode

__all__ = ["GroundingCheck", "GroundingReport", "UnsupportedSentence"]

GUARD = "groundedness"

logger = logging.getLogger(__name__)


class UnsupportedSentence(msgspec.Struct, frozen=True, kw_only=True):
    start: int
    end: int
    support: Support


class GroundingReport(msgspec.Struct, frozen=True, kw_only=True):
    """On the final chunk: how many sentences were judged and which were not supported (offsets, never text)."""

    checked: int
    unsupported: list[UnsupportedSentence]


class GroundingCheck:
    def __init__(self, scorer: GroundednessScorer, passages: Sequence[str], mode: GroundingMode) -> None:
        self._scorer = scorer
        self._passages = tuple(passages)
        self._evidence: Evidence | None = None
        self._mode = mode
        self._answer = ""
        self._judged_to = 0
        """Characters of the answer whose sentences are judged (and, in block mode, released)."""
        self.verdicts: list[SentenceVerdict] = []
        self.seconds = 0.0
        self.failed = False
        """The check raised (annotate mode): the answer went out unjudged."""

    @property
    def holds(self) -> bool:
        return self._mode is GroundingMode.BLOCK

    async def feed(self, text: str, *, final: bool) -> tuple[str, SentenceVerdict | None]:
        """Take released answer text; give back what may go to the client now and, in block mode, the first
        unsupported sentence (then nothing more may be sent)."""
        self._answer += text
        if not self.holds:
            if final:
                await self._annotate()
            return text, None
        spans = [(start, end) for start, end in split_sentences(self._answer) if end > self._judged_to]
        complete = spans if final else spans[:-1]
        # Everything up to the unfinished last sentence is judged (or, at the end, everything).
        judged_to = len(self._answer) if final or not spans else spans[-1][0] if complete else self._judged_to
        verdicts = await anyio.to_thread.run_sync(self._judge, complete) if complete else []
        self.verdicts.extend(verdicts)
        blocked = next((verdict for verdict in verdicts if verdict.support.unsupported), None)
        if blocked is not None:
            return "", blocked  # block mode: the sentence is never sent
        released, self._judged_to = self._answer[self._judged_to : judged_to], judged_to
        return released, None

    async def _annotate(self) -> None:
        """Annotate mode: every sentence of the finished answer, judged in a worker thread. A check that fails
        costs the answer nothing: it went out unjudged and the log says so."""
        spans = split_sentences(self._answer)
        if not spans:
            return
        try:
            # The loop's default executor, a few threads: answers that end together queue for them rather than
            # run one encoder batch per answer side by side on the same cores.
            judged = await asyncio.get_running_loop().run_in_executor(None, self._judge, spans)
            self.verdicts.extend(judged)
        except Exception:
            logger.exception("groundedness check failed; this answer is not annotated")
            self.failed = True
            self.verdicts.clear()

    def report(self) -> GroundingReport:
        unsupported = [
            UnsupportedSentence(start=v.start, end=v.end, support=v.support)
            for v in self.verdicts
            if v.support.unsupported
        ]
        checked = sum(verdict.support is not Support.SKIPPED for verdict in self.verdicts)
        return GroundingReport(checked=checked, unsupported=unsupported)

    def decision(self, context: GuardContext) -> Decision:
        """The audit record: how many sentences were unsupported and of which kind, never which words."""
        report = self.report()
        blocked = self.holds and bool(report.unsupported)
        outcome = GuardOutcome(
            guard=GUARD,
            action=Action.BLOCK if blocked else Action.ALLOW,
            score=len(report.unsupported) / report.checked if report.checked else 0.0,
            threshold=self._scorer.similarity,
            reason=Reason.UNSUPPORTED_ANSWER if report.unsupported else Reason.NONE,
        )
        decision = Decision.of(outcome, context, Stage.OUTPUT, self.seconds * 1000)
        kinds = tuple(sentence.support.value for sentence in report.unsupported)
        return msgspec.structs.replace(decision, finding_kinds=kinds)

    def _judge(self, spans: list[tuple[int, int]]) -> list[SentenceVerdict]:
        started = time.perf_counter()
        if self._evidence is None:
            self._evidence = self._scorer.evidence(self._passages)
        verdicts = self._scorer.judge_spans(self._answer, spans, self._evidence)
        self.seconds += time.perf_counter() - started
        return verdicts
