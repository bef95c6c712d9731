"""Fakes that satisfy the ports, for unit tests. The contract suite keeps them honest against the real engine."""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import re
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING

from qdrant_client import QdrantClient

from guardrails import GuardContext, GuardrailsConfig
from guardrails.injection import InjectionScore
from guardrails.pii import EntityFinder, EntitySpan
from rag_server.errors import EngineUnavailableError
from rag_server.generation.port import (
    ChatTurn,
    EngineStats,
    FinishReason,
    GenerationDelta,
    Generator,
    PromptTokens,
    Sampling,
)
from rag_server.generation.supervisor import EngineSlot
from rag_server.pipeline.prompt import SYSTEM_PROMPT
from rag_server.retrieval.catalog import Catalog
from rag_server.retrieval.client_store import open_client_store
from rag_server.retrieval.port import ChunkScorer, Embedder
from rag_server.retrieval.service import Knowledge, KnowledgeSlot
from rag_server.retrieval.sparse import Bm25Encoder
from rag_server.services import Services
from rag_server.settings import Settings

if TYPE_CHECKING:
    from guardrails.rails import Guardrails

TEMPLATE_OVERHEAD_TOKENS = 5


class FakeGenerator:
    """Replies with a scripted text, one word per token; honours max_tokens and stop strings.

    `fail_after` makes the stream raise EngineUnavailableError after that many deltas; `alive` can be flipped
    to simulate a dead engine. Requests still running are visible in `stats()`.
    """

    def __init__(
        self, reply: str = "The capital of France is Paris.", *, fail_after: int | None = None, delay_s: float = 0.0
    ) -> None:
        self.delay_s = delay_s
        """Seconds per token, to make requests take time (overload tests)."""
        self.reply_words = reply.split(" ")
        self.fail_after = fail_after
        self.alive = True
        self.running: set[str] = set()
        self.aborted: list[str] = []
        self.seen_prompts: list[tuple[ChatTurn, ...]] = []
        self.seen_sampling: list[Sampling] = []

    async def render(self, turns: tuple[ChatTurn, ...]) -> PromptTokens:
        self.seen_prompts.append(turns)
        words = sum(len(turn.content.split()) for turn in turns)
        return PromptTokens(token_ids=tuple(range(words + TEMPLATE_OVERHEAD_TOKENS)))

    async def stream(self, prompt: PromptTokens, sampling: Sampling, request_id: str) -> AsyncIterator[GenerationDelta]:
        self.seen_sampling.append(sampling)
        self.running.add(request_id)
        finished = False
        try:
            text = ""
            for count, word in enumerate(self.reply_words[: sampling.max_tokens], start=1):
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                if self.fail_after is not None and count > self.fail_after:
                    raise EngineUnavailableError("the generation engine failed; retry shortly")
                piece = word if count == 1 else " " + word
                stop_at = min((i for s in sampling.stop if (i := (text + piece).find(s)) >= 0), default=-1)
                if stop_at >= 0:
                    finished = True
                    piece = (text + piece)[len(text) : stop_at]
                    yield GenerationDelta(
                        text=piece, completion_tokens=count, prompt_tokens=len(prompt.token_ids), finish_reason="stop"
                    )
                    return
                text += piece
                last = count == len(self.reply_words[: sampling.max_tokens])
                reason: FinishReason | None = None
                if last:
                    finished = True
                    reason = "length" if sampling.max_tokens < len(self.reply_words) else "stop"
                yield GenerationDelta(
                    text=piece, completion_tokens=count, prompt_tokens=len(prompt.token_ids), finish_reason=reason
                )
        finally:
            self.running.discard(request_id)
            if not finished:
                self.aborted.append(request_id)

    def stats(self) -> EngineStats:
        return EngineStats(alive=self.alive, num_requests_running=len(self.running))


class FakeEmbedder:
    """Bag-of-words hashed into 64 dimensions, unit length: similar word sets get similar vectors."""

    model_id = "fake/bag-of-words-64"
    dimension = 64

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            vector[zlib.crc32(word.encode()) % self.dimension] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]


class FakeChunkScorer:
    """Flags chunks that address "AI assistants" (a poisoned document), as the real detector would."""

    model_id = "fake/injection"

    def score(self, texts: Sequence[str], embeddings: Sequence[Sequence[float]]) -> list[float]:
        return [0.99 if "ai assistants" in text.lower() else 0.01 for text in texts]


def memory_catalog(embedder: Embedder | None = None, scorer: ChunkScorer | None = None) -> Catalog:
    """A catalog on qdrant-client's in-memory mode: the real request models, no files, no lock."""
    client = QdrantClient(":memory:")
    return Catalog(
        lambda name, dim: open_client_store(client, name, dim),
        embedder or FakeEmbedder(),
        Bm25Encoder(),
        client.close,
        scorer,
    )


def fake_services(
    generator: Generator | None, catalog: Catalog | None = None, settings: Settings | None = None
) -> Services:
    """Services for create_app: a ready fake engine (or a starting one) and a ready in-memory index searched with
    `settings.retrieval` (pass the settings the app gets)."""
    engine = EngineSlot.ready_with(generator) if generator is not None else EngineSlot()
    knowledge = Knowledge(catalog or memory_catalog(), (settings or Settings()).retrieval)
    return Services(engine=engine, knowledge=KnowledgeSlot.ready_with(knowledge))


class FakePiiAnalyzer:
    """Stands in for Presidio in handler tests: e-mail addresses by regex, nothing else. `delay_s` makes each
    analysis take time (bursts against the guard workers)."""

    score_threshold = 0.4
    _EMAIL = re.compile(r"(?<![\w.])[\w.]++@[\w.]+\.\w+")  # starts only at a word's start: linear, fuzz-safe

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    def find(self, text: str, entities: Iterable[str]) -> list[EntitySpan]:
        if self.delay_s:
            time.sleep(self.delay_s)
        return [EntitySpan("EMAIL_ADDRESS", m.start(), m.end(), 1.0) for m in self._EMAIL.finditer(text)]

    def find_by_pattern(self, text: str, entities: Iterable[str]) -> list[EntitySpan]:
        return [EntitySpan("EMAIL_ADDRESS", m.start(), m.end(), 1.0) for m in self._EMAIL.finditer(text)]

    def mask(self, text: str, spans: Sequence[EntitySpan], context: GuardContext) -> str:
        for span in sorted(spans, key=lambda s: -s.start):
            placeholder = context.vault.placeholder_for(span.entity_type, text[span.start : span.end])
            text = text[: span.start] + placeholder + text[span.end :]
        return text


class FakeInjectionDetector:
    """Stands in for the classifier: flags any text containing "ignore", scores "hypothetically" in the flag tier
    (0.4: answered, recorded as suspected); raises on "explode"."""

    threshold = 0.5

    def score(self, text: str, embedding: Sequence[float] | None = None) -> InjectionScore:
        if "explode" in text:
            raise RuntimeError("detector failure")
        flagged = "ignore" in text.lower()
        value = 0.99 if flagged else 0.4 if "hypothetically" in text.lower() else 0.01
        return InjectionScore(value, 0.0, ("instruction_override",) if flagged else ())

    def score_many(self, texts: Sequence[str]) -> list[InjectionScore]:
        return [self.score(text) for text in texts]


GUARD_WORKERS = concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="test-guard")
"""The guard executor the fake rails share (a host owns one; the tests are the host here)."""


def fake_guardrails(
    config: GuardrailsConfig | None = None,
    *,
    pii: EntityFinder | None = None,
    executor: concurrent.futures.Executor = GUARD_WORKERS,
) -> Guardrails:
    from guardrails.rails import Guardrails  # noqa: PLC0415 - imports Presidio; only tests that need it pay

    return Guardrails(
        config or GuardrailsConfig(),
        pii=pii or FakePiiAnalyzer(),
        injection=FakeInjectionDetector(),
        system_prompt=SYSTEM_PROMPT,
        executor=executor,
    )
