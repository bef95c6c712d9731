"""The groundedness check: sentences split where a reader would, exact facts (figures, names, options, paths) must
come from the passages, a claim nothing in the passages resembles is unsupported, refusals and short sentences are
not judged; on the stream, `annotate` releases text at once and `block` holds each sentence until it is judged."""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator, Sequence

import pytest

from guardrails import GuardContext, Reason
from guardrails.groundedness import GroundednessScorer, Support, split_sentences
from rag_server.generation.port import ChatTurn, EngineStats, GenerationDelta, PromptTokens, Sampling
from rag_server.pipeline.answer import AnswerEvent, PreparedChat
from rag_server.pipeline.grounding import GroundingCheck
from rag_server.pipeline.stages import StageTimer
from rag_server.settings import GroundingMode

PASSAGES = [
    "Full-time employees receive 25 days of paid annual leave per calendar year. Up to 5 unused days may be "
    "carried over and must be used by 31 March.",
    "To connect to the VPN, install GlobalProtect from the Software Center and sign in to vpn.example.com with "
    "your company account. Run `gp-connect --portal` if the client does not start.",
]


def bag_of_words(texts: Sequence[str]) -> list[list[float]]:
    """A stand-in encoder: hashed word counts, unit length (similar wording, similar vectors)."""
    vectors = []
    for text in texts:
        vector = [0.0] * 64
        for word in text.lower().split():
            vector[sum(map(ord, word.strip(".,[]"))) % 64] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        vectors.append([v / norm for v in vector])
    return vectors


@pytest.fixture
def scorer() -> GroundednessScorer:
    return GroundednessScorer(bag_of_words, similarity=0.6)


def judge(scorer: GroundednessScorer, sentence: str) -> Support:
    return scorer.judge(sentence, scorer.evidence(PASSAGES))[0]


def test_sentences_split_at_ends_and_line_breaks_not_at_abbreviations_or_decimals() -> None:
    text = "Use the portal, e.g. vpn.example.com. Version 2.5 is current [1].\n- Step one\n- Step two"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Use the portal, e.g. vpn.example.com.",
        "Version 2.5 is current [1].",
        "- Step one",
        "- Step two",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Full-time employees get 25 days of paid annual leave per year [1].",
        "You can carry over up to 5 unused days, to be used by 31 March [1].",
        "Install GlobalProtect from the Software Center and sign in to vpn.example.com [2].",
    ],
)
def test_sentences_the_passages_state_are_supported(scorer: GroundednessScorer, sentence: str) -> None:
    assert judge(scorer, sentence) is Support.SUPPORTED


@pytest.mark.parametrize(
    ("sentence", "support"),
    [
        ("Full-time employees get 30 days of paid annual leave per year [1].", Support.UNSUPPORTED_FIGURE),
        ("Install Cisco AnyConnect from the Software Center to connect [2].", Support.UNSUPPORTED_TERM),
        ("Run `gp-connect --reset` if the client does not start [2].", Support.UNSUPPORTED_TERM),
        ("Every employee also receives a free gym membership and a yearly bonus.", Support.UNRELATED),
    ],
)
def test_changed_figures_swapped_names_and_invented_claims_are_unsupported(
    scorer: GroundednessScorer, sentence: str, support: Support
) -> None:
    assert judge(scorer, sentence) is support


@pytest.mark.parametrize(
    "sentence",
    ["I could not find that in the documents.", "Hope this helps!", "Do you mean the VPN client?", "No, we do not."],
)
def test_refusals_short_sentences_and_questions_are_not_judged(scorer: GroundednessScorer, sentence: str) -> None:
    assert judge(scorer, sentence) is Support.SKIPPED


def test_only_passage_sentences_are_encoded_and_pairs_and_passages_are_their_word_weighted_means() -> None:
    encoded: list[str] = []

    def recording(texts: Sequence[str]) -> list[list[float]]:
        encoded.extend(texts)
        return bag_of_words(texts)

    passage = "Laptops are replaced every four years. Phones every two years. Monitors are never replaced early."
    evidence = GroundednessScorer(recording).evidence([passage])
    vectors = evidence.vectors()
    sentences = [passage[start:end] for start, end in split_sentences(passage)]
    assert encoded == sentences  # one batch, sentences only
    assert len(vectors) == 3 + 2 + 1  # three sentences, two adjacent pairs, the whole passage
    single = bag_of_words(sentences)
    weights = [len(sentence.split()) for sentence in sentences]
    for row, members in ((3, (0, 1)), (4, (1, 2)), (5, (0, 1, 2))):
        mean = [sum(weights[i] * single[i][d] for i in members) for d in range(64)]
        norm = math.sqrt(sum(v * v for v in mean))
        assert [float(v) for v in vectors[row]] == pytest.approx([v / norm for v in mean], abs=1e-6)
    assert math.sqrt(sum(float(v) ** 2 for v in vectors[5])) == pytest.approx(1.0, abs=1e-6)


ANSWER = [
    "You get 25 days of paid ",
    "annual leave per year [1]. ",
    "You also get a free gym ",
    "membership and a bonus.",
]


async def stream_from(check: GroundingCheck, deltas: list[str]) -> tuple[str, object]:
    """Feed `deltas` to the check, the last one as final; the text it released and what blocked it, if anything."""
    released = ""
    for index, delta in enumerate(deltas):
        text, blocked = await check.feed(delta, final=index == len(deltas) - 1)
        released += text
        if blocked is not None:
            return released, blocked
    return released, None


async def test_annotate_releases_everything_and_reports_the_unsupported_sentence_by_offsets(
    scorer: GroundednessScorer,
) -> None:
    check = GroundingCheck(scorer, PASSAGES, GroundingMode.ANNOTATE)
    released, blocked = await stream_from(check, ANSWER)
    assert released == "".join(ANSWER)
    assert blocked is None
    report = check.report()
    assert report.checked == 2
    [unsupported] = report.unsupported
    assert released[unsupported.start : unsupported.end] == "You also get a free gym membership and a bonus."
    decision = check.decision(GuardContext(request_id="r1", policy_version="p"))
    assert decision.reason is Reason.UNSUPPORTED_ANSWER
    assert decision.finding_kinds == ("unrelated",)


async def test_annotate_encodes_nothing_while_the_answer_streams_and_everything_once_it_has_ended() -> None:
    calls: list[list[str]] = []

    def recording(texts: Sequence[str]) -> list[list[float]]:
        calls.append(list(texts))
        return bag_of_words(texts)

    check = GroundingCheck(GroundednessScorer(recording, similarity=0.6), PASSAGES, GroundingMode.ANNOTATE)
    for delta in ANSWER[:-1]:
        assert await check.feed(delta, final=False) == (delta, None)
    assert calls == [], "no encoder work beside the decode"
    await check.feed(ANSWER[-1], final=True)
    passage_sentences, claims = calls  # the passages' sentences, then every open claim in one batch
    assert len(passage_sentences) == 4
    assert claims == [
        "You get 25 days of paid annual leave per year.",
        "You also get a free gym membership and a bonus.",
    ]
    assert check.report().checked == 2


def test_judge_many_embeds_only_the_open_claims_in_one_call_and_keeps_the_order() -> None:
    calls: list[list[str]] = []

    def recording(texts: Sequence[str]) -> list[list[float]]:
        calls.append(list(texts))
        return bag_of_words(texts)

    scorer = GroundednessScorer(recording, similarity=0.6)
    evidence = scorer.evidence(PASSAGES)
    sentences = [
        "You get 30 days of paid annual leave.",  # a figure no passage holds: decided without an embedding
        "Full-time employees receive paid annual leave per calendar year.",
        "Ok.",  # too short to judge
        "You also get a free gym membership and a bonus.",
    ]
    verdicts = [support for support, _ in scorer.judge_many(sentences, evidence)]
    assert verdicts == [Support.UNSUPPORTED_FIGURE, Support.SUPPORTED, Support.SKIPPED, Support.UNRELATED]
    assert calls[1:] == [[sentences[1], sentences[3]]]  # after the passages' sentences: one call, open claims only


def test_without_an_encoder_meaning_falls_back_to_shared_words() -> None:
    scorer = GroundednessScorer(None)
    evidence = scorer.evidence(PASSAGES)
    assert evidence.vectors().shape == (0, 0)
    supported = "Full-time employees receive paid annual leave per calendar year."
    assert scorer.judge(supported, evidence) == (Support.SUPPORTED, 0.0)
    assert scorer.judge("You also get a free gym membership and a bonus.", evidence)[0] is Support.UNRELATED


def test_an_encoder_answering_with_the_wrong_number_of_rows_is_an_error() -> None:
    scorer = GroundednessScorer(lambda texts: bag_of_words(texts)[:1])
    with pytest.raises(ValueError, match="encoder returned"):
        scorer.evidence(PASSAGES).vectors()


async def test_block_holds_each_sentence_until_judged_and_stops_before_the_unsupported_one(
    scorer: GroundednessScorer,
) -> None:
    check = GroundingCheck(scorer, PASSAGES, GroundingMode.BLOCK)
    first, _ = await check.feed(ANSWER[0], final=False)
    assert first == "", "an unfinished sentence is held"
    released, blocked = await stream_from(check, ANSWER[1:])
    assert released == "You get 25 days of paid annual leave per year [1]. "
    assert blocked is not None


ODD_ANSWERS = [
    "",
    "[1]",
    "No, we do not. ",
    "I could not ",
    "[1] Expenses and travel › Approval",
    "Yes.\n\n[1] Public holidays › Public holidays\nPublic holidays are paid up to 10 days. e.g. 2.5 days...",
    "- Step one: run `gp-connect --portal`\n- Step two!!! ???\n\n\n",
    "Ünïcödé ☃ 日本語の文. Emoji 🙂 end.",
]


@pytest.mark.parametrize("mode", [GroundingMode.ANNOTATE, GroundingMode.BLOCK])
async def test_any_answer_split_anywhere_is_judged_without_error(
    scorer: GroundednessScorer, mode: GroundingMode
) -> None:
    rng = random.Random(7)
    for answer in ODD_ANSWERS:
        check = GroundingCheck(scorer, PASSAGES, mode)
        released, position = "", 0
        while True:
            step = rng.randint(1, 5)
            delta, position = answer[position : position + step], position + step
            text, blocked = await check.feed(delta, final=position >= len(answer))
            released += text
            if blocked is not None or position >= len(answer):
                break
        report = check.report()
        assert all(0 <= s.start < s.end <= len(answer) for s in report.unsupported)
        if mode is GroundingMode.ANNOTATE:
            assert released == answer
        else:
            assert answer.startswith(released)


async def test_a_failing_check_costs_an_annotated_answer_nothing_but_fails_a_blocked_one_closed() -> None:
    def broken(texts: Sequence[str]) -> list[list[float]]:
        raise RuntimeError("encoder down")

    annotate = GroundingCheck(GroundednessScorer(broken), PASSAGES, GroundingMode.ANNOTATE)
    assert await stream_from(annotate, ANSWER) == ("".join(ANSWER), None)
    assert annotate.failed
    block = GroundingCheck(GroundednessScorer(broken), PASSAGES, GroundingMode.BLOCK)
    with pytest.raises(RuntimeError):
        await stream_from(block, ANSWER)


class ScriptedGenerator:
    """Streams the given deltas, the last one finished."""

    def __init__(self, deltas: Sequence[str]) -> None:
        self.deltas = deltas

    async def render(self, turns: tuple[ChatTurn, ...]) -> PromptTokens:
        return PromptTokens(token_ids=(1,))

    async def stream(self, prompt: PromptTokens, sampling: Sampling, request_id: str) -> AsyncIterator[GenerationDelta]:
        for index, text in enumerate(self.deltas):
            final = index == len(self.deltas) - 1
            yield GenerationDelta(
                text=text, completion_tokens=index + 1, prompt_tokens=1, finish_reason="stop" if final else None
            )

    def stats(self) -> EngineStats:
        return EngineStats(alive=True)


async def test_an_annotated_answer_sends_its_last_text_before_the_whole_answer_is_judged() -> None:
    received: list[AnswerEvent] = []
    judged_after: list[int] = []

    def recording(texts: Sequence[str]) -> list[list[float]]:
        judged_after.append(len(received))
        return bag_of_words(texts)

    answer = [delta.replace(" [1]", "") for delta in ANSWER]  # no sources here: the citation filter drops markers
    check = GroundingCheck(GroundednessScorer(recording, similarity=0.6), PASSAGES, GroundingMode.ANNOTATE)
    prepared = PreparedChat(
        generator=ScriptedGenerator(answer),
        prompt=PromptTokens(token_ids=(1,)),
        sampling=Sampling(max_tokens=16),
        request_id="r1",
        sources=[],
        guard=None,
        context=None,
        timer=StageTimer(),
        grounding=check,
    )
    async for event in prepared.events():
        received.append(event)
    assert [event.text for event in received] == [*answer, ""]
    assert received[-1].finish_reason == "stop"
    assert judged_after == [len(answer)] * 2, "judged once every text event had gone out"
    assert check.report().checked == 2
