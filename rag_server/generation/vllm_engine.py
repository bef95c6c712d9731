"""vLLM's AsyncLLM, in this process, behind the Generator port. The only module that imports vllm.

The engine core runs in a child process that vLLM spawns; this process holds the tokenizer, the detokenizer and
the request queues. Construction blocks for tens of seconds (weights, torch.compile, KV-cache allocation), so it
runs in a worker thread and the HTTP server keeps answering /healthz meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from vllm import SamplingParams
from vllm.engine.arg_utils import AsyncEngineArgs
from vllm.exceptions import VLLMValidationError
from vllm.inputs import tokens_input
from vllm.platforms import current_platform
from vllm.sampling_params import RequestOutputKind
from vllm.v1.engine.async_llm import AsyncLLM
from vllm.v1.engine.exceptions import EngineDeadError, EngineGenerateError
from vllm.v1.metrics.loggers import StatLoggerBase

from rag_server.errors import EngineUnavailableError, InvalidRequestError
from rag_server.generation.engine_env import (
    configure_compile_cache,
    configure_cpu_backend,
    configure_cpu_executor,
    eager,
)
from rag_server.generation.port import ChatTurn, EngineStats, FinishReason, GenerationDelta, PromptTokens, Sampling
from rag_server.generation.speculation import speculative_config
from rag_server.settings import EngineSettings

__all__ = ["VllmGenerator", "open_vllm_generator"]

logger = logging.getLogger(__name__)

_FINISH_REASONS: dict[str, FinishReason] = {"stop": "stop", "length": "length", "abort": "abort"}


class _SchedulerReport:
    """The latest scheduler numbers, written by vLLM's output handler and read by `stats()`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.waiting = 0
        self.kv_cache_usage = 0.0
        self.prefix_cache_queries = 0
        self.prefix_cache_hits = 0
        self.spec_drafts = 0
        self.spec_draft_tokens = 0
        self.spec_accepted_tokens = 0


class _ReportingStatLogger(StatLoggerBase):
    """A vLLM stat logger that copies each scheduler report into a `_SchedulerReport`."""

    def __init__(self, report: _SchedulerReport) -> None:
        self._report = report

    def record(
        self,
        scheduler_stats: Any,
        iteration_stats: Any,
        mm_cache_stats: Any = None,
        engine_idx: int = 0,
    ) -> None:
        if scheduler_stats is None:
            return
        prefix = scheduler_stats.prefix_cache_stats
        spec = scheduler_stats.spec_decoding_stats
        with self._report.lock:
            self._report.running = scheduler_stats.num_running_reqs
            self._report.waiting = scheduler_stats.num_waiting_reqs
            self._report.kv_cache_usage = scheduler_stats.kv_cache_usage
            if prefix is not None and not prefix.reset:
                self._report.prefix_cache_queries += prefix.queries
                self._report.prefix_cache_hits += prefix.hits
            if spec is not None:
                self._report.spec_drafts += spec.num_drafts
                self._report.spec_draft_tokens += spec.num_draft_tokens
                self._report.spec_accepted_tokens += spec.num_accepted_tokens

    def log_engine_initialized(self) -> None:
        pass


def _sampling_params(sampling: Sampling) -> SamplingParams:
    """vLLM's parameters; one it refuses is the client's 400, never a 500. Its message is not passed on: it may
    quote a stop string (request text)."""
    try:
        return SamplingParams(
            max_tokens=sampling.max_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            seed=sampling.seed,
            stop=list(sampling.stop),
            presence_penalty=sampling.presence_penalty,
            frequency_penalty=sampling.frequency_penalty,
            ignore_eos=sampling.ignore_eos,
            top_k=sampling.top_k,
            min_p=sampling.min_p,
            repetition_penalty=sampling.repetition_penalty,
            min_tokens=sampling.min_tokens,
            output_kind=RequestOutputKind.DELTA,
        )
    except (ValueError, VLLMValidationError):
        raise InvalidRequestError("the engine refused these sampling parameters; check their ranges") from None


class VllmGenerator:
    """Streams completions from an AsyncLLM. Build it with `open_vllm_generator`."""

    def __init__(self, engine: AsyncLLM, report: _SchedulerReport) -> None:
        self._engine = engine
        self._tokenizer = engine.get_tokenizer()
        self._report = report

    async def render(self, turns: tuple[ChatTurn, ...]) -> PromptTokens:
        conversation: list[Any] = [{"role": turn.role, "content": turn.content} for turn in turns]
        # Rendering then encoding (rather than tokenize=True) gives the same ids across transformers 4 and 5,
        # whose apply_chat_template return types differ. A few hundred microseconds: not worth a thread hop.
        text = self._tokenizer.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
        assert isinstance(text, str)
        return PromptTokens(token_ids=tuple(self._tokenizer.encode(text, add_special_tokens=False)))

    async def stream(self, prompt: PromptTokens, sampling: Sampling, request_id: str) -> AsyncIterator[GenerationDelta]:
        params = _sampling_params(sampling)
        outputs = self._engine.generate(tokens_input(list(prompt.token_ids)), params, request_id)
        prompt_tokens = len(prompt.token_ids)
        completion_tokens = 0
        try:
            async for output in outputs:
                completion = output.outputs[0]
                completion_tokens += len(completion.token_ids)
                finish = _FINISH_REASONS.get(completion.finish_reason or "", "stop") if output.finished else None
                yield GenerationDelta(
                    text=completion.text,
                    completion_tokens=completion_tokens,
                    prompt_tokens=prompt_tokens,
                    cached_prompt_tokens=output.num_cached_tokens or 0,
                    finish_reason=finish,
                )
        except (EngineDeadError, EngineGenerateError):
            logger.error("engine failed during request %s", request_id)
            raise EngineUnavailableError("the generation engine failed; retry shortly", retry_after_s=5) from None
        finally:
            # AsyncLLM.generate aborts the engine request when closed before it finished (GeneratorExit).
            await outputs.aclose()

    def stats(self) -> EngineStats:
        report = self._report
        with report.lock:
            return EngineStats(
                alive=not self._engine.errored,
                num_requests_running=report.running,
                num_requests_waiting=report.waiting,
                kv_cache_usage=report.kv_cache_usage,
                prefix_cache_queries=report.prefix_cache_queries,
                prefix_cache_hits=report.prefix_cache_hits,
                spec_decode_drafts=report.spec_drafts,
                spec_decode_draft_tokens=report.spec_draft_tokens,
                spec_decode_accepted_tokens=report.spec_accepted_tokens,
            )


def _engine_args(settings: EngineSettings) -> AsyncEngineArgs:
    return AsyncEngineArgs(
        model=settings.model,
        served_model_name=[settings.model_name],
        dtype=settings.dtype,
        max_model_len=settings.max_model_len,
        enable_prefix_caching=settings.enable_prefix_caching,
        block_size=settings.block_size,
        enforce_eager=eager(settings, current_platform.is_cpu()),
        max_num_seqs=settings.max_num_seqs,
        gpu_memory_utilization=settings.gpu_memory_utilization,
        tensor_parallel_size=settings.tensor_parallel_size,
        seed=settings.seed,
        speculative_config=speculative_config(settings),
        disable_log_stats=True,
        enable_log_requests=False,
    )


@asynccontextmanager
async def open_vllm_generator(settings: EngineSettings) -> AsyncIterator[VllmGenerator]:
    """Start the engine (in a worker thread), yield the generator, shut the engine down on exit."""
    if current_platform.is_cpu():
        configure_cpu_backend(settings)
        configure_compile_cache(settings)
        configure_cpu_executor(settings)
    report = _SchedulerReport()

    def stat_logger_factory(vllm_config: Any, engine_index: int = 0) -> StatLoggerBase:
        return _ReportingStatLogger(report)

    def build() -> AsyncLLM:
        return AsyncLLM.from_engine_args(_engine_args(settings), stat_loggers=[stat_logger_factory])

    engine = await anyio.to_thread.run_sync(build, abandon_on_cancel=True)
    try:
        yield VllmGenerator(engine, report)
    finally:
        with anyio.CancelScope(shield=True):  # off the event loop: closing a dead engine core can take seconds
            await anyio.to_thread.run_sync(engine.shutdown)
