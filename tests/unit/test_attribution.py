"""Citation attribution on the stream: an uncited sentence that one passage holds gets that passage's number, before
its final punctuation; the model's own markers, refusals and unsupported sentences are left alone; the text released
never changes afterwards, however the stream is cut into deltas."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from guardrails.groundedness import best_passage, passage_windows
from rag_server.pipeline.attribution import CitationAttributor
from rag_server.pipeline.sources import Source

LEAVE = "Full-time employees get 25 days of paid annual leave each year."
PARKING = "Visitors park in garage P2 and register at the front desk."
VPN = "To reset your VPN password open the self-service portal and choose Forgot password."


def source(n: int, text: str) -> Source:
    return Source(
        n=n, document_id=f"d{n}", chunk_id=f"c{n}", title="t", source="s.md", section="", page=None,
        start=0, end=len(text), text=text, score=1.0,
    )  # fmt: skip


SOURCES = (source(1, LEAVE), source(2, PARKING), source(3, VPN))


def words(text: str) -> list[str]:
    """The deltas a tokenizer would give: each word with its leading space."""
    return re.findall(r"\s*\S+", text) or [text]


def attribute(deltas: list[str], sources: tuple[Source, ...] = SOURCES) -> tuple[str, list[int]]:
    attributor = CitationAttributor(sources, coverage=0.6)
    released = [attributor.feed(delta) for delta in deltas]
    released.append(attributor.finish())
    return "".join(released), [cited.n for cited in attributor.attributed()]


def test_an_uncited_sentence_is_cited_to_the_passage_that_holds_it_before_its_full_stop() -> None:
    assert attribute(words("Full-time employees get 25 days of paid annual leave.")) == (
        "Full-time employees get 25 days of paid annual leave [1].",
        [1],
    )


def test_each_sentence_gets_its_own_passage_and_the_model_s_own_markers_stay() -> None:
    answer = "Employees get 25 days of paid annual leave [1]. Visitors park in garage P2 and register at the desk."
    assert attribute(words(answer)) == (
        "Employees get 25 days of paid annual leave [1]. Visitors park in garage P2 and register at the desk [2].",
        [2],
    )


def test_a_marker_the_model_writes_after_the_full_stop_counts_as_its_citation() -> None:
    answer = "Employees get 25 days of paid annual leave. [1] Visitors park in garage P2 and register there."
    assert attribute(words(answer)) == (
        "Employees get 25 days of paid annual leave. [1] Visitors park in garage P2 and register there [2].",
        [2],
    )


def test_refusals_questions_and_claims_no_passage_holds_get_nothing() -> None:
    for answer in (
        "I could not find that in the documents.",
        "Do you mean the annual leave of full-time employees?",
        "Employees get 30 days of paid annual leave.",  # no passage holds 30
        "The cafeteria serves vegetarian lunches every Friday.",
    ):
        assert attribute(words(answer)) == (answer, [])


def test_a_sentence_that_says_the_opposite_or_mixes_far_apart_facts_is_not_cited() -> None:
    passages = (
        source(1, "Visitors park in garage P2. The canteen opens at 8 am. Contractors sign in at gate B."),
    )  # fmt: skip
    for answer in (
        "Visitors do not park in garage P2.",  # the passage says they do
        "Visitors park in garage P2 and sign in at gate B.",  # two sentences apart: no window holds both
    ):
        assert attribute(words(answer), passages) == (answer, [])
    assert attribute(words("Visitors park in garage P2."), passages)[1] == [1]


def test_lines_without_a_full_stop_are_cited_at_their_end() -> None:
    answer = "Steps:\n- open the self-service portal and choose Forgot password\n- visitors park in garage P2"
    assert attribute(words(answer)) == (
        "Steps:\n- open the self-service portal and choose Forgot password [3]\n- visitors park in garage P2 [2]",
        [2, 3],
    )


def test_code_is_never_changed() -> None:
    readme = source(1, "Install it with pip install --upgrade pyrate-limiter and restart the service afterwards.")
    for answer in (
        "Run this:\n```\npip install --upgrade pyrate-limiter and restart the service\n```\nThen restart.",
        "Install it with `pip install --upgrade pyrate-limiter` and restart the service afterwards.",
        "pip install --upgrade pyrate-limiter and restart the service afterwards",
    ):
        assert attribute(words(answer), (readme,)) == (answer, [])


def test_a_marker_goes_after_a_closing_quote_and_takes_the_place_of_a_dropped_one() -> None:
    assert attribute(words('They say "Visitors park in garage P2 and register at the front desk."'))[0] == (
        'They say "Visitors park in garage P2 and register at the front desk." [2]'
    )
    # The citation filter removed a bogus "[7]" before the full stop: no double space.
    assert attribute(["Visitors park in garage P2 and register at the front desk ."])[0] == (
        "Visitors park in garage P2 and register at the front desk [2]."
    )


def test_a_tie_goes_to_the_better_ranked_passage() -> None:
    windows = passage_windows([PARKING, PARKING])
    assert best_passage("Visitors park in garage P2 and register.", windows, coverage=0.6) == 0


def test_nothing_is_held_but_the_end_of_a_sentence() -> None:
    attributor = CitationAttributor(SOURCES, coverage=0.6)
    assert attributor.feed("Visitors park in") == "Visitors park in"
    assert attributor.feed(" garage P2.") == " garage P2"
    assert attributor.feed(" ") == ""
    assert attributor.feed("Then") == " [2]. Then"


ANSWER = (
    "Employees get 25 days of paid annual leave. [1, 2, 3, 4, 5] Visitors park in garage P2 and register at the "
    'front desk!\n"Open the self-service portal and choose Forgot password." I could not find the rest.\n'
    "```\nopen the self-service portal and choose Forgot password\n```\nVisitors park in garage P2 and register."
)


@given(st.lists(st.integers(min_value=1, max_value=len(ANSWER) - 1), max_size=16))
def test_the_answer_is_the_same_however_the_stream_is_cut(cuts: list[int]) -> None:
    answer = ANSWER
    whole = attribute([answer])
    assert whole[0].count("[") == 4, "two placed, the model's list, nothing in the code block"
    points = sorted(set(cuts))
    deltas = [answer[start:end] for start, end in zip([0, *points], [*points, len(answer)], strict=True)]
    assert attribute(deltas) == whole
    assert whole[0].replace(" [2]", "").replace(" [3]", "") == answer
