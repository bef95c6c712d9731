"""`rag-server` / `python -m rag_server`: read the environment once, build the app, serve it until drained."""

from __future__ import annotations

import logging
import os
import sys
from types import FrameType

import uvicorn

from rag_server.app import create_app
from rag_server.drain import Drain
from rag_server.settings import SettingsError, load_settings


class DrainingServer(uvicorn.Server):
    """uvicorn, except that SIGTERM/SIGINT drain the replica (`rag_server.drain`) instead of closing the listener
    at once: the server keeps answering probes and finishing streams, and stops when the drain says so. A third
    signal forces uvicorn's own immediate exit."""

    def __init__(self, config: uvicorn.Config, drain: Drain) -> None:
        super().__init__(config)
        self._drain = drain
        self._signals = 0
        drain.bind(self._stop)

    def _stop(self) -> None:
        self.should_exit = True

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._signals += 1
        if self._signals > 2:
            self.should_exit = self.force_exit = True
        else:
            self._drain.signal()


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
    drain: Drain = app.state["drain"]
    config = uvicorn.Config(
        app, host=settings.server.host, port=settings.server.port, log_level=settings.server.log_level
    )
    DrainingServer(config, drain).run()
    return drain.exit_code


if __name__ == "__main__":  # the guard vLLM's spawned engine process relies on
    sys.exit(main())
