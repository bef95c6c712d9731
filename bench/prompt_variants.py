"""Prompt variants for a small model, compared offline: the answer questions of bench/eval/answers_*.toml, the same
retrieval as the server (an embedded index per corpus, hybrid, the server's defaults), each variant's prompt built
from the pipeline's own pieces, all generated greedily in one batch by vLLM's offline engine (one engine start for
every variant and corpus, where the server benchmark starts a server per arm), and graded as `bench.answers_eval`
grades the server's answers.

    .venv/bin/python -m bench.prompt_variants [--variants score,best_last] [--corpora data,packages,manpages]

This is the fast loop for choosing prompt settings; `bench.answers_eval` then confirms a choice through the real
server (rails, citations filter, streaming). Differences from the server, all in the variants' favour: no rails (an
answer the output rails would stop counts as given, and no passage is screened out by its ingest injection score),
and a 4,096-token window with no fitting (the server's 2,048 drops the lowest-ranked passage when a prompt is long).
Choose on two corpora and confirm on the third before changing a default (docs/benchmarks.md, "Prompt variants").
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import anyio
import msgspec

from bench.answers_eval import CORPORA, Graded, Question, grade, load, summarise
from bench.pipeline_prompts import LOCAL_OPERATOR
from bench.servers import REPO
from guardrails.encoders import SentenceEncoder
from guardrails.groundedness import split_sentences
from rag_server.generation.port import ChatTurn
from rag_server.pipeline.prompt import REFUSAL, REMINDER, compose_turns
from rag_server.pipeline.sources import Source, arrange, render_sources, sources_from_hits
from rag_server.settings import EngineSettings, PassageOrder, PromptLayout, RetrievalSettings

DEFAULT_MODEL = EngineSettings().model
"""`make serve`'s model: the variants tune its prompt."""
MAX_TOKENS = 160
RETRIEVED = 8
"""Passages retrieved per question; a variant shows its first `top_k`."""


class Variant(msgspec.Struct, frozen=True, kw_only=True):
    top_k: int = 4
    order: PassageOrder = PassageOrder.SCORE
    refusal_reminder: bool = False
    """The reminder under the question also says what to answer when the sources do not answer it."""
    key_lines: int = 0
    """Sentences of the passages sharing most of the question's rare words, repeated under the sources with their
    passage number (a pointer for a small model); 0: none."""


VARIANTS = {
    "score": Variant(),
    "best_last": Variant(order=PassageOrder.BEST_LAST),
    "document": Variant(order=PassageOrder.DOCUMENT),
    "top3_best_last": Variant(top_k=3, order=PassageOrder.BEST_LAST),
    "best_last_refusal_reminder": Variant(order=PassageOrder.BEST_LAST, refusal_reminder=True),
    "key_line": Variant(key_lines=1),
    "best_last_key_line": Variant(order=PassageOrder.BEST_LAST, key_lines=1),
}
"""What was measured (docs/benchmarks.md, "Prompt variants"); `best_last` won and is the default."""

_WORD = re.compile(r"[a-z0-9][a-z0-9'.-]*[a-z0-9]|[a-z0-9]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _words(
    "a an the of to in on at for and or is are was were be do does did i my me we our you your it its this that how "
    "what which who when where why can could would should will much many there with from by as if not any get have "
    "has need"
)


class Scored(msgspec.Struct, frozen=True, kw_only=True):
    variant: str
    corpus: str
    graded: Graded


def content_words(text: str) -> frozenset[str]:
    return frozenset(word for word in _WORD.findall(text.lower()) if word not in _STOPWORDS)


def key_lines(question: str, sources: Sequence[Source], count: int) -> list[tuple[int, str]]:
    """(passage number, sentence) of the `count` sentences sharing the most idf-weighted question words."""
    sentences = [(source.n, source.text[a:b]) for source in sources for a, b in split_sentences(source.text)]
    words = [content_words(text) for _, text in sentences]
    frequency: dict[str, int] = {}
    for found in words:
        for word in found:
            frequency[word] = frequency.get(word, 0) + 1
    asked = content_words(question)

    def weight(found: frozenset[str]) -> float:
        return sum(math.log(1 + len(sentences) / frequency[word]) for word in asked & found)

    ranked = sorted(range(len(sentences)), key=lambda i: (-weight(words[i]), sentences[i][0]))
    return [sentences[i] for i in ranked[:count]]


def build(variant: Variant, question: str, retrieved: Sequence[Source]) -> tuple[tuple[ChatTurn, ...], list[Source]]:
    """The turns the model sees under `variant` (the question layout) and the passages it was shown."""
    placed = arrange(retrieved[: variant.top_k], variant.order)
    turns = compose_turns((ChatTurn("user", question),), render_sources(placed), PromptLayout.QUESTION)
    asked = turns[-1].content
    if variant.refusal_reminder:
        asked = asked.replace(REMINDER, f'{REMINDER} If they do not answer the question, say "{REFUSAL}"')
    if variant.key_lines:
        lines = key_lines(question, placed, variant.key_lines)
        hint = "Most relevant lines:\n" + "\n".join(f"- {text} [{n}]" for n, text in lines)
        asked = asked.replace("\n\nQuestion: ", f"\n\n{hint}\n\nQuestion: ", 1)
    return (*turns[:-1], ChatTurn("user", asked)), list(placed)


def retrieve(
    corpus: str, questions: Sequence[Question], scratch: Path, embedder: SentenceEncoder
) -> dict[str, list[Source]]:
    """The server's retrieval (hybrid, default settings) over a fresh embedded index of `corpus`."""
    from rag_server.retrieval.catalog import open_catalog  # noqa: PLC0415 - heavy
    from rag_server.retrieval.service import Knowledge, SearchQuery  # noqa: PLC0415

    index = scratch / corpus
    env = os.environ | {"RAG_RETRIEVAL__INDEX_DIR": str(index)}
    subprocess.run([str(REPO / ".venv" / "bin" / "rag-ingest"), str(CORPORA[corpus][0])], env=env, check=True)
    settings = RetrievalSettings(index_dir=str(index))
    catalog = open_catalog(settings, embedder)
    knowledge = Knowledge(catalog, settings)
    found: dict[str, list[Source]] = {}

    async def search_all() -> None:
        for question in questions:
            query = SearchQuery(text=question.question, principal=LOCAL_OPERATOR, top_k=RETRIEVED)
            found[question.id] = sources_from_hits((await knowledge.search(query)).hits)

    try:
        anyio.run(search_all)
    finally:
        catalog.close()
    return found


class Job(msgspec.Struct, frozen=True, kw_only=True):
    variant: str
    corpus: str
    question: Question
    shown: list[Source]
    """The passages the prompt showed, with the numbers it showed."""
    prompt: str
    """The chat template applied, the generation prompt opened."""


def build_jobs(variants: Sequence[str], corpora: Sequence[str], model: str) -> list[Job]:
    from transformers import AutoTokenizer  # noqa: PLC0415 - heavy

    from rag_server.retrieval.embedder import load_embedder  # noqa: PLC0415

    tokenizer = AutoTokenizer.from_pretrained(model)
    defaults = RetrievalSettings()
    embedder = load_embedder(defaults.embedder_model, defaults.embedder_device, defaults.embedder_batch_size)
    jobs = []
    with tempfile.TemporaryDirectory(prefix="prompt-variants-") as scratch:
        for corpus in corpora:
            questions = load(CORPORA[corpus][1])
            retrieved = retrieve(corpus, questions, Path(scratch), embedder)
            for name in variants:
                for question in questions:
                    turns, shown = build(VARIANTS[name], question.question, retrieved[question.id])
                    conversation = [{"role": turn.role, "content": turn.content} for turn in turns]
                    text = tokenizer.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
                    jobs.append(Job(variant=name, corpus=corpus, question=question, shown=shown, prompt=str(text)))
    return jobs


def generate(prompts: Sequence[str], model: str) -> list[str]:
    """Greedy answers, all prompts in one batch of vLLM's offline engine."""
    from vllm import LLM, SamplingParams  # noqa: PLC0415 - heavy

    llm = LLM(model=model, enforce_eager=True, max_model_len=4096, enable_prefix_caching=True, seed=0)
    started = time.perf_counter()
    outputs = llm.generate(list(prompts), SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS))
    print(f"{len(prompts)} prompts generated in {time.perf_counter() - started:.0f} s", flush=True)
    return [output.outputs[0].text for output in outputs]


def run(variants: Sequence[str], corpora: Sequence[str], model: str) -> list[Scored]:
    jobs = build_jobs(variants, corpora, model)
    answers = generate([job.prompt for job in jobs], model)
    scored = []
    for job, answer in zip(jobs, answers, strict=True):
        passages: list[dict[str, object]] = [{"n": s.n, "text": s.text, "source": s.source} for s in job.shown]
        graded = grade(job.question, answer, passages, "ok", (0.0, 0.0))
        scored.append(Scored(variant=job.variant, corpus=job.corpus, graded=graded))
    return scored


def table(scored: Sequence[Scored], variants: Sequence[str], corpora: Sequence[str]) -> str:
    """Per variant and corpus, then all corpora pooled: the answers table's rates, and the wrong answers (neither
    right nor refused) among answerable questions."""
    rows = [
        "| variant | corpus | questions | accuracy | wrong answer | citation | correct refusal | false refusal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in variants:
        for corpus in [*corpora, "all"]:
            graded = [s.graded for s in scored if s.variant == name and corpus in (s.corpus, "all")]
            summary = summarise(name, corpus, graded)
            answerable = [g for g in graded if g.answerable]
            wrong = sum(not g.correct and not g.refused for g in answerable) / len(answerable) if answerable else 0.0
            label = f"**{corpus}**" if corpus == "all" else corpus
            rows.append(
                f"| {name} | {label} | {summary.answerable}+{summary.unanswerable} | {summary.accuracy:.2f} | "
                f"{wrong:.2f} | {summary.citation_rate:.2f} | {summary.correct_refusal:.2f} | "
                f"{summary.false_refusal:.2f} |"
            )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "prompt_variants.json")
    args = parser.parse_args()
    variants, corpora = args.variants.split(","), args.corpora.split(",")
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose from {', '.join(VARIANTS)}")
    scored = run(variants, corpora, args.model)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(msgspec.json.format(msgspec.json.encode(scored)))
    print(table(scored, variants, corpora))


if __name__ == "__main__":
    main()
