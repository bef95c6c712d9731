"""The retrieval evaluation questions (bench/eval/questions.toml): each names the document and, where one section
answers it, the section. Shared by the retrieval tables and the load generator's prompts."""

from __future__ import annotations

from pathlib import Path

import msgspec

QUESTIONS = Path(__file__).with_name("eval") / "questions.toml"


class Question(msgspec.Struct, frozen=True):
    text: str
    source: str
    section: str = ""


class QuestionSet(msgspec.Struct, frozen=True):
    q: list[Question]


def load_questions() -> list[Question]:
    return msgspec.toml.decode(QUESTIONS.read_bytes(), type=QuestionSet).q


def relevant(source: str, section: str, question: Question) -> bool:
    """A hit answers the question when it comes from its document and (if one is named) its section."""
    return source == question.source and (not question.section or question.section in section)
