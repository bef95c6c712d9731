"""The order of the numbered passages: numbered by rank with the best nearest the question by default; best first,
or by document and position (so that questions retrieving the same passages render the same prompt text) when
configured. The passages kept are the best-ranked either way, and `[n]` always points at the passage the prompt
showed as `[n]`."""

from __future__ import annotations

import anyio

from rag_server.generation.port import ChatTurn
from rag_server.pipeline.fitting import PromptBudget, fit_prompt
from rag_server.pipeline.sampling import RequestedSampling
from rag_server.pipeline.sources import Source, arrange, render_sources
from rag_server.settings import GenerationSettings, PassageOrder
from tests.fakes import FakeGenerator


def source(n: int, document: str, start: int, words: int = 5) -> Source:
    return Source(
        n=n, document_id=f"id-{document}", chunk_id=f"{document}-{start}", title=document, source=f"data/{document}",
        section="", page=None, start=start, end=start + 100, text=" ".join([f"{document}{start}"] * words),
        score=1.0 / n,
    )  # fmt: skip


RANKED = (source(1, "vpn.md", 400), source(2, "leave.md", 0), source(3, "vpn.md", 0), source(4, "leave.md", 900))


def test_score_order_is_the_ranking_as_retrieved() -> None:
    assert arrange(RANKED, PassageOrder.SCORE) == RANKED


def test_document_order_sorts_by_document_then_position_and_renumbers() -> None:
    placed = arrange(RANKED, PassageOrder.DOCUMENT)
    assert [(s.source, s.start) for s in placed] == [
        ("data/leave.md", 0), ("data/leave.md", 900), ("data/vpn.md", 0), ("data/vpn.md", 400),
    ]  # fmt: skip
    assert [s.n for s in placed] == [1, 2, 3, 4]
    assert placed[0].score == RANKED[1].score, "a passage keeps its score and text; only its number changes"


def test_two_rankings_of_the_same_passages_render_the_same_block_in_document_order() -> None:
    other_ranking = (RANKED[2], RANKED[0], RANKED[3], RANKED[1])
    assert render_sources(arrange(other_ranking, PassageOrder.DOCUMENT)) == render_sources(
        arrange(RANKED, PassageOrder.DOCUMENT)
    )
    assert render_sources(arrange(other_ranking, PassageOrder.SCORE)) != render_sources(RANKED)


def test_fitting_drops_the_lowest_ranked_passage_then_places_the_rest_in_document_order() -> None:
    generator = FakeGenerator()
    turns = (ChatTurn("user", "How many days of leave?"),)
    defaults = GenerationSettings(passage_order=PassageOrder.DOCUMENT)
    ranked = (*RANKED[:3], source(4, "aaa.md", 0, words=400))  # the worst-ranked is long and sorts first

    async def fitted(window: int) -> tuple[int, tuple[Source, ...]]:
        budget = PromptBudget(context_window=window, min_completion_tokens=10, defaults=defaults)
        result = await fit_prompt(generator, turns, ranked, RequestedSampling(), budget)
        return len(result.prompt.token_ids), result.sources

    length, everything = anyio.run(fitted, 100_000)
    assert [s.source for s in everything] == ["data/aaa.md", "data/leave.md", "data/vpn.md", "data/vpn.md"]
    _, kept = anyio.run(fitted, length - 100 + 10)  # no room for the long passage ranked last
    assert [(s.n, s.source, s.start) for s in kept] == [
        (1, "data/leave.md", 0), (2, "data/vpn.md", 0), (3, "data/vpn.md", 400),
    ]  # fmt: skip
    assert render_sources(kept) in generator.seen_prompts[-1][-1].content, "the prompt shows the numbers returned"


def test_best_last_keeps_the_rank_numbers_and_places_the_best_passage_right_before_the_question() -> None:
    placed = arrange(RANKED, PassageOrder.BEST_LAST)
    assert [s.n for s in placed] == [4, 3, 2, 1]
    block = render_sources(placed)
    assert block.index("[4]") < block.index("[3]") < block.index("[2]") < block.index("[1]")
    assert block.rstrip().endswith(f"{RANKED[0].text}\n</sources>"), "the best passage is the last thing shown"


def test_best_last_is_the_default_and_fitting_returns_the_passages_in_number_order() -> None:
    assert GenerationSettings().passage_order is PassageOrder.BEST_LAST
    generator = FakeGenerator()
    turns = (ChatTurn("user", "How many days of leave?"),)
    budget = PromptBudget(context_window=100_000, min_completion_tokens=10, defaults=GenerationSettings())
    fitted = anyio.run(fit_prompt, generator, turns, RANKED, RequestedSampling(), budget)
    assert [s.n for s in fitted.sources] == [1, 2, 3, 4]
    assert fitted.sources == RANKED, "citations list the passages best first, as numbered"
    prompt = generator.seen_prompts[-1][-1].content
    assert render_sources(tuple(reversed(RANKED))) in prompt
    assert prompt.index(RANKED[0].text) > prompt.index(RANKED[3].text)


def test_fitting_under_best_last_drops_the_lowest_ranked_passage_not_the_one_placed_first() -> None:
    generator = FakeGenerator()
    turns = (ChatTurn("user", "How many days of leave?"),)
    ranked = (source(1, "vpn.md", 400, words=400), *RANKED[1:])  # the best-ranked is long and is placed last
    budget = PromptBudget(context_window=100_000, min_completion_tokens=10, defaults=GenerationSettings())
    everything = anyio.run(fit_prompt, generator, turns, ranked, RequestedSampling(), budget)
    room = len(everything.prompt.token_ids) - 5 + 10  # a few tokens short: one passage must go
    tight = PromptBudget(context_window=room, min_completion_tokens=10, defaults=GenerationSettings())
    kept = anyio.run(fit_prompt, generator, turns, ranked, RequestedSampling(), tight).sources
    assert [s.n for s in kept] == [1, 2, 3], "the worst-ranked passage went, the long best one stayed"
    assert kept[0] == ranked[0]
