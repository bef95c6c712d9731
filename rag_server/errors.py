"""Typed errors raised by domain code. Only `rag_server.api.errors` turns them into HTTP responses."""

from __future__ import annotations

__all__ = [
    "ContentFilterError",
    "ContextLengthExceededError",
    "EngineUnavailableError",
    "InvalidRequestError",
    "ModelNotFoundError",
    "OverloadedError",
    "RagError",
    "ShuttingDownError",
    "UnsupportedParameterError",
]


class RagError(Exception):
    """Base of every error the server renders on purpose.

    `message` is shown to the client, so it must never contain request text or secrets.
    """

    status_code: int = 500
    error_type: str = "server_error"
    code: str | None = None

    def __init__(self, message: str, *, param: str | None = None, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.retry_after_s = retry_after_s


class InvalidRequestError(RagError):
    """The request body is malformed or a field has a bad value; `param` names the field."""

    status_code = 400
    error_type = "invalid_request_error"


class UnsupportedParameterError(InvalidRequestError):
    """A valid OpenAI parameter this server cannot honour (e.g. `n > 1`, `tools`)."""

    code = "unsupported_parameter"


class ContextLengthExceededError(InvalidRequestError):
    """Prompt plus requested completion do not fit the model's context window."""

    code = "context_length_exceeded"


class EngineUnavailableError(RagError):
    """The generation engine is starting, has failed, or died; the client should retry later."""

    status_code = 503
    error_type = "service_unavailable"
    code = "engine_unavailable"


class ModelNotFoundError(RagError):
    """The request names a model this server does not serve."""

    status_code = 404
    error_type = "invalid_request_error"
    code = "model_not_found"


class ContentFilterError(RagError):
    """A guardrail refused the request; the message names the reason and the decision, never the text."""

    status_code = 400
    error_type = "invalid_request_error"
    code = "content_filter"


class OverloadedError(RagError):
    """No capacity to take the request now; retry after the given time."""

    status_code = 503
    error_type = "service_unavailable"
    code = "server_overloaded"


class ShuttingDownError(RagError):
    """This replica is draining or stopping: the request was not worked on, so retrying elsewhere is safe."""

    status_code = 503
    error_type = "service_unavailable"
    code = "shutting_down"
