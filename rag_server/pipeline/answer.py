"""Answering a prepared chat: the engine's deltas through the output rails and the citation filter.

The answer owns its outcome: it sets it however the stream ends (finished, stopped by a rail, failed, abandoned),
and closes the output rails in its `finally`, so their decisions are recorded on every ending. The HTTP layer only
reads the outcome and the decisions once the stream is over.
"""

from __future__ import annotations

import enum
import time
from collections.abc import AsyncGenerator, Sequence
from typing import Literal

import msgspec

from guardrails import Decision, GuardContext, Stage, StreamGuard
from rag_server.errors import EngineUnavailableError
from rag_server.generation.port import GenerationDelta, Generator, PromptTokens, Sampling
from rag_server.pipeline.attribution import CitationAttributor
from rag_server.pipeline.citations import CitationFilter
from rag_server.pipeline.grounding import GroundingCheck
from rag_server.pipeline.sources import Source
from rag_server.pipeline.stages import RequestStage, StageTimer

__all__ = ["AnswerEvent", "AnswerFinish", "Outcome", "PreparedChat"]

AnswerFinish = Literal["stop", "length", "content_filter"]
"""Why an answer ended, as the OpenAI `finish_reason` says it."""


class Outcome(enum.StrEnum):
    """How a request ended, for the log line: a finish reason, or one of the endings without one."""

    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    ERROR = "error"
    """The engine failed mid-answer (or something unexpected did); the client got an error event."""
    CANCELLED = "cancelled"
    """The client left before the answer ended; the engine request was aborted."""


class AnswerEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Released answer text; the last event carries the finish reason (and the block, if any)."""

    text: str = ""
    finish_reason: AnswerFinish | None = None
    blocked_by: Decision | None = None


class PreparedChat:
    """A request that passed every check; answering it can only fail in-band."""

    def __init__(
        self,
        *,
        generator: Generator,
        prompt: PromptTokens,
        sampling: Sampling,
        request_id: str,
        sources: Sequence[Source],
        guard: StreamGuard | None,
        context: GuardContext | None,
        timer: StageTimer,
        grounding: GroundingCheck | None = None,
        attribution: CitationAttributor | None = None,
    ) -> None:
        self.generator = generator
        self.prompt = prompt
        self.sampling = sampling
        self.request_id = request_id
        self.sources = tuple(sources)
        self.citations = CitationFilter(self.sources)
        self.attribution = attribution
        self.guard = guard
        self.context = context
        self.timer = timer
        self.grounding = grounding
        self._grounding_decision: Decision | None = None
        self.last: GenerationDelta | None = None
        self.outcome = Outcome.CANCELLED
        """Set by `events()` as the answer ends; stays `cancelled` when the client leaves first."""
        self.reported = False
        """Set by the host once it has emitted this request's decisions and log line (it must do so once)."""

    def masked_kinds(self) -> list[str]:
        """The kinds of personal data masked on the way in (e.g. `PERSON`), sorted, never values."""
        kinds = {
            kind
            for decision in self.decisions()
            if decision.stage is Stage.INPUT and decision.guard == "pii"
            for kind in decision.finding_kinds
        }
        return sorted(kinds)

    def cited(self) -> list[Source]:
        """The sources the answer cites, by the model's markers or placed by attribution, in number order."""
        placed = self.attribution.attributed() if self.attribution is not None else []
        by_number = {source.n: source for source in [*self.citations.cited(), *placed]}
        return [by_number[number] for number in sorted(by_number)]

    def attributed(self) -> list[int]:
        """The numbers only attribution cited (the model's own markers never point there)."""
        if self.attribution is None:
            return []
        by_model = {source.n for source in self.citations.cited()}
        return [source.n for source in self.attribution.attributed() if source.n not in by_model]

    def decisions(self) -> list[Decision]:
        """Every guardrail decision of this request so far (the output ones once `events()` has ended)."""
        return list(self.context.decisions) if self.context is not None else []

    async def events(self) -> AsyncGenerator[AnswerEvent, None]:
        """Stream the answer. Leaving early (a block, a disconnect) closes the generator: the engine aborts."""
        deltas = self.generator.stream(self.prompt, self.sampling, self.request_id)
        try:
            async for delta in deltas:
                self.last = delta
                for released in self._text_before_judgement(self._through_rails(delta)):
                    event = await self._through_grounding(released)
                    if event.text:
                        self._first_text()
                    if event.finish_reason is not None:
                        self.outcome = Outcome(event.finish_reason)
                        yield event
                        return
                    if event.text:
                        yield event
        except Exception:
            self.outcome = Outcome.ERROR
            raise
        finally:
            if self.guard is not None:
                self.guard.close()  # the output decisions, on every ending
            self._record_grounding()
            close = getattr(deltas, "aclose", None)
            if close is not None:
                await close()  # aborts the engine request when the answer ends early

    def _through_rails(self, delta: GenerationDelta) -> AnswerEvent:
        if delta.finish_reason == "abort":
            raise EngineUnavailableError("the engine aborted this request; retry shortly")
        final = delta.finish_reason is not None
        text = delta.text
        if self.guard is not None:
            released = self.guard.feed(text)
            tail = self.guard.finish() if final and released.stopped is None else released
            stopped = released.stopped or tail.stopped
            if stopped is not None:
                return AnswerEvent(finish_reason="content_filter", blocked_by=stopped)
            text = released.text + (tail.text if tail is not released else "")
        text = self.citations.feed(text)
        if final:
            text += self.citations.finish()
        if self.attribution is not None:
            text = self.attribution.feed(text) + (self.attribution.finish() if final else "")
        if not final:
            return AnswerEvent(text=text)
        finish: AnswerFinish = "length" if delta.finish_reason == "length" else "stop"
        return AnswerEvent(text=text, finish_reason=finish)

    def _text_before_judgement(self, event: AnswerEvent) -> tuple[AnswerEvent, ...]:
        """The answer's last text as an event of its own when the groundedness check only annotates: it goes to the
        client at once, and only the final chunk (the report) waits for the judgement of the whole answer."""
        annotates = self.grounding is not None and not self.grounding.holds
        if not annotates or event.finish_reason is None or not event.text or event.blocked_by is not None:
            return (event,)
        return AnswerEvent(text=event.text), msgspec.structs.replace(event, text="")

    async def _through_grounding(self, event: AnswerEvent) -> AnswerEvent:
        final = event.finish_reason is not None
        if self.grounding is None or event.blocked_by is not None or not (event.text or final):
            return event
        text, unsupported = await self.grounding.feed(event.text, final=final)
        if unsupported is not None:
            return AnswerEvent(finish_reason="content_filter", blocked_by=self._record_grounding())
        return msgspec.structs.replace(event, text=text)

    def _record_grounding(self) -> Decision | None:
        """The groundedness decision, recorded once, when the answer ends or is blocked."""
        if self.grounding is None or self.context is None:
            return None
        if self._grounding_decision is None:
            self._grounding_decision = self.context.record(self.grounding.decision(self.context))
        return self._grounding_decision

    def _first_text(self) -> None:
        if RequestStage.TTFT not in self.timer.seconds:
            self.timer.record(RequestStage.TTFT, time.perf_counter() - self.timer.started)
