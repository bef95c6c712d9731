"""The request path between the HTTP edge and the engine."""

from rag_server.pipeline.answer import AnswerEvent, AnswerFinish, Outcome, PreparedChat
from rag_server.pipeline.chat import ChatInput, ChatPipeline, CheckedInput, RagOptions
from rag_server.pipeline.fitting import FittedPrompt, PromptBudget, fit_prompt
from rag_server.pipeline.sampling import RequestedSampling, resolve_sampling

__all__ = [
    "AnswerEvent",
    "AnswerFinish",
    "ChatInput",
    "ChatPipeline",
    "CheckedInput",
    "FittedPrompt",
    "Outcome",
    "PreparedChat",
    "PromptBudget",
    "RagOptions",
    "RequestedSampling",
    "fit_prompt",
    "resolve_sampling",
]
