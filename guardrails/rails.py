"""`Guardrails`: the rails a host application runs, built once at start-up and shared by every request.

Per request: `new_context` → `check_input` (policy, then PII masking ∥ injection check) → `screen_chunks` (drop
retrieved chunks flagged at ingest) → `open_stream` (output rails on the token stream). Each step records its
decisions in the request's context. All methods are blocking CPU work: an async host calls them from a worker thread.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Sequence
from typing import TypeVar

import msgspec

from guardrails.config import GuardrailsConfig
from guardrails.deadline import GuardRun
from guardrails.errors import GuardUnavailableError
from guardrails.injection import InjectionGuard, InjectionScore, InjectionScorer
from guardrails.leak import SystemPromptLeakGuard
from guardrails.output import OutputGuard
from guardrails.pii import EntityFinder, EntitySpan, ForeignPiiGuard, MaskedText, PiiGuard
from guardrails.policy import PolicyGuard
from guardrails.streaming import StreamGuard
from guardrails.types import Action, Decision, Finding, GuardContext, GuardOutcome, Reason, Stage, strongest
from guardrails.verdict_cache import VerdictCache

__all__ = ["ChunkScreen", "Guardrails", "HistoryVerdict", "InputVerdict", "OutputVerdict"]

T = TypeVar("T")

HISTORY_GUARD = "history"
DOCUMENT_HEADROOM = 0.9
"""A retrieved chunk is kept out of the prompt when it scores this share of the way from the calibrated threshold
to certainty (0.825 → 0.98; 0.5 → 0.95). Documents address their reader in the imperative ("download your
configuration from ..."), so only a rule hit (0.99) or a near-certain classifier drops a chunk. A fixed margin
(0.25, until 2026-11-28) stopped working once the threshold rose past 0.75: no score reaches 1.0."""


def document_threshold(threshold: float) -> float:
    """The ingest-time threshold for retrieved chunks that goes with a question `threshold`."""
    return threshold + DOCUMENT_HEADROOM * (1.0 - threshold)


"""The guard name on the one decision `check_history` records for a conversation's earlier turns."""


class InputVerdict(msgspec.Struct, frozen=True, kw_only=True):
    action: Action
    """`block` refuses the request; otherwise `text` goes on to retrieval and the model."""
    text: str
    """The user's text with PII replaced by placeholders and masked policy terms redacted."""
    findings: tuple[Finding, ...]
    decisions: tuple[Decision, ...]

    @property
    def blocked_by(self) -> Decision | None:
        return next((d for d in self.decisions if d.action is Action.BLOCK), None)


class OutputVerdict(msgspec.Struct, frozen=True, kw_only=True):
    action: Action
    text: str
    """What the user would see: masked, restored, and cut at a block."""
    findings: tuple[Finding, ...]
    decisions: tuple[Decision, ...]


class HistoryVerdict(msgspec.Struct, frozen=True, kw_only=True):
    blocked_turn: int | None
    """Index (into the texts checked) of the first turn that is an attack or breaks a block rule; None: all pass."""
    decision: Decision


class ChunkScreen(msgspec.Struct, frozen=True):
    keep: tuple[bool, ...]
    decision: Decision


class Guardrails:
    def __init__(
        self,
        config: GuardrailsConfig,
        *,
        pii: EntityFinder,
        injection: InjectionScorer,
        system_prompt: str,
        executor: concurrent.futures.Executor,
    ) -> None:
        """`executor` runs the input guards (so each can be timed out). The host owns it and sizes it, about one
        worker per core: the guards are CPU-bound, and a guard's wait for a worker is not held against it."""
        self.config = config
        self._pii_analyzer = pii
        self._pii = PiiGuard(pii, config.pii_entities)
        self._injection = InjectionGuard(injection, config.injection_threshold, config.injection_flag_threshold)
        self._policy = PolicyGuard(config.policy_rules)
        self.chunk_threshold = config.chunk_injection_threshold or document_threshold(injection.threshold)
        self._masks_pii = "pii" in config.rails
        self._checks_injection = "injection" in config.rails
        guards: list[OutputGuard] = []
        if "output" in config.rails:
            guards.append(ForeignPiiGuard(pii, config.output_pii_entities, config.output_pii_allow))
            guards.append(
                SystemPromptLeakGuard(
                    system_prompt,
                    block_ngrams=config.leak_block_ngrams,
                    max_gap_words=config.leak_max_gap_words,
                    canaries=config.canaries,
                )
            )
            if self._policy.rules_for(Stage.OUTPUT):
                guards.append(self._policy)
        self._output_guards = tuple(guards)
        self._workers = executor
        self._history_scores = VerdictCache(config.history_cache_size)

    def new_context(self, request_id: str) -> GuardContext:
        return GuardContext(request_id=request_id, policy_version=self.config.policy_version)

    def find_pii(self, text: str) -> list[EntitySpan]:
        """The configured entities in `text` (types, offsets, scores), without masking: for evaluation."""
        return self._pii_analyzer.find(text, self.config.pii_entities)

    # -- input ---------------------------------------------------------------------------------------------------

    def check_input(self, text: str, context: GuardContext, embedding: Sequence[float] | None = None) -> InputVerdict:
        """Policy first (microseconds), then PII masking, then the injection check.

        `embedding`, when given, is the injection encoder's vector for `text`: a RAG host computes its retrieval
        query vector once and passes it here, so the classifier costs ~1 ms instead of a second encoder pass.
        Without it the detector encodes the text itself, side by side with PII masking when `parallel_input_rails`
        is set."""
        started = time.perf_counter()
        policy_text, policy = self._policy.check(text, context)
        outcomes: list[GuardOutcome] = [policy]
        self._decide(policy, context, Stage.INPUT, started)
        masked_text = policy_text
        if policy.action is not Action.BLOCK:
            masked, injection = self._pii_and_injection(policy_text, context, embedding)
            if masked is not None:
                masked_text = masked.text
                outcomes.append(masked.outcome)
            if injection is not None:
                outcomes.append(injection)
        findings = tuple(finding for outcome in outcomes for finding in outcome.findings)
        return InputVerdict(
            action=strongest([outcome.action for outcome in outcomes]),
            text=masked_text,
            findings=findings,
            decisions=tuple(context.decisions),
        )

    def check_history(self, texts: Sequence[str], context: GuardContext) -> HistoryVerdict:
        """The policy and injection rails on every earlier turn a client sent (system, user, assistant alike): a
        stateless API gets whatever history the client writes, a forged assistant turn included. A turn scored
        before (by digest) is not scored again. One decision, guard `history`, for all of them."""
        started = time.perf_counter()
        run = GuardRun(self._workers, lambda: self._judge_history(texts, context))
        judged = self._await(run, HISTORY_GUARD, context)
        if judged is None:  # failed open: recorded by _await
            return HistoryVerdict(blocked_turn=None, decision=context.decisions[-1])
        blocked_turn, outcome = judged
        return HistoryVerdict(blocked_turn=blocked_turn, decision=self._decide(outcome, context, Stage.INPUT, started))

    def _judge_history(self, texts: Sequence[str], context: GuardContext) -> tuple[int | None, GuardOutcome]:
        """The first turn that breaks a block rule or scores as an attack. Turns not seen before are scored in one
        batch (one encoder call: a 10-turn history on a cold replica costs about one short prompt's check)."""
        policy_blocks = {
            index: outcome
            for index, text in enumerate(texts)
            if (outcome := self._policy.check(text, context)[1]).action is Action.BLOCK
        }
        scores, fresh = self._history_scores_of(texts) if self._checks_injection else ([None] * len(texts), set())
        worst = 0.0
        suspected = False
        for index, (text, score) in enumerate(zip(texts, scores, strict=True)):
            if index in policy_blocks:
                return index, msgspec.structs.replace(policy_blocks[index], guard=HISTORY_GUARD)
            if score is None:
                continue
            outcome = self._injection.outcome(score, len(text))
            if outcome.action is Action.BLOCK:
                return index, msgspec.structs.replace(outcome, guard=HISTORY_GUARD)
            # A suspect turn is flagged once, by the request that first carries it, not again by every follow-up.
            suspected = suspected or (outcome.action is Action.FLAG and index in fresh)
            worst = max(worst, score.score)
        threshold = self._injection.threshold if self._checks_injection else 1.0
        return None, GuardOutcome(
            guard=HISTORY_GUARD,
            action=Action.FLAG if suspected else Action.ALLOW,
            score=worst,
            threshold=threshold,
            reason=Reason.SUSPECTED_INJECTION if suspected else Reason.NONE,
        )

    def _history_scores_of(self, texts: Sequence[str]) -> tuple[list[InjectionScore | None], set[int]]:
        """Each turn's score, and the indices of the turns scored now (not found in the cache)."""
        keys = [VerdictCache.key(text) for text in texts]
        scores: list[InjectionScore | None] = [self._history_scores.get(key) for key in keys]
        missing = [index for index, score in enumerate(scores) if score is None]
        if missing:
            fresh = self._injection.detector.score_many([texts[index] for index in missing])
            for index, score in zip(missing, fresh, strict=True):
                scores[index] = score
                self._history_scores.put(keys[index], score)
        return scores, set(missing)

    def mask_earlier_turns(self, texts: Sequence[str], context: GuardContext) -> list[str]:
        """PII-mask the conversation before the checked turn with the same vault, so one person keeps one
        placeholder across turns. One decision for all of them."""
        if not self._masks_pii:
            return list(texts)
        started = time.perf_counter()
        masked = [self._pii.mask(text, context) for text in texts]
        findings = tuple(finding for item in masked for finding in item.outcome.findings)
        outcome = GuardOutcome(
            guard=self._pii.name,
            action=Action.MASK if findings else Action.ALLOW,
            score=max((finding.score for finding in findings), default=0.0),
            threshold=self.config.pii_score_threshold,
            findings=findings,
            reason=Reason.PII_MASKED_HISTORY if findings else Reason.NONE,
        )
        self._decide(outcome, context, Stage.INPUT, started)
        return [item.text for item in masked]

    def _pii_and_injection(
        self, text: str, context: GuardContext, embedding: Sequence[float] | None
    ) -> tuple[MaskedText | None, GuardOutcome | None]:
        """The injection check reads the user's own text (never the masked one): placeholders would hide the
        attack's wording. Side by side with masking only when it has to encode the text itself."""
        injection_run: GuardRun[GuardOutcome] | None = None
        side_by_side = embedding is None and self.config.parallel_input_rails and self._masks_pii
        if side_by_side and self._checks_injection:
            injection_run = GuardRun(self._workers, lambda: self._injection.check(text, context))
        masked = None
        if self._masks_pii:
            pii_run = GuardRun(self._workers, lambda: self._pii.mask(text, context))
            try:
                masked = self._await(pii_run, "pii", context)
            except GuardUnavailableError:
                if injection_run is not None:
                    injection_run.cancel()  # the request is refused: its side-by-side check has no reader
                raise
            if masked is not None:
                self._decide(masked.outcome, context, Stage.INPUT, pii_run.started_at)
        if not self._checks_injection:
            return masked, None
        if injection_run is None:
            check = self._injection.check
            injection_run = GuardRun(self._workers, lambda: check(text, context, embedding=embedding))
        injection = self._await(injection_run, "injection", context)
        if injection is not None:
            self._decide(injection, context, Stage.INPUT, injection_run.started_at)
        return masked, injection

    def _await(self, run: GuardRun[T], guard: str, context: GuardContext) -> T | None:
        """The guard's result, or None when it failed and failures are allowed; raises when they are not."""
        try:
            return run.result(self.config.guard_timeout_ms / 1000, self.config.guard_queue_timeout_ms / 1000)
        except concurrent.futures.TimeoutError:
            reason, cause = Reason.GUARD_TIMEOUT, f"timed out after {self.config.guard_timeout_ms} ms"
        except Exception as error:
            reason, cause = Reason.GUARD_ERROR, f"failed ({type(error).__name__})"
        run.cancel()
        waited_ms = (time.perf_counter() - run.started_at) * 1000
        self._failed(guard, reason, cause, context, latency_ms=waited_ms)
        return None

    def _failed(self, guard: str, reason: Reason, cause: str, context: GuardContext, *, latency_ms: float) -> None:
        closed = self.config.on_error == "block"
        outcome = GuardOutcome(
            guard=guard,
            action=Action.BLOCK if closed else Action.ALLOW,
            score=0.0,
            threshold=0.0,
            reason=reason,
        )
        decision = context.record(Decision.of(outcome, context, Stage.INPUT, latency_ms))
        if closed:
            raise GuardUnavailableError(guard, cause, decision.decision_id)

    @staticmethod
    def _decide(outcome: GuardOutcome, context: GuardContext, stage: Stage, started: float) -> Decision:
        return context.record(Decision.of(outcome, context, stage, (time.perf_counter() - started) * 1000))

    # -- retrieval -----------------------------------------------------------------------------------------------

    def screen_chunks(self, injection_scores: Sequence[float | None], context: GuardContext) -> ChunkScreen:
        """Which retrieved chunks may enter the prompt, from the scores stored at ingest (None: never scored,
        kept — an index built before scoring existed). Without the injection rail every chunk is kept."""
        keep = tuple(
            not self._checks_injection or score is None or score < self.chunk_threshold for score in injection_scores
        )
        dropped = [score for score, kept in zip(injection_scores, keep, strict=True) if not kept]
        outcome = GuardOutcome(
            guard="injection",
            action=Action.DROP if dropped else Action.ALLOW,
            score=max((score for score in dropped if score is not None), default=0.0),
            threshold=self.chunk_threshold,
            findings=tuple(
                Finding(
                    guard="injection", kind="poisoned_chunk", start=0, end=0, score=score or 0.0, action=Action.DROP
                )
                for score in dropped
            ),
            reason=Reason.POISONED_CHUNK if dropped else Reason.NONE,
        )
        return ChunkScreen(keep, context.record(Decision.of(outcome, context, Stage.RETRIEVAL, 0.0)))

    # -- output --------------------------------------------------------------------------------------------------

    def open_stream(self, context: GuardContext) -> StreamGuard:
        return StreamGuard(self._output_guards, context)

    def check_output(self, text: str, context: GuardContext) -> OutputVerdict:
        """The output rails on a finished text (the check endpoint; non-streaming callers)."""
        stream = self.open_stream(context)
        released = stream.feed(text)
        final = stream.finish() if released.stopped is None else released
        decisions = stream.close()
        return OutputVerdict(
            action=strongest([decision.action for decision in decisions]),
            text=released.text + final.text,
            findings=stream.findings(),
            decisions=tuple(decisions),
        )
