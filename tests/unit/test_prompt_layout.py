"""Where the instructions and passages go: the fixed system turn stays byte-identical across requests (the shared
cached prefix) in both layouts, and the client's turns keep their order and text."""

from __future__ import annotations

import pytest

from guardrails import GuardContext
from guardrails.leak import SystemPromptLeakGuard
from rag_server.generation.port import ChatTurn
from rag_server.pipeline.prompt import PROMPT_CANARY, compose_turns, leak_reference, system_prompt
from rag_server.settings import PromptLayout

SOURCES = "<sources>\n[1] Leave policy › Annual leave\nFull-time employees get 25 days.\n</sources>"
HISTORY = (
    ChatTurn("user", "Hi"),
    ChatTurn("assistant", "Hello! How can I help?"),
    ChatTurn("user", "How many days of leave do I get?"),
)


def test_the_system_layout_puts_instructions_and_sources_first_and_the_conversation_after() -> None:
    composed = compose_turns(HISTORY, SOURCES, PromptLayout.SYSTEM)
    assert composed[0] == ChatTurn("system", f"{system_prompt(PromptLayout.SYSTEM)}\n\n{SOURCES}")
    assert composed[1:] == HISTORY


def test_the_question_layout_keeps_the_system_turn_fixed_and_puts_the_sources_beside_the_last_question() -> None:
    composed = compose_turns(HISTORY, SOURCES, PromptLayout.QUESTION)
    other = compose_turns((ChatTurn("user", "Something else?"),), "<sources>\n[1] x\n</sources>", PromptLayout.QUESTION)
    assert composed[0] == other[0] == ChatTurn("system", system_prompt(PromptLayout.QUESTION))
    examples = composed[1:5]
    assert examples == other[1:5], "the worked examples are fixed text: part of the cached prefix"
    assert [turn.role for turn in examples] == ["user", "assistant"] * 2
    assert "[2]" in examples[1].content
    assert "could not find" in examples[3].content
    assert composed[5:7] == HISTORY[:2], "earlier turns go as sent"
    last = composed[7]
    assert last.role == "user"
    assert last.content.startswith(SOURCES)
    assert "Question: How many days of leave do I get?" in last.content
    assert last.content.index("Question:") < last.content.index("cite")
    assert len(composed) == len(HISTORY) + 5


def test_a_conversation_without_a_user_turn_gets_the_sources_in_the_system_turn() -> None:
    turns = (ChatTurn("system", "Be brief."),)
    composed = compose_turns(turns, SOURCES, PromptLayout.QUESTION)
    assert composed[0].content.endswith(SOURCES)
    assert composed[1:] == turns


def test_without_retrieval_the_conversation_goes_as_sent() -> None:
    for layout in PromptLayout:
        assert compose_turns(HISTORY, None, layout) == HISTORY


def test_every_layout_carries_the_canary_the_leak_rail_watches() -> None:
    for layout in PromptLayout:
        assert PROMPT_CANARY in system_prompt(layout)


@pytest.mark.parametrize("layout", list(PromptLayout))
def test_a_refusal_worded_as_instructed_is_not_a_leak_but_the_instructions_are(layout: PromptLayout) -> None:
    leak = SystemPromptLeakGuard(leak_reference(layout), canaries=(PROMPT_CANARY,))
    refusal = "I could not find that in the documents. I could not find it in the documents, sorry."
    assert not leak_findings(leak, refusal)
    quoted = system_prompt(layout).split("\n")[1] if layout is PromptLayout.QUESTION else system_prompt(layout)[:300]
    assert leak_findings(leak, quoted), "quoting the instructions is still stopped"


def leak_findings(leak: SystemPromptLeakGuard, text: str) -> list[object]:
    check = leak.open(GuardContext(request_id="r", policy_version="p"))
    return list(check.review(text))
