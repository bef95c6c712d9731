"""`rag-server` / `python -m rag_server`: read the environment once, build the app, serve it."""

from __future__ import annotations

import logging
import os
import sys

import uvicorn

from rag_server.app import create_app
from rag_server.settings import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings(os.environ)
    except SettingsError as exc:
        print(f"rag-server: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.server.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    uvicorn.run(app, host=settings.server.host, port=settings.server.port, log_level=settings.server.log_level)
    return 0


if __name__ == "__main__":  # the guard vLLM's spawned engine process relies on
    sys.exit(main())
