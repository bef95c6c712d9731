"""Layer boundaries that imports alone can break: `rag-ingest` shares the retrieval layer with the server, never
its HTTP surface."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN_IN_INGEST = ("litestar", "rag_server.api")


def test_the_ingest_cli_loads_neither_litestar_nor_the_http_handlers() -> None:
    probe = (
        "import json, sys, ingest.cli; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({FORBIDDEN_IN_INGEST!r}))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded == [], f"`import ingest.cli` loads {loaded}; shared wire types belong below the API layer"
