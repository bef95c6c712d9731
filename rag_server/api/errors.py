"""The one place errors become responses: OpenAI's envelope on /v1/*, RFC 9457 problem+json elsewhere."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from rag_server.errors import RagError

__all__ = ["EXCEPTION_HANDLERS", "ErrorBody", "ErrorEnvelope", "Problem", "error_envelope", "log_unexpected"]

logger = logging.getLogger(__name__)


class ErrorBody(msgspec.Struct, frozen=True):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorEnvelope(msgspec.Struct, frozen=True):
    """`{"error": {...}}`: the shape the `openai` SDK unwraps into its exception's `.body`."""

    error: ErrorBody


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    title: str
    status: int
    detail: str
    type: str = "about:blank"
    code: str | None = None


_HTTP_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error"}


def error_envelope(exc: RagError) -> ErrorEnvelope:
    return ErrorEnvelope(ErrorBody(exc.message, exc.error_type, exc.param, exc.code))


def _render(
    request: Request[Any, Any, Any],
    status: int,
    body: ErrorBody,
    retry_after_s: int | None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    headers = dict(headers or {})
    if retry_after_s is not None:
        headers["Retry-After"] = str(retry_after_s)
    if request.url.path.startswith("/v1/"):
        content = msgspec.json.encode(ErrorEnvelope(body))
        return Response(content, status_code=status, media_type="application/json", headers=headers)
    problem = Problem(title=body.type, status=status, detail=body.message, code=body.code)
    return Response(
        msgspec.json.encode(problem), status_code=status, media_type="application/problem+json", headers=headers
    )


def _rag_error(request: Request[Any, Any, Any], exc: RagError) -> Response[bytes]:
    return _render(
        request, exc.status_code, ErrorBody(exc.message, exc.error_type, exc.param, exc.code), exc.retry_after_s
    )


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    # Litestar's own errors (404 route, 405 method, 413 body too large) carry framework text, never user text.
    error_type = _HTTP_ERROR_TYPES.get(
        exc.status_code, "invalid_request_error" if exc.status_code < 500 else "server_error"
    )
    # Its headers stay: a 405 names the methods the route allows (`Allow`, RFC 9110).
    return _render(request, exc.status_code, ErrorBody(exc.detail, error_type), None, exc.headers)


def log_unexpected(exc: BaseException, where: str) -> None:
    """Log an unexpected error's type and where it came from. Never `str(exc)`: the message may hold user text."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("unhandled %s in %s\n%s", type(exc).__name__, where, frames)


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log_unexpected(exc, f"{request.method} {request.url.path}")
    body = ErrorBody("internal server error", "server_error")
    return _render(request, HTTP_500_INTERNAL_SERVER_ERROR, body, None)


EXCEPTION_HANDLERS = {RagError: _rag_error, HTTPException: _http_error, Exception: _unexpected_error}
