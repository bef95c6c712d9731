"""The chat page at `/`: three static files shipped in the package, no build step, nothing fetched from the
internet. It talks to the same `/v1/chat/completions` SSE API as any other client."""

from __future__ import annotations

from importlib import resources

from litestar import Response, get
from litestar.exceptions import NotFoundException

__all__ = ["chat_page", "web_asset"]

_ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}
# Same-origin only: no inline script, no third-party anything.
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _read(name: str) -> bytes:
    return resources.files("rag_server.web").joinpath(name).read_bytes()


@get("/", sync_to_thread=False, include_in_schema=False)
def chat_page() -> Response[bytes]:
    return Response(_read("index.html"), media_type="text/html; charset=utf-8", headers=_HEADERS)


@get("/static/{name:str}", sync_to_thread=False, include_in_schema=False)
def web_asset(name: str) -> Response[bytes]:
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise NotFoundException(f"no asset named {name!r}")
    return Response(_read(name), media_type=f"{media_type}; charset=utf-8", headers=_HEADERS)
