"""The prompts the full pipeline (arm D) builds, rendered here so that `vllm serve` can be fed the same text (arm
A-rag, the like-for-like comparison): the same index, retrieval settings, passage rendering, prompt layout and chat
template as the server. The server never logs prompts, so they are rebuilt rather than captured; `matches` checks
the rebuild against the token counts the running server reports."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import anyio
import httpx

from rag_server.generation.port import ChatTurn
from rag_server.pipeline.prompt import compose_turns
from rag_server.pipeline.sources import arrange, render_sources, sources_from_hits
from rag_server.retrieval.access import Principal
from rag_server.settings import GenerationSettings, RetrievalSettings

LOCAL_OPERATOR = Principal(id="bench", all_access=True)
"""Whom the server treats a request as when authentication is off, as in the benchmark."""


def render(questions: Sequence[str], model: str, index_dir: Path) -> dict[str, str]:
    """Each question's full prompt text (chat template applied, generation prompt opened), by question."""
    from transformers import AutoTokenizer  # noqa: PLC0415 - heavy, and only this arm needs it

    from rag_server.retrieval.catalog import open_catalog  # noqa: PLC0415
    from rag_server.retrieval.embedder import load_embedder  # noqa: PLC0415
    from rag_server.retrieval.service import Knowledge, SearchQuery  # noqa: PLC0415

    retrieval = RetrievalSettings(index_dir=str(index_dir))
    generation = GenerationSettings()
    tokenizer = AutoTokenizer.from_pretrained(model)
    embedder = load_embedder(retrieval.embedder_model, retrieval.embedder_device, retrieval.embedder_batch_size)
    catalog = open_catalog(retrieval, embedder)
    knowledge = Knowledge(catalog, retrieval)
    rendered: dict[str, str] = {}

    async def build() -> None:
        for question in dict.fromkeys(questions):
            query = SearchQuery(text=question, principal=LOCAL_OPERATOR, top_k=None, top_k_param="top_k")
            hits = (await knowledge.search(query)).hits
            block = render_sources(arrange(sources_from_hits(hits), generation.passage_order))
            turns = compose_turns((ChatTurn("user", question),), block, generation.prompt_layout)
            conversation = [{"role": turn.role, "content": turn.content} for turn in turns]
            text = tokenizer.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
            rendered[question] = str(text)

    try:
        anyio.run(build)
    finally:
        catalog.close()
    return rendered


def write_datasets(datasets: Mapping[int, Path], rendered: Mapping[str, str], folder: Path) -> dict[int, Path]:
    """The question datasets of every level with each question replaced by its rendered prompt."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[int, Path] = {}
    for concurrency, path in datasets.items():
        rows = [json.loads(line) for line in path.read_text().splitlines() if line]
        target = folder / path.name
        target.write_text("".join(json.dumps({"prompt": rendered[row["prompt"]]}) + "\n" for row in rows))
        written[concurrency] = target
    return written


def matches(client: httpx.Client, model: str, tokenizer_path: str, rendered: Mapping[str, str], count: int) -> str:
    """Ask the full pipeline `count` of the questions and compare the prompt tokens it reports with the rebuilt
    prompts' token counts: "k/n" equal."""
    from transformers import AutoTokenizer  # noqa: PLC0415

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
    chosen = list(rendered.items())[:count]
    equal = 0
    for question, text in chosen:
        body = {"model": model, "messages": [{"role": "user", "content": question}], "max_tokens": 1}
        usage = client.post("/v1/chat/completions", json=body).raise_for_status().json()["usage"]
        equal += usage["prompt_tokens"] == len(tokenizer.encode(text, add_special_tokens=False))
    return f"{equal}/{len(chosen)}"
